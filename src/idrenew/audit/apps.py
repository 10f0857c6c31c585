from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "idrenew.audit"
    verbose_name = "审计日志"
