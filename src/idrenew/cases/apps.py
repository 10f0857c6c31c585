from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "idrenew.cases"
    verbose_name = "证件更新申请"

    def ready(self) -> None:
        from idrenew.cases.metrics import row_counts
        from idrenew.core.observability.metrics import register_row_counts

        register_row_counts(self.name, row_counts)
