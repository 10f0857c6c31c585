"""Where the broker's CA lives: one encrypted bundle under ``IDRENEW_SIGNING_DIR``.

``authority.json.enc`` holds the CA, broker-signing and TSA keys and certificates, encrypted
with :mod:`idrenew.lib.crypto` (``ENCRYPTION_KEYS``); ``ca.pem`` beside it is the public root
certificate for verifiers (pdfsig's NSS database, Adobe's trusted certificates).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.utils import timezone

from idrenew.lib.crypto import decrypt_bytes, encrypt_bytes
from idrenew.signing.domain.ca import (
    Authority,
    authority_from_bundle,
    authority_to_bundle,
    certificate_pem,
    create_authority,
)

logger = logging.getLogger(__name__)
BUNDLE = "authority.json.enc"
ROOT_PEM = "ca.pem"
_lock = threading.Lock()
_cache: dict[tuple[str, int], Authority] = {}


class AuthorityMissing(RuntimeError):
    """No CA yet and this environment does not create one by itself."""


class AuthorityExists(RuntimeError):
    """``ca init`` without ``--force`` over an existing CA."""


def signing_dir() -> Path:
    return Path(settings.IDRENEW_SIGNING_DIR)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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


def trust_roots() -> list[x509.Certificate]:
    return [get_authority().ca_cert]
