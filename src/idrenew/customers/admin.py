from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin

from idrenew.audit.admin_mixins import AuditedViewMixin
from idrenew.customers.models import AccountRestriction, Customer


class AccountRestrictionInline(admin.TabularInline[AccountRestriction, Customer]):
    """The trading restrictions and their history (read-only: the counter owns them)."""

    model = AccountRestriction
    fields: ClassVar[Any] = ["reason", "since", "lifted_at", "lifted_by"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Customer)
class CustomerAdmin(AuditedViewMixin, admin.ModelAdmin[Customer]):
    audit_action = "staff.viewed_customer"
    inlines = [AccountRestrictionInline]

    def audit_ids(self, object_id: str) -> dict[str, Any]:
        return {"customer_id": int(object_id)} if object_id.isdigit() else {}

    list_display = [
        "fund_account",
        "trading_account",
        "masked_name",
        "id_number_masked",
        "id_valid_to",
        "id_long_term",
        "mobile_masked",
        "status",
    ]
    list_filter = ["status", "id_long_term"]
    search_fields = ["=fund_account", "=trading_account"]
    fields: ClassVar[Any] = [
        "masked_name",
        "id_type",
        "id_number_masked",
        "id_valid_from",
        "id_valid_to",
        "id_long_term",
        "fund_account",
        "trading_account",
        "mobile_masked",
        "status",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="姓名")
    def masked_name(self, obj: Customer) -> str:
        from idrenew.lib.masking import mask_name

        return mask_name(obj.name)

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
