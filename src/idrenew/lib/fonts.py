"""The CJK font, from the PyPI package ``noto-cjk-sans-otc`` (Noto Sans CJK, OFL-1.1).

The package ships one OpenType collection. **Collection index 2 is Simplified Chinese**
(Noto Sans CJK SC); index 0 is Japanese and draws visibly different glyphs for characters
such as 骨 直 (wrong for Chinese text). Nothing is downloaded at run time: the font is a
dependency of the project.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import ImageFont

if TYPE_CHECKING:
    from fpdf import FPDF

SC_INDEX = 2  # Noto Sans CJK SC inside NotoSansCJK-Regular.ttc


class FontMissing(RuntimeError):
    """The CJK font package is not installed."""


@functools.cache
def cjk_font_path() -> Path:
    """The path of the installed Noto Sans CJK collection (.ttc)."""
    try:
        import noto_cjk_sans_otc  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the environment
        raise FontMissing(
            "the CJK font package is missing: pip install noto-cjk-sans-otc "
            "(a dependency of idrenew; nothing is downloaded at run time)"
        ) from None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    if not path.is_file():  # pragma: no cover
        raise FontMissing(f"noto-cjk-sans-otc is installed but {path} is missing")
    return path


@functools.lru_cache(maxsize=64)
def cjk_font(size: int, index: int = SC_INDEX) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK at ``size`` px; Simplified Chinese (index 2) unless told otherwise."""
    return ImageFont.truetype(str(cjk_font_path()), size, index=index)


# --- fpdf2: the parsed face, kept per process -------------------------------------------
#
# ``FPDF.add_font`` parses the collection every time: the cmap (~44k code points), the
# advance widths of every glyph and the font descriptor, about 0.15 s of CPU per document for
# Noto Sans CJK. All of that is read-only once computed, so it is parsed once per process
# (per path and face index) and every document gets a light copy: its own fontTools
# ``TTFont`` (opened lazily; fpdf2 subsets it in place when the PDF is written, so it can never
# be shared), its own glyph subset, missing-glyph list and width table (fpdf2 reads widths
# from a ``defaultdict``, which inserts on a miss), sharing the immutable cmap, glyph ids and
# descriptor. The document's font is opened with ``recalcBBoxes=False``: fpdf2 would
# otherwise draw every embedded glyph again while writing the file, only to recompute the
# CFF FontBBox of the subset; the whole face's box (a superset, which the PDF font descriptor
# states anyway) stays valid for any subset. The embedded outlines are the same
# (tests/signing/test_pdf_font_cache.py).

_PDF_FONT_LOCK = threading.Lock()
# For a CID-keyed CFF font fpdf2 embeds the bare CFF table (FontFile3/CIDFontType0C); it
# subsets and saves the whole sfnt first and then throws everything but the CFF table away.
# Widths come from the parsed template (the PDF /W array), never from the embedded font. So
# the document's own copy drops the tables that would only be subset and compiled for
# nothing: horizontal and vertical metrics, baselines, and the layout tables fpdf2 drops
# anyway (``drop_tables``). The cmap and CFF tables, the only ones that decide which outlines
# are embedded, stay.
_UNUSED_PDF_TABLES = ("BASE", "GDEF", "GPOS", "GSUB", "VORG", "hhea", "hmtx", "vhea", "vmtx")


@functools.lru_cache(maxsize=8)
def _pdf_font_template(path: str, index: int) -> Any:
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    with _PDF_FONT_LOCK:
        pdf = FPDF()
        pdf.add_font("template", fname=path, collection_font_number=index)
        font = pdf.fonts["template"]
        assert isinstance(font, TTFFont)
        font.ttfont.close()  # only the computed tables are kept; each copy opens its own
        return font


def add_pdf_font(pdf: FPDF, family: str, path: Path | None = None, index: int = SC_INDEX) -> None:
    """``pdf.add_font(family, fname=path, collection_font_number=index)``, parsed once per process.

    The result is the same font object fpdf2 would make (same widths, glyph ids, descriptor,
    same embedded CID-keyed CFF subset), without re-reading the collection for each document.
    """
    from fontTools import ttLib  # type: ignore[import-untyped]
    from fpdf.fonts import SubsetMap, TTFFont

    font_path = Path(path) if path is not None else cjk_font_path()
    template = _pdf_font_template(str(font_path), index)
    if template.color_font is not None or not (template.is_cff and template.is_cid_keyed):
        # pragma: no cover - Noto Sans CJK is a CID-keyed CFF font without colour tables
        pdf.add_font(family, fname=str(font_path), collection_font_number=index)
        return
    fontkey = family.lower()
    if fontkey in pdf.fonts:
        raise ValueError(f"font {family!r} already added to this document")
    font = TTFFont.__new__(TTFFont)
    for attr in (
        "type",
        "ttffile",
        "is_compressed",
        "collection_font_number",
        "is_cff",
        "is_cid_keyed",
        "is_symbol",
        "cff_ros",
        "scale",
        "desc",
        "cmap",
        "glyph_ids",
        "name",
        "up",
        "ut",
        "sp",
        "ss",
        "emphasis",
        "palette_index",
    ):
        setattr(font, attr, getattr(template, attr))
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.biggest_size_pt = 0
    font._hbfont = None
    font.cw = template.cw.copy()
    font.missing_glyphs = []
    font.ttfont = ttLib.TTFont(
        font_path,
        recalcTimestamp=False,
        recalcBBoxes=False,
        fontNumber=index,
        lazy=True,
    )
    for tag in _UNUSED_PDF_TABLES:
        if tag in font.ttfont:
            del font.ttfont[tag]
    font.subset = SubsetMap(font)
    font.color_font = None
    pdf.fonts[fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")
