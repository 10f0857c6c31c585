"""Bearer tokens of the staff API (``/api/staff/``), for a broker's OA or CRM.

A token is issued for a user name, password and TOTP code (``POST /api/staff/token``), shown
once and stored only as a keyed hash. It lasts ``IDRENEW_STAFF_TOKEN_HOURS`` (8) at most and
``IDRENEW_STAFF_IDLE_TIMEOUT`` without a call; the staff member revokes it
(``DELETE /api/staff/token``), and a 管理员 revokes anyone's from the back office. Every issue,
use refused and revocation is an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffApiToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="员工",
    )
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用")
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"接口令牌 {self.pk}"
