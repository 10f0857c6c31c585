from django.urls import URLPattern, path

from idrenew.review import views_report

urlpatterns: list[URLPattern] = [
    path("dashboard", views_report.dashboard, name="dashboard"),
    path(
        "cases/<uuid:case_id>/evidence.zip",
        views_report.evidence_zip,
        name="evidence_zip",
    ),
]
