"""Staff sessions: an idle timeout, and no back-office page before the second factor.

Only Django users are staff (customers have their own session keys and their own idle
timeout in ``verification/sessions.py``), so anything here applies to signed-in staff only.

* Idle timeout: a staff session ends after ``IDRENEW_STAFF_IDLE_TIMEOUT`` seconds without a
  request (an audit event); ``SESSION_COOKIE_AGE`` stays the absolute limit.
* Two-factor: a staff member who has given the password but no code yet reaches only the
  sign-in pages; every other page under ``/admin/`` and ``/backoffice/`` sends them to the
  code step (the admin site itself also requires a verified session, and the back-office
  views outside it use ``staff_member_required``, which checks only ``is_staff``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.staffauth.services import SEEN_KEY

STAFF_PREFIXES = ("/admin/", "/backoffice/")


def _open_paths() -> set[str]:
    """Pages a half-signed-in staff member may reach."""
    return {
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("admin:staff_otp"),
        reverse("admin:staff_otp_setup"),
        reverse("admin:jsi18n"),
        reverse("signing:crl"),
    }


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN_KEY)
            if seen is not None and now - int(seen) > settings.IDRENEW_STAFF_IDLE_TIMEOUT:
                audit_record(
                    action="staff.session_idle_timeout",
                    actor_type=ActorType.STAFF,
                    actor_id=str(user.pk),
                    request=request,
                    data={"idle_seconds": now - int(seen)},
                )
                logout(request)
                messages.info(request, "长时间未操作，已自动退出，请重新登录。")
            else:
                request.session[SEEN_KEY] = now
                if not _verified(request) and _needs_second_factor(request.path):
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse('admin:staff_otp')}?{query}")
        return self.get_response(request)


def _verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def _needs_second_factor(path: str) -> bool:
    return path.startswith(STAFF_PREFIXES) and path not in _open_paths()
