from __future__ import annotations

from django.db import models


class TradingDayOverride(models.Model):
    """An operator's correction for one day (e.g. from the exchanges' yearly holiday notice)."""

    day = models.DateField("日期", unique=True)
    is_trading_day = models.BooleanField("是否交易日", default=False)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "交易日调整"
        verbose_name_plural = "交易日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'交易日' if self.is_trading_day else '休市'}"


class CalendarYear(models.Model):
    """A year whose holidays the operator has fully entered in the override table.

    Days of a covered year that have no override are trading days on Monday–Friday.
    """

    year = models.PositiveIntegerField("年份", unique=True)
    note = models.CharField(
        "依据", max_length=200, blank=True, help_text="例如交易所休市安排通知的文号"
    )

    class Meta:
        verbose_name = "已维护年度"
        verbose_name_plural = "已维护年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
