"""Second looks at the front where the first reading left a gap.

The text detector now and then skips the lone character 男/女 after the 性别 label (a single
glyph is a small box). The card's layout says where that value is: right of the 性别 label, left
of the 民族 label, on the same row. That region alone is given to the recogniser, and the
answer is taken only when it is exactly 男 or 女; otherwise the field stays missing (and the
photo is reported unreadable as before). Nothing is inferred from the ID number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .parse import Item

Recognise = Callable[[np.ndarray, list[tuple[int, int, int, int]]], list[tuple[str, float]]]

MIN_SCORE = 0.5
SEX_VALUE_WIDTH = 0.14  # from the label's end, when no 民族 label is on the row (of card width)


def _is_sex_label(item: Item) -> bool:
    """性别 alone (one of its two characters may be misread)."""
    text = item.text
    return len(text) == 2 and (text[0] == "性" or text[1] == "别") and item.x0 < 0.2


def sex_region(items: Sequence[Item]) -> tuple[float, float, float, float] | None:
    """Where the 男/女 after a 性别 label read alone should be (fractions of the card)."""
    labels = [i for i in items if _is_sex_label(i)]
    if len(labels) != 1:
        return None
    label = labels[0]
    row = [
        i
        for i in items
        if i is not label and abs(i.cy - label.cy) < 0.6 * max(i.height, label.height)
    ]
    right = [i for i in row if i.x0 > label.x1]
    x0 = label.x1 + 0.005
    x1 = min((i.x0 for i in right), default=x0 + SEX_VALUE_WIDTH) - 0.005
    pad = 0.35 * label.height
    if x1 - x0 < 0.02:
        return None
    return x0, label.y0 - pad, x1, label.y1 + pad


def fill_sex(
    card: np.ndarray,
    items: Sequence[Item],
    fields: dict[str, str],
    confidence: dict[str, float],
    recognise: Recognise,
) -> None:
    """Read the sex value from its place when the first pass found none (fields updated)."""
    if "sex" in fields:
        return
    region = sex_region(items)
    if region is None:
        return
    h, w = card.shape[:2]
    x0, y0, x1, y1 = region
    box = (round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h))
    text, score = recognise(card, [box])[0]
    value = "".join(text.split())
    if value in ("男", "女") and score >= MIN_SCORE:
        fields["sex"] = value
        confidence["sex"] = round(score, 4)
