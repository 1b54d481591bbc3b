"""Source pages."""

from django.urls import path

from sources import pages

urlpatterns = [
    path("sources/", pages.source_list, name="source-list"),
    path("sources/export.csv", pages.source_export, name="source-export"),
    path("sources/<uuid:pk>/", pages.source_detail, name="source-detail"),
]
