"""A production environment for subprocess tests: good secrets, a test SMS gateway."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]
FAKE_SMS = "tests.security.fake_sms.FakeGatewaySmsBackend"


def production_env(data_dir: Path, **overrides: str | None) -> dict[str, str]:
    """IDRENEW_ENV=production with everything it needs; ``NAME=None`` removes NAME."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
        "DJANGO_SETTINGS_MODULE": "idrenew.settings",
        "IDRENEW_ENV": "production",
        "IDRENEW_DATA_DIR": str(data_dir),
        "IDRENEW_SECRET_KEY": secrets.token_urlsafe(48),
        "IDRENEW_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "IDRENEW_LOOKUP_HASH_KEY": secrets.token_urlsafe(32),
        "IDRENEW_SMS_BACKEND": FAKE_SMS,
        "IDRENEW_BEHIND_TLS_PROXY": "1",
        # No public-security identity vendor is reachable from the tests: waived, with the
        # reason the dashboard shows (tests/face/test_identity_production.py covers refusal).
        "IDRENEW_IDENTITY_CHECK_WAIVED": "1",
        "IDRENEW_IDENTITY_CHECK_WAIVER_REASON": "测试环境：未接入公安身份核验服务",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_python(
    env: dict[str, str], code: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_idrenew(
    env: dict[str, str], *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "idrenew.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


SETUP = "import django; django.setup()"
