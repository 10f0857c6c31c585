"""django-axes handler: one limit per user name and another per client IP.

Axes compares one number (``get_failures``) with one limit (``AXES_FAILURE_LIMIT``). Staff
sign-in needs two: a user name is locked after ``IDRENEW_STAFF_FAILURES_PER_USER`` failures
(a password guessed against one account) and a client IP after ``IDRENEW_STAFF_FAILURES_PER_IP``
(user names tried from one place, higher because an office shares one address). Failures
count within the cool-off window (``IDRENEW_STAFF_LOCKOUT_MINUTES``) after the last one.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def failure_limit(request: HttpRequest | None = None, credentials: Any = None) -> int:
    """``AXES_FAILURE_LIMIT``: the per-user limit (read at call time, tests change it)."""
    return int(settings.IDRENEW_STAFF_FAILURES_PER_USER)


def _sum(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class StaffLockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes has no types
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_user = _sum(recent.filter(username=username)) if username else 0
        ip = getattr(request, "axes_ip_address", None)
        by_ip = _sum(recent.filter(ip_address=ip)) if ip else 0
        if by_ip >= int(settings.IDRENEW_STAFF_FAILURES_PER_IP):
            return max(by_user, failure_limit())
        return by_user
