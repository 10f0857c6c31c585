from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "idrenew.outbox"
    label = "outbox"
    verbose_name = "对外投递"

    def ready(self) -> None:
        from idrenew.outbox import handlers  # noqa: F401 - registers the topics' handlers
