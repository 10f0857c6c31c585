"""The device cookie: a random id the sign-in endpoints give each browser.

``idrenew_device`` is signed (a client cannot choose another browser's id), HttpOnly,
SameSite=Lax and Secure like the session cookie. It names a *source* of sign-in attempts for
the per-source escalation (services.py) and binds a captcha to the browser that fetched it.
A client that drops it still gets a new one on each answer, and is then counted by its IP
address alone.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from idrenew.lib.crypto import lookup_hash

COOKIE = "idrenew_device"
SALT = "idrenew.verification.device"
MAX_AGE = 365 * 86400
_ATTR = "_idrenew_device"


def device_get(request: HttpRequest) -> str | None:
    """The request's device id, or None when it sent no (valid) cookie."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return None
    try:
        device = request.get_signed_cookie(COOKIE, salt=SALT, max_age=MAX_AGE)
    except Exception:  # any bad signature counts as no cookie
        return None
    return device if isinstance(device, str) and 16 <= len(device) <= 64 else None


def device_ensure(request: HttpRequest) -> str:
    """The request's device id, made now if it has none (``device_cookie_set`` sends it)."""
    device = getattr(request, _ATTR, None) or device_get(request)
    if device is None:
        device = secrets.token_urlsafe(24)
    setattr(request, _ATTR, device)
    return device


def device_hash(device: str) -> str:
    return lookup_hash(device, purpose="device")


def device_cookie_set(request: HttpRequest, response: HttpResponse) -> None:
    """Send the device cookie when this request made a new id (or renew an existing one)."""
    device = getattr(request, _ATTR, None)
    if device is None:
        return
    response.set_signed_cookie(
        COOKIE,
        device,
        salt=SALT,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
        path="/",
    )
