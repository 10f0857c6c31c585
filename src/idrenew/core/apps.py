from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "idrenew.core"
    verbose_name = "系统"
    default = True
