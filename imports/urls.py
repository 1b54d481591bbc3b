"""The imports app's pages, mounted at the root by ``config/urls.py``."""

from django.urls import path

from imports.views import pages

urlpatterns = [
    path("imports/", pages.import_index, name="imports"),
    path("imports/new/", pages.import_new, name="import-new"),
    path("imports/<uuid:pk>/", pages.import_detail, name="import-detail"),
    path("imports/<uuid:pk>/failed.csv", pages.import_failed_csv, name="import-failed"),
]
