from __future__ import annotations

import unittest
from datetime import date

from idrenew.customers.domain.validity import expected_end, period_years_for_age


class ValidityTests(unittest.TestCase):
    def test_period_by_age(self) -> None:
        self.assertEqual(period_years_for_age(15), 5)
        self.assertEqual(period_years_for_age(16), 10)
        self.assertEqual(period_years_for_age(25), 10)
        self.assertEqual(period_years_for_age(26), 20)
        self.assertEqual(period_years_for_age(45), 20)
        self.assertIsNone(period_years_for_age(46))

    def test_end_keeps_month_and_day(self) -> None:
        self.assertEqual(expected_end(date(1990, 6, 1), date(2020, 3, 15)), date(2040, 3, 15))

    def test_leap_day_start(self) -> None:
        self.assertEqual(expected_end(date(2004, 1, 1), date(2020, 2, 29)), date(2030, 2, 28))

    def test_age_taken_at_start_date(self) -> None:
        # Turns 16 the day after the start date: still a 5-year card.
        self.assertEqual(expected_end(date(2004, 3, 16), date(2020, 3, 15)), date(2025, 3, 15))
