"""PAdES signing and verification with pyHanko.

Signing a rendered agreement (:func:`sign_document`) makes two incremental revisions and a
third for the archive timestamp:

1. the **customer's signature** (``/SubFilter /ETSI.CAdES.detached``, SHA-256) with a key
   generated for this signing and a short-lived certificate issued on the spot by the broker's
   CA; its widget lies over the signature box (transparent, so the handwriting shows), and it
   carries a signature timestamp from the built-in TSA (PAdES B-T). The private key exists
   only in this function's frame and is never serialised;
2. the **broker's signature** (invisible), also with a signature timestamp (PAdES B-T), over
   the whole file. Each CMS carries the chain up to the CA root (the TSA tokens too), so a
   verifier that trusts only the CA root can check every signature with any PAdES tool.

Why B-T and not B-LT/B-LTA: our certificates carry no CRL/OCSP pointers, so a DSS would hold
nothing the CMS does not, and it makes the last signature cover less than the whole file
(pdfsig then says "Not total document signed"); Poppler cannot validate a document timestamp
(``ETSI.RFC3161``) at all and reports it as unverified. When the CA publishes revocation data,
add ``embed_validation_info=True`` to the broker's signature metadata.

The TSA is pyHanko's in-process RFC 3161 responder (``DummyTimeStamper``) holding the broker
TSA's own key and certificate (issued by the CA with the critical ``timeStamping`` usage): its
tokens are real CMS signatures that pdfsig and pyHanko validate, only without a network hop.

:func:`verify_pdf` reports each signature: signer, intact (the signed bytes are unchanged),
trusted (the certificate chains to one of the given roots, checked at the time the signature's
timestamp proves), and the timestamp.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from idrenew.signing.domain.ca import (
    Authority,
    CertificateRecord,
    PrivateKey,
    issue_customer_certificate,
)
from idrenew.signing.domain.pdf import SignatureBoxPlacement

logger = logging.getLogger(__name__)

CUSTOMER_FIELD = "CustomerSignature"
BROKER_FIELD = "BrokerSignature"
_INVISIBLE_STAMP = TextStampStyle(stamp_text="", border_width=0)


@dataclass(frozen=True)
class SignedDocument:
    pdf: bytes
    customer_certificate: CertificateRecord


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key: PrivateKey) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


# The TSA's policy OID (RFC 3161 §2.4.2): a UUID arc (ITU-T X.667), ours without registration.
TSA_POLICY_OID = "2.25.201873530398727402786104563418417291637"


class _KeyedSigner(signers.SimpleSigner):
    """SimpleSigner that signs with an already loaded key.

    pyHanko's ``sign_raw`` re-parses the PKCS#8 key for every signature, and ``cryptography``
    checks an RSA-3072 key's primes on every load (about 0.1 s): per document that was most of
    the signing time. Same algorithms, same output.
    """

    def __init__(self, *, key: PrivateKey, cert: x509.Certificate, registry: object) -> None:
        super().__init__(
            signing_cert=_asn1_cert(cert),
            signing_key=_asn1_key(key),
            cert_registry=registry,  # type: ignore[arg-type]
        )
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)  # pragma: no cover


class BrokerTimeStamper(DummyTimeStamper):
    """The built-in RFC 3161 TSA: pyHanko's in-process responder with the broker TSA's key.

    Tokens are CMS SignedData over TSTInfo, signed by the TSA key (RSA, PKCS#1 v1.5, SHA-256)
    with the signing-certificate attribute, exactly as pyHanko's own responder builds them;
    this subclass only sets our policy OID and signs with the already loaded key.
    """

    def __init__(self, authority: Authority) -> None:
        super().__init__(
            tsa_cert=_asn1_cert(authority.tsa_cert),
            tsa_key=_asn1_key(authority.tsa_key),
            certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(authority.ca_cert)]),
        )
        self._key = authority.tsa_key

    def _build_tst_info(
        self, message_imprint: tsp.MessageImprint, dt: datetime, req: tsp.TimeStampReq
    ) -> tsp.TSTInfo:
        info = super()._build_tst_info(message_imprint, dt, req)
        info["policy"] = tsp.ObjectIdentifier(TSA_POLICY_OID)
        return info

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        hash_algo = get_pyca_cryptography_hash(md_algorithm)
        digest = hashes.Hash(hash_algo)
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", digest.finalize()),
            ]
        )
        signature = self._key.sign(signed_attrs.dump(), PKCS1v15(), hash_algo)
        return signature, signed_attrs


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = box
    return math.floor(x1), math.floor(y1), math.ceil(x2), math.ceil(y2)


def timestamper(authority: Authority) -> BrokerTimeStamper:
    return BrokerTimeStamper(authority)


def validation_context(
    roots: list[x509.Certificate], *, moment: datetime | None = None
) -> ValidationContext:
    """Trust only ``roots``; never fetch; our certs carry no CRL/OCSP pointers (soft-fail)."""
    return ValidationContext(
        trust_roots=[_asn1_cert(r) for r in roots],
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


_T = TypeVar("_T")


def _outside_event_loop(func: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """pyHanko's synchronous calls run their own event loop (``asyncio.run``). Called from
    a thread that already runs one (an ASGI view, a test driving a browser), the call moves
    to a short-lived thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args, **kwargs).result()


def sign_document(*args: Any, **kwargs: Any) -> SignedDocument:
    """See ``_sign_document``; safe to call where an event loop is running."""
    return _outside_event_loop(_sign_document, *args, **kwargs)


def _sign_document(
    pdf: bytes,
    *,
    authority: Authority,
    placement: SignatureBoxPlacement,
    customer_name: str,
    pseudonym: str,
    now: datetime,
    certificate_lifetime: timedelta = timedelta(days=1),
    location: str = "",
) -> SignedDocument:
    """The customer's PAdES signature over the box, then the broker's with an LTA timestamp."""
    tsa = timestamper(authority)
    ca_store = SimpleCertificateStore.from_certs([_asn1_cert(authority.ca_cert)])

    key, cert, record = issue_customer_certificate(
        authority,
        customer_name=customer_name,
        pseudonym=pseudonym,
        now=now,
        lifetime=certificate_lifetime,
    )
    customer = _KeyedSigner(key=key, cert=cert, registry=ca_store)
    del key  # the only reference besides the signer's: gone when this function returns
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=CUSTOMER_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=customer_name,
            reason="客户签署",
            location=location or None,
        ),
        signer=customer,
        timestamper=tsa,
        stamp_style=_INVISIBLE_STAMP,
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=CUSTOMER_FIELD, on_page=placement.page, box=_int_box(placement.box)
        ),
    ).sign_pdf(writer)
    del customer

    broker = _KeyedSigner(key=authority.signer_key, cert=authority.signer_cert, registry=ca_store)
    writer = IncrementalPdfFileWriter(out)
    out = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=BROKER_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason="经纪公司确认",
        ),
        signer=broker,
        timestamper=tsa,
    ).sign_pdf(writer)
    return SignedDocument(pdf=out.getvalue(), customer_certificate=record)


# --- verification --------------------------------------------------------------------------
@dataclass(frozen=True)
class SignatureReport:
    signer: str
    intact: bool
    trusted: bool
    timestamp: str | None  # ISO 8601 of the timestamp token, if any
    field: str = ""
    kind: str = "signature"  # or "timestamp" (a document timestamp)
    covers_whole_file: bool = False
    modifications_ok: bool = False  # later revisions only did what PAdES allows
    error: str = ""


@dataclass(frozen=True)
class VerificationReport:
    valid: bool
    signatures: tuple[SignatureReport, ...]
    error: str = ""

    def as_json(self) -> dict[str, object]:
        """The CLI's and the verify page's JSON shape."""
        return {
            "valid": self.valid,
            "signatures": [
                {
                    k: v
                    for k, v in asdict(s).items()
                    if k in {"signer", "intact", "trusted", "timestamp"}
                }
                for s in self.signatures
            ],
        }


def _signer_name(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return ""
    try:
        cn = cert.subject.native.get("common_name")
        return str(cn) if cn else str(cert.subject.human_friendly)
    except (ValueError, KeyError):  # pragma: no cover - malformed name
        return ""


def _check_one(sig: EmbeddedPdfSignature, roots: list[x509.Certificate]) -> SignatureReport:
    field = str(sig.field_name)
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            ts = validate_pdf_timestamp(sig, validation_context=validation_context(roots))
            return SignatureReport(
                signer=_signer_name(ts.signing_cert),
                intact=bool(ts.intact and ts.valid),
                trusted=bool(ts.trusted),
                timestamp=ts.timestamp.isoformat(),
                field=field,
                kind="timestamp",
                covers_whole_file=ts.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                modifications_ok=bool(ts.docmdp_ok),
            )
        status = validate_pdf_signature(
            sig,
            signer_validation_context=validation_context(roots),
            ts_validation_context=validation_context(roots),
        )
        stamp = status.timestamp_validity
        if stamp is not None and stamp.intact and stamp.valid and stamp.trusted:
            # Judge the signer's certificate at the time the signature timestamp proves
            # (PAdES B-T): a short-lived customer certificate stays verifiable after expiry.
            status = validate_pdf_signature(
                sig,
                signer_validation_context=validation_context(roots, moment=stamp.timestamp),
                ts_validation_context=validation_context(roots),
            )
        ts_validity = status.timestamp_validity
        ts_ok = ts_validity is None or (ts_validity.intact and ts_validity.valid)
        return SignatureReport(
            signer=_signer_name(status.signing_cert),
            intact=bool(status.intact and status.valid and ts_ok),
            trusted=bool(status.trusted and (ts_validity is None or ts_validity.trusted)),
            timestamp=ts_validity.timestamp.isoformat() if ts_validity else None,
            field=field,
            covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            modifications_ok=bool(status.docmdp_ok),
        )
    except Exception as exc:
        return SignatureReport(
            signer="", intact=False, trusted=False, timestamp=None, field=field, error=str(exc)
        )


def verify_pdf(data: bytes, *, roots: list[x509.Certificate]) -> VerificationReport:
    """Check every signature and document timestamp of ``data`` against ``roots``."""
    return _outside_event_loop(_verify_pdf, data, roots)


def _verify_pdf(data: bytes, roots: list[x509.Certificate]) -> VerificationReport:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        return VerificationReport(valid=False, signatures=(), error=f"unreadable PDF: {exc}")
    reports = tuple(_check_one(sig, roots) for sig in embedded)
    valid = (
        bool(reports)
        and all(r.intact and r.trusted and r.modifications_ok for r in reports)
        and reports[-1].covers_whole_file
    )
    return VerificationReport(valid=valid, signatures=reports)
