"""Staff two-factor devices (TOTP, django-otp), the second sign-in step, lockout lifting.

Every staff role signs in with a password and then a 6-digit code from an authenticator app
(RFC 6238). A staff member without a confirmed device is enrolled after the password: the
page shows the device's QR code, and the first correct code confirms it. ``createreviewer``
and the demo enrol the device themselves and print its provisioning URI instead.

Wrong codes count as sign-in failures for django-axes (with the password's), so a stolen
password does not allow unlimited guesses at the code; only a completed sign-in clears them.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record

logger = logging.getLogger(__name__)

DEVICE_NAME = "身份验证器"
# The time of the last staff request (seconds since the epoch), for the idle timeout.
SEEN_KEY = "idrenew_staff_seen"


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    uri: str
    secret: str  # base32, for typing into an app by hand


def totp_secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_enrolment(device: TOTPDevice) -> Enrolment:
    return Enrolment(device=device, uri=str(device.config_url), secret=totp_secret(device))


def totp_qr_svg(uri: str) -> str:
    """The provisioning URI as an inline SVG QR code."""
    svg: str = segno.make(uri, error="m").svg_inline(scale=5, border=2)
    return svg


def totp_confirmed_device(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def totp_pending_device(user: User) -> TOTPDevice:
    """The user's unconfirmed device (created on first call), shown on the enrolment page."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_create(*, user: User, confirmed: bool = True) -> Enrolment:
    """A new device replacing the user's others (``createreviewer``, a reset phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=confirmed)
    return totp_enrolment(device)


def totp_device_ensure(*, user: User) -> Enrolment:
    """The user's confirmed device, created when there is none (the demo keeps its secret
    across ``seed-demo`` runs, so an authenticator app set up once keeps working)."""
    device = totp_confirmed_device(user)
    if device is None:
        return totp_device_create(user=user, confirmed=True)
    return totp_enrolment(device)


def _credentials(user: AbstractBaseUser) -> dict[str, Any]:
    return {str(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")): user.get_username()}


def staff_is_locked(request: HttpRequest, user: AbstractBaseUser) -> bool:
    return bool(AxesProxyHandler.is_locked(request, _credentials(user)))


def staff_code_failed(request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Count a wrong code as a sign-in failure (axes); True when that locked the user out,
    in which case the half-signed-in session ends."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
    audit_record(
        action="staff.otp_failed",
        actor_type=ActorType.STAFF,
        actor_id=str(user.pk),
        request=request,
    )
    if getattr(request, "axes_locked_out", False):
        logout(request)
        return True
    return False


def staff_code_verify(*, request: HttpRequest, user: User, code: str) -> TOTPDevice | None:
    """Check a code against the user's confirmed device; on success the session is verified
    (django-otp), the session key changes and the user's earlier failures are cleared."""
    device = totp_confirmed_device(user)
    if device is None or not code.isdigit():
        return None
    allowed, _ = device.verify_is_allowed()
    if not allowed or not device.verify_token(code):
        return None
    _signed_in(request, user, device, "staff.signed_in")
    return device


@transaction.atomic
def staff_device_confirm(*, request: HttpRequest, user: User, code: str) -> TOTPDevice | None:
    """Enrolment: the first correct code confirms the pending device."""
    if totp_confirmed_device(user) is not None:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not code.isdigit() or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    _signed_in(request, user, device, "staff.otp_enrolled")
    return device


def _signed_in(request: HttpRequest, user: User, device: TOTPDevice, action: str) -> None:
    request.session.cycle_key()
    otp_login(request, device)
    AxesProxyHandler.reset_attempts(username=user.get_username())
    audit_record(
        action=action,
        actor_type=ActorType.STAFF,
        actor_id=str(user.pk),
        request=request,
        data={"device": device.persistent_id},
    )


@transaction.atomic
def staff_lockout_lift(*, attempts: list[AccessAttempt], staff: Any, request: HttpRequest) -> int:
    """A 管理员 lifts lockouts: the attempts go, the users' code throttling is reset; each
    lift is an audit event (user name and IP of the lifted record, no customer data)."""
    for attempt in attempts:
        TOTPDevice.objects.filter(user__username=attempt.username).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        audit_record(
            action="staff.lockout_lifted",
            actor_type=ActorType.STAFF,
            actor_id=str(staff.pk),
            request=request,
            data={
                "username": attempt.username or "",
                "ip": attempt.ip_address or "",
                "failures": attempt.failures_since_start,
            },
        )
    AccessAttempt.objects.filter(pk__in=[a.pk for a in attempts]).delete()
    return len(attempts)


@transaction.atomic
def staff_device_reset(*, devices: list[TOTPDevice], staff: Any, request: HttpRequest) -> int:
    """A 管理员 removes a staff member's device (a lost phone): the next sign-in enrols a new
    one. Audited."""
    for device in devices:
        audit_record(
            action="staff.otp_reset",
            actor_type=ActorType.STAFF,
            actor_id=str(staff.pk),
            request=request,
            data={"user": device.user_id, "device": device.persistent_id},
        )
    TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).delete()
    return len(devices)
