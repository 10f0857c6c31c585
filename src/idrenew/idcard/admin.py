"""Back office: the card as read and as edited, side by side; the photos on demand.

Read-only. Every page view and every image view is an audit event; the ID number is shown
masked (unmasking is the back-office issue's permission)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.cache import never_cache

from idrenew.audit.admin_mixins import (
    AuditedViewMixin,
    ReadOnlyAdminMixin,
    audited_image_response,
)
from idrenew.core import access
from idrenew.idcard.models import CardReading, CardUpload
from idrenew.idcard.selectors import card_confirmed_of
from idrenew.idcard.services import message_of
from idrenew.lib.masking import mask_id_number

LABELS = {
    "name": "姓名",
    "sex": "性别",
    "ethnicity": "民族",
    "birth_date": "出生",
    "address": "住址",
    "id_number": "公民身份号码",
    "issuer": "签发机关",
    "valid_from": "有效期起",
    "valid_to": "有效期止",
    "long_term": "长期有效",
}
IMAGES = {"card": "card_name", "portrait": "portrait_name", "photo": "image_name"}
READING_FIELDS = ("case", "comparison", "flags", "face", "photos", "read_at")


def _shown(key: str, value: Any) -> str:
    if key == "id_number":
        return mask_id_number(str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return "—" if value in (None, "") else str(value)


@admin.register(CardReading)
class CardReadingAdmin(ReadOnlyAdminMixin, AuditedViewMixin, admin.ModelAdmin[CardReading]):
    audit_action = "staff.viewed_card_reading"
    list_display = ["case", "read_at", "identity_confirmed_at", "update_confirmed_at"]
    list_select_related = ["case"]
    search_fields = ["=case__reference"]
    fields = READING_FIELDS
    readonly_fields = READING_FIELDS

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        found = CardReading.objects.filter(pk=object_id).select_related("case").first()
        return {"case_id": found.case_id, "customer_id": found.case.customer_id} if found else {}

    @admin.display(description="识别值 / 客户修改")
    def comparison(self, obj: CardReading) -> str:
        ocr, edits = obj.ocr, obj.edits
        # Highlighted as review counts an edit (idcard.selectors): a date in another format
        # is no change, clearing 长期 counts under valid_to.
        changed_keys = set(card_confirmed_of(obj).edited)
        if "valid_to" in changed_keys:
            changed_keys.add("long_term")
        rows = []
        for key, label in LABELS.items():
            if key not in ocr and key not in edits:
                continue
            read = _shown(key, ocr.get(key))
            edited = edits.get(key, ocr.get(key)) if key in edits else None
            changed = key in edits and key in changed_keys
            rows.append((label, read, _shown(key, edited) if key in edits else "", changed))
        return format_html(
            "<table><tr><th>项目</th><th>识别值</th><th>客户提交</th></tr>{}</table>",
            format_html_join(
                "",
                '<tr><td>{}</td><td>{}</td><td style="{}">{}</td></tr>',
                (
                    (label, read, "background:#fff3cd;font-weight:bold" if changed else "", edit)
                    for label, read, edit, changed in rows
                ),
            ),
        )

    @admin.display(description="提示审核")
    def flags(self, obj: CardReading) -> str:
        return "；".join(f"{c} {message_of(c)}" for c in obj.review_flags) or "—"

    @admin.display(description="证件人像比对")
    def face(self, obj: CardReading) -> str:
        if not obj.face_checked or obj.face_similarity is None:
            return "未能比对"
        verdict = "通过" if obj.face_passed else "未通过"
        return f"{obj.face_similarity:.3f}（阈值 {obj.face_threshold:.2f}，{verdict}）"

    @admin.display(description="证件照片")
    def photos(self, obj: CardReading) -> str:
        parts = []
        for upload in (obj.front, obj.back):
            for kind in ("card", "portrait"):
                if getattr(upload, IMAGES[kind]):
                    url = reverse("admin:idcard_cardupload_image", args=[upload.pk, kind])
                    parts.append((url, f"{upload.get_side_display()} {kind}"))
        return format_html_join(
            " ", '<img src="{}" alt="{}" style="max-height:220px;margin:4px">', parts
        )


@admin.register(CardUpload)
class CardUploadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[CardUpload]):
    list_display = ["case", "side", "status", "warning_codes", "created_at", "analysis_seconds"]
    list_filter = ["side", "status"]
    list_select_related = ["case"]
    search_fields = ["=case__reference"]
    fields = ("case", "side", "status", "warning_codes", "created_at", "analysis_seconds")
    readonly_fields = fields

    @admin.display(description="警告")
    def warning_codes(self, obj: CardUpload) -> str:
        return "、".join(w["code"] for w in obj.warnings) or "—"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(never_cache(self.image_view))
        own = [path("<uuid:pk>/<str:kind>.jpg", view, name="idcard_cardupload_image")]
        return own + super().get_urls()

    def image_view(self, request: HttpRequest, pk: str, kind: str) -> HttpResponse:
        if not self.has_view_permission(request) or kind not in IMAGES:
            raise PermissionDenied
        allowed = (
            access.can_view_biometric_images if kind == "portrait" else access.can_view_card_images
        )
        if not allowed(request.user):
            raise PermissionDenied
        upload = CardUpload.objects.filter(pk=pk).select_related("case").first()
        name = getattr(upload, IMAGES[kind], "") if upload else ""
        if upload is None or not name:
            raise Http404
        return audited_image_response(
            request,
            storage_name=name,
            action="staff.viewed_card_image",
            case_id=upload.case_id,
            customer_id=upload.case.customer_id,
            data={"upload": str(upload.pk), "kind": kind},
        )
