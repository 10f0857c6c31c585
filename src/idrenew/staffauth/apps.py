from django.apps import AppConfig


class StaffAuthConfig(AppConfig):
    name = "idrenew.staffauth"
    label = "staffauth"
    verbose_name = "后台登录安全"

    def ready(self) -> None:
        from idrenew.staffauth import signals  # noqa: F401  (connects the receivers)
