"""Back-office page server time with 10,000 submitted cases in PostgreSQL.

Creates a scratch database (dropped at the end unless --keep), migrates it and bulk-creates
N submitted cases, each with its customer, review record (automatic checks, 20 % failing one),
two card uploads and the reading, a liveness attempt, a hand signature, the two signed
documents and its audit trail (8 events). Every case's documents point at one pair of real
signed PDFs, except the cases whose page is timed: each of those has its own pair, so the first
view pays the signature verification as a new case would.

Then, in-process through Django's test ``Client`` logged in as an approver (审批员), it times:

* the queue page ``/admin/cases/renewalcase/`` (R requests);
* the case page ``/admin/cases/renewalcase/<id>/change/`` of R different cases (first view),
  then the same R cases again (their PDF verification cached);
* the baseline: ``RenewalCase.objects.count()`` and a bare fetch of the queue's first page
  (50 submitted cases, oldest first, with customer and review joined).

Prints p50/p95, queries per page and the ratio of each page to the bare fetch.

    .venv/bin/python bench/backoffice.py [--cases 10000] [--requests 30] \\
        [--db postgres://postgres@127.0.0.1:5432/bench_backoffice] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scratch_pg import cpu_model, drop_scratch_database, pct, scratch_database  # noqa: E402

BATCH = 2000


def checks_json(rng: random.Random, failing: bool) -> dict[str, Any]:
    face = rng.uniform(0.55, 0.9) if not failing else rng.uniform(0.4, 0.55)
    items = [
        {"code": "LIVENESS", "label": "活体检测", "ok": True, "value": "通过", "need": "通过"},
        {
            "code": "FACE_CARD",
            "label": "人脸与证件人像比对",
            "ok": face >= 0.57,
            "value": f"{face:.3f}",
            "need": "≥ 0.570",
        },
        {
            "code": "CARD_WARNINGS",
            "label": "证件照片质量与规则提示",
            "ok": True,
            "value": "无",
            "need": "无",
        },
        {
            "code": "OCR_CONFIDENCE",
            "label": "识别置信度（最低字段）",
            "ok": True,
            "value": "0.930",
            "need": "≥ 0.80",
        },
        {"code": "NO_EDITS", "label": "客户修改识别结果", "ok": True, "value": "无", "need": "无"},
        {
            "code": "SIGNED_DOCUMENTS",
            "label": "已签署协议文件",
            "ok": True,
            "value": "2/2 份完整",
            "need": "2 份完整",
        },
        {
            "code": "ACCOUNT_STATUS",
            "label": "账户状态",
            "ok": True,
            "value": "正常",
            "need": "正常或受限",
        },
    ]
    return {
        "rule_set": {"version": "bench"},
        "checks": items,
        "passed": all(c["ok"] for c in items),
        "edited": [],
    }


def signed_pair(store: Callable[..., str], seed: int) -> list[dict[str, Any]]:
    """Both agreements rendered and signed for a demo case; stored encrypted."""
    import hashlib

    from django.utils import timezone

    from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
    from idrenew.signing.services import agreement_sign

    now = timezone.now()
    case = demo_case(today=timezone.localdate(now), seed=seed)
    out = []
    for agreement in ("change_application", "digital_certificate"):
        signed = agreement_sign(
            agreement=agreement,
            case=case,
            signature_png=demo_signature_png(seed),
            audit=demo_audit(case, now=now),
            now=now,
        )
        out.append(
            {
                "agreement": signed.agreement,
                "version": signed.version,
                "title": signed.title,
                "content_hash": signed.content_hash,
                "pdf_name": store("signing/pdfs", signed.pdf, suffix=".pdf"),
                "pdf_sha256": hashlib.sha256(signed.pdf).hexdigest(),
                "certificate_serial": f"{signed.certificate.serial}",
                "certificate_fingerprint": "0" * 64,
                "certificate_not_after": now + timedelta(hours=1),
                "key_generated_at": now,
            }
        )
    return out


def load(n: int, timed_cases: int) -> tuple[list[uuid.UUID], dict[str, int]]:
    """Bulk-create n submitted cases; returns the ids of the cases whose page is timed."""
    from django.utils import timezone

    from idrenew.audit.models import AuditEvent
    from idrenew.cases.models import RenewalCase
    from idrenew.customers.domain.idnumber import make_id_number
    from idrenew.customers.gateway import hash_trading_password
    from idrenew.customers.models import Customer
    from idrenew.face.models import FaceAttempt, LivenessChallenge
    from idrenew.idcard.models import CardReading, CardUpload
    from idrenew.lib.files import save_encrypted
    from idrenew.review.models import CaseReview
    from idrenew.signing.models import HandSignature, SignedDocument

    rng = random.Random(11)
    now = timezone.now()
    today = timezone.localdate(now)
    password = hash_trading_password("135790")
    shared_docs = signed_pair(save_encrypted, seed=1)
    photo = save_encrypted("idcard/photos", b"\xff\xd8bench", suffix=".jpg")
    signature_png = save_encrypted("signing/signatures", b"\x89PNGbench", suffix=".png")
    rows = {"customers": 0, "cases": 0, "audit events": 0, "documents": 0}
    timed: list[uuid.UUID] = []
    steps = [
        "started",
        "face_passed",
        "idcard_read",
        "identity_confirmed",
        "update_confirmed",
        "agreements_read",
        "signed",
        "submitted",
    ]
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        customers = []
        for i in range(start, start + size):
            birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
            valid_to = today + timedelta(days=rng.randint(-60, 60))
            c = Customer(
                name="李" + "明华丽静伟芳"[i % 6],
                fund_account=f"5{i:09d}",
                trading_account=f"4{i:09d}",
                id_valid_from=valid_to.replace(year=valid_to.year - 10),
                id_valid_to=valid_to,
                address=f"上海市徐汇区漕溪北路{i % 999 + 1}号",
                trading_password=password,
            )
            c.set_id_number(make_id_number("310104", birth, i % 1000))
            c.set_mobile(f"15{i:09d}")
            customers.append(c)
        Customer.objects.bulk_create(customers)
        cases = [
            RenewalCase(
                reference=f"ZJB{i:012d}",
                customer=c,
                state="submitted",
                expires_at=now + timedelta(hours=72),
                submitted_at=now - timedelta(minutes=rng.randint(1, 72 * 60)),
            )
            for i, c in zip(range(start, start + size), customers, strict=True)
        ]
        RenewalCase.objects.bulk_create(cases)
        CaseReview.objects.bulk_create(
            CaseReview(
                case=case,
                checks=(ch := checks_json(rng, rng.random() < 0.2)),
                checks_passed=ch["passed"],
                submissions=1,
            )
            for case in cases
        )
        uploads = []
        readings = []
        for case, c in zip(cases, customers, strict=True):
            front = CardUpload(
                case=case,
                side="front",
                status="accepted",
                image_name=photo,
                image_sha256="0" * 64,
                card_name=photo,
                portrait_name=photo,
                confidence={"name": 0.97, "id_number": 0.99, "address": 0.93},
                warnings=[],
            )
            front.fields = {
                "name": c.name,
                "id_number": c.id_number,
                "address": c.address,
                "sex": "男",
                "ethnicity": "汉",
            }
            back = CardUpload(
                case=case,
                side="back",
                status="accepted",
                image_name=photo,
                image_sha256="0" * 64,
                card_name=photo,
                confidence={"valid_from": 0.98, "valid_to": 0.98},
                warnings=[],
            )
            back.fields = {"issuer": "上海市公安局徐汇分局", "valid_from": "2026.11.01"}
            uploads += [front, back]
            ocr = {**front.fields, **back.fields, "valid_to": "2046.11.01"}
            readings.append(
                CardReading(
                    case=case,
                    front=front,
                    back=back,
                    ocr_json=json.dumps(ocr, ensure_ascii=False),
                    edits_json=json.dumps(
                        {
                            "valid_from": "2026-11-01",
                            "valid_to": "2046-11-01",
                            "address": c.address,
                        },
                        ensure_ascii=False,
                    ),
                    face_similarity=rng.uniform(0.5, 0.9),
                    face_threshold=0.52,
                    face_checked=True,
                )
            )
        CardUpload.objects.bulk_create(uploads)
        CardReading.objects.bulk_create(readings)
        challenges = [
            LivenessChallenge(
                case=case,
                customer_id=case.customer_id,
                actions=["blink", "turn_left"],
                expires_at=now,
            )
            for case in cases
        ]
        LivenessChallenge.objects.bulk_create(challenges)
        FaceAttempt.objects.bulk_create(
            FaceAttempt(
                case=case,
                challenge=ch,
                status="passed",
                actions=["blink", "turn_left"],
                frame_count=90,
                face_ratio=0.4,
                best_frame_name=photo,
                embedding_name=photo,
                reference_similarity=rng.uniform(0.55, 0.9),
                reference_threshold=0.52,
                analyzed_at=now,
            )
            for case, ch in zip(cases, challenges, strict=True)
        )
        signatures = [
            HandSignature(
                case=case,
                image_name=signature_png,
                image_sha256="0" * 64,
                strokes_json="[]",
                pad_width=600,
                pad_height=240,
                point_count=120,
                stroke_count=3,
                ink_extent=0.5,
            )
            for case in cases
        ]
        HandSignature.objects.bulk_create(signatures)
        documents = []
        for index, (case, signature) in enumerate(zip(cases, signatures, strict=True)):
            docs = shared_docs
            if start + index < timed_cases:
                docs = signed_pair(save_encrypted, seed=100 + start + index)
                timed.append(case.id)
            documents += [SignedDocument(case=case, signature=signature, **d) for d in docs]
        SignedDocument.objects.bulk_create(documents)
        events = [
            AuditEvent(
                action=f"case.{step}",
                actor_type="customer",
                actor_id=str(case.customer_id),
                customer_id=case.customer_id,
                case_id=case.id,
                data={"to": step},
            )
            for case in cases
            for step in steps
        ]
        AuditEvent.objects.bulk_create(events)
        rows["customers"] += len(customers)
        rows["cases"] += len(cases)
        rows["audit events"] += len(events)
        rows["documents"] += len(documents)
    return timed, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/bench_backoffice")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    dbname = scratch_database(args.db, data_prefix="idrenew-bench-backoffice-")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from idrenew.cases.models import RenewalCase
    from idrenew.core.staff import staff_create

    results: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    statuses: dict[str, set[int]] = {}
    errors: list[str] = []
    try:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        timed_ids, rows = load(args.cases, args.requests)
        load_s = time.perf_counter() - started
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        approver = staff_create(username="bench-approver", password="x" * 12, role="审批员")
        client = Client()
        client.force_login(approver)
        # The back office needs the second factor: mark the session verified by a device.
        from django_otp import DEVICE_ID_SESSION_KEY

        from idrenew.staffauth.services import totp_device_ensure

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device_ensure(user=approver).device.persistent_id
        session.save()

        def measure(name: str, paths: list[str]) -> None:
            times, codes = [], set()
            for path in paths:
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    try:
                        resp = client.get(path)
                        code = resp.status_code
                    except Exception as exc:  # the page is not ready: report, go on
                        code = 599
                        errors.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
                    times.append(time.perf_counter() - t)
                codes.add(code)
                queries[name] = len(ctx.captured_queries)
            results[name] = times
            statuses[name] = codes

        def baseline(name: str, func: Callable[[], Any], runs: int) -> None:
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                func()
                times.append(time.perf_counter() - t)
            results[name] = times

        queue = "/admin/cases/renewalcase/"
        client.get(queue)  # warm-up: templates, connection
        measure("queue page", [queue] * args.requests)
        pages = [f"/admin/cases/renewalcase/{pk}/change/" for pk in timed_ids]
        measure("case page, first view", pages)
        measure("case page, again", pages)
        baseline("baseline: count()", lambda: RenewalCase.objects.count(), args.requests)
        baseline(
            "baseline: first 50 rows",
            lambda: list(
                RenewalCase.objects.filter(state="submitted")
                .select_related("customer", "review")
                .order_by("submitted_at")[:50]
            ),
            args.requests,
        )
    finally:
        if not args.keep:
            drop_scratch_database(args.db, dbname)

    print(
        f"back-office benchmark: {rows['cases']:,} submitted cases in PostgreSQL ({dbname}), "
        f"{rows['audit events']:,} audit events, {rows['documents']:,} signed documents; "
        f"in-process Django test Client as 审批员"
    )
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; load {load_s:.1f} s (bulk_create)")
    bare = statistics.median(results["baseline: first 50 rows"])
    print(
        f"{'what':<26}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'queries':>9}{'status':>10}{'× bare':>8}"
    )
    for name, values in results.items():
        p50 = statistics.median(values)
        q = str(queries.get(name, ""))
        st = ",".join(str(s) for s in sorted(statuses.get(name, set()))) or ""
        print(
            f"{name:<26}{len(values):>5}{p50 * 1000:>10.1f}{pct(values, 0.95) * 1000:>10.1f}"
            f"{q:>9}{st:>10}{p50 / bare:>8.1f}"
        )
    if any(s != {200} for s in statuses.values()):
        print(
            "pages not ready (status other than 200):", {k: sorted(v) for k, v in statuses.items()}
        )
    for error in errors[:3]:
        print("error:", error)


if __name__ == "__main__":
    main()
