"""Business-hours questions answered with the configured calendar sources."""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from idrenew.tradingcalendar.domain.calendar import (
    BusinessHours,
    DayVerdict,
    FunctionSource,
    HolidaySource,
    TableSource,
    day_verdict,
    is_open,
    next_opening,
    unknown_years,
)

logger = logging.getLogger(__name__)
_warned_years: set[int] = set()


def _package_trading_day(day: date) -> bool:
    import chinese_calendar

    # Exchanges never trade on weekends, make-up working days (调休) included.
    return day.weekday() < 5 and not chinese_calendar.is_holiday(day)


def calendar_sources() -> list[HolidaySource]:
    from idrenew.tradingcalendar.models import CalendarYear, TradingDayOverride

    table = TableSource(
        days={o.day: o.is_trading_day for o in TradingDayOverride.objects.all()},
        covered_years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )
    return [table, FunctionSource(name="chinese_calendar", func=_package_trading_day)]


def business_hours() -> BusinessHours:
    return BusinessHours.parse(settings.IDRENEW_BUSINESS_OPEN, settings.IDRENEW_BUSINESS_CLOSE)


def shanghai() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _warn_unknown(day: date, verdict: DayVerdict) -> None:
    if not verdict.known and day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "trading calendar: no source covers %s; assuming Monday-Friday. "
            "Enter the year's holidays in the admin (交易日历).",
            day.year,
        )


def trading_day(day: date) -> DayVerdict:
    verdict = day_verdict(day, calendar_sources())
    _warn_unknown(day, verdict)
    return verdict


def service_open(now: datetime | None = None) -> bool:
    if settings.IDRENEW_IGNORE_BUSINESS_HOURS:
        return True
    now = now or timezone.now()
    sources = calendar_sources()
    local_day = now.astimezone(shanghai()).date()
    _warn_unknown(local_day, day_verdict(local_day, sources))
    return is_open(now, business_hours(), sources, shanghai())


def next_open(now: datetime | None = None) -> datetime | None:
    return next_opening(now or timezone.now(), business_hours(), calendar_sources(), shanghai())


def uncovered_years(now: datetime | None = None) -> list[int]:
    """This year and the next, where no source knows the holidays (for the admin notice)."""
    year = (now or timezone.now()).astimezone(shanghai()).year
    return unknown_years([year, year + 1], calendar_sources())
