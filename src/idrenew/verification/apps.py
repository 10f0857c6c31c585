from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "idrenew.verification"
    verbose_name = "账户验证"
