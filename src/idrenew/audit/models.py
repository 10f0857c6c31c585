from __future__ import annotations

from typing import Any

from django.db import models


class ActorType(models.TextChoices):
    CUSTOMER = "customer", "客户"
    STAFF = "staff", "员工"
    SYSTEM = "system", "系统"
    ANONYMOUS = "anonymous", "未验证访客"


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """Append-only record of who did what, when, from where.

    Holds ids and codes, never personal data (no ID numbers, names, phone numbers, codes).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField("事件", max_length=80, db_index=True)
    actor_type = models.CharField("操作者类型", max_length=20, choices=ActorType.choices)
    actor_id = models.CharField("操作者", max_length=64, blank=True)
    customer_id = models.BigIntegerField("客户ID", null=True, blank=True, db_index=True)
    case_id = models.UUIDField("案件ID", null=True, blank=True, db_index=True)
    ip = models.CharField("IP", max_length=64, blank=True)
    user_agent = models.CharField("User-Agent", max_length=400, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events are append-only")
