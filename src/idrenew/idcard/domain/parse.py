"""Fields from the OCR lines of an upright, rectified card.

Input: lines as RapidOCR gives them — ``(text, box, score)``, the box four corners in the
card's pixels — and the card's size. The labels are found by their text, never at a fixed
x: cards are printed a little differently (label and value columns moved, a value starting
close to its label, another type size), so the label column is where the lines that start
with a label (姓名, 性别, 出生, 住址, 公民身份号码) start, and a line is taken to carry a
label only when it starts in that column — then the label is cut off whether OCR read it
right or not (佳址 for 住址). A value read as its own line, however close to its label, keeps
all its characters. On the back the label column is where 有效期限 or 签发机关 starts.
The coarse layout still says where to look: the portrait on the right of the front, the
number at its bottom, the two value rows in the lower part of the back.

Nothing here judges validity (check digit, dates by law): that is ``rules``. The number is
reported as read, after undoing the usual OCR confusions between letters and digits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .types import Side

Box = Sequence[Sequence[float]]
RawLine = tuple[str, Box, float]

# Coarse layout of the front, as fractions of the card (GA 490): where to look, not where
# a label ends.
FRONT_PORTRAIT_X = 0.60  # left edge of the portrait
FRONT_NUMBER_Y = 0.74  # the number row is below this
BACK_FIELDS_Y = 0.60  # the back's two value rows are below this
# A line starting within this many text heights of the label column starts in it.
LABEL_COLUMN_TOLERANCE = 0.8

_ETHNIC_TEXT = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 穿青人"
)
ETHNIC_GROUPS = tuple(_ETHNIC_TEXT.split(" "))
_ETHNIC_BY_LENGTH = sorted(ETHNIC_GROUPS, key=len, reverse=True)

# Letters OCR reads for digits, applied only inside the number and the dates.
DIGIT_CONFUSIONS = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "D": "0",
        "Q": "0",
        "U": "0",
        "〇": "0",
        "I": "1",
        "l": "1",
        "i": "1",
        "|": "1",
        "L": "1",
        "!": "1",
        "丨": "1",
        "Z": "2",
        "z": "2",
        "S": "5",
        "s": "5",
        "B": "8",
        "G": "6",
        "b": "6",
        "g": "9",
        "q": "9",
        "T": "7",
        "x": "X",
        "×": "X",
        "乂": "X",
        "メ": "X",
    }
)

FRONT_KEYWORDS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码", "身份号码")
BACK_KEYWORDS = ("中华人民共和国", "居民身份证", "签发机关", "有效期限", "公安局", "分局")
_LABEL_CHARS = {
    "name": "姓名",
    "sex": "性别",
    "birth": "出生",
    "address": "住址",
}
_COLUMN_LABELS = ("姓名", "性别", "出生", "住址", "公民身份号码")
ISSUER_LABEL = "签发机关"
VALIDITY_LABEL = "有效期限"


@dataclass(frozen=True)
class Item:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    score: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Parsed:
    fields: dict[str, str]
    confidence: dict[str, float]
    # The items each line of a long value was read from (the address's lines, the issuer),
    # left to right: where characters of a line went missing, for the glare check.
    value_lines: list[list[Item]] = field(default_factory=list)


def items_from(lines: Iterable[RawLine], width: float, height: float) -> list[Item]:
    """Normalise text (NFKC) and boxes (fractions of the card); drop empty lines."""
    out = []
    for text, box, score in lines:
        # NFKC: full-width digits and letters (１, Ｘ) that the recogniser sometimes emits
        clean = "".join(unicodedata.normalize("NFKC", str(text)).split())
        if not clean:
            continue
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        out.append(
            Item(
                text=clean,
                x0=min(xs) / width,
                x1=max(xs) / width,
                y0=min(ys) / height,
                y1=max(ys) / height,
                score=float(score),
            )
        )
    return out


# --- side -----------------------------------------------------------------------------------


def side_scores(items: Sequence[Item]) -> tuple[float, float]:
    """How much the text looks like a front and like a back (keyword and pattern hits)."""
    text = "".join(i.text for i in items)
    front = sum(1.0 for k in FRONT_KEYWORDS if _fuzzy_in(k, text))
    back = sum(1.0 for k in BACK_KEYWORDS if _fuzzy_in(k, text))
    if any(len(_number_chars(i.text)) >= 15 for i in items):
        front += 2
    if any(_DATE_RANGE.search(_digits_fixed(i.text)) for i in items):
        back += 2
    return front, back


def detect_side(items: Sequence[Item]) -> Side | None:
    front, back = side_scores(items)
    if max(front, back) < 2:
        return None
    return "front" if front >= back else "back"


def _fuzzy_in(keyword: str, text: str) -> bool:
    if keyword in text:
        return True
    if len(keyword) <= 2:
        return False
    # all but one character, in order and adjacent (one misread character)
    for k in range(len(keyword)):
        pattern = re.escape(keyword[:k]) + "." + re.escape(keyword[k + 1 :])
        if re.search(pattern, text):
            return True
    return False


# --- rows -----------------------------------------------------------------------------------


def rows_of(items: Sequence[Item]) -> list[list[Item]]:
    """Group items into text rows by vertical overlap, each row left to right."""
    rows: list[list[Item]] = []
    for item in sorted(items, key=lambda i: i.cy):
        if rows:
            row = rows[-1]
            ref_cy = sum(i.cy for i in row) / len(row)
            ref_h = max(i.height for i in row)
            if abs(item.cy - ref_cy) < 0.5 * max(ref_h, item.height):
                row.append(item)
                continue
        rows.append([item])
    return [sorted(r, key=lambda i: i.x0) for r in rows]


# --- front ----------------------------------------------------------------------------------


def parse_front(lines: Iterable[RawLine], width: float, height: float) -> Parsed:
    items = items_from(lines, width, height)
    fields: dict[str, str] = {}
    conf: dict[str, float] = {}

    # The number: the longest digit run, preferring the bottom of the card.
    number_item: Item | None = None
    best_key: tuple[int, float] = (0, 0.0)
    for item in items:
        chars = _number_chars(item.text)
        if len(chars) >= 15:
            key = (1 if item.cy >= FRONT_NUMBER_Y else 0, item.cy)
            if number_item is None or key > best_key:
                number_item, best_key = item, key
    if number_item is not None:
        number, changed = _normalise_number(number_item.text)
        if number:
            fields["id_number"] = number
            conf["id_number"] = round(number_item.score * (0.9**changed), 4)

    # Everything else: left of the portrait, above the number row.
    rest = [
        i
        for i in items
        if i is not number_item
        and i.cy < FRONT_NUMBER_Y
        and i.x0 < FRONT_PORTRAIT_X - 0.02
        and not _is_number_label(i.text)
    ]
    rows = rows_of(rest)
    name_row, sex_row, birth_row = _front_rows(rows)
    column = label_column(items, rows)

    if name_row is not None:
        value, score = _row_value(rows[name_row], "name", column)
        if value:
            fields["name"] = value
            conf["name"] = score

    if sex_row is not None:
        row = rows[sex_row]
        text = "".join(i.text for i in row)
        score = min(i.score for i in row)
        sex_match = re.search("[男女]", text)
        if sex_match:
            fields["sex"] = sex_match.group(0)
            conf["sex"] = score
            remainder = text[sex_match.end() :]
        else:
            remainder = _strip_label(text, "性别")
        ethnicity = _ethnicity(remainder)
        if ethnicity:
            fields["ethnicity"] = ethnicity
            conf["ethnicity"] = score

    if birth_row is not None:
        row = rows[birth_row]
        text = _digits_fixed("".join(i.text for i in row))
        birth = _birth_date(text)
        if birth:
            fields["birth_date"] = birth
            conf["birth_date"] = min(i.score for i in row)

    start = (birth_row if birth_row is not None else (sex_row if sex_row is not None else -1)) + 1
    address_parts: list[str] = []
    address_scores: list[float] = []
    value_lines: list[list[Item]] = []
    for index, row in enumerate(rows[start:], start=start):
        used: list[Item] = []
        if index == start:
            value, score = _row_value(row, "address", column, used)
        else:
            # a continuation line: whatever lies in the value column (a stray read of the
            # background pattern left of it is no part of the address)
            used = [i for i in row if column is None or not column.holds_only_label(i)]
            value = "".join(i.text for i in used)
            score = min((i.score for i in used), default=1.0)
        if value:
            address_parts.append(value)
            address_scores.append(score)
            value_lines.append(used)
    if address_parts:
        fields["address"] = "".join(address_parts)
        conf["address"] = round(min(address_scores), 4)
    return Parsed(
        fields=fields,
        confidence={k: round(v, 4) for k, v in conf.items()},
        value_lines=value_lines,
    )


def _front_rows(rows: list[list[Item]]) -> tuple[int | None, int | None, int | None]:
    """Indexes of the name, sex/ethnicity and birth rows: by label, else by order."""
    name_row = sex_row = birth_row = None
    for index, row in enumerate(rows):
        text = "".join(i.text for i in row)
        if birth_row is None and (
            re.search(r"\d{4}\D{0,2}年", _digits_fixed(text))
            or (re.search(r"[年月日]", text) and re.search(r"\d", text))
            or text.startswith("出生")
        ):
            birth_row = index
        elif name_row is None and "姓名" in text:
            # before the sex row's test: a name may hold 民 (徐民), which that test looks for
            name_row = index
        elif sex_row is None and (
            re.search("[男女]", text) or "性别" in text or "民族" in text or "民" in text[:4]
        ):
            sex_row = index
        elif name_row is None and text[:1] in "姓名":
            name_row = index
    # Fill the gaps from the fixed order: name, sex/ethnicity, birth, address…
    if sex_row is None and birth_row is not None and birth_row >= 1:
        sex_row = birth_row - 1
    if name_row is None and sex_row is not None and sex_row >= 1:
        name_row = sex_row - 1
    if name_row is None and sex_row is None and birth_row is None and rows:
        name_row = 0
    return name_row, sex_row, birth_row


@dataclass(frozen=True)
class LabelColumn:
    """Where the labels start (``x0``) and, when a label was read on its own, where the
    values start (``value_x0``); fractions of the card's width. ``tolerance``: how far from
    ``x0`` a line may start and still start in the column."""

    x0: float
    tolerance: float
    value_x0: float | None

    def starts_in(self, item: Item) -> bool:
        return abs(item.x0 - self.x0) <= self.tolerance

    def holds_only_label(self, item: Item) -> bool:
        """The item lies in the label column and ends before the values start."""
        if not self.starts_in(item):
            return item.x1 <= self.x0 + self.tolerance  # a stray bit left of the labels
        return self.value_x0 is not None and item.x1 <= self.value_x0 + 0.2 * self.tolerance


def _is_label(text: str, label: str) -> bool:
    """``text`` starts with ``label`` (one character of a label of 2–4 may be misread)."""
    if text.startswith(label):
        return True
    head = text[: len(label)]
    if len(head) < len(label):
        return False
    hits = sum(a == b for a, b in zip(head, label, strict=True))
    return hits >= len(label) - 1 if len(label) > 2 else hits >= 1 and len(text) == len(label)


def label_column(items: Sequence[Item], rows: Sequence[Sequence[Item]]) -> LabelColumn | None:
    """The front's label column, from the lines that start with a label's text (the number
    label included); None when no label was read."""
    heights = sorted(i.height for i in items) or [0.05]
    # text height is a fraction of the card's height; x is a fraction of its width
    tolerance = LABEL_COLUMN_TOLERANCE * heights[len(heights) // 2] * 540 / 856
    starts = [i.x0 for i in items if any(i.text.startswith(k) for k in _COLUMN_LABELS)]
    if not starts:
        starts = [
            row[0].x0
            for row in rows
            if row and any(_is_label(row[0].text, k) for k in _COLUMN_LABELS[:4])
        ]
    if not starts:
        return None
    starts.sort()
    x0 = starts[len(starts) // 2]
    # a value read as its own line: the first item right of a label read alone
    value_starts = []
    for row in rows:
        if (
            len(row) >= 2
            and abs(row[0].x0 - x0) <= tolerance
            and len(row[0].text) <= 2
            and any(_is_label(row[0].text, k) for k in _COLUMN_LABELS[:4])
        ):
            value_starts.append(row[1].x0)
    value_starts.sort()
    value_x0 = value_starts[len(value_starts) // 2] if value_starts else None
    return LabelColumn(x0=x0, tolerance=tolerance, value_x0=value_x0)


def _row_value(
    row: Sequence[Item], label: str, column: LabelColumn | None, used: list[Item] | None = None
) -> tuple[str, float]:
    """The value of a labelled row: its items minus the label. Only an item starting in the
    label column carries the label (cut off even when misread); any other item is a value,
    from which only a label read exactly or nearly so is cut."""
    parts: list[str] = []
    scores: list[float] = []
    chars = _LABEL_CHARS[label]
    for k, item in enumerate(row):
        text = item.text
        in_column = column.starts_in(item) if column is not None else item is row[0]
        if in_column and k + 1 < len(row):
            text = _without_overlap(item, row[k + 1])
        if in_column:
            if len(text) <= len(chars) or (column is not None and column.holds_only_label(item)):
                continue  # the label alone
            text = _strip_label(text, chars, force=True)
        else:
            text = _strip_label(text, chars, force=False)
        if text:
            parts.append(text)
            scores.append(item.score)
            if used is not None:
                used.append(item)
    return "".join(parts), (min(scores) if scores else 0.0)


def _without_overlap(item: Item, following: Item) -> str:
    """The item's text without the characters it shares with the next item of the row: the
    detector sometimes boxes the label together with the value's first character, which
    the next box reads again (姓名女 over 姚堂洁: 女 is the left half of 姚)."""
    width = item.x1 - item.x0
    if width <= 0 or not item.text:
        return item.text
    char = width / len(item.text)
    overlap = item.x1 - following.x0
    if overlap < 0.6 * char:
        return item.text
    keep = max(0, round(len(item.text) * (following.x0 - item.x0) / width))
    return item.text[:keep]


def _strip_label(text: str, label: str, *, force: bool = False) -> str:
    """Cut a leading label: exact, misread (one character of it right in its place) or its
    last character alone (the first was lost); when the item starts in the label column
    (``force``) and none of that matches, the label's length in characters."""
    if text.startswith(label):
        return text[len(label) :]
    n = len(label)
    head = text[:n]
    hits = sum(1 for a, b in zip(head, label, strict=False) if a == b)
    if hits >= 1 and len(text) > n:
        return text[n:]
    if text[:1] == label[-1] and len(text) > 1:  # the first label character was lost
        return text[1:]
    if force and len(text) > n:
        return text[n:]
    return text


def _ethnicity(remainder: str) -> str | None:
    text = re.sub(r"[^\u4e00-\u9fff]", "", remainder)
    for name in _ETHNIC_BY_LENGTH:
        if text.endswith(name):
            return name
    for prefix in ("民族", "民", "族"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    # The 56 groups (and 穿青人) are a closed list: one misread character of a two-character
    # or longer name (士家 for 土家) is that name when no other one is as close.
    if len(text) >= 2:
        close = [
            name
            for name in ETHNIC_GROUPS
            if len(name) == len(text) and sum(a != b for a, b in zip(name, text, strict=True)) == 1
        ]
        if len(close) == 1:
            return close[0]
    return text or None


def _birth_date(text: str) -> str | None:
    m = re.search(r"(\d{4})\D{0,3}?(\d{1,2})\D{1,3}?(\d{1,2})", text)
    if not m:
        digits = re.sub(r"\D", "", text)
        if len(digits) != 8:
            return None
        y, mo, d = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    else:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return date(y, mo, d).isoformat()
    except ValueError:
        return None


def _is_number_label(text: str) -> bool:
    return _fuzzy_in("公民身份号码", text) and len(_number_chars(text)) < 6


def _number_chars(text: str) -> str:
    cleaned = re.sub(r"[\u4e00-\u9fff\s]", "", text).translate(DIGIT_CONFUSIONS)
    return re.sub(r"[^0-9X]", "", cleaned)


def _normalise_number(text: str) -> tuple[str, int]:
    """The number as read: label cut, letters read for digits undone, X upper case.

    Returns the number and how many characters had to be changed (lowers the confidence).
    Not checked against the check digit here.
    """
    raw = re.sub(r"[\u4e00-\u9fff\s]", "", text)
    raw = re.sub(r"^[^0-9A-Za-z|!]+", "", raw)
    fixed = raw.translate(DIGIT_CONFUSIONS)
    changed = sum(1 for a, b in zip(raw, fixed, strict=True) if a != b and a != "x")
    chars = re.sub(r"[^0-9X]", "", fixed)
    if len(chars) > 18:
        # a stray character read around the number: keep the 18 that make a number shape
        m = re.search(r"\d{17}[\dX]", chars)
        chars = m.group(0) if m else chars[:18]
    return chars, changed


# --- back -----------------------------------------------------------------------------------

_DATE = r"(\d{4})\D{0,2}?(\d{2})\D{0,2}?(\d{2})"
_DATE_RANGE = re.compile(_DATE + r"\D{0,3}?(?:" + _DATE + r"|(长期))")


def parse_back(lines: Iterable[RawLine], width: float, height: float) -> Parsed:
    items = items_from(lines, width, height)
    fields: dict[str, str] = {}
    conf: dict[str, float] = {}
    lower = [i for i in items if i.cy >= BACK_FIELDS_Y]
    rows = rows_of(lower)

    validity_row = None
    for index, row in enumerate(rows):
        text = _digits_fixed("".join(i.text for i in row))
        m = _DATE_RANGE.search(text)
        if m:
            validity_row = index
            fields["valid_from"] = f"{m.group(1)}.{m.group(2)}.{m.group(3)}"
            if m.group(7):
                fields["valid_to"] = "长期"
            else:
                fields["valid_to"] = f"{m.group(4)}.{m.group(5)}.{m.group(6)}"
            score = min(i.score for i in row)
            conf["valid_from"] = score
            conf["valid_to"] = score
            break
        if "长期" in text:
            start = re.search(_DATE, text)
            if start:
                validity_row = index
                fields["valid_from"] = f"{start.group(1)}.{start.group(2)}.{start.group(3)}"
                fields["valid_to"] = "长期"
                conf["valid_from"] = conf["valid_to"] = min(i.score for i in row)
                break

    value_lines: list[list[Item]] = []
    issuer_row = None
    for index, row in enumerate(rows):
        text = "".join(i.text for i in row)
        if index != validity_row and ("机关" in text or "签发" in text or "公安" in text):
            issuer_row = index
            break
    if issuer_row is None and validity_row is not None and validity_row >= 1:
        issuer_row = validity_row - 1
    if issuer_row is not None:
        column = _back_label_x0(rows, validity_row, issuer_row)
        parts = []
        scores = []
        used: list[Item] = []
        for item in rows[issuer_row]:
            text = _strip_issuer_label(item, column)
            if text:
                parts.append(text)
                scores.append(item.score)
                used.append(item)
        if parts:
            fields["issuer"] = "".join(parts)
            conf["issuer"] = min(scores)
            value_lines.append(used)
    return Parsed(
        fields=fields,
        confidence={k: round(v, 4) for k, v in conf.items()},
        value_lines=value_lines,
    )


def _back_label_x0(
    rows: Sequence[Sequence[Item]], validity_row: int | None, issuer_row: int
) -> tuple[float, float] | None:
    """Where the back's labels start and how near a line must start to carry one: from the
    有效期限 label, else from a 签发机关 read on the issuer's row (None when neither is)."""
    candidates: list[Item] = []
    if validity_row is not None and rows[validity_row]:
        first = rows[validity_row][0]
        if _is_label(first.text, VALIDITY_LABEL) or _is_label(first.text[:4], VALIDITY_LABEL):
            candidates.append(first)
    for item in rows[issuer_row]:
        if _is_label(item.text, ISSUER_LABEL):
            candidates.append(item)
    if not candidates:
        return None
    ref = candidates[0]
    return ref.x0, LABEL_COLUMN_TOLERANCE * ref.height * 540 / 856


def _strip_issuer_label(item: Item, column: tuple[float, float] | None) -> str:
    """The issuer's part of one item of its row: the 签发机关 label cut by its text (exact,
    one character misread, or its end 机关/关 when the start was lost); an item starting in
    the label column carries the label even when it is misread beyond that."""
    text = item.text
    label = ISSUER_LABEL
    if _is_label(text, label):
        return text[len(label) :]
    for tail in ("发机关", "机关"):
        if text.startswith(tail):
            return text[len(tail) :]
    in_column = column is not None and abs(item.x0 - column[0]) <= column[1]
    if not in_column:
        return text
    if len(text) <= len(label):
        return ""  # the label alone, misread
    hits = sum(a == b for a, b in zip(text[: len(label)], label, strict=True))
    if hits >= 2:
        return text[len(label) :]
    cut = re.search("机关|关", text[:6])
    return text[cut.end() :] if cut else text


def _digits_fixed(text: str) -> str:
    """Undo letter-for-digit confusions where a letter sits between digits or dots."""
    chars = list(text)
    for k, ch in enumerate(chars):
        fixed = ch.translate(DIGIT_CONFUSIONS)
        if fixed != ch and fixed.isdigit():
            before = chars[k - 1] if k > 0 else ""
            after = chars[k + 1] if k + 1 < len(chars) else ""
            if (before.isdigit() or before in ".-") or (after.isdigit() or after in ".-"):
                chars[k] = fixed
    return "".join(chars)
