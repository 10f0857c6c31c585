"""我的办理记录 and signed-document downloads: server time in PostgreSQL.

Creates a scratch database (dropped at the end unless --keep), migrates it and bulk-creates
``--others`` closed cases of other customers (filler, so the indexes matter) and one customer
with ``--cases`` approved cases, each with a decision, a hand signature and both signed
agreements (real signed PDFs, stored encrypted like production).

Then, in-process through Django's test ``Client`` with the customer's bearer token, it times
(R requests each):

* ``GET /api/cases`` (the list: every case with its outcome, documents and minted links);
* ``GET /api/cases/{reference}`` (one case with every decision);
* ``GET /api/cases/{reference}/documents/{key}.pdf`` (session path: decrypt, audit, serve);
* ``GET /api/documents/{token}`` (the signed link, no session);
* the bare engine: the ORM fetch of the customer's cases and their documents (two queries),
  and ``read_encrypted`` of one PDF.

Prints p50/p95, queries per request and each endpoint's ratio to its bare engine.

    .venv/bin/python bench/records.py [--cases 10] [--others 5000] [--requests 50] \\
        [--db postgres://postgres@127.0.0.1:5432/bench_records] [--keep]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from backoffice import signed_pair  # noqa: E402
from scratch_pg import cpu_model, drop_scratch_database, pct, scratch_database  # noqa: E402


def customer(i: int, password: str) -> Any:
    from datetime import date

    from idrenew.customers.domain.idnumber import make_id_number
    from idrenew.customers.models import Customer

    valid_to = date(2027, 1, 1)
    c = Customer(
        name="王" + "明华丽静伟芳"[i % 6],
        fund_account=f"6{i:09d}",
        trading_account=f"7{i:09d}",
        id_valid_from=date(2017, 1, 1),
        id_valid_to=valid_to,
        address=f"上海市徐汇区漕溪北路{i % 999 + 1}号",
        trading_password=password,
    )
    c.set_id_number(make_id_number("310104", date(1980, 1, 1) + timedelta(days=i), i % 1000))
    c.set_mobile(f"13{i:09d}")
    return c


def load(n_cases: int, n_others: int) -> Any:
    """Bulk-create the filler and the measured customer's cases; returns that customer."""
    from django.utils import timezone

    from idrenew.cases.models import RenewalCase
    from idrenew.customers.gateway import hash_trading_password
    from idrenew.customers.models import Customer
    from idrenew.lib.files import save_encrypted
    from idrenew.review.models import Decision
    from idrenew.signing.models import HandSignature, SignedDocument

    now = timezone.now()
    password = hash_trading_password("135790")
    docs = signed_pair(save_encrypted, seed=1)
    png = save_encrypted("signing/signatures", b"\x89PNGbench", suffix=".png")
    people = [customer(i, password) for i in range(n_others + 1)]
    Customer.objects.bulk_create(people, batch_size=2000)
    people = list(Customer.objects.order_by("id"))
    me, others = people[0], people[1:]
    cases = [
        RenewalCase(
            reference=f"ZJ{20260101 + 0:08d}{i:06d}",
            customer=me if i < n_cases else others[i - n_cases],
            state="approved",
            expires_at=now - timedelta(days=1),
            submitted_at=now - timedelta(days=2, minutes=i),
            closed_at=now - timedelta(days=1, minutes=i),
        )
        for i in range(n_cases + n_others)
    ]
    RenewalCase.objects.bulk_create(cases, batch_size=2000)
    cases = list(RenewalCase.objects.all())
    Decision.objects.bulk_create(
        [Decision(case=c, kind="approve", note="资料齐全") for c in cases], batch_size=2000
    )
    signatures = HandSignature.objects.bulk_create(
        [
            HandSignature(
                case=c,
                image_name=png,
                image_sha256="0" * 64,
                strokes_json="[]",
                pad_width=600,
                pad_height=240,
                point_count=120,
                stroke_count=3,
                ink_extent=0.5,
            )
            for c in cases
        ],
        batch_size=2000,
    )
    SignedDocument.objects.bulk_create(
        [SignedDocument(case=s.case, signature=s, **d) for s in signatures for d in docs],
        batch_size=2000,
    )
    return me


def counting(queries: list[str]) -> Callable[..., Any]:
    def wrapper(execute: Callable[..., Any], sql: str, *rest: Any) -> Any:
        queries.append(sql)
        return execute(sql, *rest)

    return wrapper


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    out: list[float] = []
    last = None
    for _ in range(runs):
        t0 = time.perf_counter()
        last = fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--others", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/bench_records")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    dbname = scratch_database(args.db, data_prefix="idrenew-bench-records-")
    try:
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client, RequestFactory

        from idrenew.cases.models import RenewalCase
        from idrenew.lib.files import read_encrypted
        from idrenew.signing.models import SignedDocument
        from idrenew.verification.sessions import session_open

        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        me = load(args.cases, args.others)
        load_s = time.perf_counter() - t0
        token = session_open(RequestFactory().get("/"), me, client="app")
        headers = {"Authorization": f"Bearer {token}"}
        client = Client()
        anonymous = Client()

        listing = client.get("/api/cases", headers=headers)
        assert listing.status_code == 200, listing.content
        body = listing.json()["cases"]
        assert len(body) == args.cases and all(len(c["documents"]) == 2 for c in body)
        ref = body[0]["reference"]
        doc = body[0]["documents"][0]

        def bare_list() -> int:
            cases = list(RenewalCase.objects.filter(customer=me).order_by("-created_at"))
            return len(list(SignedDocument.objects.filter(case__in=cases)))

        pdf_name = SignedDocument.objects.filter(case__reference=ref).first().pdf_name  # type: ignore[union-attr]

        rows: list[tuple[str, Callable[[], Any]]] = [
            ("GET /api/cases", lambda: client.get("/api/cases", headers=headers)),
            ("GET /api/cases/{ref}", lambda: client.get(f"/api/cases/{ref}", headers=headers)),
            (
                "GET …/documents/{key}.pdf",
                lambda: client.get(doc["download_url"], headers=headers),
            ),
            ("GET /api/documents/{token}", lambda: anonymous.get(doc["link_url"])),
            ("bare: ORM cases + documents", bare_list),
            ("bare: read_encrypted(pdf)", lambda: read_encrypted(pdf_name)),
        ]
        results: dict[str, tuple[float, float, int]] = {}
        for name, fn in rows:
            fn()  # warm
            queries: list[str] = []
            # (CaptureQueriesContext loses a request's queries: request_started resets the log)
            with connection.execute_wrapper(counting(queries)):
                fn()
            times, last = timed(fn, args.requests)
            if hasattr(last, "status_code"):
                assert last.status_code == 200, (name, last.status_code)
            results[name] = (statistics.median(times), pct(times, 0.95), len(queries))

        print(f"machine: {cpu_model()}, PostgreSQL, in-process Client, bearer token")
        print(
            f"data: {args.cases} cases of the measured customer + {args.others} other customers' "
            f"cases, 2 signed PDFs each ({len(read_encrypted(pdf_name)) // 1024} KB); "
            f"loaded in {load_s:.1f} s; {args.requests} requests per row"
        )
        print(f"{'request':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'× bare':>7}")
        bare = {
            "GET /api/cases": "bare: ORM cases + documents",
            "GET /api/cases/{ref}": "bare: ORM cases + documents",
            "GET …/documents/{key}.pdf": "bare: read_encrypted(pdf)",
            "GET /api/documents/{token}": "bare: read_encrypted(pdf)",
        }
        for name, (p50, p95, nq) in results.items():
            ratio = f"{p50 / results[bare[name]][0]:.1f}" if name in bare else "–"
            print(f"{name:34} {p50:8.2f} {p95:8.2f} {nq:8d} {ratio:>7}")
    finally:
        if not args.keep:
            drop_scratch_database(args.db, dbname)


if __name__ == "__main__":
    main()
