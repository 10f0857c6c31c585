from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from idrenew.cases.services import case_expire_stale
from idrenew.core.middleware import IDEMPOTENCY_RETENTION
from idrenew.core.models import IdempotencyRecord
from idrenew.core.ratelimit import purge_expired
from idrenew.core.tasks import task_records_purge
from idrenew.review.retention import purge_biometrics
from idrenew.verification.models import BearerToken, Captcha, SmsChallenge
from idrenew.verification.services import signin_sources_purge


class Command(BaseCommand):
    help = "Expire stale cases, delete short-lived rows and biometrics past retention."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        expired = case_expire_stale(now=now)
        counts = {
            "captchas": Captcha.objects.exclude(expires_at__gte=now, used_at=None).delete()[0],
            "sign-in sources": signin_sources_purge(now=now),
            "sms codes": SmsChallenge.objects.filter(
                created_at__lt=now - timedelta(days=2)
            ).delete()[0],
            "tokens": BearerToken.objects.filter(expires_at__lt=now).delete()[0],
            "idempotency keys": IdempotencyRecord.objects.filter(
                created_at__lt=now - IDEMPOTENCY_RETENTION
            ).delete()[0],
            "rate counters": purge_expired(),
            "task records": task_records_purge(now=now),
            "biometrics (cases)": purge_biometrics(now=now).cases,
        }
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        self.stdout.write(f"已关闭超时申请 {expired} 笔；已清理：{summary}")
