"""Text a customer types: normalised, and refused when it hides anything.

Free text from a customer (today: the card address at step 6) goes into the case, the
reviewer's screen, signed PDFs, the counter system and the CFMMC batch. It must read the
same everywhere, so :func:`clean_customer_text`

- normalises to NFKC (full-width ``１２３Ａ`` → ``123A``, the ideographic space → a space,
  compatibility forms → their plain letters);
- refuses, with a coded message naming the field, every character that is invisible or
  controls how the rest is shown: control characters (Cc: NUL, ESC of ANSI escapes, tabs,
  line breaks), format characters (Cf: bidi embeddings/overrides/isolates U+202A–202E and
  U+2066–2069, zero-width U+200B–200D, word joiner U+2060, BOM U+FEFF, soft hyphen …),
  private-use (Co), unassigned (Cn), surrogates (Cs), line/paragraph separators (Zl, Zp)
  and the blank letters that are not in those categories (Hangul fillers, braille blank,
  variation selectors, the combining grapheme joiner);
- collapses runs of spaces to one and trims the ends;
- caps the length (after normalisation) and requires visible content (letters or digits).

Only the standard library: the field's rules beyond this (e.g. which symbols an address may
hold) live with the field (``idcard/domain/address.py``).
"""

from __future__ import annotations

import unicodedata

# Unicode general categories that never belong in typed text.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})

# Characters that render as nothing but are letters or marks (so the categories above miss
# them): Hangul fillers, the braille blank, Khmer inherent vowels, the combining grapheme
# joiner and the variation selectors.
INVISIBLE = frozenset(
    {
        "\u034f",
        "\u115f",
        "\u1160",
        "\u17b4",
        "\u17b5",
        "\u2800",
        "\u3164",
        "\uffa0",
        *(chr(c) for c in range(0xFE00, 0xFE10)),
        *(chr(c) for c in range(0xE0100, 0xE01F0)),
    }
)


class TextRefused(ValueError):
    """Typed text that cannot be kept: ``code`` for the client, ``message`` (Chinese) for
    the customer, ``field`` the input it is about."""

    def __init__(self, code: str, message: str, *, field: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.field = field


def is_refused_char(ch: str) -> bool:
    return ch in INVISIBLE or unicodedata.category(ch) in REFUSED_CATEGORIES


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (unified, extensions A–H, compatibility) or 〇."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x323AF
        or 0xF900 <= cp <= 0xFAFF
        or cp == 0x3007
    )


def is_visible_content(ch: str) -> bool:
    """A letter or digit a person can see (CJK ideographs included)."""
    return ch not in INVISIBLE and unicodedata.category(ch)[0] in "LN"


def clean_customer_text(value: str, *, field: str, label: str, max_length: int) -> str:
    """The normalised text, or :class:`TextRefused`.

    ``field`` is the input's key (the error's ``fields`` names it), ``label`` its Chinese
    name in messages (e.g. 证件地址). Codes: ``TEXT_INVALID_CHARACTERS`` (invisible, control
    or direction characters), ``TEXT_TOO_LONG``, ``TEXT_EMPTY`` (nothing visible).
    """
    text = unicodedata.normalize("NFKC", value)
    if any(is_refused_char(ch) for ch in text):
        raise TextRefused(
            "TEXT_INVALID_CHARACTERS",
            f"{label}含有不可见或控制字符，请删除后重新输入",
            field=field,
        )
    text = " ".join(text.split())
    if len(text) > max_length:
        raise TextRefused("TEXT_TOO_LONG", f"{label}不能超过{max_length}个字", field=field)
    if not any(is_visible_content(ch) for ch in text):
        raise TextRefused("TEXT_EMPTY", f"请填写{label}", field=field)
    return text
