"""The card address a customer confirms or corrects at step 6 (证件地址).

The address goes to the reviewer, the signed application form, the counter system and the
CFMMC batch, so it is held to what a resident ID card prints: Chinese, with house numbers
and a few symbols. :func:`clean_address` answers the address to store or raises
:class:`~idrenew.lib.text.TextRefused`:

- ``TEXT_INVALID_CHARACTERS``: invisible, control or direction characters (``lib.text``);
- ``ADDRESS_TOO_SHORT``: fewer than :data:`MIN_LENGTH` characters;
- ``ADDRESS_TOO_LONG``: more than :data:`MAX_LENGTH` characters;
- ``ADDRESS_INVALID``: a character outside Chinese, ASCII letters and digits and
  :data:`SYMBOLS` (so no ``<``/``>`` markup, no ``=``/``+``/``@``/``|`` of a spreadsheet
  formula, no look-alike letters of other scripts), a first character that is not a letter
  or digit, or fewer than :data:`MIN_CJK` Chinese characters.

Spaces are removed, as the card prints none (the OCR joins its lines the same way).
Only the standard library.
"""

from __future__ import annotations

from idrenew.lib.text import TextRefused, clean_customer_text, is_cjk

FIELD = "address"
LABEL = "证件地址"

# The chip of a second-generation card stores 住址 in 70 bytes of UCS-2 (35 characters) and
# the card prints at most three lines of 11; older records and collective households run
# longer. 100 leaves room for the building and room number a customer adds, and stays within
# the counter system's and the CFMMC batch's address columns.
MAX_LENGTH = 100
MIN_LENGTH = 5
MIN_CJK = 2

# After NFKC the full-width forms (－（）＃，．／) are these ASCII ones.
SYMBOLS = frozenset("-()#,./·、—")

MESSAGES = {
    "ADDRESS_TOO_SHORT": "请填写完整的证件地址",
    "ADDRESS_TOO_LONG": f"证件地址不能超过{MAX_LENGTH}个字",
    "ADDRESS_INVALID": (
        "证件地址只能包含汉字、字母、数字和常用符号（- ( ) # , . / · 、 —），请按证件填写"
    ),
}


def _allowed(ch: str) -> bool:
    return is_cjk(ch) or (ch.isascii() and ch.isalnum()) or ch in SYMBOLS


def clean_address(value: str) -> str:
    # The generic cap is looser: the address's own codes below say more.
    text = clean_customer_text(value, field=FIELD, label=LABEL, max_length=10 * MAX_LENGTH)
    text = "".join(text.split())
    if len(text) < MIN_LENGTH:
        raise _refused("ADDRESS_TOO_SHORT")
    if len(text) > MAX_LENGTH:
        raise _refused("ADDRESS_TOO_LONG")
    if not all(_allowed(ch) for ch in text):
        raise _refused("ADDRESS_INVALID")
    if not (is_cjk(text[0]) or text[0].isalnum()):
        raise _refused("ADDRESS_INVALID")
    if sum(1 for ch in text if is_cjk(ch)) < MIN_CJK:
        raise _refused("ADDRESS_INVALID")
    return text


def _refused(code: str) -> TextRefused:
    return TextRefused(code, MESSAGES[code], field=FIELD)
