from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from idrenew.lib.fonts import cjk_font_path
from idrenew.signing.demo import demo_audit, demo_case, demo_signature_png
from idrenew.signing.domain.agreements import FormTable, SignatureBox, case_fields, render_current
from idrenew.signing.domain.pdf import render_pdf

from .conftest import pdftotext

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
CASE = demo_case(today=NOW.date())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("agreement", ["change_application", "digital_certificate"])
def test_every_field_round_trips_through_text_extraction(agreement: str, tmp_path: Path) -> None:
    rendered = render_current(agreement, CASE)
    doc = render_pdf(
        rendered,
        signature_png=demo_signature_png(),
        audit=demo_audit(CASE, now=NOW),
        font_path=cjk_font_path(),
    )
    text = _squash(pdftotext(doc.data, tmp_path))
    assert _squash(rendered.title) in text
    template = rendered
    fields = case_fields(CASE)
    used = {
        name
        for name in fields
        if fields[name] and _squash(fields[name]) in _squash(rendered.plain_text())
    }
    assert used, "the template uses no case field"
    for name in used:
        assert _squash(fields[name]) in text, name
    # every block, not only the fields: nothing missing, no replacement glyphs
    for block in template.blocks:
        if isinstance(block, FormTable):
            pieces = [piece for row in block.rows for piece in row]
        elif isinstance(block, SignatureBox):
            pieces = [block.label, f"日期：{block.date_text}"]
        else:
            pieces = [block.text]
        for piece in pieces:
            assert _squash(piece) in text, piece
    assert "\ufffd" not in text


def test_simplified_chinese_face_is_embedded(tmp_path: Path) -> None:
    case = CASE.__class__(
        **{**CASE.__dict__, "customer_name": "骨直关", "address": "北京市直骨关路1号"}
    )
    doc = render_pdf(
        render_current("change_application", case),
        signature_png=demo_signature_png(),
        audit=demo_audit(case, now=NOW),
        font_path=cjk_font_path(),
    )
    text = pdftotext(doc.data, tmp_path)
    assert "骨直关" in text and "北京市直骨关路1号" in text
    assert b"NotoSansCJKsc" in doc.data or b"NotoSansCJKSC" in doc.data
    assert b"NotoSansCJKjp" not in doc.data and b"NotoSansCJKJP" not in doc.data


def test_glyphs_are_the_simplified_chinese_forms(tmp_path: Path) -> None:
    """Rasterise 骨 直 关 from the PDF and compare with face 2 (SC) and face 0 (JP)."""
    import shutil
    import subprocess

    from fpdf import FPDF
    from PIL import ImageChops, ImageDraw

    from idrenew.lib.fonts import cjk_font

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (Debian poppler-utils) is not installed")
    pdf = FPDF(unit="pt", format=(400, 160))
    pdf.add_font("sc", fname=str(cjk_font_path()), collection_font_number=2)
    pdf.add_page()
    pdf.set_font("sc", size=100)
    pdf.set_xy(20, 20)
    pdf.cell(text="骨直关")
    (tmp_path / "g.pdf").write_bytes(bytes(pdf.output()))
    subprocess.run(
        ["pdftoppm", "-r", "72", "-gray", "-png", str(tmp_path / "g.pdf"), str(tmp_path / "g")],
        check=True,
    )
    page = Image.open(next(tmp_path.glob("g*.png"))).convert("L")

    def crop(img: Image.Image) -> Image.Image:
        inverted = ImageChops.invert(img)
        return inverted.crop(inverted.getbbox()).resize((300, 100))

    def reference(index: int) -> Image.Image:
        img = Image.new("L", (400, 160), 255)
        ImageDraw.Draw(img).text((20, 20), "骨直关", font=cjk_font(100, index=index), fill=0)
        return crop(img)

    got = crop(page)

    def distance(ref: Image.Image) -> int:
        return sum(
            ImageChops.difference(got, ref).point(lambda v: 255 if v > 96 else 0).histogram()[255:]
        )

    assert distance(reference(2)) < distance(reference(0))


def test_signature_image_is_in_the_signature_box() -> None:
    png = demo_signature_png()
    doc = render_pdf(
        render_current("change_application", CASE),
        signature_png=png,
        audit=demo_audit(CASE, now=NOW),
        font_path=cjk_font_path(),
    )
    assert doc.signature_image_sha256 == hashlib.sha256(png).hexdigest()
    images = _image_xobjects(doc.data)
    assert images, "no image XObject"
    assert Image.open(io.BytesIO(png)).size in {(w, h) for w, h in images}
    x1, y1, x2, y2 = doc.signature_box.box
    assert 0 < x1 < x2 <= 595.3 and 0 < y1 < y2 <= 841.9


def _image_xobjects(data: bytes) -> list[tuple[int, int]]:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    sizes = []
    for page_ref in reader.root["/Pages"]["/Kids"]:
        page = page_ref.get_object()
        xobjects = page["/Resources"].get("/XObject", {})
        for name in xobjects:
            obj = xobjects[name].get_object()
            if obj.get("/Subtype") == "/Image":
                sizes.append((int(obj["/Width"]), int(obj["/Height"])))
    return sizes


def test_audit_page_times_are_beijing_time_with_the_offset(tmp_path: Path) -> None:
    """The audit data holds UTC instants (as the database gives them); the page prints them
    in Asia/Shanghai with ``+08:00``, like every other screen and document."""
    audit = demo_audit(CASE, now=NOW)  # NOW is 06:00 UTC
    doc = render_pdf(
        render_current("change_application", CASE),
        signature_png=demo_signature_png(),
        audit=audit,
        font_path=cjk_font_path(),
    )
    page = pdftotext(doc.data, tmp_path).split("签署审计记录", 1)[1]
    text = _squash(page)
    assert "签署时间2026-11-3014:00:00+08:00" in text
    for reading in audit.readings:  # opened and scrolled to the end, each in its cell
        for moment in (reading.opened_at, reading.scrolled_to_end_at):
            assert moment is not None and moment.tzinfo is UTC
            local = moment.astimezone(ZoneInfo("Asia/Shanghai"))
            assert _squash(local.isoformat(sep=" ", timespec="seconds")) in text
    assert "13:56:50+08:00" in text  # 05:56:50 UTC: the second agreement opened
    assert "+00:00" not in text and "T06:00" not in text
    assert "本页时间均为北京时间（UTC+08:00）" in text


def test_audit_page_refuses_a_naive_time() -> None:
    audit = replace(demo_audit(CASE, now=NOW), signed_at=datetime(2026, 11, 30, 14, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        render_pdf(
            render_current("change_application", CASE),
            signature_png=demo_signature_png(),
            audit=audit,
            font_path=cjk_font_path(),
        )
