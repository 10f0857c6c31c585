"""Agreement templates: versioned files, rendered from a case into text blocks with a hash.

A template is one UTF-8 file per agreement and version, named ``<agreement>.v<version>.md``
(e.g. ``change_application.v2026-11.md``); publishing a new version means adding a file.
Format: a header of ``key: value`` lines (``agreement``, ``version``, ``title``) closed by a
``---`` line, then blocks separated by blank lines:

* ``## heading`` — a section heading;
* ``@form`` followed by ``label | value`` lines — the filled form table;
* ``@signature label`` — the signature box (the customer's handwriting and the date);
* anything else — a paragraph (lines are joined).

``{placeholder}`` names come from :func:`case_fields`; an unknown name is an error when the
template is loaded, so a typo never reaches a customer.

The content hash is SHA-256 over the canonical rendered text (agreement id, version and every
block, ID number in full): it is what the reading records and the signatures refer to. Screen
views show the same content with the ID number masked (:meth:`RenderedAgreement.for_screen`).
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from idrenew.lib.masking import mask_id_number

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "agreements"
_FILENAME = re.compile(r"^(?P<agreement>[a-z][a-z0-9_]*)\.v(?P<version>[0-9][0-9A-Za-z.-]*)\.md$")
LONG_TERM = "长期"
DEFAULT_BROKER = "示例期货有限公司"


class TemplateError(ValueError):
    """A template file is malformed or uses an unknown placeholder."""


@dataclass(frozen=True)
class CaseData:
    """What the agreements are filled from (all plain values; the caller reads the case)."""

    customer_name: str
    fund_account: str
    id_number: str
    old_valid_from: date | None
    old_valid_to: date | None  # None = 长期
    new_valid_from: date
    new_valid_to: date | None  # None = 长期
    address: str
    sign_date: date
    case_reference: str
    id_type: str = "居民身份证"
    change_requested: str = "更新身份证件有效期限及证件地址"
    broker_name: str = DEFAULT_BROKER
    certificate_validity: str = "一日"


def format_date(day: date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def format_validity(start: date | None, end: date | None) -> str:
    if start is None:
        return "未登记" if end is None else f"至{format_date(end)}"
    return f"{format_date(start)}至{format_date(end) if end else LONG_TERM}"


def case_fields(case: CaseData) -> dict[str, str]:
    """Every placeholder a template may use, as it is printed in the signed document."""
    return {
        "broker_name": case.broker_name,
        "customer_name": case.customer_name,
        "fund_account": case.fund_account,
        "id_type": case.id_type,
        "id_number": case.id_number,
        "old_validity": format_validity(case.old_valid_from, case.old_valid_to),
        "new_validity": format_validity(case.new_valid_from, case.new_valid_to),
        "address": case.address,
        "change_requested": case.change_requested,
        "case_reference": case.case_reference,
        "sign_date": format_date(case.sign_date),
        "certificate_validity": case.certificate_validity,
    }


PLACEHOLDERS = frozenset(
    case_fields(CaseData("", "", "", None, None, date(2000, 1, 1), None, "", date(2000, 1, 1), ""))
)
SENSITIVE = frozenset({"id_number"})


# --- blocks -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class FormTable:
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SignatureBox:
    label: str
    date_text: str


Block = Heading | Paragraph | FormTable | SignatureBox


def _canonical(block: Block) -> str:
    if isinstance(block, Heading):
        return f"H\t{block.text}"
    if isinstance(block, Paragraph):
        return f"P\t{block.text}"
    if isinstance(block, FormTable):
        return "\n".join(f"F\t{label}\t{value}" for label, value in block.rows)
    return f"S\t{block.label}\t{block.date_text}"


# --- templates ----------------------------------------------------------------------------
@dataclass(frozen=True)
class AgreementTemplate:
    agreement: str
    version: str
    title: str
    body: str
    path: Path
    file_sha256: str
    placeholders: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return f"{self.agreement}@{self.version}"


def _placeholders(text: str) -> set[str]:
    names = set()
    for _, name, spec, conv in string.Formatter().parse(text):
        if name is None:
            continue
        if not name or spec or conv:
            raise TemplateError(f"placeholder {{{name}}} must be a bare name")
        names.add(name)
    return names


def parse_template(path: Path) -> AgreementTemplate:
    match = _FILENAME.match(path.name)
    if not match:
        raise TemplateError(f"{path.name}: name must be <agreement>.v<version>.md")
    raw = path.read_bytes()
    text = raw.decode("utf-8").replace("\r\n", "\n")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise TemplateError(f"{path.name}: header must end with a '---' line")
    header: dict[str, str] = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if not colon:
            raise TemplateError(f"{path.name}: bad header line {line!r}")
        header[key.strip()] = value.strip()
    for key in ("agreement", "version", "title"):
        if not header.get(key):
            raise TemplateError(f"{path.name}: header needs {key!r}")
    if (header["agreement"], header["version"]) != (match["agreement"], match["version"]):
        raise TemplateError(f"{path.name}: header does not match the file name")
    names = _placeholders(body)
    unknown = names - PLACEHOLDERS
    if unknown:
        raise TemplateError(f"{path.name}: unknown placeholders {sorted(unknown)}")
    if not body.strip():
        raise TemplateError(f"{path.name}: empty body")
    return AgreementTemplate(
        agreement=header["agreement"],
        version=header["version"],
        title=header["title"],
        body=body,
        path=path,
        file_sha256=hashlib.sha256(raw).hexdigest(),
        placeholders=frozenset(names),
    )


def all_templates(directory: Path = TEMPLATES_DIR) -> list[AgreementTemplate]:
    return sorted(
        (parse_template(p) for p in directory.glob("*.md")),
        key=lambda t: (t.agreement, t.version),
    )


def current_versions(directory: Path = TEMPLATES_DIR) -> dict[str, AgreementTemplate]:
    """The newest version of each agreement (versions sort as text: use ``YYYY-MM[.n]``)."""
    current: dict[str, AgreementTemplate] = {}
    for template in all_templates(directory):
        current[template.agreement] = template  # sorted: the last one wins
    return current


def load_template(
    agreement: str, version: str | None = None, directory: Path = TEMPLATES_DIR
) -> AgreementTemplate:
    if version is None:
        try:
            return current_versions(directory)[agreement]
        except KeyError:
            raise TemplateError(f"no template for agreement {agreement!r}") from None
    path = directory / f"{agreement}.v{version}.md"
    if not path.is_file():
        raise TemplateError(f"no template {agreement} version {version}")
    return parse_template(path)


# --- rendering ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RenderedAgreement:
    agreement: str
    version: str
    title: str
    blocks: tuple[Block, ...]
    content_hash: str  # sha256 hex of canonical_text
    masked_values: tuple[tuple[str, str], ...] = ()  # (full, masked) pairs for screens

    @property
    def canonical_text(self) -> str:
        return canonical_text(self.agreement, self.version, self.title, self.blocks)

    def for_screen(self) -> RenderedAgreement:
        """The same content for display: sensitive values masked; the hash is unchanged."""

        def mask(text: str) -> str:
            for full, masked in self.masked_values:
                text = text.replace(full, masked)
            return text

        blocks: list[Block] = []
        for block in self.blocks:
            if isinstance(block, FormTable):
                blocks.append(FormTable(tuple((k, mask(v)) for k, v in block.rows)))
            elif isinstance(block, Heading | Paragraph):
                blocks.append(replace(block, text=mask(block.text)))
            else:
                blocks.append(block)
        return replace(self, blocks=tuple(blocks), masked_values=())

    def plain_text(self) -> str:
        """Readable text of every block (what the PDF prints, before the audit page)."""
        lines = [self.title]
        for block in self.blocks:
            if isinstance(block, FormTable):
                lines.extend(f"{k} {v}" for k, v in block.rows)
            elif isinstance(block, SignatureBox):
                lines.append(f"{block.label} 日期：{block.date_text}")
            else:
                lines.append(block.text)
        return "\n".join(lines)


def canonical_text(agreement: str, version: str, title: str, blocks: tuple[Block, ...]) -> str:
    parts = [f"agreement\t{agreement}", f"version\t{version}", f"T\t{title}"]
    parts.extend(_canonical(b) for b in blocks)
    return "\n".join(parts) + "\n"


def _fill(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)


def render(template: AgreementTemplate, case: CaseData) -> RenderedAgreement:
    values = case_fields(case)
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", template.body.strip()):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        first = lines[0]
        if first.startswith("## "):
            blocks.append(Heading(_fill(first[3:].strip(), values)))
            if lines[1:]:
                blocks.append(Paragraph(_fill("".join(lines[1:]), values)))
        elif first == "@form":
            rows = []
            for line in lines[1:]:
                label, bar, value = line.partition("|")
                if not bar:
                    raise TemplateError(f"{template.path.name}: form row {line!r} needs '|'")
                rows.append((_fill(label.strip(), values), _fill(value.strip(), values)))
            blocks.append(FormTable(tuple(rows)))
        elif first.startswith("@signature"):
            label = first.removeprefix("@signature").strip() or "签名"
            blocks.append(SignatureBox(_fill(label, values), values["sign_date"]))
        else:
            blocks.append(Paragraph(_fill("".join(lines), values)))
    if sum(isinstance(b, SignatureBox) for b in blocks) != 1:
        raise TemplateError(f"{template.path.name}: needs exactly one @signature block")
    text = canonical_text(template.agreement, template.version, template.title, tuple(blocks))
    masked = tuple(
        (values[name], mask_id_number(values[name]))
        for name in sorted(SENSITIVE & template.placeholders)
        if values[name]
    )
    return RenderedAgreement(
        agreement=template.agreement,
        version=template.version,
        title=template.title,
        blocks=tuple(blocks),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        masked_values=masked,
    )


def render_current(agreement: str, case: CaseData) -> RenderedAgreement:
    return render(load_template(agreement), case)
