"""``make load``: the Locust scenario (bench/load/locustfile.py) headless against the production
topology (tests/ops/stack.py: nginx + TLS, gunicorn, Celery worker on RabbitMQ, dispatcher,
PostgreSQL, Redis, moto S3) for a bounded time, then a report.

    .venv/bin/python bench/load/run.py [--users 4] [--time 180] [--spawn-rate 1]
        [--web-workers 2] [--concurrency 2] [--out var/load/report.md]

(``make load LOAD_USERS=4 LOAD_TIME=3m``). The report (Markdown, printed and written to
``--out``) gives completed journeys per hour (approved by the approver within the window),
p50/p95 per step from Locust, refusals and errors by step and code, the server's CPU seconds
per completed case (gunicorn + Celery worker + dispatcher process trees, from
/proc/<pid>/stat before and after, children included) and that CPU beside the bare engines
for the same work measured in this process afterwards: RapidOCR on the two photos, the
liveness analysis of a clip the run uploaded, pyHanko signing both documents (and, shown
apart, fpdf2 rendering them). Load-only settings: the sign-in rate limits per IP are raised
(every simulated customer comes from 127.0.0.1); the defaults are untouched.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

TICK = os.sysconf("SC_CLK_TCK")
# Load environment only: every Locust customer signs in from 127.0.0.1.
LOAD_ENV = {
    "IDRENEW_SIGNIN_PER_IP_PER_HOUR": "100000",
    "IDRENEW_SMS_DAILY_PER_IP": "100000",
    "IDRENEW_CAPTCHA_PER_IP_PER_MINUTE": "100000",
}


def parse_seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([smh]?)", text.strip())
    if not match:
        raise SystemExit(f"bad duration {text!r} (e.g. 180, 90s, 3m)")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def _stat(pid: int) -> tuple[int, float] | None:
    """(ppid, CPU seconds incl. waited-for children) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return int(fields[1]), (utime + stime + cutime + cstime) / TICK


def tree_cpu(root_pid: int) -> float:
    """CPU seconds of a process and all its living descendants (children that exited and
    were waited for are in their parent's cutime/cstime)."""
    parents: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        got = _stat(int(entry.name))
        if got is None:
            continue
        parents.setdefault(got[0], []).append(int(entry.name))
        cpu[int(entry.name)] = got[1]
    total, todo = 0.0, [root_pid]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += parents.get(pid, [])
    return total


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def bare_engines(cards: dict[str, bytes], clip: Path | None, actions: list[str]) -> dict[str, Any]:
    """CPU seconds (process time, median of 3) of the engines alone, in this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idrenew.settings")
    from fpdf import FPDF
    from rapidocr_onnxruntime import RapidOCR

    from idrenew.face.domain.engine import LocalFaceEngine
    from idrenew.idcard.domain.decode import decode_image
    from idrenew.lib.fonts import cjk_font_path
    from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
    from idrenew.signing.domain.agreements import render_current
    from idrenew.signing.domain.ca import create_authority
    from idrenew.signing.domain.pdf import render_pdf
    from idrenew.signing.domain.sign import sign_document

    def cpu_of(fn: Any, runs: int = 3) -> float:
        fn()  # warm-up: model sessions, font
        values = []
        for _ in range(runs):
            t = time.process_time()
            fn()
            values.append(time.process_time() - t)
        return statistics.median(values)

    out: dict[str, Any] = {}
    ocr = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    images = [decode_image(cards[side]) for side in ("front", "back")]
    out["ocr_two_photos"] = cpu_of(lambda: [ocr(image) for image in images])

    if clip is not None:
        engine = LocalFaceEngine()
        out["liveness_clip"] = cpu_of(lambda: engine.analyze_clip(str(clip), actions), runs=2)
        out["liveness_actions"] = actions

    now = datetime.now(UTC)
    authority = create_authority(broker_name="示例期货有限公司", now=now)
    case = demo_case(today=now.date())
    audit = demo_audit(case, now=now)
    png = demo_signature_png()
    names = ("change_application", "digital_certificate")
    docs = [
        render_pdf(
            render_current(n, case), signature_png=png, audit=audit, font_path=cjk_font_path()
        )
        for n in names
    ]

    def sign_both() -> None:
        # pyHanko as the project calls it (signing.domain.sign): the customer's signature and
        # the broker's, each with a timestamp, on each rendered document
        for doc in docs:
            sign_document(
                doc.data,
                authority=authority,
                placement=doc.signature_box,
                customer_name=case.customer_name,
                pseudonym="IDR-LOAD",
                now=now,
            )

    out["pyhanko_sign_both"] = cpu_of(sign_both)
    texts = [render_current(n, case).plain_text() for n in names]

    def render_both() -> None:
        for text in texts:
            pdf = FPDF()
            pdf.add_font("cjk", fname=str(cjk_font_path()), collection_font_number=2)
            pdf.add_page()
            pdf.set_font("cjk", size=10.5)
            pdf.multi_cell(0, 6, text)
            bytes(pdf.output())

    out["fpdf2_render_both"] = cpu_of(render_both)
    return out


def read_stats(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", "4")))
    parser.add_argument("--time", default=os.environ.get("LOAD_TIME", "180"))
    parser.add_argument("--spawn-rate", type=float, default=1.0)
    parser.add_argument(
        "--drain", type=int, default=120, help="seconds after --time for journeys to finish"
    )
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("LOAD_REDIS_DB", "3")))
    parser.add_argument("--customers", type=int, default=0, help="seeded (default: enough)")
    parser.add_argument("--out", default=str(ROOT / "var" / "load" / "report.md"))
    parser.add_argument("--root", default="")
    args = parser.parse_args()
    seconds = parse_seconds(args.time)
    # a journey takes ~20 s on an idle topology: enough customers never to run out
    customers = args.customers or max(20, args.users * (seconds // 15 + 2))

    from tests.ops.stack import Stack

    root = Path(args.root or tempfile.mkdtemp(prefix="idrenew-load-"))
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    events_path = root / "events.jsonl"
    sample_dir = root / "sample"
    sample_dir.mkdir(parents=True, exist_ok=True)
    print(f"load: starting the topology under {root} ({customers} customers)…", flush=True)
    stack = Stack(
        root,
        redis_db=args.redis_db,
        web_workers=args.web_workers,
        web_threads=args.web_threads,
        worker_concurrency=args.concurrency,
        extra_env=LOAD_ENV,
        name="idrenew_load",
        extra_customers=customers,
    )
    with stack:
        description = stack.describe()
        description["customers_for_load"] = [
            c for c in stack.customers if c["fund_account"].startswith("81")
        ]
        stack_json = root / "stack.json"
        stack_json.write_text(json.dumps(description, ensure_ascii=False))
        server = {name: stack.procs[name].pid for name in ("web", "worker", "dispatcher")}
        others = {name: stack.procs[name].pid for name in ("nginx", "s3")}
        cpu_before = {n: tree_cpu(p) for n, p in {**server, **others}.items()}
        prefix = root / "locust"
        env = {
            **os.environ,
            "LOAD_STACK_JSON": str(stack_json),
            "LOAD_EVENTS": str(events_path),
            "LOAD_SAMPLE_DIR": str(sample_dir),
            "LOAD_NO_NEW_AFTER": str(time.time() + seconds),
        }
        argv = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "--host",
            stack.base_url,
            "-u",
            str(args.users + 1),  # + the approver
            "-r",
            str(args.spawn_rate),
            "-t",
            f"{seconds + args.drain}s",
            "--stop-timeout",
            "5",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        started = time.monotonic()
        started_epoch = time.time()
        load_cpu_start = os.times()
        result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.monotonic() - started
        load_cpu = os.times()
        cpu_after = {n: tree_cpu(p) for n, p in {**server, **others}.items()}
        if result.returncode not in (0, 1):  # 1: some requests failed (reported below)
            print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
            return result.returncode
        cards = stack.cards[description["customers_for_load"][0]["fund_account"]]
    locust_cpu = (load_cpu.children_user + load_cpu.children_system) - (
        load_cpu_start.children_user + load_cpu_start.children_system
    )

    events = (
        [json.loads(line) for line in events_path.read_text().splitlines()]
        if events_path.exists()
        else []
    )
    approved = [e for e in events if e["kind"] == "approved"]
    submitted = [e for e in events if e["kind"] == "submitted"]
    refusals = Counter(
        (e["step"], e.get("status"), e.get("code")) for e in events if e["kind"] == "refused"
    )
    errors = Counter((e["step"], e.get("error")) for e in events if e["kind"] == "error")
    server_cpu = {n: cpu_after[n] - cpu_before[n] for n in server}
    other_cpu = {n: cpu_after[n] - cpu_before[n] for n in others}
    total_server = sum(server_cpu.values())
    per_case = total_server / len(approved) if approved else float("nan")

    span = (max(e["t"] for e in approved) - started_epoch) if approved else float(seconds)
    per_hour = len(approved) * 3600 / span if approved else 0.0
    clip = sample_dir / "clip.mp4"
    actions = json.loads((sample_dir / "clip.json").read_text()) if clip.exists() else []
    print("load: measuring the bare engines in-process…", flush=True)
    bare = bare_engines(cards, clip if clip.exists() else None, actions)
    bare_sum = bare["ocr_two_photos"] + bare.get("liveness_clip", 0.0) + bare["pyhanko_sign_both"]
    bare_with_render = bare_sum + bare["fpdf2_render_both"]

    stats = read_stats(prefix)
    lines = [
        f"# Load test report ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"- machine: {os.cpu_count()} cores (shared with other work: `uptime` load "
        f"{os.getloadavg()[0]:.1f} at the end), topology: nginx TLS → gunicorn "
        f"({args.web_workers} workers × {args.web_threads} threads), Celery worker "
        f"(concurrency {args.concurrency}) on RabbitMQ, dispatcher, PostgreSQL, Redis, moto S3",
        f"- load: {args.users} customer users + 1 approver, {seconds} s "
        f"(`bench/load/run.py --users {args.users} --time {seconds}`); wall {wall:.0f} s",
        f"- load-only settings: {', '.join(f'{k}={v}' for k, v in LOAD_ENV.items())} "
        "(all customers sign in from 127.0.0.1; defaults unchanged)",
        "",
        "## Throughput",
        "",
        f"- journeys submitted: {len(submitted)}; approved (completed): {len(approved)}",
        f"- journeys started: {sum(1 for e in events if e['kind'] == 'started')} (new ones "
        f"for {seconds} s, then up to {args.drain} s to finish)",
        f"- completed journeys per hour: {per_hour:.0f} (approved ÷ time from the start to "
        "the last approval)",
    ]
    if submitted:
        durations = [e["seconds"] for e in submitted]
        lines.append(
            f"- journey time sign-in → submitted: p50 {statistics.median(durations):.1f} s, "
            f"p95 {pct(durations, 0.95):.1f} s (includes the 2 s reading minimum and client waits)"
        )
    lines += [
        "",
        "## Steps (Locust, ms)",
        "",
        "| step | requests | failures | p50 | p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in stats:
        if row.get("Name") == "Aggregated":
            continue
        lines.append(
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} "
            f"| {row['50%']} | {row['95%']} |"
        )
    lines += ["", "## Refusals and errors", ""]
    if not refusals and not errors:
        lines.append("none")
    for (step, status, code), n in refusals.most_common():
        lines.append(f"- refused at {step}: HTTP {status} {code} × {n}")
    for (step, error), n in errors.most_common():
        lines.append(f"- UNCODED error at {step}: {error} × {n}")
    lines += [
        "",
        "## Server CPU",
        "",
        "| process tree | CPU s during the run |",
        "|---|---:|",
        *(f"| {n} | {v:.1f} |" for n, v in server_cpu.items()),
        f"| **gunicorn + worker + dispatcher** | **{total_server:.1f}** |",
        *(f"| ({n}, not counted) | {v:.1f} |" for n, v in other_cpu.items()),
        f"| (Locust client incl. clip cutting, not counted) | {locust_cpu:.1f} |",
        "",
        f"- server CPU per completed case: **{per_case:.2f} s** (all CPU of the window over "
        "the approved cases: journeys cut off at the end add to it)",
        f"- CPU of the machine in the run's wall time: {wall * (os.cpu_count() or 1):.0f} s; "
        f"server share {total_server / (wall * (os.cpu_count() or 1)):.0%} (the rest: idle, "
        "PostgreSQL, Redis, RabbitMQ, the client and anything else running on the machine)",
        "",
        "## Beside the bare engines (CPU s, in-process, median of 3)",
        "",
        f"- RapidOCR on the two photos: {bare['ocr_two_photos']:.2f}",
        f"- liveness analysis of a clip the run uploaded ({', '.join(actions) or 'none saved'}; "
        f"LocalFaceEngine.analyze_clip: decode + models): {bare.get('liveness_clip', float('nan')):.2f}",
        f"- pyHanko signing both documents (customer + broker signature and timestamp each): "
        f"{bare['pyhanko_sign_both']:.2f}",
        f"- sum: **{bare_sum:.2f}**; with fpdf2 rendering both ({bare['fpdf2_render_both']:.2f}): "
        f"{bare_with_render:.2f}",
        f"- ratio server CPU per case / bare engines: **{per_case / bare_sum:.2f}×** "
        f"(with rendering in the bare sum: {per_case / bare_with_render:.2f}×; goal ≤ 1.5)",
        "",
    ]
    report = "\n".join(lines)
    out_path.write_text(report, encoding="utf-8")
    (out_path.parent / f"run-{args.users}u.json").write_text(
        json.dumps(
            {
                "users": args.users,
                "seconds": seconds,
                "submitted": len(submitted),
                "approved": len(approved),
                "server_cpu": server_cpu,
                "other_cpu": other_cpu,
                "locust_cpu": locust_cpu,
                "per_case": per_case,
                "bare": bare,
                "refusals": [[*k, n] for k, n in refusals.items()],
                "errors": [[*k, n] for k, n in errors.items()],
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    print(report)
    print(f"(written to {out_path}; Locust CSVs and logs under {root})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
