from __future__ import annotations

import pytest

from idrenew.lib.crypto import DecryptionError, decrypt_text, encrypt_text, lookup_hash
from idrenew.lib.masking import mask_id_number, mask_mobile, mask_name


def test_round_trip_and_not_deterministic() -> None:
    a, b = encrypt_text("110101199003071234"), encrypt_text("110101199003071234")
    assert a != b
    assert decrypt_text(a) == "110101199003071234"


def test_key_rotation(settings) -> None:  # type: ignore[no-untyped-def]
    token = encrypt_text("secret")
    settings.ENCRYPTION_KEYS = ["new-key", *settings.ENCRYPTION_KEYS]
    assert decrypt_text(token) == "secret"
    settings.ENCRYPTION_KEYS = ["other"]
    with pytest.raises(DecryptionError):
        decrypt_text(token)


def test_lookup_hash_depends_on_purpose() -> None:
    assert lookup_hash("x", purpose="a") == lookup_hash("x", purpose="a")
    assert lookup_hash("x", purpose="a") != lookup_hash("x", purpose="b")


def test_masks() -> None:
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_mobile("13800138001") == "138****8001"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
