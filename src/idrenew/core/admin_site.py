from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect


def _verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def _half_signed_in(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff) and not _verified(
        request
    )


class IdrenewAdminSite(admin.AdminSite):
    """The back office. Signing in takes a password (django-axes counts the failures) and
    then a TOTP code (django-otp): as with ``django_otp.admin.OTPAdminSite``, only a session
    verified by the staff member's device has permission; a staff member without a device
    enrols one first (``idrenew.staffauth.views``)."""

    site_header = "证件更新 · 业务后台"
    site_title = "证件更新后台"
    index_title = "业务管理"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and _verified(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The password step; a right password leads on to the code step."""
        if _half_signed_in(request) and request.method == "GET":
            return self._to_second_factor(request.GET.get("next") or reverse("admin:index"))
        response = super().login(request, extra_context)
        if (
            request.method == "POST"
            and _half_signed_in(request)
            and isinstance(response, HttpResponseRedirect)
        ):
            return self._to_second_factor(response.url)
        return response

    def _to_second_factor(self, next_url: str) -> HttpResponse:
        query = urlencode({"next": next_url})
        return HttpResponseRedirect(f"{reverse('admin:staff_otp', current_app=self.name)}?{query}")

    def get_urls(self) -> list[URLResolver | URLPattern]:
        from idrenew.staffauth import views

        own = [
            path("otp/", never_cache(csrf_protect(views.otp_verify)), name="staff_otp"),
            path("otp/setup/", never_cache(csrf_protect(views.otp_setup)), name="staff_otp_setup"),
        ]
        return own + super().get_urls()

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        from idrenew.tradingcalendar.selectors import uncovered_years

        for year in uncovered_years():
            messages.warning(
                request,
                f"交易日历缺少 {year} 年的节假日数据："
                "系统暂按周一至周五视为交易日。"
                f"请在“交易日历 › 交易日调整”中录入 {year} 年休市日，"
                "并在“已维护年度”中登记该年度。",
            )
        return super().index(request, extra_context)
