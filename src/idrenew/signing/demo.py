"""A generated demo case for `idrenew pdf sample`, the tests and the benchmark (fake data)."""

from __future__ import annotations

import io
import math
import random
from datetime import date, datetime, timedelta

from PIL import Image, ImageDraw

from idrenew.customers.domain.idnumber import make_id_number
from idrenew.signing.domain.agreements import CaseData, render_current
from idrenew.signing.domain.pdf import AuditData, ReadingRecord

# Names and an address with characters whose Japanese forms differ (骨 直 关 among them).
DEMO_NAME = "关骨直"
DEMO_ADDRESS = "北京市朝阳区建国门外大街直骨巷18号院3号楼2单元1001室"


def demo_case(*, today: date, seed: int = 7) -> CaseData:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    birth = date(1978, 3, 14)
    old_from = date(2006, 6, 1)
    return CaseData(
        customer_name=DEMO_NAME,
        fund_account=f"8001{rng.randrange(10_000):04d}",
        id_number=make_id_number("110105", birth, rng.randrange(1, 999, 2)),
        old_valid_from=old_from,
        old_valid_to=date(2026, 6, 1),
        new_valid_from=date(2026, 5, 20),
        new_valid_to=None,  # issued at 48: 长期
        address=DEMO_ADDRESS,
        sign_date=today,
        case_reference=f"ZJGX-{today:%Y%m%d}-{rng.randrange(1_000_000):06d}",
    )


def demo_signature_png(seed: int = 7, size: tuple[int, int] = (600, 240)) -> bytes:
    """A handwriting-like scrawl on a transparent background, as the signature pad sends."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    _width, height = size
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    x = 40.0
    for stroke in range(3):
        points = []
        base = height * (0.45 + 0.1 * stroke % 2)
        for step in range(40):
            x += rng.uniform(2, 6)
            y = base + math.sin(step / 3 + stroke) * height * 0.25 + rng.uniform(-6, 6)
            points.append((x, y))
        draw.line(points, fill=(20, 20, 40, 255), width=7, joint="curve")
        x += 30
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def demo_audit(case: CaseData, *, now: datetime) -> AuditData:
    rendered = [render_current(n, case) for n in ("change_application", "digital_certificate")]
    documents = tuple((r.title, r.version, r.content_hash) for r in rendered)
    readings = tuple(
        ReadingRecord(
            agreement=r.agreement,
            version=r.version,
            content_hash=r.content_hash,
            opened_at=now - timedelta(minutes=3, seconds=10 * i),
            scrolled_to_end_at=now - timedelta(minutes=2, seconds=10 * i),
            seconds=62.0 + i,
        )
        for i, r in enumerate(rendered)
    )
    return AuditData(
        signer_name=case.customer_name,
        fund_account=case.fund_account,
        case_reference=case.case_reference,
        signed_at=now,
        ip="203.0.113.24",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) demo",
        documents=documents,
        readings=readings,
    )
