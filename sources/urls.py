"""Evidence downloads, mounted under ``evidence/``."""

from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("<uuid:pk>/download/", views.evidence_download, name="evidence-download"),
]
