"""API authentication for customers: bearer token (app) or session cookie (H5, with CSRF)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from idrenew.core.errors import CsrfFailed
from idrenew.customers.models import Customer

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class CustomerSessions:
    """How a request names its customer; verification (which owns sign-in and sessions)
    registers it in ``VerificationConfig.ready``, so core does not import verification."""

    bearer_token: Callable[[HttpRequest], str | None]
    session_customer: Callable[[HttpRequest], Customer]  # raises when nobody is signed in


_sessions: CustomerSessions | None = None


def sessions_register(sessions: CustomerSessions) -> None:
    global _sessions
    _sessions = sessions


def customer_sessions() -> CustomerSessions:
    if _sessions is None:
        raise ImproperlyConfigured(
            "no customer sessions registered (is idrenew.verification installed?)"
        )
    return _sessions


def require_csrf(request: HttpRequest) -> None:
    if request.method in SAFE_METHODS:
        return
    if check_csrf(request) is not None:
        raise CsrfFailed()


class CustomerAuth(AuthBase):
    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = "sessionid"

    def __init__(self) -> None:
        self.openapi_extra: dict[str, Any] = {
            "description": (
                "浏览器会话 Cookie（写操作需 X-CSRFToken），或 Authorization: Bearer <token>"
            )
        }
        super().__init__()

    def __call__(self, request: HttpRequest) -> Customer:
        sessions = customer_sessions()
        if sessions.bearer_token(request) is None:
            require_csrf(request)
        customer = sessions.session_customer(request)
        request.customer = customer  # type: ignore[attr-defined]
        return customer


def request_customer(request: HttpRequest) -> Customer:
    customer: Customer = request.auth  # type: ignore[attr-defined]
    return customer
