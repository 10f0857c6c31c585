from __future__ import annotations

import uuid

from django.db import models

from idrenew.cases.models import RenewalCase


class FaceConsent(models.Model):
    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="face_consents")
    notice_version = models.CharField("告知书版本", max_length=40)
    notice_digest = models.CharField(max_length=64)
    consented_at = models.DateTimeField("同意时间", auto_now_add=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        verbose_name = "人脸识别授权"
        verbose_name_plural = "人脸识别授权"

    def __str__(self) -> str:
        return f"{self.case_id} {self.notice_version}"


class LivenessChallenge(models.Model):
    """A nonce, the actions asked for and when each prompt shows; valid 60 s, used at
    most once."""

    nonce = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="challenges")
    customer_id = models.BigIntegerField(db_index=True)
    actions = models.JSONField()
    # [{"action", "prompt", "start_ms", "end_ms"}]: offsets from the recording's start
    # (face/domain/schedule.py); empty for challenges issued before schedules existed.
    schedule = models.JSONField(default=list, blank=True)
    issued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "活体检测挑战"
        verbose_name_plural = "活体检测挑战"

    def __str__(self) -> str:
        return str(self.nonce)


class FaceAttempt(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "分析中"
        PASSED = "passed", "通过"
        FAILED = "failed", "未通过"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="face_attempts")
    challenge = models.OneToOneField(LivenessChallenge, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    clip_name = models.CharField(max_length=200, blank=True)  # deleted once analysed
    clip_content_type = models.CharField(max_length=60, blank=True)
    clip_size = models.PositiveIntegerField(default=0)
    actions = models.JSONField(default=list)
    failures = models.JSONField(default=list)
    frame_count = models.PositiveIntegerField(default=0)
    face_ratio = models.FloatField(null=True, blank=True)
    best_frame_name = models.CharField(max_length=200, blank=True)  # encrypted JPEG
    best_frame_index = models.IntegerField(null=True, blank=True)
    embedding_name = models.CharField(max_length=200, blank=True)  # encrypted float32 vector
    reference_similarity = models.FloatField(null=True, blank=True)
    reference_threshold = models.FloatField(null=True, blank=True)
    # The page's measured delay from its recorder's start to the first prompt (ms).
    prompt_offset_ms = models.IntegerField(null=True, blank=True)
    spoof_score = models.FloatField(null=True, blank=True)
    spoof_threshold = models.FloatField(null=True, blank=True)  # the operating point
    spoof_attack = models.BooleanField(null=True, blank=True)  # flagged; None: not checked
    spoof_note = models.CharField(max_length=100, default="未做静默活体检测")
    analysis_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    biometrics_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "人脸识别记录"
        verbose_name_plural = "人脸识别记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class IdentityVerification(models.Model):
    """One question put to the public-security identity service (face/identity.py): the
    best frame against the police photo (portrait), or the number, name and validity
    against the police record (record). Kept: the vendor's code, request id and score, never
    its photo. ``pending``: the service was unavailable and a retry is scheduled (outbox
    topic ``identity.retry``); after ``IDRENEW_IDENTITY_MAX_ATTEMPTS`` it stays unavailable
    and the case goes to a person."""

    class Kind(models.TextChoices):
        PORTRAIT = "portrait", "公安人像比对"
        RECORD = "record", "公民身份信息核验"

    class Status(models.TextChoices):
        PENDING = "pending", "等待重试"
        DONE = "done", "已完成"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        RenewalCase, on_delete=models.CASCADE, related_name="identity_verifications"
    )
    attempt = models.ForeignKey(
        FaceAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField("核验类型", max_length=20, choices=Kind.choices)
    vendor = models.CharField("服务商", max_length=40)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DONE)
    outcome = models.CharField("结果", max_length=30)
    vendor_code = models.CharField("服务商结果码", max_length=80, blank=True)
    vendor_reference = models.CharField("服务商请求号", max_length=100, blank=True)
    score = models.FloatField("相似度", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    # The validity asked about (record checks): ISO dates, "" for 长期.
    valid_from = models.CharField(max_length=10, blank=True)
    valid_to = models.CharField(max_length=10, blank=True)
    attempts = models.PositiveIntegerField("调用次数", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "公安身份核验"
        verbose_name_plural = "公安身份核验"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.outcome}"
