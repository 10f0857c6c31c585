from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from idrenew.core.models import TaskRecord


@admin.register(TaskRecord)
class TaskRecordAdmin(admin.ModelAdmin[TaskRecord]):
    list_display = ["created_at", "name", "status", "finished_at"]
    list_filter = ["status", "name"]
    readonly_fields = [f.name for f in TaskRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
