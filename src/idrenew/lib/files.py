"""Files holding personal data, encrypted before they reach storage (local disk or S3)."""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from idrenew.lib.crypto import decrypt_bytes, encrypt_bytes


def save_encrypted(prefix: str, data: bytes, *, suffix: str = ".bin") -> str:
    """Encrypt and store ``data``; returns the storage name (random, says nothing)."""
    name = f"{prefix.strip('/')}/{secrets.token_hex(16)}{suffix}.enc"
    return default_storage.save(name, ContentFile(encrypt_bytes(data)))


def read_encrypted(name: str) -> bytes:
    with default_storage.open(name, "rb") as fh:
        return decrypt_bytes(fh.read())


def delete_file(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
