"""Model fields for personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from idrenew.lib.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; reads give the plain text back.

    Tokens are not deterministic, so the column cannot be searched: keep a lookup hash
    beside it (``idrenew.lib.crypto.lookup_hash``) where a lookup is needed.
    """

    description = "Encrypted text"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_text(str(value))
