from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from idrenew.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["at", "action", "actor_type", "actor_id", "customer_id", "case_id", "ip"]
    list_filter = ["actor_type", "action"]
    search_fields = ["action", "actor_id", "=case_id", "=customer_id"]
    date_hierarchy = "at"
    list_per_page = 100

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
