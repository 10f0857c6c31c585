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
(``ETSI.RFC3161``) at all and reports it as unverified. The CA's CRL is not embedded either: it
is handed to :func:`verify_pdf` (the app passes its current CRL) and served at
``/backoffice/ca.crl`` for other verifiers, so a revocation made after signing still counts.

The TSA is pyHanko's in-process RFC 3161 responder (``DummyTimeStamper``) holding the broker
TSA's own key and certificate (issued by the CA with the critical ``timeStamping`` usage): its
tokens are real CMS signatures that pdfsig and pyHanko validate, only without a network hop.

:func:`verify_pdf` reports each signature: signer, intact (the signed bytes are unchanged),
trusted (the certificate chains to one of the given roots, checked at the time the signature's
timestamp proves), the timestamp, and whether the signer's certificate is revoked.

**Revocation.** Given the CA's CRL(s) (``crls=[DER, ...]``), every certificate in every path
(customer, broker signing, TSA) must be covered by a valid CRL from its issuer: pyHanko's
``"require"`` mode. Neither ``"soft-fail"`` nor ``"hard-fail"`` would do: pyhanko-certvalidator
does not consult a CRL, even one handed to it, for a certificate without a CRL distribution
point, and ours have none. ``retroactive_revinfo`` lets a CRL issued after the signing time
speak about that time; nothing is fetched (``allow_fetching=False``). pyHanko itself applies the
point-in-time rule: a certificate revoked before the moment of validation (the signature
timestamp) fails the path, so ``trusted`` is false. The report adds what pyHanko does not:
``revoked`` (on the CRL at all), ``revocation_reason``, ``revoked_at`` and the rule applied
(``revocation_rule``, also in the JSON):

* revoked **at or before** the signature's timestamp (or with no trusted timestamp): not valid,
  nothing proves the signature existed while the certificate was good (ETSI EN 319 102-1,
  REVOKED_NO_POE);
* revoked **after** the timestamp for an administrative reason (``affiliationChanged``,
  ``superseded``, ``cessationOfOperation``): still valid; the timestamp is proof of existence
  before the revocation (ETSI EN 319 102-1 past signature validation, what Adobe and DSS do);
* revoked **after** the timestamp for any other reason (``unspecified``, ``keyCompromise``,
  ``cACompromise``, ``privilegeWithdrawn``): not valid. This is stricter than ETSI's default
  and deliberate: a customer's key exists only while its document is signed, so a later
  revocation cannot mean a later compromise; it means the broker repudiates the certificate
  itself (wrong person, forged case, disputed signing). For the broker's own certificates the
  TSA key lives in the same bundle as the signing key, so after a compromise its timestamps are
  no independent proof. A plain ETSI verifier given the same CRL will still accept such a
  signature ("revoked after signing"); our report does not.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils import generic
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
    crl_reason_name,
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


def _cert_store(cert: x509.Certificate) -> SimpleCertificateStore:
    """A store holding one certificate (pyhanko-certvalidator's ``from_certs`` is untyped)."""
    store: SimpleCertificateStore = SimpleCertificateStore.from_certs([_asn1_cert(cert)])  # type: ignore[no-untyped-call]
    return store


def _cms_attribute(kind: str, value: object) -> cms.CMSAttribute:
    """pyHanko's ``simple_cms_attribute`` (untyped)."""
    attribute: cms.CMSAttribute = simple_cms_attribute(kind, value)  # type: ignore[no-untyped-call]
    return attribute


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
            certs_to_embed=_cert_store(authority.ca_cert),
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
                _cms_attribute("content_type", "tst_info"),
                _cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                _cms_attribute("signing_certificate", as_signing_certificate(self.tsa_cert)),
                _cms_attribute("message_digest", digest.finalize()),
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
    roots: list[x509.Certificate],
    *,
    moment: datetime | None = None,
    crls: list[bytes] | None = None,
) -> ValidationContext:
    """Trust only ``roots``; never fetch.

    Without ``crls``: soft-fail (our certs carry no CRL/OCSP pointers, nothing is checked).
    With them: every certificate must be covered by one of them ("require"; see the module
    docstring for why not soft- or hard-fail), and a CRL issued after ``moment`` counts.
    """
    if not crls:
        return ValidationContext(
            trust_roots=[_asn1_cert(r) for r in roots],
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=moment,
        )
    return ValidationContext(
        trust_roots=[_asn1_cert(r) for r in roots],
        allow_fetching=False,
        crls=list(crls),
        revocation_mode="require",
        retroactive_revinfo=True,
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
    ca_store = _cert_store(authority.ca_cert)

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
    revoked: bool = False  # the signer's certificate is on the CA's CRL (at any time)
    revocation_reason: str | None = None  # RFC 5280 name, e.g. "keyCompromise"
    revoked_at: str | None = None  # ISO 8601 revocation time from the CRL
    revocation_invalidates: bool = False  # the revocation makes this signature not valid
    revocation_rule: str = ""  # which rule decided that (see the module docstring)


@dataclass(frozen=True)
class VerificationReport:
    valid: bool
    signatures: tuple[SignatureReport, ...]
    error: str = ""

    def as_json(self) -> dict[str, object]:
        """The CLI's and the verify page's JSON shape.

        Each signature: ``field`` (the signature field's name), ``signer``, ``intact``,
        ``trusted``, ``timestamp``, ``revoked``; when revoked also ``revocation_reason``,
        ``revoked_at`` and ``revocation_rule`` (the rule that decided whether the revocation
        makes the document not valid); ``error`` when it could not be checked (which field,
        why). ``error`` at the top when the file itself could not be read.
        """
        keys = {"field", "signer", "intact", "trusted", "timestamp", "revoked"}
        revoked_keys = {"revocation_reason", "revoked_at", "revocation_rule"}
        out: dict[str, object] = {
            "valid": self.valid,
            "signatures": [
                {
                    k: v
                    for k, v in asdict(s).items()
                    if k in keys or (s.revoked and k in revoked_keys) or (k == "error" and v)
                }
                for s in self.signatures
            ],
        }
        if self.error:
            out["error"] = self.error
        return out


def _signer_name(cert: asn1_x509.Certificate | None) -> str:
    if cert is None:
        return ""
    try:
        cn = cert.subject.native.get("common_name")
        return str(cn) if cn else str(cert.subject.human_friendly)
    except (ValueError, KeyError):  # pragma: no cover - malformed name
        return ""


# Revoked after a trusted signature timestamp for one of these reasons: the signature stays
# valid (ETSI EN 319 102-1 past signature validation). Any other reason: not valid.
ADMINISTRATIVE_REASONS = frozenset({"affiliationChanged", "superseded", "cessationOfOperation"})


@dataclass(frozen=True)
class _Revocation:
    revoked_at: datetime
    reason: str


# (issuer name DER, serial) → revocation, from CRLs whose signature a trusted root vouches for
_RevocationIndex = dict[tuple[bytes, int], _Revocation]


def _revocation_index(crls: list[bytes], roots: list[x509.Certificate]) -> _RevocationIndex:
    index: _RevocationIndex = {}
    for der in crls:
        try:
            crl = x509.load_der_x509_crl(der)
        except ValueError:
            logger.warning("ignoring an unreadable CRL")
            continue
        issuer = crl.issuer.public_bytes()
        if not any(
            root.subject.public_bytes() == issuer and crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
            for root in roots
        ):
            logger.warning("ignoring a CRL no trusted root signed: %s", crl.issuer.rfc4514_string())
            continue
        for entry in crl:
            try:
                flag = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
            except x509.ExtensionNotFound:
                flag = None
            index[(issuer, entry.serial_number)] = _Revocation(
                revoked_at=entry.revocation_date_utc, reason=crl_reason_name(flag)
            )
    return index


def _revocation_verdict(revocation: _Revocation, signed_at: datetime | None) -> tuple[bool, str]:
    """(does it make the signature not valid, the rule applied)."""
    if signed_at is None:
        return True, "revoked and no trusted signature timestamp proves an earlier signing time"
    if revocation.revoked_at <= signed_at:
        return True, "revoked at or before the signature timestamp (ETSI EN 319 102-1: no POE)"
    if revocation.reason in ADMINISTRATIVE_REASONS:
        return False, (
            f"revoked after the signature timestamp for an administrative reason "
            f"({revocation.reason}): the timestamp proves the signature existed while the "
            f"certificate was good, so it stays valid (ETSI EN 319 102-1 past signature "
            f"validation)"
        )
    return True, (
        f"revoked after the signature timestamp with reason {revocation.reason}: the broker "
        f"repudiates the certificate itself (a customer key exists only during its signing, "
        f"so this is no later key compromise), so the signature is not valid; stricter than "
        f"ETSI EN 319 102-1, which would accept it on the strength of the timestamp"
    )


def _lookup(index: _RevocationIndex, cert: asn1_x509.Certificate | None) -> _Revocation | None:
    if cert is None or not index:
        return None
    return index.get((cert.issuer.dump(), int(cert.serial_number)))


def _check_one(
    sig: EmbeddedPdfSignature,
    roots: list[x509.Certificate],
    crls: list[bytes] | None = None,
    index: _RevocationIndex | None = None,
) -> SignatureReport:
    field = str(sig.field_name)
    index = index or {}
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            ts = validate_pdf_timestamp(
                sig, validation_context=validation_context(roots, crls=crls)
            )
            ts_revocation = _lookup(index, ts.signing_cert)
            return SignatureReport(
                signer=_signer_name(ts.signing_cert),
                intact=bool(ts.intact and ts.valid),
                trusted=bool(ts.trusted),
                timestamp=ts.timestamp.isoformat(),
                field=field,
                kind="timestamp",
                covers_whole_file=ts.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                modifications_ok=bool(ts.docmdp_ok),
                revoked=ts_revocation is not None or bool(ts.revoked),
                revocation_reason=ts_revocation.reason if ts_revocation else None,
                revoked_at=ts_revocation.revoked_at.isoformat() if ts_revocation else None,
                revocation_invalidates=ts_revocation is not None or bool(ts.revoked),
                revocation_rule="a revoked document timestamp proves nothing"
                if ts_revocation is not None
                else "",
            )
        # First pass: find the signature timestamp (the TSA's chain checked against the
        # CRLs now); the signer's revocation is left to the second pass.
        status = validate_pdf_signature(
            sig,
            signer_validation_context=validation_context(roots),
            ts_validation_context=validation_context(roots, crls=crls),
        )
        stamp = status.timestamp_validity
        if stamp is not None and stamp.intact and stamp.valid and stamp.trusted:
            # Judge the signer's certificate at the time the signature timestamp proves
            # (PAdES B-T): a short-lived customer certificate stays verifiable after expiry,
            # and pyHanko counts only a revocation before that time.
            status = validate_pdf_signature(
                sig,
                signer_validation_context=validation_context(
                    roots, moment=stamp.timestamp, crls=crls
                ),
                ts_validation_context=validation_context(roots, crls=crls),
            )
        elif crls:  # no usable timestamp: the signer's certificate as of now
            status = validate_pdf_signature(
                sig,
                signer_validation_context=validation_context(roots, crls=crls),
                ts_validation_context=validation_context(roots, crls=crls),
            )
        ts_validity = status.timestamp_validity
        ts_ok = ts_validity is None or (ts_validity.intact and ts_validity.valid)
        ts_trusted = ts_validity is None or ts_validity.trusted
        signed_at = (
            ts_validity.timestamp if ts_validity is not None and ts_ok and ts_trusted else None
        )
        revocation = _lookup(index, status.signing_cert)
        if revocation is None and status.revoked:  # pragma: no cover - a CRL we did not index
            since = datetime.min.replace(tzinfo=UTC)
            revocation = _Revocation(revoked_at=since, reason="unspecified")
        invalidates, rule = (
            _revocation_verdict(revocation, signed_at) if revocation else (False, "")
        )
        return SignatureReport(
            signer=_signer_name(status.signing_cert),
            intact=bool(status.intact and status.valid and ts_ok),
            trusted=bool(status.trusted and ts_trusted),
            timestamp=ts_validity.timestamp.isoformat() if ts_validity else None,
            field=field,
            covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            modifications_ok=bool(status.docmdp_ok),
            revoked=revocation is not None,
            revocation_reason=revocation.reason if revocation else None,
            revoked_at=revocation.revoked_at.isoformat() if revocation else None,
            revocation_invalidates=invalidates,
            revocation_rule=rule,
        )
    except Exception as exc:
        return SignatureReport(
            signer="",
            intact=False,
            trusted=False,
            timestamp=None,
            field=field,
            kind="timestamp" if sig.sig_object_type == "/DocTimeStamp" else "signature",
            error=f"签名域“{field}”验证出错：{_short(exc)}",
        )


def _short(exc: Exception, limit: int = 200) -> str:
    text = f"{exc.__class__.__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


_SUBFILTERS = frozenset(str(f.value) for f in fields.SigSeedSubFilter)


def _covered_end(sig_object: generic.DictionaryObject) -> float:
    """Where the signed bytes end: signatures sort by it (each covers the file as it was)."""
    try:
        byte_range = sig_object.raw_get("/ByteRange")
        return int(byte_range[-2]) + int(byte_range[-1])
    except Exception:
        return math.inf


def _unreadable(field: str, sig_object: generic.DictionaryObject, reason: str) -> SignatureReport:
    kind = "timestamp" if sig_object.get("/Type") == "/DocTimeStamp" else "signature"
    return SignatureReport(
        signer="",
        intact=False,
        trusted=False,
        timestamp=None,
        field=field,
        kind=kind,
        error=f"签名域“{field}”无法验证：{reason}",
    )


def _embedded(
    reader: PdfFileReader,
) -> list[tuple[float, EmbeddedPdfSignature | SignatureReport]]:
    """Every filled signature field, in signing order: the parsed signature, or a report
    saying which field could not be read and why (pyHanko would fail the whole file for
    one unparseable ``/Contents``, and silently skip an unknown ``/SubFilter``)."""
    found: list[tuple[float, EmbeddedPdfSignature | SignatureReport]] = []
    for name, value, sig_field in fields.enumerate_sig_fields(reader, filled_status=True):
        field = str(name)
        sig_object = value.get_object()
        end = _covered_end(sig_object)
        subfilter = sig_object.get("/SubFilter")
        if subfilter is None or str(subfilter) not in _SUBFILTERS:
            reason = f"不支持的签名格式（/SubFilter {subfilter}）"
            found.append((end, _unreadable(field, sig_object, reason)))
            continue
        if "/ByteRange" not in sig_object:
            reason = "签名字典缺少 /ByteRange，无法确定签名覆盖的内容"
            found.append((end, _unreadable(field, sig_object, reason)))
            continue
        if "/Contents" not in sig_object:
            reason = "签名字典缺少 /Contents（签名数据）"
            found.append((end, _unreadable(field, sig_object, reason)))
            continue
        try:
            embedded = EmbeddedPdfSignature(reader, sig_field, field)
        except Exception as exc:
            reason = f"签名数据（/Contents）不是可解析的 CMS 签名结构（{_short(exc)}）"
            found.append((end, _unreadable(field, sig_object, reason)))
            continue
        found.append((end, embedded))
    found.sort(key=lambda item: item[0])
    return found


def verify_pdf(
    data: bytes, *, roots: list[x509.Certificate], crls: list[bytes] | None = None
) -> VerificationReport:
    """Check every signature and document timestamp of ``data`` against ``roots``.

    ``crls``: DER CRLs of the CA (the app passes ``store.current_crl()``). With them every
    certificate must be covered by a CRL and revocations are reported and judged as the
    module docstring says; without them revocation is not checked (``revoked`` stays false).
    """
    return _outside_event_loop(_verify_pdf, data, roots, crls)


def _verify_pdf(
    data: bytes, roots: list[x509.Certificate], crls: list[bytes] | None = None
) -> VerificationReport:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = _embedded(reader)
    except Exception as exc:
        return VerificationReport(
            valid=False, signatures=(), error=f"无法读取 PDF 文件：{_short(exc)}"
        )
    index = _revocation_index(crls, roots) if crls else {}
    reports = tuple(
        found if isinstance(found, SignatureReport) else _check_one(found, roots, crls, index)
        for _end, found in embedded
    )
    valid = (
        bool(reports)
        and all(
            r.intact and r.trusted and r.modifications_ok and not r.revocation_invalidates
            for r in reports
        )
        and reports[-1].covers_whole_file
    )
    return VerificationReport(valid=valid, signatures=reports)
