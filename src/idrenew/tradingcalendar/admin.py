from __future__ import annotations

from django.contrib import admin

from idrenew.tradingcalendar.models import CalendarYear, TradingDayOverride


@admin.register(TradingDayOverride)
class TradingDayOverrideAdmin(admin.ModelAdmin[TradingDayOverride]):
    list_display = ["day", "is_trading_day", "note"]
    list_filter = ["is_trading_day"]
    date_hierarchy = "day"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ["year", "note"]
