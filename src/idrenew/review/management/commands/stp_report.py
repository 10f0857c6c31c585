"""``idrenew stp-report``: how many submitted cases the straight-through rule would approve."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from idrenew.review.checks import case_checks, rule_set
from idrenew.review.models import CaseReview


class Command(BaseCommand):
    help = "Apply the straight-through rule to every submitted case and report the share."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recompute", action="store_true", help="re-run the checks (else: as submitted)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failing: Counter[str] = Counter()
        total = passed = 0
        reviews = CaseReview.objects.select_related("case", "case__customer")
        for review in reviews.iterator(chunk_size=500):
            checks = case_checks(review.case).as_json() if options["recompute"] else review.checks
            if not checks:
                continue
            total += 1
            passed += bool(checks.get("passed"))
            for check in checks.get("checks", []):
                if not check["ok"]:
                    failing[f"{check['code']} {check['label']}"] += 1
        state = "开启" if settings.IDRENEW_STP_ENABLED else "关闭"
        self.stdout.write(f"自动审核（直通）当前{state}；规则 {rule_set().as_json()}")
        share = 100 * passed / total if total else 0.0
        self.stdout.write(f"已提交申请 {total} 笔，规则可自动通过 {passed} 笔（{share:.1f}%）")
        for name, count in failing.most_common():
            self.stdout.write(f"  未通过检查 {name}: {count} 笔")
