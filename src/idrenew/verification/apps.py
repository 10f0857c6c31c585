from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "idrenew.verification"
    verbose_name = "账户验证"

    def ready(self) -> None:
        from idrenew.core.auth import CustomerSessions, sessions_register
        from idrenew.verification.sessions import bearer_token, session_customer

        sessions_register(CustomerSessions(bearer_token, session_customer))
