"""Back office: sign-in failures and lockouts (django-axes), staff authenticator devices.

A 管理员 lifts a lockout with the action 解除锁定 and resets a lost phone's device with
重置两步验证; each is an audit event. Nothing here is edited or deleted by hand, and no
device secret is ever shown (``OTP_ADMIN_HIDE_SENSITIVE_DATA``).
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from idrenew.audit.admin_mixins import ReadOnlyAdminMixin
from idrenew.staffauth import services
from idrenew.staffauth.models import StaffApiToken
from idrenew.staffauth.tokens import staff_token_revoke

LIFT_PERMISSION = "axes.delete_accessattempt"
RESET_PERMISSION = "otp_totp.delete_totpdevice"


@admin.register(AccessAttempt)
class AccessAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AccessAttempt]):
    list_display = ["attempt_time", "username", "ip_address", "failures", "locked_now"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ("username", "ip_address", "user_agent", "path_info", "failures", "attempt_time")
    readonly_fields = fields
    actions = ["lift"]

    @admin.display(description="失败次数", ordering="failures_since_start")
    def failures(self, obj: AccessAttempt) -> int:
        return int(obj.failures_since_start)

    @admin.display(boolean=True, description="锁定中")
    def locked_now(self, obj: AccessAttempt) -> bool:
        since = timezone.now() - settings.AXES_COOLOFF_TIME
        return bool(
            obj.attempt_time >= since
            and obj.failures_since_start >= settings.IDRENEW_STAFF_FAILURES_PER_USER
        )

    def has_lift_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(LIFT_PERMISSION))

    @admin.action(description="解除锁定（清除所选失败记录）", permissions=["lift"])
    def lift(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        count = services.staff_lockout_lift(
            attempts=list(queryset), staff=request.user, request=request
        )
        self.message_user(request, f"已解除 {count} 条登录锁定记录", messages.SUCCESS)


class _LogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Any]):
    list_display = ["attempt_time", "username", "ip_address", "path_info"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    exclude = ["session_hash"]


@admin.register(AccessLog)
class AccessLogAdmin(_LogAdmin):
    list_display = ["attempt_time", "logout_time", "username", "ip_address", "path_info"]


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(_LogAdmin):
    list_display = ["attempt_time", "username", "ip_address", "path_info", "locked_out"]


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[TOTPDevice]):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at", "code_failures"]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ("user", "name", "confirmed", "created_at", "last_used_at", "code_failures")
    readonly_fields = fields
    actions = ["reset"]

    @admin.display(description="连续错误次数")
    def code_failures(self, obj: TOTPDevice) -> int:
        return int(obj.throttling_failure_count)

    def has_reset_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(RESET_PERMISSION))

    @admin.action(description="重置两步验证（下次登录时重新绑定）", permissions=["reset"])
    def reset(self, request: HttpRequest, queryset: QuerySet[TOTPDevice]) -> None:
        count = services.staff_device_reset(
            devices=list(queryset), staff=request.user, request=request
        )
        self.message_user(request, f"已重置 {count} 个身份验证器", messages.SUCCESS)


REVOKE_PERMISSION = "staffauth.change_staffapitoken"


@admin.register(StaffApiToken)
class StaffApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[StaffApiToken]):
    """Staff API tokens: who holds one and until when (never the token: only its hash is
    kept, and not shown). A 管理员 revokes them with 吊销令牌 (an audit event each)."""

    list_display = ["user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ("user", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(REVOKE_PERMISSION))

    @admin.action(description="吊销令牌", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[StaffApiToken]) -> None:
        count = sum(
            staff_token_revoke(row=row, staff=request.user, request=request)
            for row in queryset.filter(revoked_at__isnull=True)
        )
        self.message_user(request, f"已吊销 {count} 个接口令牌", messages.SUCCESS)
