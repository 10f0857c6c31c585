from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from idrenew.audit.admin_mixins import ReadOnlyAdminMixin
from idrenew.core import access
from idrenew.reminders.models import ExpiryReminder


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ExpiryReminder]):
    """What was sent, read-only (the rows are written by ``idrenew remind-expiring``)."""

    list_display = ["sent_at", "customer", "id_valid_to", "sms_status"]
    list_filter = ["sms_status", "sent_at"]
    search_fields = ["=customer__fund_account"]
    date_hierarchy = "sent_at"
    list_per_page = 100

    # The card's validity is personal data: shown only to the roles the access policy allows
    # (core.access); a 管理员 sees that a reminder went out, not to whose expiring card.
    def get_list_display(self, request: HttpRequest) -> Any:
        if access.can_view_personal_details(request.user):
            return self.list_display
        return [f for f in self.list_display if f != "id_valid_to"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["sent_at", "customer", "id_valid_to", "sms_status"]
        if access.can_view_personal_details(request.user):
            return fields
        return [f for f in fields if f != "id_valid_to"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpiryReminder]:
        # The customer's label needs only the fund account and name: the encrypted columns
        # (ID number, mobile, address) are not loaded nor decrypted.
        return (
            super()
            .get_queryset(request)
            .select_related("customer")
            .only(
                "id",
                "sent_at",
                "id_valid_to",
                "sms_status",
                "customer__id",
                "customer__fund_account",
                "customer__name",
            )
        )
