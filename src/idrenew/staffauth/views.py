"""The second sign-in step (动态验证码), enrolment of an authenticator app, the lockout page.

Both steps are pages of the admin site (``/admin/otp/`` and ``/admin/otp/setup/``, see
``IdrenewAdminSite.get_urls``) for a staff member who has given the right password.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from idrenew.staffauth import services

CODE_FIELD = "otp_token"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return str(target)
    return reverse("admin:index")


def _half_signed_in(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> TemplateResponse:
    site = admin.site
    context = {
        **site.each_context(request),
        "next": _next_url(request),
        "code_field": CODE_FIELD,
        **context,
    }
    response = TemplateResponse(request, template, context, status=status)
    response["Cache-Control"] = "no-store, private"
    return response


def _code(request: HttpRequest) -> str:
    return str(request.POST.get(CODE_FIELD, "")).strip().replace(" ", "")


def otp_verify(request: HttpRequest) -> HttpResponse:
    """动态验证码: the 6-digit code of the staff member's authenticator app."""
    if not _half_signed_in(request):
        return HttpResponseRedirect(reverse("admin:login"))
    user: Any = request.user
    if user.is_verified():
        return HttpResponseRedirect(_next_url(request))
    if services.totp_confirmed_device(user) is None:
        query = request.GET.urlencode()
        return HttpResponseRedirect(
            reverse("admin:staff_otp_setup") + (f"?{query}" if query else "")
        )
    if services.staff_is_locked(request, user):
        return locked_out(request)
    error = ""
    if request.method == "POST":
        if services.staff_code_verify(request=request, user=user, code=_code(request)):
            return HttpResponseRedirect(_next_url(request))
        if services.staff_code_failed(request, user):
            return locked_out(request)
        error = "动态验证码不正确或已过期，请输入身份验证器中当前显示的 6 位数字。"
    return _page(
        request,
        "staffauth/otp_verify.html",
        {"title": "两步验证", "error": error},
        status=400 if error else 200,
    )


def otp_setup(request: HttpRequest) -> HttpResponse:
    """绑定身份验证器: the QR code of a new device; the first correct code confirms it."""
    if not _half_signed_in(request):
        return HttpResponseRedirect(reverse("admin:login"))
    user: Any = request.user
    if user.is_verified() or services.totp_confirmed_device(user) is not None:
        query = request.GET.urlencode()
        return HttpResponseRedirect(reverse("admin:staff_otp") + (f"?{query}" if query else ""))
    if services.staff_is_locked(request, user):
        return locked_out(request)
    error = ""
    if request.method == "POST":
        if services.staff_device_confirm(request=request, user=user, code=_code(request)):
            return HttpResponseRedirect(_next_url(request))
        if services.staff_code_failed(request, user):
            return locked_out(request)
        error = "验证码不正确，请确认已扫描下方二维码，并输入身份验证器中当前显示的 6 位数字。"
    enrolment = services.totp_enrolment(services.totp_pending_device(user))
    return _page(
        request,
        "staffauth/otp_setup.html",
        {
            "title": "绑定身份验证器",
            "error": error,
            "qr_svg": services.totp_qr_svg(enrolment.uri),
            "secret": enrolment.secret,
            "uri": enrolment.uri,
        },
        status=400 if error else 200,
    )


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: too many wrong passwords or codes (HTTP 429). Rendered
    here: axes calls it from its middleware, after template responses are rendered. Under
    ``/api/`` (the staff API's token request) the coded JSON error instead."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        from idrenew.staffauth.errors import StaffLockedOut

        error = StaffLockedOut()
        return JsonResponse(
            error.as_body(), status=error.status, json_dumps_params={"ensure_ascii": False}
        )
    return _page(
        request,
        "staffauth/locked_out.html",
        {
            "title": "登录已锁定",
            "minutes": settings.IDRENEW_STAFF_LOCKOUT_MINUTES,
            "per_user": settings.IDRENEW_STAFF_FAILURES_PER_USER,
        },
        status=429,
    ).render()
