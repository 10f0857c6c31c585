"""Model fields for personal data."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from idrenew.lib.crypto import decrypt_text, encrypt_text


class EncryptedTextField(models.TextField[Any, Any]):
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


class EncryptedJSONField(models.TextField[Any, Any]):
    """A JSON value stored as one Fernet token of its text; reads give the value back.

    For records that must keep something personal for a while (a task's arguments and
    result): not searchable, like ``EncryptedTextField``. ``None`` is stored as NULL.
    """

    description = "Encrypted JSON"
    # For django-stubs' mypy plugin: the attribute holds any JSON value, not a str.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(decrypt_text(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
