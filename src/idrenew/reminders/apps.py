from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "idrenew.reminders"
    label = "reminders"
    verbose_name = "到期提醒"
