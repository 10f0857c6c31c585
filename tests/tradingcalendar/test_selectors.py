from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from idrenew.tradingcalendar import selectors
from idrenew.tradingcalendar.models import CalendarYear, TradingDayOverride

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_real_package_knows_2026_holidays() -> None:
    assert not selectors.trading_day(date(2026, 10, 1)).trading  # National Day
    assert selectors.trading_day(date(2026, 11, 25)).trading
    assert selectors.trading_day(date(2026, 11, 25)).source == "chinese_calendar"


def test_2027_falls_back_with_a_logged_warning(caplog: pytest.LogCaptureFixture) -> None:
    selectors._warned_years.discard(2027)
    with caplog.at_level(logging.WARNING, logger="idrenew.tradingcalendar.selectors"):
        verdict = selectors.trading_day(date(2027, 3, 1))
    assert verdict.trading and not verdict.known
    assert "2027" in caplog.text


def test_override_table_is_used() -> None:
    TradingDayOverride.objects.create(day=date(2026, 11, 25), is_trading_day=False, note="test")
    assert not selectors.trading_day(date(2026, 11, 25)).trading
    CalendarYear.objects.create(year=2027)
    assert selectors.trading_day(date(2027, 3, 1)).known


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 25, 10, 0, tzinfo=SH), True),
        (datetime(2026, 11, 25, 20, 0, tzinfo=SH), False),
        (datetime(2026, 10, 1, 10, 0, tzinfo=SH), False),
    ],
)
def test_service_open(settings, moment: datetime, expected: bool) -> None:  # type: ignore[no-untyped-def]
    settings.IDRENEW_IGNORE_BUSINESS_HOURS = False
    assert selectors.service_open(moment) is expected


def test_ignore_switch_opens_the_service_at_night(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IDRENEW_IGNORE_BUSINESS_HOURS = True
    assert selectors.service_open(datetime(2026, 11, 25, 23, 0, tzinfo=SH))


def test_admin_index_warns_about_uncovered_year(admin_client: Client) -> None:
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH)):
        body = admin_client.get("/admin/").content.decode()
    assert "交易日历缺少 2027 年的节假日数据" in body
    CalendarYear.objects.create(year=2027)
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH)):
        body = admin_client.get("/admin/").content.decode()
    assert "交易日历缺少" not in body
