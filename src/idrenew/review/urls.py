"""Back-office pages outside the model admin: case review actions, dashboard, evidence."""

from django.urls import include, path

app_name = "review"
urlpatterns = [
    path("", include("idrenew.review.urls_case")),
    path("", include("idrenew.review.urls_report")),
]
