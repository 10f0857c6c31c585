"""Signing use cases, for the case workflow to call (steps 7–9) and for the CLI.

Wiring for the case app: build :class:`CaseData` and :class:`AuditData` from the case and its
audit trail, call :func:`agreement_sign` once per agreement (the customer's signature PNG from
step 8), store ``SignedAgreement.pdf`` encrypted (``lib.files.save_encrypted``) and record
``content_hash``, ``version`` and ``certificate`` (serial, fingerprint, validity, when the key
was generated) on the case. Reading records of step 7 refer to ``agreement_preview(...)``'s
``content_hash``: if it differs at signing time, a new version was published mid-case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from idrenew.lib.crypto import lookup_hash
from idrenew.lib.fonts import cjk_font_path
from idrenew.signing.domain.agreements import (
    AgreementTemplate,
    CaseData,
    RenderedAgreement,
    current_versions,
    load_template,
    render,
)
from idrenew.signing.domain.ca import CertificateRecord
from idrenew.signing.domain.pdf import AuditData, render_pdf
from idrenew.signing.domain.sign import VerificationReport, sign_document, verify_pdf
from idrenew.signing.store import current_crl, get_authority, trust_roots

AGREEMENTS = ("change_application", "digital_certificate")


@dataclass(frozen=True)
class SignedAgreement:
    agreement: str
    version: str
    title: str
    content_hash: str
    pdf: bytes
    certificate: CertificateRecord
    signature_image_sha256: str


def agreement_versions() -> dict[str, AgreementTemplate]:
    """The current version of each agreement (a new template file = a new version)."""
    return current_versions()


def agreement_preview(
    *, agreement: str, case: CaseData, version: str | None = None
) -> RenderedAgreement:
    """What the customer reads on screen: ID number masked, same content hash as the PDF."""
    return render(load_template(agreement, version), case).for_screen()


def customer_pseudonym(id_number: str) -> str:
    """The certificate subject's serialNumber: stable per customer, says nothing by itself."""
    return "IDR-" + lookup_hash(id_number, purpose="signing-certificate")[:20].upper()


def agreement_sign(
    *,
    agreement: str,
    case: CaseData,
    signature_png: bytes,
    audit: AuditData,
    now: datetime,
    version: str | None = None,
) -> SignedAgreement:
    """Render the agreement, put the signature in its box, sign as customer, then as broker."""
    rendered = render(load_template(agreement, version), case)
    document = render_pdf(
        rendered, signature_png=signature_png, audit=audit, font_path=cjk_font_path()
    )
    signed = sign_document(
        document.data,
        authority=get_authority(),
        placement=document.signature_box,
        customer_name=case.customer_name,
        pseudonym=customer_pseudonym(case.id_number),
        now=now,
        certificate_lifetime=timedelta(hours=settings.IDRENEW_SIGNING_CERT_LIFETIME_HOURS),
    )
    return SignedAgreement(
        agreement=rendered.agreement,
        version=rendered.version,
        title=rendered.title,
        content_hash=rendered.content_hash,
        pdf=signed.pdf,
        certificate=signed.customer_certificate,
        signature_image_sha256=document.signature_image_sha256,
    )


def pdf_verify(data: bytes) -> VerificationReport:
    """Verify against the CA root and the CA's current CRL (revocations count; no network)."""
    return verify_pdf(data, roots=trust_roots(), crls=[current_crl()])
