from django.apps import AppConfig


class IdcardConfig(AppConfig):
    name = "idrenew.idcard"
    verbose_name = "身份证识别"

    def ready(self) -> None:
        from idrenew.idcard import tasks  # noqa: F401 - registers the OCR task
