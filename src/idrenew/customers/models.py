from __future__ import annotations

from django.db import models

from idrenew.customers.constants import AccountStatus, RestrictionReason
from idrenew.lib.crypto import lookup_hash
from idrenew.lib.fields import EncryptedTextField
from idrenew.lib.masking import mask_id_number, mask_mobile


class Customer(models.Model):
    """The customer record on file (mirrors the counter system's master record)."""

    name = EncryptedTextField("姓名", max_length=50)  # nothing searches by name
    id_type = models.CharField("证件类型", max_length=20, default="身份证")
    id_number = EncryptedTextField("证件号码")
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField("证件号码", max_length=18, editable=False)
    id_valid_from = models.DateField("证件有效期起")
    id_valid_to = models.DateField("证件有效期止", null=True, blank=True)
    id_long_term = models.BooleanField("长期有效", default=False)
    address = EncryptedTextField("证件地址", blank=True)
    fund_account = models.CharField("资金账号", max_length=20, unique=True)
    trading_account = models.CharField("交易账号", max_length=20, unique=True)
    mobile = EncryptedTextField("预留手机号")
    mobile_masked = models.CharField("预留手机号", max_length=20, editable=False)
    trading_password = models.CharField(max_length=200, editable=False)
    status = models.CharField(
        "账户状态", max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    reference_face = models.FileField("开户人脸留档", blank=True, upload_to="reference-faces/")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "客户"
        verbose_name_plural = "客户"
        ordering = ["fund_account"]
        permissions = [("unmask_id_number", "可查看完整证件号码（每次查看均记录审计）")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id_long_term=True, id_valid_to__isnull=True)
                | models.Q(id_long_term=False, id_valid_to__isnull=False),
                name="customer_validity_end_or_long_term",
            )
        ]
        indexes = [
            # Expiry reminders and the dashboard look customers up by the end of validity.
            models.Index(
                fields=["id_valid_to"],
                condition=models.Q(id_long_term=False),
                name="customer_valid_to",
            )
        ]

    def __str__(self) -> str:
        return f"{self.fund_account} {self.name[:1]}*"

    def set_id_number(self, value: str) -> None:
        self.id_number = value
        self.id_number_hash = lookup_hash(value, purpose="id_number")
        self.id_number_masked = mask_id_number(value)

    def set_mobile(self, value: str) -> None:
        self.mobile = value
        self.mobile_masked = mask_mobile(value)


class AccountRestriction(models.Model):
    """One reason the counter restricts the account's trading (mirrors the counter). Active
    while ``lifted_at`` is empty; a lifted row stays as history, naming what lifted it (e.g.
    ``case:ZJ…`` for an approved renewal). ``Customer.status`` is 限制交易 while any is active."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="restrictions", verbose_name="客户"
    )
    reason = models.CharField("限制原因", max_length=30, choices=RestrictionReason.choices)
    since = models.DateTimeField("限制时间")
    lifted_at = models.DateTimeField("解除时间", null=True, blank=True)
    lifted_by = models.CharField("解除依据", max_length=60, blank=True)

    class Meta:
        verbose_name = "交易限制"
        verbose_name_plural = "交易限制"
        ordering = ["customer_id", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "reason"],
                condition=models.Q(lifted_at__isnull=True),
                name="restriction_one_active_per_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True, lifted_by="")
                | (models.Q(lifted_at__isnull=False) & ~models.Q(lifted_by="")),
                name="restriction_lifted_with_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.get_reason_display()}"
