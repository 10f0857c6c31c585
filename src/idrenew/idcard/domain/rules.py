"""The rules a renewed ID card must satisfy (DESIGN.md §3): pure functions, no Django.

Each broken rule is a :class:`Violation` with a stable code and the Chinese message that
tells the customer what to do. ``RENEWAL_REFUSALS`` are different businesses (a changed
number or name is 证件变更): the customer is sent to a branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from idrenew.customers.domain.idnumber import InvalidIdNumber, age_on, parse_id_number
from idrenew.customers.domain.validity import expected_end, period_years_for_age

BRANCH = "如确需办理，请携带本人有效身份证件到营业部临柜办理。"

MESSAGES = {
    "IDCARD_NUMBER_INVALID": (
        "身份证号码校验未通过，请重新拍摄清晰的人像面；如号码无误请前往营业部办理"
    ),
    "IDCARD_BIRTH_MISMATCH": "身份证号码中的出生日期与证件上的出生日期不一致，请重新拍摄人像面",
    "IDCARD_SEX_MISMATCH": "身份证号码中的性别与证件上的性别不一致，请重新拍摄人像面",
    "IDCARD_NUMBER_CHANGED": "身份证号码与开户登记的不一致，属于证件变更业务，无法在线办理。"
    + BRANCH,
    "IDCARD_NAME_CHANGED": "姓名与开户登记的不一致，属于客户信息变更业务，无法在线办理。" + BRANCH,
    "IDCARD_EXPIRED": "该身份证已过有效期，请上传在有效期内的新身份证",
    "IDCARD_NOT_NEWER": "该身份证的有效期不晚于已登记的证件，请上传换领后的新身份证",
    "UPDATE_PERIOD_RULE": (
        "有效期限与居民身份证法规定不符（16岁以下5年、16至25岁10年、26至45岁20年、"
        "46岁以上长期），请按证件背面核对"
    ),
    "UPDATE_END_DAY": "截止日期的月、日应与起始日期相同，请按证件背面核对",
    "UPDATE_START_IN_FUTURE": "起始日期不能晚于今天，请按证件背面核对",
    "UPDATE_EXPIRED": "截止日期已过，请按证件背面核对；证件过期请先换领新证",
    "UPDATE_NOT_NEWER": "新有效期不晚于原有效期，请按新证件背面核对",
}
RENEWAL_REFUSALS = frozenset({"IDCARD_NUMBER_CHANGED", "IDCARD_NAME_CHANGED"})


@dataclass(frozen=True)
class Violation:
    code: str

    @property
    def message(self) -> str:
        return MESSAGES[self.code]


@dataclass(frozen=True)
class Period:
    start: date
    end: date | None  # None: 长期

    @property
    def long_term(self) -> bool:
        return self.end is None


def check_front(*, id_number: str, birth_date: date | None, sex: str | None) -> list[Violation]:
    """The number is valid (GB 11643 check digit) and agrees with the printed birth date
    and sex. A number failing the check digit is never accepted, whatever else agrees."""
    try:
        parsed = parse_id_number(id_number)
    except InvalidIdNumber:
        return [Violation("IDCARD_NUMBER_INVALID")]
    out = []
    if birth_date is not None and birth_date != parsed.birth_date:
        out.append(Violation("IDCARD_BIRTH_MISMATCH"))
    if sex is not None and sex != ("男" if parsed.male else "女"):
        out.append(Violation("IDCARD_SEX_MISMATCH"))
    return out


def check_same_person(
    *, id_number: str, name: str, record_id_number: str, record_name: str
) -> list[Violation]:
    """A renewal keeps the number and the name on file; anything else is another business."""
    out = []
    if id_number.strip().upper() != record_id_number.strip().upper():
        out.append(Violation("IDCARD_NUMBER_CHANGED"))
    if _name(name) != _name(record_name):
        out.append(Violation("IDCARD_NAME_CHANGED"))
    return out


def _name(value: str) -> str:
    return "".join(value.split()).replace("·", "·").replace("•", "·")


def check_period(*, birth: date, period: Period) -> list[Violation]:
    """居民身份证法 §5: the length follows the age at the start date; same month and day."""
    out = []
    years = period_years_for_age(age_on(birth, period.start))
    if period.end is None:
        if years is not None:
            out.append(Violation("UPDATE_PERIOD_RULE"))
        return out
    if years is None:
        out.append(Violation("UPDATE_PERIOD_RULE"))
        return out
    law_end = expected_end(birth, period.start)
    if (period.end.month, period.end.day) != (period.start.month, period.start.day) and (
        period.end != law_end  # 29 February starts end on 28 February
    ):
        out.append(Violation("UPDATE_END_DAY"))
    elif period.end != law_end:
        out.append(Violation("UPDATE_PERIOD_RULE"))
    return out


def check_renewal(*, new: Period, old: Period | None, today: date) -> list[Violation]:
    """Started already, not expired, and later than the card on file."""
    out = []
    if new.start > today:
        out.append(Violation("UPDATE_START_IN_FUTURE"))
    if new.end is not None and new.end < today:
        out.append(Violation("UPDATE_EXPIRED"))
    if old is not None and not _later(new, old):
        out.append(Violation("UPDATE_NOT_NEWER"))
    return out


def _later(new: Period, old: Period) -> bool:
    if old.end is None:  # a long-term card renewed (lost or damaged): a later issue date
        return new.end is None and new.start > old.start
    return new.end is None or new.end > old.end


def as_card_refusal(violations: list[Violation]) -> list[Violation]:
    """The same checks worded for a card as read (step 4) rather than as typed (step 6)."""
    mapping = {"UPDATE_EXPIRED": "IDCARD_EXPIRED", "UPDATE_NOT_NEWER": "IDCARD_NOT_NEWER"}
    return [Violation(mapping.get(v.code, v.code)) for v in violations]
