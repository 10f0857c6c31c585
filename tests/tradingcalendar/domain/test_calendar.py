from __future__ import annotations

import unittest
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from idrenew.tradingcalendar.domain.calendar import (
    BusinessHours,
    FunctionSource,
    TableSource,
    day_verdict,
    is_open,
    next_opening,
    unknown_years,
)

SH = ZoneInfo("Asia/Shanghai")
HOURS = BusinessHours(time(8, 30), time(15, 30))


def package(day: date) -> bool:
    if day.year != 2026:
        raise NotImplementedError("no data")
    return day.weekday() < 5 and day not in {date(2026, 10, 1), date(2026, 10, 2)}


SOURCES = [FunctionSource("pkg", package)]


class CalendarTests(unittest.TestCase):
    def test_weekday_inside_hours_is_open(self) -> None:
        self.assertTrue(is_open(datetime(2026, 11, 25, 9, 0, tzinfo=SH), HOURS, SOURCES, SH))
        self.assertTrue(is_open(datetime(2026, 11, 25, 8, 30, tzinfo=SH), HOURS, SOURCES, SH))
        self.assertFalse(is_open(datetime(2026, 11, 25, 15, 30, tzinfo=SH), HOURS, SOURCES, SH))
        self.assertFalse(is_open(datetime(2026, 11, 25, 8, 29, tzinfo=SH), HOURS, SOURCES, SH))

    def test_utc_input_is_judged_in_shanghai(self) -> None:
        # 01:00 UTC = 09:00 Shanghai
        utc = datetime(2026, 11, 25, 1, 0, tzinfo=ZoneInfo("UTC"))
        self.assertTrue(is_open(utc, HOURS, SOURCES, SH))

    def test_holiday_and_weekend_closed(self) -> None:
        self.assertFalse(is_open(datetime(2026, 10, 1, 10, 0, tzinfo=SH), HOURS, SOURCES, SH))
        self.assertFalse(is_open(datetime(2026, 11, 28, 10, 0, tzinfo=SH), HOURS, SOURCES, SH))

    def test_next_opening_skips_holidays_and_weekends(self) -> None:
        # Wednesday 30 Sep evening → Thursday 1 Oct and Friday 2 Oct are holidays → Monday 5 Oct
        nxt = next_opening(datetime(2026, 9, 30, 16, 0, tzinfo=SH), HOURS, SOURCES, SH)
        self.assertEqual(nxt, datetime(2026, 10, 5, 8, 30, tzinfo=SH))
        # Same morning before opening
        nxt = next_opening(datetime(2026, 11, 25, 7, 0, tzinfo=SH), HOURS, SOURCES, SH)
        self.assertEqual(nxt, datetime(2026, 11, 25, 8, 30, tzinfo=SH))

    def test_unknown_year_falls_back_to_weekdays_without_raising(self) -> None:
        verdict = day_verdict(date(2027, 1, 4), SOURCES)  # a Monday
        self.assertTrue(verdict.trading)
        self.assertFalse(verdict.known)
        self.assertFalse(day_verdict(date(2027, 1, 2), SOURCES).trading)  # Saturday
        self.assertEqual(unknown_years([2026, 2027], SOURCES), [2027])

    def test_override_table_wins_and_covers_years(self) -> None:
        table = TableSource(
            days={date(2027, 1, 1): False, date(2026, 11, 25): False},
            covered_years=frozenset({2027}),
        )
        sources = [table, *SOURCES]
        self.assertFalse(day_verdict(date(2026, 11, 25), sources).trading)
        self.assertFalse(day_verdict(date(2027, 1, 1), sources).trading)
        verdict = day_verdict(date(2027, 1, 4), sources)
        self.assertTrue(verdict.trading and verdict.known)
        self.assertEqual(unknown_years([2027], sources), [])

    def test_hours_must_open_before_close(self) -> None:
        with self.assertRaises(ValueError):
            BusinessHours.parse("15:30", "08:30")
