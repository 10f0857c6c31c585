"""Render a rendered agreement to PDF bytes with fpdf2 (A4, Noto Sans CJK SC).

The font is the Noto Sans CJK collection of the ``noto-cjk-sans-otc`` package, face index 2
(Simplified Chinese). fpdf2 (2.8.9 here) selects a face of a TTC/OTC collection itself
(``add_font(..., collection_font_number=2)``) and embeds a CID-keyed CFF subset of only the
glyphs used, so no face has to be extracted beforehand. Index 0 is the Japanese face: it has
the same characters but draws e.g. 骨 直 关 in their Japanese forms, so the index matters.

Layout: title, body blocks, the filled form table, the signature box with the customer's
handwritten signature (PNG) and the date, then an audit page. :func:`render_pdf` also returns
where the signature box is, so the PAdES signature field can be placed over it.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

from idrenew.lib.fonts import add_pdf_font
from idrenew.signing.domain.agreements import (
    FormTable,
    Heading,
    Paragraph,
    RenderedAgreement,
    SignatureBox,
)

FONT = "NotoSansCJKsc"
SC_INDEX = 2
MARGIN = 20.0  # mm
BOX_W, BOX_H = 70.0, 30.0  # signature box, mm
MM_TO_PT = 72 / 25.4


@dataclass(frozen=True)
class ReadingRecord:
    """The customer's reading of one agreement version (from the audit trail of step 7)."""

    agreement: str
    version: str
    content_hash: str
    opened_at: datetime
    scrolled_to_end_at: datetime | None
    seconds: float


@dataclass(frozen=True)
class AuditData:
    """Who signed, when and from where: printed on the last page of every signed PDF."""

    signer_name: str
    fund_account: str
    case_reference: str
    signed_at: datetime
    ip: str
    user_agent: str
    documents: tuple[tuple[str, str, str], ...] = ()  # (title, version, content hash)
    readings: tuple[ReadingRecord, ...] = ()


@dataclass(frozen=True)
class SignatureBoxPlacement:
    page: int  # 0-based page index
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points, origin bottom-left


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    signature_box: SignatureBoxPlacement
    signature_image_sha256: str


# The audit page prints Beijing time, as every other screen and document does, with its
# offset, e.g. ``2026-11-30 14:00:00+08:00``.
DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")


def _fmt_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return moment.astimezone(DISPLAY_ZONE).isoformat(sep=" ", timespec="seconds")


class _Doc(FPDF):
    def __init__(self, font_path: Path, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN)
        add_pdf_font(self, FONT, font_path, SC_INDEX)
        self.set_font(FONT, size=10.5)
        self.set_creator("idrenew")
        self.set_lang("zh-CN")

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.footer_text}    第 {self.page_no()} 页", align=Align.C)
        self.set_text_color(0)


def render_pdf(
    agreement: RenderedAgreement,
    *,
    signature_png: bytes,
    audit: AuditData,
    font_path: Path,
) -> RenderedPdf:
    """The agreement as a PDF with the signature image in its box and the audit page."""
    footer = (
        f"{agreement.title} · 版本 {agreement.version} · 内容摘要 {agreement.content_hash[:16]}"
    )
    pdf = _Doc(font_path, footer)
    pdf.set_title(agreement.title)
    pdf.set_subject(f"{agreement.agreement} v{agreement.version} sha256:{agreement.content_hash}")
    pdf.add_page()
    width = pdf.epw

    pdf.set_font(FONT, size=17)
    pdf.multi_cell(width, 10, agreement.title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=8.5)
    pdf.set_text_color(90)
    pdf.cell(width, 5, f"版本：{agreement.version}", align=Align.C)
    pdf.ln(9)
    pdf.set_text_color(0)

    placement: SignatureBoxPlacement | None = None
    for block in agreement.blocks:
        if isinstance(block, Heading):
            pdf.ln(2)
            pdf.set_font(FONT, size=12)
            pdf.multi_cell(width, 7.5, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_font(FONT, size=10.5)
        elif isinstance(block, Paragraph):
            pdf.multi_cell(width, 6.2, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        elif isinstance(block, FormTable):
            pdf.ln(1)
            with pdf.table(
                col_widths=(32, width - 32),
                first_row_as_headings=False,
                line_height=6.4,
                padding=(0.9, 2),
                text_align=(Align.C, Align.L),
            ) as table:
                for label, value in block.rows:
                    row = table.row()
                    row.cell(label)
                    row.cell(value)
            pdf.ln(4)
        elif isinstance(block, SignatureBox):
            placement = _signature_box(pdf, block, signature_png)
    if placement is None:  # pragma: no cover - render() guarantees one
        raise ValueError("the agreement has no signature box")

    _audit_page(pdf, agreement, audit, hashlib.sha256(signature_png).hexdigest())
    return RenderedPdf(
        data=bytes(pdf.output()),
        signature_box=placement,
        signature_image_sha256=hashlib.sha256(signature_png).hexdigest(),
    )


def _signature_box(pdf: FPDF, block: SignatureBox, signature_png: bytes) -> SignatureBoxPlacement:
    needed = BOX_H + 16
    if pdf.get_y() + needed > pdf.h - MARGIN:
        pdf.add_page()
    pdf.ln(4)
    x = pdf.w - MARGIN - BOX_W
    y = pdf.get_y()
    pdf.set_xy(x - 45, y + BOX_H / 2 - 4)
    pdf.cell(43, 8, block.label, align=Align.R)
    pdf.set_draw_color(120)
    pdf.rect(x, y, BOX_W, BOX_H)
    pdf.set_draw_color(0)
    pdf.image(
        io.BytesIO(signature_png),
        x=x + 2,
        y=y + 2,
        w=BOX_W - 4,
        h=BOX_H - 4,
        keep_aspect_ratio=True,
    )
    pdf.set_xy(x, y + BOX_H + 1.5)
    pdf.cell(BOX_W, 6, f"日期：{block.date_text}", align=Align.L)
    pdf.set_xy(MARGIN, y + BOX_H + 9)
    page = pdf.page_no() - 1
    to_pt = MM_TO_PT
    box = (x * to_pt, (pdf.h - y - BOX_H) * to_pt, (x + BOX_W) * to_pt, (pdf.h - y) * to_pt)
    return SignatureBoxPlacement(page=page, box=box)


def _audit_page(
    pdf: FPDF, agreement: RenderedAgreement, audit: AuditData, signature_sha256: str
) -> None:
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(FONT, size=14)
    pdf.cell(width, 9, "签署审计记录", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    rows = [
        ("签署人", audit.signer_name),
        ("资金账号", audit.fund_account),
        ("业务编号", audit.case_reference),
        ("签署时间", _fmt_time(audit.signed_at)),
        ("IP 地址", audit.ip),
        ("终端信息", audit.user_agent),
        ("本文件", f"{agreement.title}（版本 {agreement.version}）"),
        ("本文件内容摘要", f"SHA-256 {agreement.content_hash}"),
        ("手写签名图像摘要", f"SHA-256 {signature_sha256}"),
    ]
    for title, version, content_hash in audit.documents:
        rows.append((f"同批签署：{title}", f"版本 {version} SHA-256 {content_hash}"))
    with pdf.table(
        col_widths=(38, width - 38),
        first_row_as_headings=False,
        line_height=5.5,
        padding=(1, 1.5),
        text_align=(Align.L, Align.L),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label)
            row.cell(value)
    pdf.ln(5)
    pdf.set_font(FONT, size=11)
    pdf.cell(width, 7, "协议阅读记录", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=8)
    with pdf.table(
        col_widths=(28, 14, 39, 39, 12, 38),
        line_height=5,
        headings_style=FontFace(emphasis="", fill_color=(235, 235, 235)),
        padding=(1, 1.2),
        text_align=Align.L,
    ) as table:
        head = table.row()
        for label in ("协议", "版本", "打开时间", "阅读至末尾时间", "停留秒数", "内容摘要"):
            head.cell(label)
        if not audit.readings:
            row = table.row()
            row.cell("（无阅读记录）", colspan=6)
        for reading in audit.readings:
            row = table.row()
            row.cell(reading.agreement)
            row.cell(reading.version)
            row.cell(_fmt_time(reading.opened_at))
            row.cell(_fmt_time(reading.scrolled_to_end_at))
            row.cell(f"{reading.seconds:.0f}")
            row.cell(reading.content_hash)
    pdf.ln(4)
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(90)
    pdf.multi_cell(
        width,
        4.5,
        "本页时间均为北京时间（UTC+08:00）。"
        "本文件由客户以数字证书作电子签名，并由本公司加盖电子签名及可信时间戳。"
        "签署后对文件的任何改动均会使签名验证失败。可使用任何支持 PAdES 的工具验证。",
    )
    pdf.set_text_color(0)
