"""The customer's signed documents after signing: which ones a case shows, short-lived signed
download links for app clients, and serving a PDF (no-store, named, audited).

A customer always has access to the documents they signed, for every case of theirs, open or
closed. The cookie session reaches them by case reference
(``/api/cases/{reference}/documents/{key}.pdf``); an app client with a bearer token gets a
link (``/api/documents/{token}``) that works without any session for
:data:`LINK_MAX_AGE_SECONDS`: the token is signed with the server's secret (salted for this
one purpose) and binds the customer, the case, the document and the file's SHA-256.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from idrenew.audit.services import audit_customer
from idrenew.cases.models import RenewalCase
from idrenew.core.errors import AppError
from idrenew.customers.models import Customer
from idrenew.lib.files import read_encrypted
from idrenew.signing.models import SignedDocument

logger = logging.getLogger(__name__)

LINK_MAX_AGE_SECONDS = 300
LINK_SALT = "idrenew.signing.document-link.v1"
LINK_PREFIX = "/api/documents/"


class DocumentNotFound(AppError):
    code = "DOCUMENT_NOT_FOUND"
    status = 404
    default_message = "未找到该文件，请返回我的办理记录重新选择"
    retryable = False


class DocumentLinkExpired(AppError):
    code = "DOCUMENT_LINK_EXPIRED"
    status = 410
    default_message = "下载链接已过期（有效期5分钟），请在我的办理记录中重新打开该文件"
    retryable = False


class DocumentLinkInvalid(AppError):
    code = "DOCUMENT_LINK_INVALID"
    status = 404
    default_message = "下载链接无效，请在我的办理记录中重新打开该文件"
    retryable = False


@dataclass(frozen=True)
class DocumentLink:
    url: str
    expires_at: datetime


# --- which documents a case shows ----------------------------------------------------------


def documents_latest(case: RenewalCase) -> list[SignedDocument]:
    """The documents of the case's newest signature (a redo after 需补充 signs anew; the
    newest are the ones shown and reviewed), in the agreements' order."""
    return documents_latest_by_case([case]).get(case.id, [])


def documents_latest_by_case(cases: list[RenewalCase]) -> dict[uuid.UUID, list[SignedDocument]]:
    """:func:`documents_latest` for many cases in one query (the 我的办理记录 list)."""
    by_case: dict[uuid.UUID, list[SignedDocument]] = {}
    rows = SignedDocument.objects.filter(case__in=[c.id for c in cases]).order_by(
        "case_id", "-signed_at", "agreement"
    )
    newest: dict[uuid.UUID, uuid.UUID] = {}
    for doc in rows:
        signature = newest.setdefault(doc.case_id, doc.signature_id)
        if doc.signature_id == signature:
            by_case.setdefault(doc.case_id, []).append(doc)
    for docs in by_case.values():
        docs.sort(key=lambda d: (d.signed_at, d.agreement))
    return by_case


def document_of_case(case: RenewalCase, key: str) -> SignedDocument:
    doc = next((d for d in documents_latest(case) if d.agreement == key), None)
    if doc is None:
        raise DocumentNotFound()
    return doc


# --- signed links ------------------------------------------------------------------------


def document_link_mint(
    *, customer: Customer, document: SignedDocument, now: datetime | None = None
) -> DocumentLink:
    """A link to ``document`` for its owner, valid :data:`LINK_MAX_AGE_SECONDS`. Only the
    signed-in owner is handed one (the caller passes the session's customer; the document
    must belong to one of that customer's cases)."""
    if document.case.customer_id != customer.pk:
        raise DocumentNotFound()  # never mint for another customer's document
    now = now or timezone.now()
    payload = {
        "c": customer.pk,
        "k": str(document.case_id),
        "d": document.pk,
        "s": document.pdf_sha256,
    }
    return DocumentLink(
        url=f"{LINK_PREFIX}{_sign_at(payload, now)}",
        expires_at=timezone.localtime(now + timedelta(seconds=LINK_MAX_AGE_SECONDS)),
    )


def _sign_at(payload: dict[str, Any], now: datetime) -> str:
    """``TimestampSigner.sign_object`` stamped with ``now`` (the caller's clock)."""

    class _At(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(now.timestamp()))

    return _At(salt=LINK_SALT).sign_object(payload)


def document_link_open(*, token: str) -> SignedDocument:
    """The document a link names, once its signature, age and binding check out."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        payload = signer.unsign_object(token, max_age=timedelta(seconds=LINK_MAX_AGE_SECONDS))
    except signing.SignatureExpired:
        raise DocumentLinkExpired() from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise DocumentLinkInvalid() from None
    if not isinstance(payload, dict) or set(payload) != {"c", "k", "d", "s"}:
        raise DocumentLinkInvalid()
    doc = (
        SignedDocument.objects.select_related("case")
        .filter(pk=payload["d"], case_id=payload["k"], case__customer_id=payload["c"])
        .first()
    )
    if doc is None or doc.pdf_sha256 != payload["s"]:
        raise DocumentLinkInvalid()
    return doc


# --- serving -----------------------------------------------------------------------------


def _filename(doc: SignedDocument, reference: str) -> str:
    ascii_name = f"{reference}-{doc.agreement}.pdf"
    title = f"{reference}-{doc.title}.pdf"
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(title)}"


def document_response(
    *, document: SignedDocument, request: HttpRequest | None, via: str
) -> HttpResponse:
    """The signed PDF: ``no-store``, named after the case and agreement, and audited as the
    customer's own look (``document.downloaded`` with how it was reached)."""
    case = document.case
    data = read_encrypted(document.pdf_name)
    audit_customer(
        action="document.downloaded",
        customer_id=case.customer_id,
        case_id=case.id,
        request=request,
        data={"agreement": document.agreement, "sha256": document.pdf_sha256, "via": via},
    )
    return pdf_response(data, disposition=_filename(document, case.reference))


def pdf_response(data: bytes, *, disposition: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
