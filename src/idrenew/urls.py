from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from idrenew.core.api import api
from idrenew.core.views import healthz, metrics, readyz
from idrenew.h5 import views as h5_views

urlpatterns = [
    path("", RedirectView.as_view(url="/h5/", permanent=False)),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("backoffice/", include("idrenew.signing.urls")),
    path("backoffice/review/", include("idrenew.review.urls")),
    re_path(r"^h5/(?P<path>.*)$", h5_views.app, name="h5"),
]
