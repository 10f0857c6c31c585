"""The renewal rules on generated numbers and periods (hypothesis), leap days included."""

from __future__ import annotations

import unittest
from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from idrenew.customers.domain.idnumber import CHECK_CHARS, make_id_number
from idrenew.customers.domain.validity import expected_end
from idrenew.idcard.domain.rules import (
    MESSAGES,
    Period,
    as_card_refusal,
    check_front,
    check_period,
    check_renewal,
    check_same_person,
)

births = st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31))
areas = st.sampled_from(["110101", "430105", "410502", "440305", "650102", "510107"])
sequences = st.integers(min_value=0, max_value=999)


def codes(violations: list) -> list[str]:  # type: ignore[type-arg]
    return [v.code for v in violations]


class FrontTests(unittest.TestCase):
    @given(areas, births, sequences)
    def test_valid_number_with_matching_fields_passes(
        self, area: str, birth: date, seq: int
    ) -> None:
        number = make_id_number(area, birth, seq)
        sex = "男" if seq % 2 else "女"
        self.assertEqual(check_front(id_number=number, birth_date=birth, sex=sex), [])

    @given(areas, births, sequences, st.sampled_from(CHECK_CHARS))
    def test_wrong_check_digit_is_never_accepted(
        self, area: str, birth: date, seq: int, wrong: str
    ) -> None:
        number = make_id_number(area, birth, seq)
        assume(wrong != number[-1])
        sex = "男" if seq % 2 else "女"
        bad = number[:-1] + wrong
        # every other field agrees, and still:
        self.assertEqual(
            codes(check_front(id_number=bad, birth_date=birth, sex=sex)), ["IDCARD_NUMBER_INVALID"]
        )

    @given(areas, births, sequences, st.integers(min_value=0, max_value=16), st.integers(0, 9))
    def test_a_single_wrong_digit_fails_the_check(
        self, area: str, birth: date, seq: int, pos: int, digit: int
    ) -> None:
        number = make_id_number(area, birth, seq)
        assume(number[pos] != str(digit))
        changed = number[:pos] + str(digit) + number[pos + 1 :]
        # ISO 7064 MOD 11-2 detects every single-digit substitution: no exception here.
        self.assertIn(
            "IDCARD_NUMBER_INVALID",
            codes(check_front(id_number=changed, birth_date=None, sex=None)),
        )

    def test_specimen_with_bad_check_digit(self) -> None:
        # ../shared/testdata/idcards/specimen_chineseocr_demo.jpeg prints this number.
        self.assertEqual(
            codes(check_front(id_number="430512198908131367", birth_date=None, sex=None)),
            ["IDCARD_NUMBER_INVALID"],
        )

    @given(areas, births, sequences)
    def test_printed_birth_and_sex_must_agree(self, area: str, birth: date, seq: int) -> None:
        number = make_id_number(area, birth, seq)
        other_sex = "女" if seq % 2 else "男"
        self.assertEqual(
            codes(
                check_front(id_number=number, birth_date=birth + timedelta(days=1), sex=other_sex)
            ),
            ["IDCARD_BIRTH_MISMATCH", "IDCARD_SEX_MISMATCH"],
        )


class SamePersonTests(unittest.TestCase):
    def test_changed_number_or_name_is_another_business(self) -> None:
        a = make_id_number("110101", date(1990, 5, 6), 123)
        b = make_id_number("110101", date(1990, 5, 6), 125)
        self.assertEqual(
            check_same_person(id_number=a, name="张三", record_id_number=a, record_name="张 三"), []
        )
        self.assertEqual(
            codes(
                check_same_person(id_number=b, name="李四", record_id_number=a, record_name="张三")
            ),
            ["IDCARD_NUMBER_CHANGED", "IDCARD_NAME_CHANGED"],
        )
        self.assertIn("营业部", MESSAGES["IDCARD_NUMBER_CHANGED"])


class PeriodTests(unittest.TestCase):
    @given(births, st.integers(min_value=0, max_value=8000))
    def test_the_lawful_period_passes(self, birth: date, days_after_16: int) -> None:
        start = (
            birth.replace(year=birth.year + 16)
            if (birth.month, birth.day) != (2, 29)
            else date(birth.year + 16, 3, 1)
        )
        start += timedelta(days=days_after_16)
        period = Period(start, expected_end(birth, start))
        self.assertEqual(check_period(birth=birth, period=period), [])

    @given(births, st.integers(min_value=0, max_value=20000), st.sampled_from([-10, -5, 5, 10]))
    def test_a_period_of_the_wrong_length_fails(self, birth: date, days: int, shift: int) -> None:
        start = birth + timedelta(days=days)
        law = expected_end(birth, start)
        assume(law is not None)
        assert law is not None
        try:
            wrong = law.replace(year=law.year + shift)
        except ValueError:
            wrong = law.replace(year=law.year + shift, day=28)
        self.assertIn(
            codes(check_period(birth=birth, period=Period(start, wrong))),
            [["UPDATE_PERIOD_RULE"], ["UPDATE_END_DAY"]],
        )

    def test_age_brackets(self) -> None:
        birth = date(1980, 6, 15)
        cases = [
            (date(1995, 6, 14), date(2000, 6, 14)),  # 14 → 5 years
            (date(1996, 6, 15), date(2006, 6, 15)),  # 16 → 10 years
            (date(2006, 6, 14), date(2016, 6, 14)),  # 25 → 10 years
            (date(2006, 6, 15), date(2026, 6, 15)),  # 26 → 20 years
            (date(2026, 6, 15), None),  # 46 → 长期
        ]
        for start, end in cases:
            self.assertEqual(check_period(birth=birth, period=Period(start, end)), [], start)
        self.assertEqual(
            codes(check_period(birth=birth, period=Period(date(2026, 6, 14), None))),
            ["UPDATE_PERIOD_RULE"],  # still 45 on the start date: 20 years, not 长期
        )

    def test_leap_day_start_ends_on_28_february(self) -> None:
        birth = date(1990, 3, 1)
        start = date(2016, 2, 29)  # aged 25: 10 years
        self.assertEqual(check_period(birth=birth, period=Period(start, date(2026, 2, 28))), [])
        self.assertEqual(
            codes(check_period(birth=birth, period=Period(start, date(2026, 3, 1)))),
            ["UPDATE_END_DAY"],
        )

    def test_end_day_must_match_start_day(self) -> None:
        birth = date(1990, 3, 1)
        self.assertEqual(
            codes(check_period(birth=birth, period=Period(date(2020, 5, 6), date(2040, 5, 7)))),
            ["UPDATE_END_DAY"],
        )


class RenewalTests(unittest.TestCase):
    today = date(2026, 11, 30)

    def test_newer_card_passes(self) -> None:
        old = Period(date(2006, 12, 1), date(2026, 12, 1))
        new = Period(date(2026, 11, 20), date(2046, 11, 20))
        self.assertEqual(check_renewal(new=new, old=old, today=self.today), [])

    def test_expired_future_and_older_cards_fail(self) -> None:
        old = Period(date(2016, 1, 1), date(2036, 1, 1))
        self.assertEqual(
            codes(
                check_renewal(
                    new=Period(date(2006, 1, 1), date(2026, 1, 1)), old=old, today=self.today
                )
            ),
            ["UPDATE_EXPIRED", "UPDATE_NOT_NEWER"],
        )
        self.assertEqual(
            codes(
                check_renewal(
                    new=Period(date(2026, 12, 5), date(2046, 12, 5)), old=None, today=self.today
                )
            ),
            ["UPDATE_START_IN_FUTURE"],
        )
        self.assertEqual(
            codes(
                as_card_refusal(
                    check_renewal(
                        new=Period(date(2006, 1, 1), date(2026, 1, 1)), old=old, today=self.today
                    )
                )
            ),
            ["IDCARD_EXPIRED", "IDCARD_NOT_NEWER"],
        )

    def test_long_term_cards(self) -> None:
        old = Period(date(2006, 1, 1), date(2026, 1, 1))
        self.assertEqual(
            check_renewal(new=Period(date(2025, 12, 1), None), old=old, today=self.today), []
        )
        long_old = Period(date(2010, 1, 1), None)
        self.assertEqual(
            check_renewal(new=Period(date(2026, 3, 1), None), old=long_old, today=self.today), []
        )
        self.assertEqual(
            codes(
                check_renewal(new=Period(date(2010, 1, 1), None), old=long_old, today=self.today)
            ),
            ["UPDATE_NOT_NEWER"],
        )
