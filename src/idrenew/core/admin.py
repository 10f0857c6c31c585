"""Back office: background task records, for operations (管理员) and audit (审计员).

Only what a run was and how it went is shown: id, kind, status, times and the error code.
Arguments, results and error messages can hold a customer's personal data (OCR values, names,
addresses, card validity) and are shown to no one (``core.access``: task results)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from idrenew.audit.admin_mixins import ReadOnlyAdminMixin
from idrenew.core.models import TaskRecord

TASK_FIELDS = ("id", "name", "status", "error_code", "created_at", "started_at", "finished_at")


@admin.register(TaskRecord)
class TaskRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[TaskRecord]):
    list_display = ["created_at", "name", "status", "error_code", "finished_at"]
    list_filter = ["status", "name"]
    fields = TASK_FIELDS
    readonly_fields = TASK_FIELDS

    @admin.display(description="错误代码")
    def error_code(self, obj: TaskRecord) -> str:
        error: Any = obj.error
        code = error.get("code") if isinstance(error, dict) else None
        return str(code) if code else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
