"""Issue #10, item 7: production refuses demo switches, weak secrets and a console SMS
backend while loading (the process never starts), and ``idrenew check --deploy`` runs every
adapter's ``check_config()`` with stable ids; the web server refuses to start on an error."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.security.prod_env import SETUP, production_env, run_idrenew, run_python

GOOD_KEY = Fernet.generate_key().decode()


def test_a_good_production_environment_starts(tmp_path: Path) -> None:
    result = run_python(
        production_env(tmp_path),
        SETUP + "; from django.conf import settings; print(settings.DEBUG, settings.PRODUCTION)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"IDRENEW_DEBUG": "1"}, ["IDRENEW_DEBUG"]),
        ({"IDRENEW_DEMO": "1"}, ["IDRENEW_DEMO"]),
        ({"IDRENEW_SECRET_KEY": "x"}, ["IDRENEW_SECRET_KEY", "32"]),
        ({"IDRENEW_SECRET_KEY": "a" * 64}, ["IDRENEW_SECRET_KEY"]),
        ({"IDRENEW_SECRET_KEY": "0123456789abcdef" * 4}, ["IDRENEW_SECRET_KEY"]),
        ({"IDRENEW_SECRET_KEY": None}, ["IDRENEW_SECRET_KEY"]),
        ({"IDRENEW_ENCRYPTION_KEYS": "k"}, ["IDRENEW_ENCRYPTION_KEYS"]),
        ({"IDRENEW_ENCRYPTION_KEYS": f"{GOOD_KEY},short"}, ["IDRENEW_ENCRYPTION_KEYS"]),
        ({"IDRENEW_ENCRYPTION_KEYS": "A" * 43 + "="}, ["IDRENEW_ENCRYPTION_KEYS"]),
        ({"IDRENEW_LOOKUP_HASH_KEY": "h"}, ["IDRENEW_LOOKUP_HASH_KEY"]),
        ({"IDRENEW_SMS_BACKEND": None}, ["IDRENEW_SMS_BACKEND", "ConsoleSmsBackend"]),
        (
            {"IDRENEW_SMS_BACKEND": "idrenew.verification.sms.ConsoleSmsBackend"},
            ["IDRENEW_SMS_BACKEND", "ConsoleSmsBackend"],
        ),
        (
            {"IDRENEW_SMS_BACKEND": "idrenew.verification.sms.LocmemSmsBackend"},
            ["IDRENEW_SMS_BACKEND", "LocmemSmsBackend"],
        ),
        (
            {"IDRENEW_SMS_BACKEND": "tests.security.fake_sms.NotForProductionSmsBackend"},
            ["IDRENEW_SMS_BACKEND", "NotForProductionSmsBackend"],
        ),
    ],
)
def test_production_refuses_to_start(
    tmp_path: Path, overrides: dict[str, str | None], names: list[str]
) -> None:
    result = run_python(production_env(tmp_path, **overrides), SETUP)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for name in names:
        assert name in last, last


def test_a_weak_secret_from_a_file_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "lookup"
    secret_file.write_text("short\n")
    env = production_env(tmp_path, IDRENEW_LOOKUP_HASH_KEY_FILE=str(secret_file))
    result = run_python(env, SETUP)
    assert result.returncode != 0 and "IDRENEW_LOOKUP_HASH_KEY" in result.stderr


def test_embedded_mode_still_generates_its_own_secrets(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        IDRENEW_ENV=None,
        IDRENEW_SECRET_KEY=None,
        IDRENEW_ENCRYPTION_KEYS=None,
        IDRENEW_LOOKUP_HASH_KEY=None,
        IDRENEW_SMS_BACKEND=None,
        IDRENEW_DEBUG="1",
        IDRENEW_DEMO="1",
    )
    result = run_python(env, SETUP)
    assert result.returncode == 0, result.stderr


def test_startup_and_check_deploy_refuse_a_missing_ca_and_database(tmp_path: Path) -> None:
    """No `idrenew migrate`, no `idrenew ca init`: nothing serves."""
    env = production_env(tmp_path)
    check = run_idrenew(env, "check", "--deploy")
    out = check.stdout + check.stderr
    assert check.returncode != 0
    assert "idrenew.E007" in out and "idrenew ca init" in out and "签名" in out
    assert "idrenew.E002" in out and "idrenew migrate" in out

    serve = run_idrenew(env, "serve", "--bind", "127.0.0.1:0", timeout=120)
    assert serve.returncode != 0
    assert "idrenew.E007" in serve.stderr
    assert not (tmp_path / "static" / "staticfiles.json").exists()  # stopped before anything

    wsgi = run_python(env, "import idrenew.wsgi")
    assert wsgi.returncode != 0 and "idrenew.E007" in wsgi.stderr


def test_check_deploy_is_clean_once_configured_and_names_adapter_problems(
    tmp_path: Path,
) -> None:
    env = production_env(tmp_path)
    assert run_idrenew(env, "migrate", "--verbosity", "0").returncode == 0
    assert run_idrenew(env, "ca", "init").returncode == 0

    clean = run_idrenew(env, "check", "--deploy", "--fail-level", "WARNING")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no issues" in clean.stdout

    wsgi = run_python(env, "import idrenew.wsgi")
    assert wsgi.returncode == 0, wsgi.stderr

    sms = run_idrenew(
        {**env, "IDRENEW_SMS_BACKEND": "tests.security.fake_sms.MisconfiguredSmsBackend"},
        "check",
        "--deploy",
    )
    assert sms.returncode != 0
    assert "idrenew.E001" in sms.stderr and "IDRENEW_FAKE_SMS_API_KEY" in sms.stderr

    s3 = run_idrenew(
        {
            **env,
            "IDRENEW_S3_BUCKET": "idrenew-files",
            "IDRENEW_S3_ENDPOINT_URL": "http://127.0.0.1:9",
            "IDRENEW_S3_ACCESS_KEY": secrets.token_hex(10),
            "IDRENEW_S3_SECRET_KEY": secrets.token_hex(20),
        },
        "check",
        "--deploy",
    )
    assert s3.returncode != 0 and "idrenew.E006" in s3.stderr and "idrenew-files" in s3.stderr
