"""The case page's actions (POST only), under /backoffice/review/ (namespace ``review``)."""

from django.urls import URLPattern, path

from idrenew.review import views_case

urlpatterns: list[URLPattern] = [
    path("cases/<uuid:case_id>/claim", views_case.case_claim, name="case_claim"),
    path("cases/<uuid:case_id>/release", views_case.case_release, name="case_release"),
    path("cases/<uuid:case_id>/approve", views_case.case_approve, name="case_approve"),
    path("cases/<uuid:case_id>/reject", views_case.case_reject, name="case_reject"),
    path("cases/<uuid:case_id>/return", views_case.case_return, name="case_return"),
    path("cases/<uuid:case_id>/unmask", views_case.case_unmask, name="case_unmask"),
]
