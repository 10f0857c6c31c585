from __future__ import annotations

import uuid

from django.db import models

from idrenew.lib.fields import EncryptedJSONField


class RateCounter(models.Model):
    """Fixed-window counters for rate limits when no Redis is configured."""

    key = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_key_window")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.window_start}: {self.count}"


class IdempotencyRecord(models.Model):
    """The first answer to a state-changing request, replayed when the same key comes again."""

    scope = models.CharField(max_length=100)
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "处理中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class TaskRecord(models.Model):
    """One run of a slow step (OCR, face analysis, PDF signing), inline or on a worker.

    Arguments and result are encrypted (a signing task's arguments hold the customer's IP
    address and browser); a result keeps only what the client re-reads, or a reference to
    rows that hold it (``core.tasks``). ``error`` holds a code and a fixed message only.
    Records are deleted ``IDRENEW_TASK_RECORD_RETENTION_HOURS`` after creation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    owner_customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    arguments = EncryptedJSONField(default=dict)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    result = EncryptedJSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} {self.id} {self.status}"
