from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "idrenew.cases"
    verbose_name = "证件更新申请"
