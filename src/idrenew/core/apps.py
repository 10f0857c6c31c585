from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "idrenew.core"
    verbose_name = "系统"
    default = True

    def ready(self) -> None:
        from idrenew.core import checks  # registers the deployment checks

        checks.refuse_sms_backend_not_for_production()
