from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from idrenew.audit.admin_mixins import ReadOnlyAdminMixin
from idrenew.reminders.models import ExpiryReminder


@admin.register(ExpiryReminder)
class ExpiryReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ExpiryReminder]):
    """What was sent, read-only (the rows are written by ``idrenew remind-expiring``)."""

    list_display = ["sent_at", "customer", "id_valid_to", "sms_status"]
    list_filter = ["sms_status", "sent_at"]
    search_fields = ["=customer__fund_account"]
    date_hierarchy = "sent_at"
    list_per_page = 100

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
