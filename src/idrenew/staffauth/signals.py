"""Receivers: the idle clock starts at sign-in; every axes lockout is an audit event."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model, user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.staffauth.services import SEEN_KEY


@receiver(user_logged_in, dispatch_uid="idrenew.staffauth.seen")
def start_idle_clock(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_KEY] = int(time.time())


@receiver(user_locked_out, dispatch_uid="idrenew.staffauth.locked_out")
def audit_lockout(
    sender: Any,
    request: HttpRequest | None,
    username: str | None,
    ip_address: str | None,
    **kwargs: Any,
) -> None:
    """A user name or an IP reached its failure limit (or tried again while locked). The
    user name is recorded only when it names a staff account: whatever else was typed into
    the field may be someone's personal data."""
    user = get_user_model().objects.filter(username=username or "").only("pk").first()
    audit_record(
        action="staff.locked_out",
        actor_type=ActorType.STAFF if user else ActorType.ANONYMOUS,
        actor_id=str(user.pk) if user else "",
        request=request,
        data={
            "username": username if user else "",
            "ip": ip_address or "",
            "failures": getattr(request, "axes_failures_since_start", None),
        },
    )
