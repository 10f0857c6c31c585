from django.apps import AppConfig


class H5Config(AppConfig):
    name = "idrenew.h5"
    verbose_name = "H5 客户端"
