"""``idrenew vendors check [--json]``: each configured outside vendor's cheapest read-only
call (its adapter's ``probe()``), so an operator sees before go-live that the keys, the
signature and the endpoint work. Exit status 1 when one fails.

Checked: the SMS backend (``IDRENEW_SMS_BACKEND``) and the identity verifier
(``IDRENEW_FACE_IDENTITY_VERIFIER``). An adapter without ``probe()`` has only its
``check_config()`` run (no network), and says so. Keys are never printed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


@dataclass
class VendorResult:
    name: str  # what is checked, in Chinese and English
    adapter: str  # the adapter's class
    ok: bool
    probed: bool  # False: configuration only (no probe(), or nothing configured)
    problems: list[str] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0


def _run(name: str, load: Callable[[], Any]) -> VendorResult:
    started = time.monotonic()
    try:
        adapter = load()
    except Exception as exc:
        return VendorResult(name, "?", False, False, [f"cannot be loaded ({type(exc).__name__})"])
    label = f"{type(adapter).__module__}.{type(adapter).__qualname__}"
    probe = getattr(adapter, "probe", None)
    try:
        if probe is not None:
            problems = list(probe() or [])
            probed = True
        else:
            check_config = getattr(adapter, "check_config", None)
            problems = list(check_config() or []) if check_config else []
            probed = False
    except Exception as exc:  # a probe must report, not raise; count it as a failure
        problems, probed = [f"probe() raised {type(exc).__name__}"], probe is not None
    note = "" if probed else "无 probe()，仅检查配置 / no probe(): configuration only"
    return VendorResult(
        name, label, not problems, probed, problems, note, round(time.monotonic() - started, 3)
    )


def vendors_check() -> list[VendorResult]:
    from idrenew.face.identity import identity_verifier, verifier_configured
    from idrenew.verification.sms import sms_backend

    results = [_run("短信通道 / SMS", sms_backend)]
    if verifier_configured():
        results.append(_run("公安身份核验 / identity check", identity_verifier))
    else:
        waived = settings.IDRENEW_IDENTITY_CHECK_WAIVED
        reason = settings.IDRENEW_IDENTITY_CHECK_WAIVER_REASON
        note = f"未配置（已豁免：{reason}）" if waived and reason else "未配置 / not configured"
        results.append(VendorResult("公安身份核验 / identity check", "none", True, False, [], note))
    return results


class Command(BaseCommand):
    help = "Call each configured vendor's cheapest read-only API (SMS, identity check)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="probe every configured vendor")
        check.add_argument("--json", action="store_true", help="one JSON object per vendor")

    def handle(self, *args: Any, **options: Any) -> None:
        results = vendors_check()
        for r in results:
            if options["json"]:
                self.stdout.write(json.dumps(asdict(r), ensure_ascii=False))
                continue
            mark = "正常 OK" if r.ok else "失败 FAILED"
            self.stdout.write(f"{r.name}: {mark} [{r.adapter}] {r.seconds:.2f}s")
            for problem in r.problems:
                self.stdout.write(f"  - {problem}")
            if r.note:
                self.stdout.write(f"  {r.note}")
        failed = [r.name for r in results if not r.ok]
        if failed:
            raise CommandError("vendors check failed: " + ", ".join(failed), returncode=1)
