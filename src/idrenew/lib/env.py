"""Typed helpers that read configuration from the environment and fail loudly."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def envfloat(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from exc


def envsecret(name: str) -> str | None:
    """Read a secret from NAME_FILE (wins) or NAME; None when neither is set."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to an unreadable file: {path}") from exc
    value = os.environ.get(name)
    return value or None


def generated_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) on first use.

    Only the embedded (non-production) mode uses this; production must set secrets.
    """
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its value
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value)
    return value


MIN_SECRET_BYTES = 32


def secret_problem(value: str) -> str | None:
    """Why ``value`` cannot be a production secret (None when it looks random enough).

    A secret must hold at least 32 random bytes: e.g. ``secrets.token_urlsafe(48)``. This
    refuses what a person types or pastes by mistake: short values, few distinct characters
    (``aaaa…``) and a short piece repeated (``0123456789abcdef`` × 4).
    """
    size = len(value.encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        return f"is {size} bytes long; it needs at least {MIN_SECRET_BYTES} random bytes"
    if len(set(value)) < 12:
        return f"uses only {len(set(value))} different characters; it does not look random"
    for period in range(1, min(len(value) // 2, 64) + 1):
        if len(value) % period == 0 and value[:period] * (len(value) // period) == value:
            return "repeats a shorter piece; it does not look random"
    return None
