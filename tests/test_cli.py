from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.idcard.conftest import at_step_4

__all__ = ["at_step_4"]  # the fixture, imported for its name


def test_help_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "idrenew.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ["demo", "serve", "migrate", "seed-demo", "createreviewer", "worker"]:
        assert command in out


@pytest.mark.django_db
def test_createreviewer_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from django.contrib.auth.models import User
    from django.core.management import call_command

    monkeypatch.setattr("sys.stdin", io.StringIO("Str0ng-Pass-2026\n"))
    call_command("createreviewer", "li.review", "--password-stdin")
    user = User.objects.get(username="li.review")
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name="审核员").exists()
    assert user.check_password("Str0ng-Pass-2026")


@pytest.mark.django_db
def test_createreviewer_rejects_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    with pytest.raises(CommandError):
        call_command("createreviewer", "weak", "--password-stdin")


@pytest.mark.django_db
def test_housekeeping_deletes_spent_rows(alice) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from idrenew.verification.models import Captcha

    old = Captcha.objects.create(answer_hash="x", expires_at=timezone.now() - timedelta(hours=2))
    fresh = Captcha.objects.create(
        answer_hash="y", expires_at=timezone.now() + timedelta(minutes=2)
    )
    call_command("housekeeping")
    assert not Captcha.objects.filter(pk=old.pk).exists()
    assert Captcha.objects.filter(pk=fresh.pk).exists()


# --- idrenew ocr: the retake policy of the server ---------------------------------------------

BLANK_WARNINGS_POLICY = "IDCARD_SCREEN"  # a policy that blocks none of a blank photo's warnings


def _ocr_subprocess(image: Path, policy: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "IDRENEW_IDCARD_BLOCKING_WARNINGS"}
    if policy is not None:
        env["IDRENEW_IDCARD_BLOCKING_WARNINGS"] = policy
    out = subprocess.run(
        [sys.executable, "-m", "idrenew.cli", "ocr", str(image), "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return dict(json.loads(out))


def test_ocr_cli_follows_idrenew_idcard_blocking_warnings(tmp_path: Path) -> None:
    """The environment variable the server reads changes the CLI's verdict too (the CLI read
    ``IDRENEW_IDCARD_BLOCKING``, which does not exist, and so always the built-in default)."""
    from PIL import Image

    image = tmp_path / "blank.jpg"
    Image.new("RGB", (1200, 800), (200, 190, 180)).save(image, quality=90)
    default = _ocr_subprocess(image, None)
    assert default["error"] is None and default["warnings"], default
    assert default["blocking"] is True  # a blank photo: blurred, unreadable… retake
    assert BLANK_WARNINGS_POLICY not in default["warnings"]
    relaxed = _ocr_subprocess(image, BLANK_WARNINGS_POLICY)
    assert relaxed["warnings"] == default["warnings"]
    assert relaxed["blocking"] is False  # none of its warnings is in the policy now


def _reading(side: str, fields: dict[str, str], warnings: list[str]) -> Any:
    from idrenew.idcard.domain.types import SideReading

    return SideReading(
        side=side,  # type: ignore[arg-type]
        fields=fields,
        confidence=dict.fromkeys(fields, 0.97),
        warnings=warnings,
    )


def _front(customer: Any, **changes: str) -> dict[str, str]:
    from idrenew.customers.domain.idnumber import parse_id_number

    parsed = parse_id_number(customer.id_number)
    fields = {
        "name": customer.name,
        "sex": "男" if parsed.male else "女",
        "ethnicity": "汉",
        "birth_date": parsed.birth_date.strftime("%Y.%m.%d"),
        "address": customer.address,
        "id_number": customer.id_number,
    }
    return {**fields, **changes}


BACK = {"issuer": "北京市公安局东城分局", "valid_from": "2026.11.01", "valid_to": "2046.11.01"}

READINGS = {
    "low confidence": ("front", "front", None, ["IDCARD_LOW_CONFIDENCE"]),
    "glare": ("front", "front", None, ["IDCARD_GLARE"]),
    "wrong side": ("front", "back", BACK, []),
    "birth mismatch": ("front", "front", {"birth_date": "1999.01.01"}, []),
    "valid_to unreadable": ("back", "back", {**BACK, "valid_to": ""}, ["IDCARD_LOW_CONFIDENCE"]),
    "clean back": ("back", "back", BACK, []),
}
POLICIES = {
    "default": None,
    "low confidence blocks": frozenset({"IDCARD_LOW_CONFIDENCE", "IDCARD_WRONG_SIDE"}),
    "nothing blocks": frozenset(),
}


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("case", list(READINGS))
def test_ocr_cli_decides_like_the_server(
    at_step_4: Any,
    alice: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    case: str,
    policy: str,
) -> None:
    """The same reading of a photo uploaded as the same side: the CLI reports the warnings
    the server records and blocks exactly when the server makes the customer retake."""
    from idrenew.cases.models import RenewalCase
    from idrenew.idcard import services
    from idrenew.idcard.models import CardUpload
    from idrenew.lib.files import save_encrypted

    asked, read_as, fields, warnings = READINGS[case]
    if read_as == "front":
        fields = _front(alice, **(fields or {}))
    reading = _reading(read_as, dict(fields or {}), list(warnings))
    if POLICIES[policy] is not None:
        settings.IDRENEW_IDCARD_BLOCKING_WARNINGS = POLICIES[policy]

    monkeypatch.setattr(services, "_read", lambda data, side: reading)
    upload = CardUpload.objects.create(
        case=RenewalCase.objects.get(customer=alice),
        side=asked,
        image_name=save_encrypted("idcard/photos", b"photo", suffix=".img"),
        image_sha256="0" * 64,
    )
    services.idcard_upload_analyze(upload_id=str(upload.id))
    upload.refresh_from_db()
    server_codes = [w["code"] for w in upload.warnings]
    server_blocks = upload.status == CardUpload.Status.REJECTED

    monkeypatch.setattr(
        "idrenew.idcard.management.commands.ocr.read_side", lambda data, side: reading
    )
    image = tmp_path / "photo.jpg"
    image.write_bytes(b"\xff\xd8\xff not decoded: read_side is replaced")
    out = io.StringIO()
    call_command("ocr", str(image), "--side", asked, "--json", stdout=out)
    cli = json.loads(out.getvalue())

    assert cli["warnings"] == server_codes
    assert cli["blocking"] is server_blocks
    assert server_codes or not server_blocks  # a case with nothing to block stays accepted
