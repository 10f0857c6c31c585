from django.apps import AppConfig


class TradingCalendarConfig(AppConfig):
    name = "idrenew.tradingcalendar"
    verbose_name = "交易日历"
