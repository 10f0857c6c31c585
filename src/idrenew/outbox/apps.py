from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "idrenew.outbox"
    label = "outbox"
    verbose_name = "对外投递"

    def ready(self) -> None:
        from idrenew.core.observability.metrics import register_row_counts
        from idrenew.outbox import handlers  # noqa: F401 - registers the topics' handlers
        from idrenew.outbox.metrics import row_counts

        register_row_counts(self.name, row_counts)
