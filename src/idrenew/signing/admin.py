"""Back office: reading records, handwritten signatures and signed PDFs, read-only; every look
at a signature or a document is an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from idrenew.audit.admin_mixins import (
    AuditedViewMixin,
    ReadOnlyAdminMixin,
    audited_image_response,
)
from idrenew.core import access
from idrenew.signing.models import AgreementReading, HandSignature, SignedDocument


@admin.register(AgreementReading)
class AgreementReadingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AgreementReading]):
    list_display = [
        "case",
        "agreement",
        "version",
        "opened_at",
        "scrolled_to_end_at",
        "read_at",
        "seconds",
    ]
    list_select_related = ["case"]
    search_fields = ["=case__reference"]
    fields = (
        "case",
        "agreement",
        "version",
        "content_hash",
        "opened_at",
        "scrolled_to_end_at",
        "read_at",
        "seconds",
    )
    readonly_fields = fields


@admin.register(HandSignature)
class HandSignatureAdmin(ReadOnlyAdminMixin, AuditedViewMixin, admin.ModelAdmin[HandSignature]):
    audit_action = "staff.viewed_signature"
    list_display = ["case", "created_at", "stroke_count", "point_count", "ink_extent"]
    list_select_related = ["case"]
    search_fields = ["=case__reference"]
    fields = ("case", "image", "stroke_count", "point_count", "ink_extent", "created_at")
    readonly_fields = fields

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        found = HandSignature.objects.filter(pk=object_id).select_related("case").first()
        return {"case_id": found.case_id, "customer_id": found.case.customer_id} if found else {}

    @admin.display(description="签名")
    def image(self, obj: HandSignature) -> str:
        url = reverse("admin:signing_handsignature_image", args=[obj.pk])
        return format_html(
            '<img src="{}" alt="签名" style="max-width:360px;border:1px solid #ddd">', url
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.image_view)
        own = [path("<uuid:pk>/signature.png", view, name="signing_handsignature_image")]
        return own + super().get_urls()

    def image_view(self, request: HttpRequest, pk: str) -> HttpResponse:
        if not access.can_view_signature_image(request.user):
            raise PermissionDenied
        signature = HandSignature.objects.filter(pk=pk).select_related("case").first()
        if signature is None:
            raise Http404
        return audited_image_response(
            request,
            storage_name=signature.image_name,
            action="staff.viewed_signature_image",
            case_id=signature.case_id,
            customer_id=signature.case.customer_id,
            data={"signature": str(signature.pk)},
            content_type="image/png",
        )


@admin.register(SignedDocument)
class SignedDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[SignedDocument]):
    list_display = ["case", "title", "version", "signed_at", "certificate_serial"]
    list_select_related = ["case"]
    search_fields = ["=case__reference"]
    fields = (
        "case",
        "title",
        "version",
        "content_hash",
        "pdf_sha256",
        "download",
        "certificate_serial",
        "certificate_fingerprint",
        "certificate_not_after",
        "key_generated_at",
        "signed_at",
    )
    readonly_fields = fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if access.can_download_signed_pdf(request.user):
            return self.fields
        return tuple(f for f in self.fields if f != "download")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    @admin.display(description="文件")
    def download(self, obj: SignedDocument) -> str:
        url = reverse("admin:signing_signeddocument_pdf", args=[obj.pk])
        return format_html('<a href="{}">下载 PDF</a>（可在 /backoffice/verify 验签）', url)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.pdf_view)
        own = [path("<int:pk>/document.pdf", view, name="signing_signeddocument_pdf")]
        return own + super().get_urls()

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The signed PDF carries the full ID number: only for staff allowed to see it
        (``core.access``); the others get a 403 explaining where the verification is."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        doc = SignedDocument.objects.filter(pk=pk).select_related("case").first()
        if doc is None:
            raise Http404
        if not access.can_download_signed_pdf(request.user):
            return TemplateResponse(
                request,
                "admin/signing/pdf_refused.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "无权下载已签署协议",
                    "message": access.SIGNED_PDF_REFUSED,
                    "case_id": doc.case_id,
                },
                status=403,
            )
        return audited_image_response(
            request,
            storage_name=doc.pdf_name,
            action="staff.viewed_signed_document",
            case_id=doc.case_id,
            customer_id=doc.case.customer_id,
            data={"document": doc.pk, "sha256": doc.pdf_sha256},
            content_type="application/pdf",
        )
