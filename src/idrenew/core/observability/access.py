"""Who may read ``/metrics`` (and the worker's metrics endpoint): a client address in
``IDRENEW_METRICS_ALLOW`` (networks, default loopback only), or anyone presenting
``Authorization: Bearer <IDRENEW_METRICS_TOKEN>`` when a token is set. nginx restricts the path
as well; the application does not rely on it."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable


def _networks(allow: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n.strip(), strict=False) for n in allow if n.strip()]


def allowed(*, client: str, authorization: str, allow: Iterable[str], token: str) -> bool:
    if token:
        scheme, _, presented = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            return True
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(allow))


def parse_allow(value: str) -> list[str]:
    """``IDRENEW_METRICS_ALLOW``: comma-separated networks (``10.0.0.0/8``, ``::1``); a bad
    entry refuses the start (ImproperlyConfigured)."""
    from django.core.exceptions import ImproperlyConfigured

    entries = [e.strip() for e in value.split(",") if e.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"IDRENEW_METRICS_ALLOW: {entry!r} is not a network (e.g. 10.0.0.0/8)"
            ) from None
    return entries
