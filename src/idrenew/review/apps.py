from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "idrenew.review"
    label = "review"
    verbose_name = "审核办理"

    def ready(self) -> None:
        from idrenew.cases.hooks import decider_register
        from idrenew.review.case_hooks import ReviewDecider

        decider_register(ReviewDecider())
