from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "idrenew.review"
    label = "review"
    verbose_name = "审核办理"
