"""Trading days and business hours: pure functions, the clock and the sources passed in.

A trading day is a weekday that is not a mainland public holiday. Holiday knowledge comes
from sources tried in order (the operator's override table first, then a calendar package);
a year no source knows falls back to Monday–Friday and is reported as ``unknown``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol


@dataclass(frozen=True)
class DayVerdict:
    trading: bool
    known: bool  # False when no source covers the year and Mon–Fri was assumed
    source: str


class HolidaySource(Protocol):
    @property
    def name(self) -> str: ...

    def verdict(self, day: date) -> bool | None:
        """True/False for a trading day, None when this source does not cover ``day``."""


@dataclass(frozen=True)
class BusinessHours:
    open: time
    close: time

    @classmethod
    def parse(cls, open_text: str, close_text: str) -> BusinessHours:
        opening = time.fromisoformat(open_text)
        closing = time.fromisoformat(close_text)
        if not opening < closing:
            raise ValueError(
                f"business hours must open before they close: {open_text}-{close_text}"
            )
        return cls(opening, closing)


def day_verdict(day: date, sources: Iterable[HolidaySource]) -> DayVerdict:
    for source in sources:
        answer = source.verdict(day)
        if answer is not None:
            return DayVerdict(trading=answer, known=True, source=source.name)
    return DayVerdict(trading=day.weekday() < 5, known=False, source="weekdays")


def is_open(
    now: datetime, hours: BusinessHours, sources: Iterable[HolidaySource], tz: tzinfo
) -> bool:
    local = now.astimezone(tz)
    if not day_verdict(local.date(), list(sources)).trading:
        return False
    return hours.open <= local.time() < hours.close


def next_opening(
    now: datetime,
    hours: BusinessHours,
    sources: Iterable[HolidaySource],
    tz: tzinfo,
    *,
    horizon_days: int = 60,
) -> datetime | None:
    """The next moment business opens at or after ``now`` (``now`` itself if open)."""
    src = list(sources)
    local = now.astimezone(tz)
    if is_open(now, hours, src, tz):
        return local
    day = local.date()
    for offset in range(horizon_days + 1):
        candidate_day = day + timedelta(days=offset)
        if not day_verdict(candidate_day, src).trading:
            continue
        opening = datetime.combine(candidate_day, hours.open, tzinfo=tz)
        if opening >= local:
            return opening
    return None


def unknown_years(years: Iterable[int], sources: Iterable[HolidaySource]) -> list[int]:
    """Years for which no source answers (checked on 1 January and a mid-year weekday)."""
    src = list(sources)
    missing = []
    for year in years:
        probes = [date(year, 1, 1), date(year, 7, 1)]
        if all(not day_verdict(p, src).known for p in probes):
            missing.append(year)
    return missing


@dataclass(frozen=True)
class FunctionSource:
    """Adapts a callable (e.g. a calendar package) that raises for years it does not know."""

    name: str
    func: Callable[[date], bool]
    unknown_errors: tuple[type[BaseException], ...] = (NotImplementedError, KeyError, ValueError)

    def verdict(self, day: date) -> bool | None:
        try:
            return self.func(day)
        except self.unknown_errors:
            return None


@dataclass(frozen=True)
class TableSource:
    """The operator's overrides: explicit days, and the years the table fully covers."""

    days: dict[date, bool]
    covered_years: frozenset[int]
    name: str = "override"

    def verdict(self, day: date) -> bool | None:
        if day in self.days:
            return self.days[day]
        if day.year in self.covered_years:
            return day.weekday() < 5
        return None
