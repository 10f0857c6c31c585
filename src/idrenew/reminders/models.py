"""Expiry reminders sent to customers whose ID card has expired or expires soon."""

from __future__ import annotations

from django.db import models

from idrenew.customers.models import Customer


class ExpiryReminder(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="expiry_reminders", verbose_name="客户"
    )
    id_valid_to = models.DateField("证件有效期止")
    sent_at = models.DateTimeField("发送时间", db_index=True)
    sms_status = models.CharField("短信状态", max_length=20, blank=True)

    class Meta:
        verbose_name = "到期提醒"
        verbose_name_plural = "到期提醒"
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["customer", "sent_at"], name="reminder_customer_sent")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.sent_at:%Y-%m-%d}"
