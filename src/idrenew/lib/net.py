"""Request metadata for audit events and rate limits."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address (port and IPv6 brackets dropped), else None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address.

    Directly connected, it is ``REMOTE_ADDR``. Behind ``IDRENEW_BEHIND_TLS_PROXY``, each of the
    ``IDRENEW_TRUSTED_PROXIES`` proxies appends the address it saw to ``X-Forwarded-For``, so
    the client is the entry that many places from the right; whatever stands further left was
    sent by the client itself and is ignored (a forged left-most entry must not rotate the
    address that rate limits and audit events use). A header shorter than the proxy chain,
    or an entry that is not an IP address, falls back to ``REMOTE_ADDR``.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))[:64]
    if not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return remote
    trusted = max(1, int(getattr(settings, "IDRENEW_TRUSTED_PROXIES", 1)))
    forwarded = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(forwarded) < trusted:
        return remote
    return _address(forwarded[-trusted]) or remote


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:400]
