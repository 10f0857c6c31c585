"""Encryption at rest and keyed lookup hashes.

Keys come from settings (``ENCRYPTION_KEYS``: any long random strings, the first encrypts and
all decrypt, so keys can be rotated; ``LOOKUP_HASH_KEY`` for deterministic HMAC lookups).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class DecryptionError(Exception):
    pass


def _fernet_key(secret: str) -> bytes:
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"idrenew-at-rest-v1", info=b"fernet"
    ).derive(secret.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return fernet().decrypt(token)
    except InvalidToken as exc:
        raise DecryptionError("cannot decrypt: wrong key or damaged data") from exc


def encrypt_text(value: str) -> str:
    return encrypt_bytes(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    return decrypt_bytes(token.encode("ascii")).decode("utf-8")


def lookup_hash(value: str, *, purpose: str) -> str:
    """Deterministic keyed hash for finding a row by a secret value without storing it."""
    key = settings.LOOKUP_HASH_KEY.encode("utf-8")
    msg = f"{purpose}\x00{value}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
