from __future__ import annotations

import subprocess
import sys

import pytest


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
