"""Back office: the outbox (events for the counter system, the CFMMC report and SMS).

Read-only; dead letters are listed with their last error and can be sent again by whoever
holds ``outbox.retry_outboxevent``. The payload is never shown: it is encrypted and may carry
the customer's ID number (the CFMMC report needs it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from idrenew.audit.admin_mixins import ReadOnlyAdminMixin
from idrenew.audit.models import ActorType
from idrenew.audit.services import audit_record
from idrenew.lib.masking import scrub
from idrenew.outbox.handlers import CFMMC_CHANGE, COUNTER_UPDATE, SMS_NOTIFY
from idrenew.outbox.models import OutboxEvent, OutboxStatus
from idrenew.outbox.services import outbox_dispatch, outbox_retry

TOPIC_LABELS = {
    COUNTER_UPDATE: "柜台系统资料更新",
    CFMMC_CHANGE: "监控中心客户资料变更报送",
    SMS_NOTIFY: "短信通知",
}


class TopicFilter(admin.SimpleListFilter):
    title = "类型"
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(t, f"{label}（{t}）") for t, label in TOPIC_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(topic=self.value()) if self.value() else queryset


EVENT_FIELDS = (
    "topic_label",
    "case_link",
    "status_label",
    "attempts",
    "next_attempt_at",
    "error",
    "created_at",
    "delivered_at",
)


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[OutboxEvent]):
    list_display = [
        "created_at",
        "topic_label",
        "case_link",
        "status_label",
        "attempts",
        "next_attempt_at",
        "error",
        "delivered_at",
    ]
    list_filter = ["status", TopicFilter]
    search_fields = ["=case_reference"]
    list_per_page = 100
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    actions = ["retry_events"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxEvent]:
        return super().get_queryset(request).defer("payload")

    @admin.display(description="类型", ordering="topic")
    def topic_label(self, obj: OutboxEvent) -> str:
        return TOPIC_LABELS.get(obj.topic, obj.topic)

    @admin.display(description="申请编号", ordering="case_reference")
    def case_link(self, obj: OutboxEvent) -> str:
        if not obj.case_id:
            return obj.case_reference or "—"
        url = reverse("admin:cases_renewalcase_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case_reference or obj.case_id)

    @admin.display(description="状态", ordering="status")
    def status_label(self, obj: OutboxEvent) -> str:
        label = obj.get_status_display()
        if obj.status == OutboxStatus.DEAD:
            return format_html('<strong style="color:#ba2121">{}</strong>', label)
        return label

    @admin.display(description="最近错误")
    def error(self, obj: OutboxEvent) -> str:
        return scrub(obj.last_error) or "—"

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("outbox.retry_outboxevent"))

    @admin.action(description="重新投递", permissions=["retry"])
    def retry_events(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        events = list(queryset.exclude(status=OutboxStatus.DELIVERED).only("pk", "case_id"))
        for event in events:
            outbox_retry(event=event)
            audit_record(
                action="staff.outbox_retried",
                actor_type=ActorType.STAFF,
                actor_id=str(request.user.pk),
                request=request,
                case_id=event.case_id,
                data={"event": str(event.pk)},
            )
        result = outbox_dispatch(ids=[e.pk for e in events])
        skipped = queryset.filter(status=OutboxStatus.DELIVERED).count()
        text = (
            f"已重新投递 {len(events)} 条：成功 {result.delivered} 条，"
            f"待重试 {result.failed} 条，死信 {result.dead} 条"
        )
        if skipped:
            text += f"；{skipped} 条已投递，未重复发送"
        level = messages.SUCCESS if result.delivered == len(events) else messages.WARNING
        self.message_user(request, text, level)
