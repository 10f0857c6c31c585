from django.urls import path

from idrenew.signing import views

app_name = "signing"
urlpatterns = [
    path("verify", views.verify, name="verify"),
    path("ca.crl", views.crl, name="crl"),
]
