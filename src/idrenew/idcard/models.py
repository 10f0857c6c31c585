"""Steps 4–6: the uploaded card photos, what was read from them, and the customer's edits.

Everything personal is encrypted at rest: the images (``lib.files.save_encrypted``) and the
read fields (``EncryptedTextField`` holding JSON).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db import models

from idrenew.cases.models import RenewalCase
from idrenew.lib.fields import EncryptedTextField


class CardSide(models.TextChoices):
    FRONT = "front", "人像面"
    BACK = "back", "国徽面"


class CardUpload(models.Model):
    """One photo of one side. The newest upload of a side is the one that counts."""

    class Status(models.TextChoices):
        PENDING = "pending", "识别中"
        ACCEPTED = "accepted", "已通过"
        REJECTED = "rejected", "需重拍"
        FAILED = "failed", "识别失败"
        # Staff returned the case for new photos (step 4): kept as evidence, no longer counts.
        SUPERSEDED = "superseded", "已退回重拍"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="card_uploads")
    side = models.CharField("证件面", max_length=10, choices=CardSide.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    image_name = models.CharField(max_length=200)  # the photo as uploaded, encrypted
    image_sha256 = models.CharField(max_length=64)
    card_name = models.CharField(max_length=200, blank=True)  # rectified card, encrypted
    portrait_name = models.CharField(max_length=200, blank=True)  # front only, encrypted
    fields_json = EncryptedTextField(blank=True)  # what was read, JSON
    confidence = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)  # [{"code", "blocking"}]
    detected_side = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    analyzed_at = models.DateTimeField(null=True, blank=True)
    analysis_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "身份证照片"
        verbose_name_plural = "身份证照片"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["case", "side", "-created_at"], name="card_upload_latest")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.side} {self.status}"

    @property
    def fields(self) -> dict[str, str]:
        return dict(json.loads(self.fields_json)) if self.fields_json else {}

    @fields.setter
    def fields(self, value: dict[str, str]) -> None:
        self.fields_json = json.dumps(value, ensure_ascii=False)


class CardReading(models.Model):
    """The card as confirmed at step 4 (OCR values) and the customer's edits at step 6,
    kept side by side so the reviewer sees both."""

    case = models.OneToOneField(RenewalCase, on_delete=models.CASCADE, related_name="card")
    front = models.ForeignKey(CardUpload, on_delete=models.PROTECT, related_name="+")
    back = models.ForeignKey(CardUpload, on_delete=models.PROTECT, related_name="+")
    ocr_json = EncryptedTextField()  # both sides' fields as read
    edits_json = EncryptedTextField(blank=True)  # step 6: what the customer submitted
    face_similarity = models.FloatField("证件人像比对分", null=True, blank=True)
    face_threshold = models.FloatField(null=True, blank=True)
    face_checked = models.BooleanField(default=False)
    review_flags = models.JSONField("提示审核", default=list)  # codes the reviewer must see
    read_at = models.DateTimeField(auto_now_add=True)
    identity_confirmed_at = models.DateTimeField(null=True, blank=True)
    update_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "证件识别结果"
        verbose_name_plural = "证件识别结果"

    def __str__(self) -> str:
        return str(self.case_id)

    @property
    def ocr(self) -> dict[str, Any]:
        return dict(json.loads(self.ocr_json)) if self.ocr_json else {}

    @property
    def edits(self) -> dict[str, Any]:
        return dict(json.loads(self.edits_json)) if self.edits_json else {}

    @property
    def face_passed(self) -> bool | None:
        if self.face_similarity is None or self.face_threshold is None:
            return None
        return self.face_similarity >= self.face_threshold
