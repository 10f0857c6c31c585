"""Customer sessions: an HttpOnly cookie session for the browser, or a bearer token for an
app client. Both end after ``IDRENEW_CUSTOMER_IDLE_TIMEOUT`` seconds without a request."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils import timezone

from idrenew.core.errors import NotSignedIn, SessionExpired
from idrenew.customers.models import Customer
from idrenew.lib.crypto import lookup_hash
from idrenew.verification.models import BearerToken

SESSION_CUSTOMER = "idrenew_customer_id"
SESSION_SEEN = "idrenew_customer_seen"


def _token_hash(token: str) -> str:
    return lookup_hash(token, purpose="bearer")


def session_open(request: HttpRequest, customer: Customer, *, client: str) -> str | None:
    """Start a session; returns a bearer token for app clients, None for the browser."""
    if client == "app":
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        BearerToken.objects.create(
            token_hash=_token_hash(token),
            customer=customer,
            last_used_at=now,
            expires_at=now + timedelta(seconds=settings.IDRENEW_BEARER_TOKEN_MAX_AGE),
        )
        return token
    request.session.cycle_key()  # no session fixation
    request.session[SESSION_CUSTOMER] = customer.pk
    request.session[SESSION_SEEN] = time.time()
    rotate_token(request)
    return None


def bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return None


def session_customer(request: HttpRequest) -> Customer:
    """The signed-in customer, refreshing the idle timer; raises when there is none."""
    idle = settings.IDRENEW_CUSTOMER_IDLE_TIMEOUT
    token = bearer_token(request)
    if token is not None:
        now = timezone.now()
        row = (
            BearerToken.objects.select_related("customer")
            .filter(token_hash=_token_hash(token))
            .first()
        )
        if row is None:
            raise NotSignedIn()
        if row.expires_at <= now or (now - row.last_used_at).total_seconds() > idle:
            row.delete()
            raise SessionExpired()
        BearerToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.customer
    customer_id = request.session.get(SESSION_CUSTOMER)
    if customer_id is None:
        raise NotSignedIn()
    seen = float(request.session.get(SESSION_SEEN, 0))
    if time.time() - seen > idle:
        request.session.flush()
        raise SessionExpired()
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        request.session.flush()
        raise NotSignedIn()
    request.session[SESSION_SEEN] = time.time()
    return customer


def session_peek(request: HttpRequest) -> int | None:
    """The customer id of a live session without refreshing it (for scoping, not for auth)."""
    token = bearer_token(request)
    if token is not None:
        row = BearerToken.objects.filter(token_hash=_token_hash(token)).only("customer_id").first()
        return row.customer_id if row else None
    value = request.session.get(SESSION_CUSTOMER) if hasattr(request, "session") else None
    return int(value) if value is not None else None


def session_close(request: HttpRequest) -> None:
    token = bearer_token(request)
    if token is not None:
        BearerToken.objects.filter(token_hash=_token_hash(token)).delete()
        return
    request.session.flush()
