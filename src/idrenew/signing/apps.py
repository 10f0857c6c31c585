from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "idrenew.signing"
    label = "signing"
    verbose_name = "协议签署"

    def ready(self) -> None:
        from idrenew.cases.hooks import documents_register
        from idrenew.signing import tasks  # noqa: F401 - registers signing.sign
        from idrenew.signing.case_documents import SignedCaseDocuments

        documents_register(SignedCaseDocuments())
