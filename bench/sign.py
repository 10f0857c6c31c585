"""Render + sign both agreements (steps 8–9): latency per document and per pair, peak memory.

Uses a throw-away CA (made once, not timed) and the demo case. For each run: render the
application form and the certificate agreement with fpdf2 (Noto Sans CJK SC), then sign each
(customer key + certificate, PAdES signature with timestamp, broker signature with timestamp).
Prints median and p95 per document and per pair, peak RSS (VmHWM), and the ratio to the bare
engines: fpdf2 rendering the same text alone, and pyHanko signing an already rendered PDF once.

    .venv/bin/python bench/sign.py [--runs 20]

The document font is idrenew.lib.fonts.add_pdf_font: the CJK face parsed once per process (the
warm-up parses it), as a web or Celery worker process does; the bare fpdf2 row still parses
it per document (fpdf2's add_font), as before.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from fpdf import FPDF
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from idrenew.lib.fonts import cjk_font_path
    from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
    from idrenew.signing.domain.agreements import render_current
    from idrenew.signing.domain.ca import create_authority
    from idrenew.signing.domain.pdf import render_pdf
    from idrenew.signing.domain.sign import _asn1_cert, _asn1_key, sign_document

    now = datetime.now(UTC)
    authority = create_authority(broker_name="示例期货有限公司", now=now)
    case = demo_case(today=now.date())
    png = demo_signature_png()
    audit = demo_audit(case, now=now)
    font = cjk_font_path()
    names = ("change_application", "digital_certificate")

    def one(name: str) -> tuple[float, float, bytes]:
        t0 = time.perf_counter()
        doc = render_pdf(render_current(name, case), signature_png=png, audit=audit, font_path=font)
        t1 = time.perf_counter()
        signed = sign_document(
            doc.data,
            authority=authority,
            placement=doc.signature_box,
            customer_name=case.customer_name,
            pseudonym="IDR-BENCH",
            now=now,
        )
        return t1 - t0, time.perf_counter() - t1, signed.pdf

    for name in names:  # warm-up: imports, font file in the page cache
        one(name)

    render_t: dict[str, list[float]] = {n: [] for n in names}
    sign_t: dict[str, list[float]] = {n: [] for n in names}
    doc_t: dict[str, list[float]] = {n: [] for n in names}
    pair_t: list[float] = []
    pair_cpu: list[float] = []
    for _ in range(args.runs):
        started = time.perf_counter()
        cpu_started = time.process_time()
        for name in names:
            r, s, _pdf = one(name)
            render_t[name].append(r)
            sign_t[name].append(s)
            doc_t[name].append(r + s)
        pair_t.append(time.perf_counter() - started)
        pair_cpu.append(time.process_time() - cpu_started)

    # bare engines: fpdf2 alone writing the same text; pyHanko alone signing once
    texts = {n: render_current(n, case).plain_text() for n in names}
    bare_render: list[float] = []
    for _ in range(args.runs):
        for name in names:
            t = time.perf_counter()
            pdf = FPDF()
            pdf.add_font("cjk", fname=str(font), collection_font_number=2)
            pdf.add_page()
            pdf.set_font("cjk", size=10.5)
            pdf.multi_cell(0, 6, texts[name])
            bytes(pdf.output())
            bare_render.append(time.perf_counter() - t)
    plain = render_pdf(
        render_current(names[0], case), signature_png=png, audit=audit, font_path=font
    )
    bare_signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(authority.signer_cert),
        signing_key=_asn1_key(authority.signer_key),
        cert_registry=None,  # type: ignore[arg-type]
    )
    bare_sign: list[float] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        signers.PdfSigner(
            signers.PdfSignatureMetadata(field_name="S", subfilter=fields.SigSeedSubFilter.PADES),
            signer=bare_signer,
        ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(plain.data)))
        bare_sign.append(time.perf_counter() - t)

    print(
        f"sign benchmark: {args.runs} runs, {os.cpu_count()} cores, demo case, "
        f"customer ECDSA P-256 + broker RSA-3072, built-in TSA"
    )
    print(f"{'step':<46}{'n':>5}{'median ms':>12}{'p95 ms':>10}")

    def row(label: str, values: list[float]) -> None:
        print(
            f"{label:<46}{len(values):>5}{statistics.median(values) * 1000:>12.1f}{pct(values, 0.95) * 1000:>10.1f}"
        )

    for name in names:
        row(f"{name}: render", render_t[name])
        row(f"{name}: sign (customer + broker)", sign_t[name])
        row(f"{name}: render + sign", doc_t[name])
    row("pair: render + sign both", pair_t)
    row("bare fpdf2 render (same text, 1 doc)", bare_render)
    row("bare pyHanko sign (1 signature)", bare_sign)
    doc_median = statistics.median([v for n in names for v in render_t[n]])
    sign_median = statistics.median([v for n in names for v in sign_t[n]])
    print(f"render median / bare fpdf2 median: {doc_median / statistics.median(bare_render):.2f}×")
    print(
        f"sign median (2 signatures + 2 timestamps) / bare pyHanko signature: {sign_median / statistics.median(bare_sign):.2f}×"
    )
    print(f"pair median: {statistics.median(pair_t):.2f} s (target ≤ 0.8 s)")
    print(
        f"pair process CPU (time.process_time, less sensitive to load): median "
        f"{statistics.median(pair_cpu):.3f} s, p95 {pct(pair_cpu, 0.95):.3f} s"
    )
    print(f"peak memory (VmHWM): {vm_hwm_mb():.0f} MB")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idrenew.settings")
    main()
