"""Staff page `/backoffice/verify`: drop a signed PDF, see the same report as the CLI.

`/backoffice/ca.crl` serves the CA's current CRL (DER, ``application/pkix-crl``, RFC 2585) to
anyone: a CRL is signed and public by design, and verifiers must reach it without an account.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from idrenew.signing.services import pdf_verify
from idrenew.signing.store import current_crl

logger = logging.getLogger(__name__)


@staff_member_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"max_mb": settings.IDRENEW_SIGNING_VERIFY_MAX_BYTES // 2**20}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("pdf")
        if upload is None:
            context["error"] = "请选择要验证的 PDF 文件。"
            status = 400
        elif upload.size is not None and upload.size > settings.IDRENEW_SIGNING_VERIFY_MAX_BYTES:
            context["error"] = f"文件过大：不能超过 {context['max_mb']} MB。"
            status = 413
        else:
            data = upload.read()
            if not data.startswith(b"%PDF-"):
                context["error"] = "这不是 PDF 文件。"
                status = 400
            else:
                report = pdf_verify(data)
                context["report"] = report
                context["filename"] = upload.name
                logger.info(
                    "staff %s verified a PDF: valid=%s signatures=%d",
                    request.user.pk,
                    report.valid,
                    len(report.signatures),
                )
    return render(request, "signing/verify.html", context, status=status)


@require_GET
def crl(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(current_crl(), content_type="application/pkix-crl")
    response["Content-Disposition"] = 'attachment; filename="ca.crl"'
    response["Cache-Control"] = "public, max-age=300"
    return response
