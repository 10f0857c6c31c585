from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "idrenew.customers"
    verbose_name = "客户档案"
