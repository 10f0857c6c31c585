"""The configuration checks every vendor adapter's ``check_config()`` starts with: its keys
are set, its other required settings hold a value, its endpoint is an http(s) URL (https in
production). One wording for all of them (``idrenew check``, the readiness probe and the
adapters' ``probe()`` show these lines to operators)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


def _filled(value: str) -> bool:
    return bool(value.strip())


@dataclass(frozen=True)
class Required:
    """A required setting besides the keys: ``"<setting> (<what>) is not set"`` unless
    ``valid`` accepts its value (by default: not blank)."""

    setting: str
    what: str
    valid: Callable[[str], bool] = _filled


def vendor_config_problems(
    *, secrets: Sequence[str], endpoint: str, required: Sequence[Required] = ()
) -> list[str]:
    """What is wrong with a vendor's settings, by name: each of ``secrets`` (read from the
    setting or its ``_FILE``) set, each of ``required`` valid, ``endpoint`` an http(s) URL
    and https in production. Empty when all is well."""
    problems = [f"{name} (or _FILE) is not set" for name in secrets if not getattr(settings, name)]
    problems += [
        f"{r.setting} ({r.what}) is not set"
        for r in required
        if not r.valid(str(getattr(settings, r.setting)))
    ]
    url = urlsplit(getattr(settings, endpoint))
    if url.scheme not in ("https", "http") or not url.netloc:
        problems.append(f"{endpoint} must be an https:// URL")
    elif settings.PRODUCTION and url.scheme != "https":
        problems.append(f"{endpoint} must use https in production")
    return problems
