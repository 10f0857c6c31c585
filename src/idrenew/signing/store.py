"""Where the broker's CA lives: one encrypted bundle under ``IDRENEW_SIGNING_DIR``.

``authority.json.enc`` holds the CA, broker-signing and TSA keys and certificates, encrypted
with :mod:`idrenew.lib.crypto` (``ENCRYPTION_KEYS``); ``ca.pem`` beside it is the public root
certificate for verifiers (pdfsig's NSS database, Adobe's trusted certificates).

Revocation (public information, so stored in clear beside the bundle):

* ``revocations.json``: the CA's fingerprint, the last CRL number issued and one entry per
  revoked serial (hex, time, RFC 5280 reason). Entries written under another CA (after
  ``ca init --force``) are ignored.
* ``ca.crl``: the last CRL issued (DER), re-signed by :func:`current_crl` when it is missing,
  signed by another CA, older than the revocation list or past half its validity; every
  issuance takes the next CRL number.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.conf import settings
from django.utils import timezone

from idrenew.lib.crypto import DecryptionError, decrypt_bytes, encrypt_bytes
from idrenew.signing.domain.ca import (
    CRL_VALIDITY,
    REVOCATION_REASONS,
    Authority,
    RevokedEntry,
    authority_from_bundle,
    authority_to_bundle,
    build_crl,
    certificate_pem,
    create_authority,
    normalise_serial,
)

logger = logging.getLogger(__name__)
BUNDLE = "authority.json.enc"
ROOT_PEM = "ca.pem"
REVOCATIONS = "revocations.json"
CRL_DER = "ca.crl"
_lock = threading.Lock()
_revocation_lock = threading.Lock()
_cache: dict[tuple[str, int], Authority] = {}


class AuthorityMissing(RuntimeError):
    """No CA yet and this environment does not create one by itself."""


class AuthorityExists(RuntimeError):
    """``ca init`` without ``--force`` over an existing CA."""


class AlreadyRevoked(RuntimeError):
    """``ca revoke`` of a serial that is on the list already."""


def signing_dir() -> Path:
    return Path(settings.IDRENEW_SIGNING_DIR)


def _write_private(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    tmp.replace(path)


def ca_init(*, force: bool = False) -> Authority:
    """Create the CA key and certificate, the broker signing and TSA certificates."""
    directory = signing_dir()
    directory.mkdir(parents=True, exist_ok=True)
    bundle = directory / BUNDLE
    if bundle.exists() and not force:
        raise AuthorityExists(f"a CA already exists in {directory}; use --force to replace it")
    authority = create_authority(
        broker_name=settings.IDRENEW_SIGNING_BROKER_NAME, now=timezone.now()
    )
    _write_private(bundle, encrypt_bytes(authority_to_bundle(authority)))
    (directory / ROOT_PEM).write_bytes(certificate_pem(authority.ca_cert))
    _cache.clear()
    logger.info(
        "signing CA created in %s (root serial %x)", directory, authority.ca_cert.serial_number
    )
    return authority


def get_authority() -> Authority:
    """The CA, loaded once per process; created on first use outside production."""
    bundle = signing_dir() / BUNDLE
    with _lock:
        if not bundle.exists():
            if settings.PRODUCTION:
                raise AuthorityMissing(
                    f"no signing CA in {signing_dir()}: run `idrenew ca init` first"
                )
            logger.warning(
                "no signing CA in %s: creating one for this %s environment "
                "(production requires `idrenew ca init`)",
                signing_dir(),
                "demo" if settings.IDRENEW_DEMO else "embedded",
            )
            return ca_init()
        key = (str(bundle), bundle.stat().st_mtime_ns)
        if key not in _cache:
            _cache.clear()
            _cache[key] = authority_from_bundle(decrypt_bytes(bundle.read_bytes()))
        return _cache[key]


def check_config() -> list[str]:
    """Problems with the signing CA (``idrenew check --deploy``, web server start-up): in
    production it must exist; wherever it exists it must decrypt with ENCRYPTION_KEYS and
    its certificates must be within their validity."""
    bundle = signing_dir() / BUNDLE
    if not bundle.exists():
        if settings.PRODUCTION:
            return [f"no signing CA in {signing_dir()}: run `idrenew ca init`"]
        return []  # created on first use outside production
    try:
        authority = authority_from_bundle(decrypt_bytes(bundle.read_bytes()))
    except DecryptionError:
        return [
            f"{bundle} cannot be decrypted with IDRENEW_ENCRYPTION_KEYS: keep the old key "
            "after the new one when rotating, or run `idrenew ca init --force`"
        ]
    except (OSError, ValueError, KeyError) as exc:
        return [f"{bundle} is unreadable or damaged ({exc.__class__.__name__})"]
    now = timezone.now()
    return [
        f"the {label} certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}: "
        "run `idrenew ca init --force`"
        for label, cert in [
            ("CA", authority.ca_cert),
            ("broker signing", authority.signer_cert),
            ("timestamp (TSA)", authority.tsa_cert),
        ]
        if cert.not_valid_after_utc <= now
    ]


def trust_roots() -> list[x509.Certificate]:
    return [get_authority().ca_cert]


# --- revocation ------------------------------------------------------------------------------
def _ca_fingerprint(authority: Authority) -> str:
    return authority.ca_cert.fingerprint(hashes.SHA256()).hex()


def _load_revocations(authority: Authority) -> tuple[int, list[RevokedEntry]]:
    """(last CRL number, entries) of this CA; nothing yet → (0, [])."""
    path = signing_dir() / REVOCATIONS
    if not path.exists():
        return 0, []
    raw = json.loads(path.read_text("utf-8"))
    if raw.get("format") != "idrenew-revocations-v1":
        raise ValueError(f"{path} is not an idrenew revocation list")
    if raw.get("ca_sha256") != _ca_fingerprint(authority):
        logger.warning("%s belongs to another CA: starting a new revocation list", path)
        return int(raw.get("crl_number", 0)), []
    entries = [
        RevokedEntry(
            serial=e["serial"],
            revoked_at=datetime.fromisoformat(e["revoked_at"]),
            reason=e.get("reason") or "unspecified",
        )
        for e in raw.get("revoked", [])
    ]
    return int(raw.get("crl_number", 0)), entries


def _save_revocations(authority: Authority, number: int, entries: list[RevokedEntry]) -> None:
    data = {
        "format": "idrenew-revocations-v1",
        "ca_sha256": _ca_fingerprint(authority),
        "crl_number": number,
        "revoked": [
            {"serial": e.serial, "revoked_at": e.revoked_at.isoformat(), "reason": e.reason}
            for e in entries
        ],
    }
    _write_private(
        signing_dir() / REVOCATIONS,
        json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"),
        mode=0o644,
    )


def revocations() -> list[RevokedEntry]:
    """The current CA's revoked certificates, oldest first."""
    return _load_revocations(get_authority())[1]


def _issue_crl(authority: Authority, number: int, entries: list[RevokedEntry]) -> bytes:
    """Sign the next CRL, record its number, write ``ca.crl``; the caller holds the lock."""
    crl = build_crl(authority, entries, number=number + 1, now=timezone.now())
    der = crl.public_bytes(serialization.Encoding.DER)
    _save_revocations(authority, number + 1, entries)
    _write_private(signing_dir() / CRL_DER, der, mode=0o644)
    return der


def revoke(serial: str, *, reason: str = "unspecified") -> RevokedEntry:
    """Put ``serial`` (hex) on the revocation list now and issue a new CRL."""
    if reason not in REVOCATION_REASONS:
        raise ValueError(f"unknown revocation reason {reason!r}")
    serial = normalise_serial(serial)
    authority = get_authority()
    if serial == f"{authority.ca_cert.serial_number:x}":
        raise ValueError("the CA root cannot be revoked by its own CRL; replace the CA instead")
    with _revocation_lock:
        number, entries = _load_revocations(authority)
        if any(e.serial == serial for e in entries):
            raise AlreadyRevoked(f"certificate {serial} is revoked already")
        # whole seconds, as the CRL's UTCTime holds it: a revocation in the same second as a
        # signature timestamp counts as before it (pyHanko compares the same way)
        now = timezone.now().replace(microsecond=0)
        entry = RevokedEntry(serial=serial, revoked_at=now, reason=reason)
        entries.append(entry)
        _issue_crl(authority, number, entries)
    logger.warning("certificate %s revoked (%s)", serial, reason)
    return entry


def current_crl() -> bytes:
    """The CA's current CRL (DER), re-issued when missing, stale or not this CA's."""
    authority = get_authority()
    path = signing_dir() / CRL_DER
    with _revocation_lock:
        number, entries = _load_revocations(authority)
        if path.exists():
            der = path.read_bytes()
            try:
                crl = x509.load_der_x509_crl(der)
            except ValueError:
                crl = None
            if (
                crl is not None
                and crl.is_signature_valid(authority.ca_key.public_key())
                and crl.next_update_utc is not None
                and crl.next_update_utc - timezone.now() > CRL_VALIDITY / 2
                and {f"{r.serial_number:x}" for r in crl} == {e.serial for e in entries}
            ):
                return der
        return _issue_crl(authority, number, entries)
