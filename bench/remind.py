"""`remind-expiring` over 100,000 customers in PostgreSQL.

Creates a scratch database (dropped at the end unless --keep), migrates it, bulk-loads N
customers (about 10 % with an ID expired in the last 90 days or expiring within 30, 5 %
long-term, 1 % frozen), then times ``remind_expiring(days=30)``:

* dry run (lists who is due, sends nothing), several runs;
* real run with the in-memory SMS backend: every due customer gets an SMS and a reminder row
  (reminders and SMS records are deleted between runs so each run sends the same amount);
* rerun right after a real run (nothing left to send: the daily cron's usual cost).

Prints median and p95 per mode, the cost per customer scanned and per SMS sent, and the
plan of the batch query.

    .venv/bin/python bench/remind.py [--customers 100000] [--runs 3] \\
        [--db postgres://postgres@127.0.0.1:5432/bench_remind] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scratch_pg import cpu_model, drop_scratch_database, pct, scratch_database  # noqa: E402


def load_customers(n: int, today: date) -> dict[str, int]:
    import random

    from idrenew.customers.domain.idnumber import make_id_number
    from idrenew.customers.gateway import hash_trading_password
    from idrenew.customers.models import Customer

    rng = random.Random(7)
    password = hash_trading_password("135790")
    counts = {"due": 0, "long_term": 0, "frozen": 0}
    batch: list[Customer] = []
    for i in range(n):
        roll = rng.random()
        status = "frozen" if rng.random() < 0.01 else "active"
        if roll < 0.05:
            valid_to = None
        elif roll < 0.15:
            valid_to = today + timedelta(days=rng.randint(-90, 30))
        else:
            valid_to = today + timedelta(days=rng.randint(31, 7300))
        birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
        c = Customer(
            name="王" + "明华丽静伟芳"[i % 6],
            fund_account=f"6{i:09d}",
            trading_account=f"7{i:09d}",
            id_valid_from=date(2010, 1, 1),
            id_valid_to=valid_to,
            id_long_term=valid_to is None,
            address=f"上海市浦东新区世纪大道{i % 999 + 1}号",
            status=status,
            trading_password=password,
        )
        c.set_id_number(make_id_number("310115", birth, i % 1000))
        c.set_mobile(f"13{i:09d}")
        batch.append(c)
        if valid_to is None:
            counts["long_term"] += 1
        elif status == "frozen":
            counts["frozen"] += 1
        elif valid_to <= today + timedelta(days=30):
            counts["due"] += 1
        if len(batch) == 5000:
            Customer.objects.bulk_create(batch)
            batch = []
    if batch:
        Customer.objects.bulk_create(batch)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/bench_remind")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    dbname = scratch_database(
        args.db,
        data_prefix="idrenew-bench-remind-",
        env={"IDRENEW_SMS_BACKEND": "idrenew.verification.sms.LocmemSmsBackend"},
    )
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from idrenew.reminders.models import ExpiryReminder
    from idrenew.reminders.services import due_customers, remind_expiring
    from idrenew.verification.models import OutboundSms
    from idrenew.verification.sms import LocmemSmsBackend

    try:
        call_command("migrate", verbosity=0)
        today = timezone.localdate()
        started = time.perf_counter()
        counts = load_customers(args.customers, today)
        load_s = time.perf_counter() - started
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

        def reset() -> None:
            ExpiryReminder.objects.all().delete()
            OutboundSms.objects.all().delete()
            LocmemSmsBackend.outbox.clear()

        def timed(**kwargs: Any) -> tuple[float, Any]:
            t = time.perf_counter()
            result = remind_expiring(days=30, **kwargs)
            return time.perf_counter() - t, result

        timings: dict[str, list[float]] = {"dry run": [], "real run": [], "rerun (0 to send)": []}
        due = sent = 0
        timed(dry_run=True)  # warm-up (connection, caches), not counted
        for _ in range(max(args.runs, 1) + 2):
            seconds, result = timed(dry_run=True)
            timings["dry run"].append(seconds)
            due = result.due
        for _ in range(max(args.runs, 1)):
            reset()
            seconds, result = timed()
            timings["real run"].append(seconds)
            sent = result.sent
            assert result.failed == 0 and result.sent == due, result
            assert len(LocmemSmsBackend.outbox) == sent
            seconds, result = timed()
            timings["rerun (0 to send)"].append(seconds)
            assert result.sent == 0, result

        qs = due_customers(days=30, now=timezone.now())
        page = qs.filter(pk__gt=0).order_by("pk").only("id", "fund_account", "name")[:1000]
        plan = page.explain()
    finally:
        if not args.keep:
            drop_scratch_database(args.db, dbname)

    n = args.customers
    print(
        f"remind-expiring benchmark: {n:,} customers in PostgreSQL ({dbname}), "
        f"{counts['due']:,} due within 30 days (incl. expired), {counts['long_term']:,} "
        f"long-term, {counts['frozen']:,} frozen (never reminded)"
    )
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}; load {load_s:.1f} s (bulk_create)")
    print(f"{'mode':<20}{'runs':>6}{'median s':>11}{'p95 s':>9}{'µs/customer':>13}{'ms/SMS':>9}")
    for name, values in timings.items():
        median = statistics.median(values)
        per_sms = f"{median / sent * 1000:>9.2f}" if name == "real run" and sent else f"{'':>9}"
        print(
            f"{name:<20}{len(values):>6}{median:>11.2f}{pct(values, 0.95):>9.2f}"
            f"{median / n * 1e6:>13.1f}{per_sms}"
        )
    print(f"found due: {due:,}; sent per real run: {sent:,}")
    print("batch query plan (first page of 1,000):")
    for line in plan.splitlines():
        print("   ", line)


if __name__ == "__main__":
    main()
