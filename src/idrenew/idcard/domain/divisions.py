"""Snapping a misread administrative-division name to the real one.

RapidOCR misreads a few rare characters of place names (鄞 → 勤, 鄠 → 鄂, 涪 dropped). The
names are a closed list — GB/T 2260 county-level divisions and the public-security bureaus
that issue cards there — so a read that is *one character* away from exactly one real name is
taken as that name:

- the issuer on the back (签发机关): against every issuer of the list;
- the start of the address on the front (住址): against the division whose code is the first
  six digits of the ID number read on the same side (the place of first registration, which
  is where most people still live; a different division is left alone), or, when that code is
  not in the list, against every division's name.

The list is ``synth/areas.json`` (484 real divisions, the same the card generator draws from —
so on generated cards the snap is an upper bound; ``bench/ocr.py`` prints accuracy with and
without it). A read that is a real name, or two or more characters away, is left as it is.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

AREAS_FILE = Path(__file__).with_name("synth") / "areas.json"
SNAP_FIELDS = ("issuer", "address")


@lru_cache(maxsize=1)
def _areas() -> tuple[dict[str, str], ...]:
    data = json.loads(AREAS_FILE.read_text(encoding="utf-8"))
    return tuple(data["areas"])


@lru_cache(maxsize=1)
def _issuers() -> frozenset[str]:
    return frozenset(a["issuer"] for a in _areas())


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    """Division code → address prefix (province, city, county: 湖南省长沙市开福区)."""
    return {a["code"]: a["province"] + a["city"] + a["county"] for a in _areas()}


def one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by exactly one substituted, inserted or deleted character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def snap_issuer(issuer: str) -> str:
    if issuer in _issuers():
        return issuer
    close = [name for name in _issuers() if one_edit(issuer, name)]
    return close[0] if len(close) == 1 else issuer


def _snap_prefix(address: str, prefix: str) -> str | None:
    """The address with its start replaced by ``prefix`` when the start is one edit away."""
    if address.startswith(prefix):
        return address
    for n in (len(prefix), len(prefix) - 1, len(prefix) + 1):
        if 0 < n <= len(address) and one_edit(address[:n], prefix):
            return prefix + address[n:]
    return None


def snap_address(address: str, id_number: str | None) -> str:
    prefixes = _prefixes()
    if any(address.startswith(p) for p in prefixes.values()):
        return address  # a real division (maybe not the one of the number): as read
    expected = prefixes.get((id_number or "")[:6])
    if expected is not None:
        snapped = _snap_prefix(address, expected)
        return address if snapped is None else snapped
    found = {s for p in prefixes.values() if (s := _snap_prefix(address, p)) is not None}
    return found.pop() if len(found) == 1 else address


def snap(fields: dict[str, str]) -> dict[str, str]:
    """The fields with issuer/address snapped; returns the values that were changed, as read."""
    before: dict[str, str] = {}
    if "issuer" in fields:
        snapped = snap_issuer(fields["issuer"])
        if snapped != fields["issuer"]:
            before["issuer"] = fields["issuer"]
            fields["issuer"] = snapped
    if "address" in fields:
        snapped = snap_address(fields["address"], fields.get("id_number"))
        if snapped != fields["address"]:
            before["address"] = fields["address"]
            fields["address"] = snapped
    return before
