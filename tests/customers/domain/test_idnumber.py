from __future__ import annotations

import unittest
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from idrenew.customers.domain.idnumber import (
    InvalidIdNumber,
    age_on,
    check_char,
    make_id_number,
    parse_id_number,
)

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
areas = st.sampled_from(["110101", "310104", "440305", "510107", "430512"])
sequences = st.integers(min_value=0, max_value=999)


class IdNumberTests(unittest.TestCase):
    def test_known_valid_numbers(self) -> None:
        # Published examples of the standard's check digit (GB 11643-1999 appendix style).
        self.assertEqual(check_char("11010519491231002"), "X")
        self.assertEqual(check_char("44052418800101001"), "4")
        parsed = parse_id_number("11010519491231002x")
        self.assertEqual(parsed.birth_date, date(1949, 12, 31))
        self.assertFalse(parsed.male)

    def test_specimen_with_wrong_check_digit_is_refused(self) -> None:
        # The shared specimen card prints 430512198908131367; its check digit should be 9.
        self.assertEqual(check_char("43051219890813136"), "9")
        with self.assertRaises(InvalidIdNumber) as ctx:
            parse_id_number("430512198908131367")
        self.assertEqual(ctx.exception.reason, "check_digit")

    def test_format_and_birth_date_errors(self) -> None:
        for value, reason in [
            ("12345", "format"),
            ("11010519491231002Y", "format"),
            ("110105194913310021", "birth_date"),
            ("110105190002290021", "birth_date"),  # 1900 was not a leap year
        ]:
            with self.subTest(value=value), self.assertRaises(InvalidIdNumber) as ctx:
                parse_id_number(value)
            self.assertEqual(ctx.exception.reason, reason)

    def test_age_on_birthday_boundaries(self) -> None:
        self.assertEqual(age_on(date(2000, 2, 29), date(2016, 2, 28)), 15)
        self.assertEqual(age_on(date(2000, 2, 29), date(2016, 2, 29)), 16)
        self.assertEqual(age_on(date(2000, 3, 1), date(2016, 2, 29)), 15)


@given(area=areas, birth=births, sequence=sequences)
def test_generated_numbers_round_trip(area: str, birth: date, sequence: int) -> None:
    number = make_id_number(area, birth, sequence)
    parsed = parse_id_number(number)
    assert parsed.birth_date == birth
    assert parsed.male == (sequence % 2 == 1)
    assert parsed.area_code == area


@given(
    area=areas,
    birth=births,
    sequence=sequences,
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_any_single_digit_change_fails_the_check(
    area: str, birth: date, sequence: int, position: int, delta: int
) -> None:
    number = make_id_number(area, birth, sequence)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    try:
        parse_id_number(changed)
    except InvalidIdNumber:
        return
    raise AssertionError(f"{changed} passed although one digit of {number} changed")
