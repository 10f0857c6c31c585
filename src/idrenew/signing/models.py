"""Steps 7–9 on the case: how each agreement version was read, the handwritten signature
(image and strokes, kept as evidence), and the signed PDFs. Personal data encrypted at rest."""

from __future__ import annotations

import uuid

from django.db import models

from idrenew.cases.models import RenewalCase
from idrenew.lib.fields import EncryptedTextField


class AgreementReading(models.Model):
    """One agreement version as the customer read it (step 7)."""

    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="readings")
    agreement = models.CharField("协议", max_length=40)
    version = models.CharField("版本", max_length=40)
    content_hash = models.CharField(max_length=64)
    opened_at = models.DateTimeField("首次打开", null=True, blank=True)
    scrolled_to_end_at = models.DateTimeField("阅读至文末", null=True, blank=True)
    read_at = models.DateTimeField("确认已阅读", null=True, blank=True)
    seconds = models.FloatField("阅读时长（秒）", default=0)

    class Meta:
        verbose_name = "协议阅读记录"
        verbose_name_plural = "协议阅读记录"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agreement", "version"], name="reading_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.agreement} {self.version}"


class HandSignature(models.Model):
    """The handwritten signature of step 8: the PNG and the stroke points, encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="signatures")
    image_name = models.CharField(max_length=200)  # encrypted PNG
    image_sha256 = models.CharField(max_length=64)
    strokes_json = EncryptedTextField()  # [[{"x", "y", "t"}]], CSS pixels, ms
    pad_width = models.PositiveIntegerField()
    pad_height = models.PositiveIntegerField()
    point_count = models.PositiveIntegerField()
    stroke_count = models.PositiveIntegerField()
    ink_extent = models.FloatField()  # share of the pad's diagonal the drawing spans
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "手写签名"
        verbose_name_plural = "手写签名"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class SignedDocument(models.Model):
    """A signed agreement PDF (customer's PAdES signature, then the broker's with a timestamp)."""

    case = models.ForeignKey(RenewalCase, on_delete=models.CASCADE, related_name="documents")
    signature = models.ForeignKey(HandSignature, on_delete=models.PROTECT, related_name="+")
    agreement = models.CharField("协议", max_length=40)
    version = models.CharField("版本", max_length=40)
    title = models.CharField("标题", max_length=100)
    content_hash = models.CharField(max_length=64)
    pdf_name = models.CharField(max_length=200)  # encrypted PDF
    pdf_sha256 = models.CharField("文件摘要", max_length=64)
    certificate_serial = models.CharField("客户证书序列号", max_length=64)
    certificate_fingerprint = models.CharField(max_length=64)
    certificate_not_after = models.DateTimeField()
    key_generated_at = models.DateTimeField("客户密钥生成时间")
    signed_at = models.DateTimeField("签署时间", auto_now_add=True)

    class Meta:
        verbose_name = "已签署协议"
        verbose_name_plural = "已签署协议"
        ordering = ["signed_at", "agreement"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.title}"
