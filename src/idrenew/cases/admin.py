from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.admin_mixins import AuditedViewMixin
from idrenew.audit.models import AuditEvent
from idrenew.cases.models import RenewalCase


@admin.register(RenewalCase)
class RenewalCaseAdmin(AuditedViewMixin, admin.ModelAdmin[RenewalCase]):
    audit_action = "staff.viewed_case"

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        case = RenewalCase.objects.filter(pk=object_id).only("customer_id").first()
        return {"case_id": case.pk, "customer_id": case.customer_id} if case else {}

    list_display = ["reference", "customer", "state", "created_at", "expires_at", "submitted_at"]
    list_filter = ["state"]
    list_select_related = ["customer"]
    search_fields = ["=reference", "=customer__fund_account"]
    readonly_fields = [
        "reference",
        "customer",
        "state",
        "channel",
        "created_at",
        "updated_at",
        "expires_at",
        "submitted_at",
        "closed_at",
        "audit_trail",
    ]
    date_hierarchy = "created_at"

    @admin.display(description="审计记录")
    def audit_trail(self, obj: RenewalCase) -> str:
        from django.utils.html import format_html_join

        events = AuditEvent.objects.filter(case_id=obj.id).order_by("at", "id")
        return format_html_join(
            "\n",
            "<div>{} · {} · {} {}</div>",
            (
                (
                    timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                    e.action,
                    e.get_actor_type_display(),
                    e.actor_id,
                )
                for e in events
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RenewalCase | None = None) -> bool:
        return False
