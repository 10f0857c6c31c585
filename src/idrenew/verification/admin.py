from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from idrenew.verification.models import OutboundSms, SignInLock, SignInSource
from idrenew.verification.services import signin_lock_lift


def _locked_now() -> Q:
    """Locked for everyone, or for at least one source (an IP address or a device)."""
    now = timezone.now()
    source_locked = SignInSource.objects.filter(
        path=OuterRef("path"), account_hash=OuterRef("account_hash"), locked_until__gt=now
    )
    return Q(locked_until__gt=now) | Q(Exists(source_locked))


class LockedNowFilter(admin.SimpleListFilter):
    title = "锁定状态"
    parameter_name = "locked"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("yes", "锁定中"), ("no", "未锁定")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "yes":
            return queryset.filter(_locked_now())
        if self.value() == "no":
            return queryset.exclude(_locked_now())
        return queryset


@admin.register(SignInLock)
class SignInLockAdmin(admin.ModelAdmin[SignInLock]):
    list_display = ["account_masked", "path", "customer", "failures", "locked_until", "is_locked"]
    list_filter = [LockedNowFilter, "path"]
    list_select_related = ["customer"]
    readonly_fields = [
        "path",
        "account_masked",
        "customer",
        "failures",
        "locked_until",
        "last_failure_at",
    ]
    exclude = ["account_hash"]
    actions = ["lift"]

    @admin.display(boolean=True, description="锁定中（全部或部分来源）")
    def is_locked(self, obj: SignInLock) -> bool:
        return SignInLock.objects.filter(_locked_now(), pk=obj.pk).exists()

    @admin.action(description="解除所选账户的登录锁定（含各来源）", permissions=["change"])
    def lift(self, request: HttpRequest, queryset: QuerySet[SignInLock]) -> None:
        count = 0
        for lock in queryset:
            signin_lock_lift(lock=lock, staff_id=request.user.pk, request=request)
            count += 1
        self.message_user(request, f"已解除 {count} 个登录锁定", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OutboundSms)
class OutboundSmsAdmin(admin.ModelAdmin[OutboundSms]):
    list_display = ["created_at", "mobile_masked", "purpose", "status", "receipt_status", "backend"]
    list_filter = ["status", "receipt_status", "purpose", "backend"]
    readonly_fields = [
        "created_at",
        "customer",
        "mobile_masked",
        "purpose",
        "text_redacted",
        "backend",
        "status",
        "error",
        "vendor_code",
        "retryable",
        "vendor_message_id",
        "receipt_status",
        "receipt_code",
        "receipt_at",
    ]
    exclude = ["idempotency_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboundSms | None = None) -> bool:
        return False
