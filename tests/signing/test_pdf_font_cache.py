"""The CJK face parsed once per process (idrenew.lib.fonts.add_pdf_font) gives the same PDF
text and glyphs as fpdf2's own add_font, and documents never share mutable font state."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path
from typing import Any

from fontTools.cffLib import CFFFontSet
from fontTools.pens.recordingPen import RecordingPen
from fpdf import FPDF
from pyhanko.pdf_utils.reader import PdfFileReader

from idrenew.lib.fonts import SC_INDEX, add_pdf_font, cjk_font_path

from .conftest import pdftotext

TEXT = "骨直关 证件更新申请表 张三丰 110101199001011234 北京市朝阳区建国路88号 ABC abc 123，。！"


def _doc(text: str, *, cached: bool) -> bytes:
    pdf = FPDF(unit="pt", format=(900, 200))
    if cached:
        add_pdf_font(pdf, "sc", cjk_font_path(), SC_INDEX)
    else:
        pdf.add_font("sc", fname=str(cjk_font_path()), collection_font_number=SC_INDEX)
    pdf.add_page()
    pdf.set_font("sc", size=24)
    pdf.set_xy(20, 20)
    pdf.multi_cell(860, 40, text)
    return bytes(pdf.output())


def _embedded_cff(data: bytes) -> Any:
    """The top dict of the (only) CID-keyed CFF font embedded on the first page."""
    reader = PdfFileReader(io.BytesIO(data))
    fonts = reader.root["/Pages"]["/Kids"][0]["/Resources"]["/Font"]
    (key,) = list(fonts)
    descriptor = fonts[key]["/DescendantFonts"][0]["/FontDescriptor"]
    assert descriptor["/FontFile3"]["/Subtype"] == "/CIDFontType0C"
    font_set = CFFFontSet()
    font_set.decompile(io.BytesIO(descriptor["/FontFile3"].data), None)
    return font_set[font_set.fontNames[0]]


def _outlines(top: Any) -> dict[str, list[tuple[str, Any]]]:
    charstrings = top.CharStrings
    result = {}
    for name in charstrings.keys():  # noqa: SIM118 - a CharStrings index, not a dict
        pen = RecordingPen()
        charstrings[name].draw(pen)
        result[name] = pen.value
    return result


def test_same_text_and_glyphs_as_fpdf_add_font(tmp_path: Path) -> None:
    plain = _doc(TEXT, cached=False)
    cached = _doc(TEXT, cached=True)
    assert pdftotext(cached, tmp_path) == pdftotext(plain, tmp_path)
    plain_cff, cached_cff = _embedded_cff(plain), _embedded_cff(cached)
    assert cached_cff.ROS == plain_cff.ROS
    assert sorted(cached_cff.CharStrings.keys()) == sorted(plain_cff.CharStrings.keys())
    assert _outlines(cached_cff) == _outlines(plain_cff), "the cached face embeds other outlines"
    # the CFF FontBBox is the whole face's (not recomputed for the subset): it contains the
    # subset's box, as the PDF font descriptor's FontBBox (the whole face's) already does
    px0, py0, px1, py1 = plain_cff.FontBBox
    cx0, cy0, cx1, cy1 = cached_cff.FontBBox
    assert cx0 <= px0 and cy0 <= py0 and cx1 >= px1 and cy1 >= py1
    widths = re.compile(rb"/W \[[^\]]*(?:\[[^\]]*\][^\]]*)*\]")
    assert widths.findall(plain)
    assert widths.findall(cached) == widths.findall(plain)


def test_documents_do_not_share_glyph_subsets(tmp_path: Path) -> None:
    first = _doc("骨直关" * 20, cached=True)
    second = _doc("龙", cached=True)
    assert "龙" in pdftotext(second, tmp_path)
    # the second document embeds only its own glyphs: far smaller than the first's subset
    assert len(second) < len(first)
    third = _doc("骨直关" * 20, cached=True)
    assert len(third) == len(first)


def test_concurrent_documents(tmp_path: Path) -> None:
    texts = ["甲乙丙丁" * 5, "子丑寅卯" * 5, "东南西北" * 5, "春夏秋冬" * 5]
    results: dict[int, bytes] = {}

    def work(i: int) -> None:
        results[i] = _doc(texts[i], cached=True)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, text in enumerate(texts):
        assert text[:4] in pdftotext(results[i], tmp_path).replace("\n", "")
