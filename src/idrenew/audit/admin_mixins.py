"""Admin mixin: every staff view of a record holding customer data is an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record


class AuditedViewMixin(admin.ModelAdmin[Any]):
    audit_action = "staff.viewed"

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        """Ids for the event (customer_id, case_id); override per model."""
        return {}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            audit_record(
                action=self.audit_action,
                actor_type=ActorType.STAFF,
                actor_id=str(request.user.pk),
                request=request,
                data={"model": self.model._meta.label_lower, "object_id": str(object_id)},
                **self.audit_ids(object_id),
            )
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200:
            audit_record(
                action=f"{self.audit_action}_list",
                actor_type=ActorType.STAFF,
                actor_id=str(request.user.pk),
                request=request,
                data={
                    "model": self.model._meta.label_lower,
                    "query": request.GET.urlencode()[:200],
                },
            )
        return response


class ReadOnlyAdminMixin(admin.ModelAdmin[Any]):
    """Evidence is looked at, never edited or deleted from the back office."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def audited_image_response(
    request: HttpRequest,
    *,
    storage_name: str,
    action: str,
    case_id: Any,
    customer_id: int,
    data: dict[str, Any],
    content_type: str = "image/jpeg",
) -> HttpResponse:
    """An encrypted file (an image, a PDF), decrypted for one staff member's look: logged,
    never cached."""
    from idrenew.lib.files import read_encrypted

    audit_record(
        action=action,
        actor_type=ActorType.STAFF,
        actor_id=str(request.user.pk),
        request=request,
        case_id=case_id,
        customer_id=customer_id,
        data=data,
    )
    response = HttpResponse(read_encrypted(storage_name), content_type=content_type)
    response["Cache-Control"] = "no-store, private"
    return response
