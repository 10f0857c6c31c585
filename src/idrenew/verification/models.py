from __future__ import annotations

import uuid

from django.db import models

from idrenew.customers.models import Customer


class SmsChallenge(models.Model):
    """One SMS code request. Made for every request, real account or not, so that the
    answers and the stored traces do not reveal which accounts exist."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account_hash = models.CharField(max_length=64, db_index=True)
    last4_hash = models.CharField(max_length=64)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    ip = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"challenge {self.id}"


class Captcha(models.Model):
    """One image captcha: single use, and valid only for the browser (device cookie) that
    fetched it (``binding_hash`` is the lookup hash of that device id)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    answer_hash = models.CharField(max_length=64)
    binding_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"captcha {self.id}"


class SignInPath(models.TextChoices):
    SMS = "sms", "验证码登录"
    PASSWORD = "password", "交易密码登录"


class SignInLock(models.Model):
    """Consecutive failures on one sign-in path for one account, and the lock they cause.

    Kept for accounts that do not exist as well, so a lock says nothing about existence.
    """

    path = models.CharField("登录方式", max_length=20, choices=SignInPath.choices)
    account_hash = models.CharField(max_length=64)
    account_masked = models.CharField("账号", max_length=20)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, verbose_name="客户"
    )
    failures = models.PositiveSmallIntegerField("连续失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    last_failure_at = models.DateTimeField("最近失败", null=True, blank=True)

    class Meta:
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
        constraints = [
            models.UniqueConstraint(fields=["path", "account_hash"], name="signinlock_path_account")
        ]

    def __str__(self) -> str:
        return f"{self.get_path_display()} {self.account_masked}"


class SignInSource(models.Model):
    """Consecutive failures of one source (an IP address or a device cookie) on one account's
    sign-in path, the slow-down they cause and the source's own lock (see services.py).

    Only hashes are kept: of the account and of the source.
    """

    class Kind(models.TextChoices):
        IP = "ip", "IP 地址"
        DEVICE = "device", "设备"

    path = models.CharField("登录方式", max_length=20, choices=SignInPath.choices)
    account_hash = models.CharField(max_length=64)
    kind = models.CharField("来源", max_length=10, choices=Kind.choices)
    source_hash = models.CharField(max_length=64)
    failures = models.PositiveSmallIntegerField("连续失败次数", default=0)
    last_failure_at = models.DateTimeField("最近失败", null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录来源失败记录"
        verbose_name_plural = "登录来源失败记录"
        constraints = [
            models.UniqueConstraint(
                fields=["path", "account_hash", "kind", "source_hash"], name="signinsource_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_path_display()} {self.get_kind_display()}"


class BearerToken(models.Model):
    """An app client's session: the token is shown once; only its hash is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"token of customer {self.customer_id}"


class OutboundSms(models.Model):
    """Every SMS the service sends. The text is stored with any code blanked out."""

    class Status(models.TextChoices):
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    class ReceiptStatus(models.TextChoices):
        DELIVERED = "delivered", "已送达"
        UNDELIVERED = "undelivered", "未送达"

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="客户"
    )
    mobile_masked = models.CharField("手机号", max_length=20)
    purpose = models.CharField("用途", max_length=40)
    text_redacted = models.CharField("内容", max_length=500)
    backend = models.CharField("通道", max_length=100)
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    error = models.CharField("错误", max_length=300, blank=True)
    # The vendor's error code of a failed attempt, and whether a retry could help.
    vendor_code = models.CharField("通道错误码", max_length=80, blank=True)
    retryable = models.BooleanField("可重试", null=True, blank=True)
    # The vendor's id of the message (Tencent SerialNo, Alibaba BizId) and its receipt.
    vendor_message_id = models.CharField("通道消息编号", max_length=100, blank=True, db_index=True)
    receipt_status = models.CharField(
        "回执", max_length=20, choices=ReceiptStatus.choices, blank=True
    )
    receipt_code = models.CharField("回执状态码", max_length=80, blank=True)
    receipt_at = models.DateTimeField("回执时间", null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "短信记录"
        verbose_name_plural = "短信记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.mobile_masked}"
