from django.apps import AppConfig


class DevkitConfig(AppConfig):
    """Installed so that its management commands exist; it has no models."""

    name = "idrenew.devkit"
    label = "devkit"
    verbose_name = "开发工具（演示数据与合成证件照）"
