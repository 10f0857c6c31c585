"""Staff API bearer tokens: issued for password + TOTP code, stored hashed, revocable.

Issuing goes through Django's ``authenticate(request=…)``, so django-axes counts a wrong
password and enforces its lockouts here exactly as on the admin sign-in page; a wrong code
counts as a failure too (``staff_code_failed``). Only a fully correct request (password and
code) clears the user's failures. Every issue, refusal and revocation is an audit event
holding ids only (the token's row id, never the token).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.lib.crypto import lookup_hash
from idrenew.staffauth.errors import (
    StaffCredentialsInvalid,
    StaffLockedOut,
    StaffOtpNotEnrolled,
    StaffTokenExpired,
)
from idrenew.staffauth.models import StaffApiToken
from idrenew.staffauth.services import staff_code_failed, totp_confirmed_device

PREFIX = "stf_"  # tells a staff token from a customer app's at a glance (logs, leaks)


@dataclass(frozen=True)
class Issued:
    token: str  # shown once
    row: StaffApiToken


def _hash(token: str) -> str:
    return lookup_hash(token, purpose="staff-api-token")


def _locked(request: HttpRequest) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def staff_token_issue(*, request: HttpRequest, username: str, password: str, code: str) -> Issued:
    """A new token for a staff member who gives the password and the authenticator's code."""
    user: Any = authenticate(request=request, username=username, password=password)
    if user is None:
        _refused(request, "", "credentials")
        raise StaffLockedOut() if _locked(request) else StaffCredentialsInvalid()
    if not (user.is_active and user.is_staff):
        _refused(request, str(user.pk), "not_staff")
        raise StaffCredentialsInvalid()
    device = totp_confirmed_device(user)
    if device is None:
        _refused(request, str(user.pk), "otp_not_enrolled")
        raise StaffOtpNotEnrolled()
    allowed, _ = device.verify_is_allowed()
    code = code.strip().replace(" ", "")
    if not (allowed and code.isdigit() and device.verify_token(code)):
        locked = staff_code_failed(request, user)
        raise StaffLockedOut() if locked else StaffCredentialsInvalid()
    AxesProxyHandler.reset_attempts(username=user.get_username())
    token = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    row = StaffApiToken.objects.create(
        token_hash=_hash(token),
        user=user,
        last_used_at=now,
        expires_at=now + timedelta(hours=settings.IDRENEW_STAFF_TOKEN_HOURS),
    )
    audit_record(
        action="staff.api_token_issued",
        actor_type=ActorType.STAFF,
        actor_id=str(user.pk),
        request=request,
        data={"token": row.pk, "device": device.persistent_id},
    )
    return Issued(token=token, row=row)


def _refused(request: HttpRequest, user_id: str, reason: str) -> None:
    audit_record(
        action="staff.api_token_refused",
        actor_type=ActorType.STAFF if user_id else ActorType.ANONYMOUS,
        actor_id=user_id,
        request=request,
        data={"reason": reason},
    )


def staff_token_authenticate(
    *, request: HttpRequest, token: str, now: datetime | None = None
) -> StaffApiToken:
    """The live token row (its user loaded); refreshes its idle clock. Raises
    ``StaffTokenExpired`` for an unknown, expired, idle, revoked or deactivated one."""
    now = now or timezone.now()
    row = StaffApiToken.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if row is None:
        raise StaffTokenExpired()
    idle = (now - row.last_used_at).total_seconds() > settings.IDRENEW_STAFF_IDLE_TIMEOUT
    user: Any = row.user
    if row.revoked_at is not None or row.expires_at <= now or idle or not user.is_active:
        if row.revoked_at is None:
            row.revoked_at = now
            row.save(update_fields=["revoked_at"])
            audit_record(
                action="staff.api_token_expired",
                actor_type=ActorType.STAFF,
                actor_id=str(row.user_id),
                request=request,
                data={"token": row.pk, "idle": idle},
            )
        raise StaffTokenExpired()
    if not user.is_staff:
        raise StaffTokenExpired()
    StaffApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def staff_token_revoke(
    *, row: StaffApiToken, staff: Any, request: HttpRequest | None, now: datetime | None = None
) -> bool:
    """Revoke a token (its owner, or a 管理员 from the back office); audited."""
    revoked = StaffApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    if revoked:
        audit_record(
            action="staff.api_token_revoked",
            actor_type=ActorType.STAFF,
            actor_id=str(staff.pk),
            request=request,
            data={"token": row.pk, "user": row.user_id},
        )
    return bool(revoked)
