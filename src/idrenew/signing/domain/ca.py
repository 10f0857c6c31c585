"""The broker's certificate authority (``cryptography``): CA, signing, TSA and customer certs.

* **CA root**: RSA 3072, self-signed, ``BasicConstraints(ca, pathlen=0)``, ``keyCertSign`` and
  ``cRLSign``; the only thing a verifier needs to trust.
* **Broker signing certificate**: RSA 3072, issued by the CA; the broker's PAdES signature.
* **TSA certificate**: RSA 3072, issued by the CA, ``extendedKeyUsage=timeStamping`` (critical,
  RFC 3161 §2.3); the built-in timestamp authority signs its tokens with its own key.
* **Customer certificates**: a fresh ECDSA P-256 key per signing (generation takes well under a
  millisecond), a short-lived certificate whose subject holds the customer's name and a
  pseudonymous serial number, never the ID number. The private key is returned to the caller
  for one signing only and is never serialised.

* **Revocation**: :func:`build_crl` signs an RFC 5280 CRL (v2, ``thisUpdate``/``nextUpdate``,
  ``cRLNumber``, ``authorityKeyIdentifier``) with the CA key, listing :class:`RevokedEntry`
  items (serial, revocation time, reason; no reasonCode extension for "unspecified", as
  RFC 5280 §5.3.1 recommends). The CRL is complete for every certificate the CA issued
  (customer, broker signing, TSA); none of them carries a CRL distribution point, so verifiers
  are handed the CRL (``verify_pdf(..., crls=[...])``) or fetch it from ``/backoffice/ca.crl``.

Everything here is pure: "now" comes in as an argument; storage is the caller's business
(:func:`authority_to_bundle` / :func:`authority_from_bundle` give a JSON bundle of PEMs to
encrypt).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

RSA_BITS = 3072
CA_YEARS = 20
LEAF_YEARS = 5
CRL_VALIDITY = timedelta(days=7)  # nextUpdate - thisUpdate
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# RFC 5280 §5.3.1 reason names (as the CLI spells them) → ``cryptography`` flags.
# ``removeFromCRL`` (delta CRLs only) and ``certificateHold`` (no un-hold here) are left out.
REVOCATION_REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "keyCompromise": x509.ReasonFlags.key_compromise,
    "cACompromise": x509.ReasonFlags.ca_compromise,
    "affiliationChanged": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessationOfOperation": x509.ReasonFlags.cessation_of_operation,
    "privilegeWithdrawn": x509.ReasonFlags.privilege_withdrawn,
}


@dataclass(frozen=True)
class Authority:
    broker_name: str
    ca_key: rsa.RSAPrivateKey
    ca_cert: x509.Certificate
    signer_key: rsa.RSAPrivateKey
    signer_cert: x509.Certificate
    tsa_key: rsa.RSAPrivateKey
    tsa_cert: x509.Certificate


@dataclass(frozen=True)
class CertificateRecord:
    """The fact of a customer certificate: what the case stores (no key, no ID number)."""

    serial: str  # hex
    fingerprint_sha256: str  # hex of the DER certificate
    subject: str  # RFC 4514
    not_before: datetime
    not_after: datetime
    key_algorithm: str
    key_generated_at: datetime
    certificate_pem: str


def _name(broker_name: str, common_name: str, unit: str, serial: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, broker_name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(attrs)


def _years(moment: datetime, years: int) -> datetime:
    return moment + timedelta(days=365 * years + years // 4)


def _leaf(
    *,
    subject: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    not_before: datetime,
    not_after: datetime,
    time_stamping: bool = False,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(min(not_after, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not time_stamping,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(ca_key, hashes.SHA256())


def create_authority(*, broker_name: str, now: datetime) -> Authority:
    """A new CA root with the broker's signing certificate and the TSA certificate."""
    start = now - timedelta(minutes=5)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    ca_name = _name(broker_name, f"{broker_name} 电子签名根证书", "证书服务中心")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(_years(start, CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    signer_cert = _leaf(
        subject=_name(broker_name, f"{broker_name} 电子签名", "证书服务中心"),
        public_key=signer_key.public_key(),
        ca_key=ca_key,
        ca_cert=ca_cert,
        not_before=start,
        not_after=_years(start, LEAF_YEARS),
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    tsa_cert = _leaf(
        subject=_name(broker_name, f"{broker_name} 时间戳服务", "证书服务中心"),
        public_key=tsa_key.public_key(),
        ca_key=ca_key,
        ca_cert=ca_cert,
        not_before=start,
        not_after=_years(start, LEAF_YEARS),
        time_stamping=True,
    )
    return Authority(broker_name, ca_key, ca_cert, signer_key, signer_cert, tsa_key, tsa_cert)


def issue_customer_certificate(
    authority: Authority,
    *,
    customer_name: str,
    pseudonym: str,
    now: datetime,
    lifetime: timedelta,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, CertificateRecord]:
    """A fresh key pair and a short-lived certificate for one signing.

    ``pseudonym`` goes into the subject's serialNumber: a stable identifier that says nothing
    by itself (e.g. a keyed hash of the ID number), never the ID number in clear.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    generated_at = now
    cert = _leaf(
        subject=_name(authority.broker_name, customer_name, "客户数字证书", pseudonym),
        public_key=key.public_key(),
        ca_key=authority.ca_key,
        ca_cert=authority.ca_cert,
        not_before=now - timedelta(minutes=1),
        not_after=now + lifetime,
    )
    record = CertificateRecord(
        serial=f"{cert.serial_number:x}",
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
        subject=cert.subject.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_algorithm="ECDSA P-256",
        key_generated_at=generated_at,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )
    return key, cert, record


# --- revocation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RevokedEntry:
    """One line of the CA's revocation list (public information)."""

    serial: str  # hex, as ``CertificateRecord.serial`` / ``SignedDocument.certificate_serial``
    revoked_at: datetime
    reason: str = "unspecified"  # a key of REVOCATION_REASONS


def normalise_serial(serial: str) -> str:
    """``"0x00AB:CD"`` → ``"abcd"``; raises ValueError for anything that is not hex."""
    text = serial.strip().lower().removeprefix("0x").replace(":", "")
    value = int(text, 16)  # ValueError on non-hex or empty
    if value <= 0:
        raise ValueError("a certificate serial number is positive")
    return f"{value:x}"


def build_crl(
    authority: Authority,
    entries: list[RevokedEntry],
    *,
    number: int,
    now: datetime,
    validity: timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    """The CA's complete CRL listing ``entries``, valid from ``now`` for ``validity``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.ca_cert.subject)
        .last_update(now)
        .next_update(now + validity)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.ca_key.public_key()),
            critical=False,
        )
    )
    for entry in entries:
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(entry.serial, 16))
            .revocation_date(entry.revoked_at)
        )
        if entry.reason != "unspecified":
            revoked = revoked.add_extension(
                x509.CRLReason(REVOCATION_REASONS[entry.reason]), critical=False
            )
        builder = builder.add_revoked_certificate(revoked.build())
    return builder.sign(authority.ca_key, hashes.SHA256())


def crl_reason_name(flag: x509.ReasonFlags | None) -> str:
    """The RFC 5280 name of a CRL entry's reason (``unspecified`` when absent)."""
    return "unspecified" if flag is None else str(flag.value)


# --- storage form ---------------------------------------------------------------------------
def _key_pem(key: PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),  # the whole bundle is encrypted at rest by the caller
    ).decode("ascii")


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def authority_to_bundle(authority: Authority) -> bytes:
    """A JSON bundle of PEMs, private keys included: encrypt it before it reaches a disk."""
    return json.dumps(
        {
            "format": "idrenew-ca-v1",
            "broker_name": authority.broker_name,
            "ca_key": _key_pem(authority.ca_key),
            "ca_cert": _cert_pem(authority.ca_cert),
            "signer_key": _key_pem(authority.signer_key),
            "signer_cert": _cert_pem(authority.signer_cert),
            "tsa_key": _key_pem(authority.tsa_key),
            "tsa_cert": _cert_pem(authority.tsa_cert),
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _rsa_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("expected an RSA key in the CA bundle")
    return key


def authority_from_bundle(data: bytes) -> Authority:
    raw = json.loads(data.decode("utf-8"))
    if raw.get("format") != "idrenew-ca-v1":
        raise ValueError("not an idrenew CA bundle")

    def cert(name: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate(raw[name].encode("ascii"))

    return Authority(
        broker_name=raw["broker_name"],
        ca_key=_rsa_key(raw["ca_key"]),
        ca_cert=cert("ca_cert"),
        signer_key=_rsa_key(raw["signer_key"]),
        signer_cert=cert("signer_cert"),
        tsa_key=_rsa_key(raw["tsa_key"]),
        tsa_cert=cert("tsa_cert"),
    )


def certificate_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
