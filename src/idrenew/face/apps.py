from django.apps import AppConfig


class FaceConfig(AppConfig):
    name = "idrenew.face"
    verbose_name = "人脸识别"

    def ready(self) -> None:
        from idrenew.face import identity_services, tasks  # noqa: F401 - task, outbox topic
