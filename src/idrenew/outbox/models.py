"""Events written in the same transaction as a decision, delivered afterwards with retries."""

from __future__ import annotations

import uuid

from django.db import models

from idrenew.lib.fields import EncryptedTextField


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已投递"
    DEAD = "dead", "投递失败（死信）"


class OutboxEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField("类型", max_length=60, db_index=True)
    # One event per business fact: writing the same fact twice returns the first event.
    dedupe_key = models.CharField(max_length=160, unique=True)
    case_id = models.UUIDField("申请", null=True, blank=True, db_index=True)
    case_reference = models.CharField("申请编号", max_length=20, blank=True)
    # The payload may carry personal data (the CFMMC report needs the ID number): encrypted.
    payload = EncryptedTextField()
    status = models.CharField(
        "状态", max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试")
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("投递时间", null=True, blank=True)

    class Meta:
        verbose_name = "投递事件"
        verbose_name_plural = "投递事件（发件箱）"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        permissions = [("retry_outboxevent", "可重新投递死信")]

    def __str__(self) -> str:
        return f"{self.topic} {self.case_reference}"
