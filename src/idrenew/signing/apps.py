from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "idrenew.signing"
    label = "signing"
    verbose_name = "协议签署"

    def ready(self) -> None:
        from idrenew.signing import tasks  # noqa: F401 - registers signing.sign
