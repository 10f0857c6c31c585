"""The back office's work on a submitted case: who holds it, what the checks said, decisions."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models

from idrenew.cases.models import RenewalCase
from idrenew.lib.fields import EncryptedTextField


class DecisionKind(models.TextChoices):
    RECOMMEND = "recommend", "初审通过（待复核）"
    APPROVE = "approve", "审核通过"
    AUTO_APPROVE = "auto_approve", "自动审核通过"
    REJECT = "reject", "驳回（未通过）"
    RETURN = "return", "退回补充"


class RejectReason(models.TextChoices):
    """Reason codes the customer and the auditor read (also used when returning a case)."""

    ID_MISMATCH = "ID_MISMATCH", "证件信息与留档不一致"
    IMAGE_UNCLEAR = "IMAGE_UNCLEAR", "身份证照片不清晰或不完整"
    DOCUMENT_SUSPECT = "DOCUMENT_SUSPECT", "证件疑似复印件、翻拍或伪造"
    FACE_MISMATCH = "FACE_MISMATCH", "人脸与证件人像不一致"
    LIVENESS_DOUBT = "LIVENESS_DOUBT", "活体检测存疑"
    DATA_WRONG = "DATA_WRONG", "有效期或地址填写有误"
    SIGNATURE_INVALID = "SIGNATURE_INVALID", "签名不清晰或不规范"
    ACCOUNT_ABNORMAL = "ACCOUNT_ABNORMAL", "账户状态异常，请至营业部办理"
    OTHER = "OTHER", "其他原因"


class CaseReview(models.Model):
    """One per submitted case: the claim (a lock with a timeout) and the automatic checks."""

    case = models.OneToOneField(
        RenewalCase, on_delete=models.CASCADE, primary_key=True, related_name="review"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="办理人",
    )
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    claim_expires_at = models.DateTimeField("领取到期", null=True, blank=True)
    # Four-eyes: the first person's recommendation, waiting for a different approver.
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="初审人",
    )
    recommended_at = models.DateTimeField("初审时间", null=True, blank=True)
    checks = models.JSONField("自动检查", default=dict)
    checks_passed = models.BooleanField("自动检查全部通过", default=False, db_index=True)
    submissions = models.PositiveIntegerField("提交次数", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "审核任务"
        verbose_name_plural = "审核任务"
        permissions = [
            ("review_case", "可领取并审核（通过/驳回/退回）"),
            ("approve_case", "可复核并最终通过"),
            ("export_evidence", "可导出证据包"),
            ("view_dashboard", "可查看统计看板"),
        ]

    def __str__(self) -> str:
        return str(self.case_id)

    def claim_live(self, now: datetime) -> bool:
        """Somebody holds an unexpired claim at ``now``."""
        return (
            self.claimed_by_id is not None
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )


class Decision(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(RenewalCase, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField("决定", max_length=20, choices=DecisionKind.choices)
    reasons = models.JSONField("原因代码", default=list)
    note = models.TextField("说明", blank=True)
    steps = models.JSONField("退回步骤", default=list)  # step numbers to redo (RETURN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="办理人",
    )
    rule_set = models.JSONField("自动审核规则", default=dict, blank=True)
    # The record on file when the decision was taken (validity, address): what the approval
    # changed, kept for the auditor. Encrypted (the address is personal data).
    record_before = EncryptedTextField(blank=True)
    decided_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "审核决定"
        verbose_name_plural = "审核决定"
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.case_id}"

    @property
    def record_snapshot(self) -> dict[str, Any]:
        return dict(json.loads(self.record_before)) if self.record_before else {}

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(RejectReason.choices)
        return [str(labels.get(code, code)) for code in self.reasons]
