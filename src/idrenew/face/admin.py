"""Back office: face-recognition attempts, read-only. Every view of an attempt and every
look at its best frame is an audit event (the image is served decrypted, never cached)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.cache import never_cache

from idrenew.audit.admin_mixins import (
    AuditedViewMixin,
    ReadOnlyAdminMixin,
    audited_image_response,
)
from idrenew.core import access
from idrenew.face.domain.types import FAILURE_MESSAGES, PROMPTS
from idrenew.face.models import FaceAttempt, FaceConsent

ATTEMPT_FIELDS = (
    "case",
    "status",
    "actions_asked",
    "action_results",
    "failure_messages",
    "best_frame",
    "match",
    "spoof_note",
    "frame_count",
    "face_ratio",
    "analysis_seconds",
    "created_at",
    "analyzed_at",
    "biometrics_deleted_at",
)


@admin.register(FaceAttempt)
class FaceAttemptAdmin(ReadOnlyAdminMixin, AuditedViewMixin, admin.ModelAdmin[FaceAttempt]):
    audit_action = "staff.viewed_face_attempt"
    list_display = ["case", "status", "actions_asked", "match", "spoof_note", "created_at"]
    list_filter = ["status"]
    list_select_related = ["case", "challenge"]
    search_fields = ["=case__reference"]
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        found = FaceAttempt.objects.filter(pk=object_id).select_related("case").first()
        return {"case_id": found.case_id, "customer_id": found.case.customer_id} if found else {}

    @admin.display(description="要求的动作")
    def actions_asked(self, obj: FaceAttempt) -> str:
        return "、".join(PROMPTS.get(a, a) for a in obj.challenge.actions)

    @admin.display(description="动作结果")
    def action_results(self, obj: FaceAttempt) -> str:
        parts = []
        for a in obj.actions:
            frames = a.get("frames")
            where = f"（第{frames[0]}–{frames[1]}帧）" if frames else ""
            verdict = "通过" if a["passed"] else "未通过"
            parts.append(f"{PROMPTS.get(a['action'], a['action'])}：{verdict}{where}")
        return "；".join(parts) or "—"

    @admin.display(description="未通过原因")
    def failure_messages(self, obj: FaceAttempt) -> str:
        return "；".join(f"{c} {FAILURE_MESSAGES.get(c, '')}" for c in obj.failures) or "—"

    @admin.display(description="人脸比对（开户留档照）")
    def match(self, obj: FaceAttempt) -> str:
        if obj.reference_similarity is None:
            return "无开户留档照，未比对"
        verdict = "通过" if obj.reference_similarity >= (obj.reference_threshold or 1) else "未通过"
        return f"{obj.reference_similarity:.3f}（阈值 {obj.reference_threshold:.2f}，{verdict}）"

    @admin.display(description="最佳帧")
    def best_frame(self, obj: FaceAttempt) -> str:
        if obj.biometrics_deleted_at:
            return "已按保存期限删除"
        if not obj.best_frame_name:
            return "—"
        url = reverse("admin:face_faceattempt_best_frame", args=[obj.pk])
        return format_html('<img src="{}" alt="最佳帧" style="max-width:320px">', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(never_cache(self.best_frame_view))
        own = [path("<uuid:pk>/best-frame.jpg", view, name="face_faceattempt_best_frame")]
        return own + super().get_urls()

    def best_frame_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        if not access.can_view_biometric_images(request.user):
            raise PermissionDenied
        attempt = FaceAttempt.objects.filter(pk=pk).select_related("case").first()
        if attempt is None or not attempt.best_frame_name:
            raise Http404
        return audited_image_response(
            request,
            storage_name=attempt.best_frame_name,
            action="staff.viewed_face_image",
            case_id=attempt.case_id,
            customer_id=attempt.case.customer_id,
            data={"attempt": str(attempt.pk)},
        )


@admin.register(FaceConsent)
class FaceConsentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[FaceConsent]):
    list_display = ["case", "notice_version", "consented_at"]
    search_fields = ["=case__reference"]
    readonly_fields = [
        "case",
        "notice_version",
        "notice_digest",
        "consented_at",
        "ip",
        "user_agent",
    ]
