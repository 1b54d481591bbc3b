"""Create and edit pages of the sources app (``monitor/urls.py`` includes them at the root)."""

from django.urls import path

from sources import edit_views

urlpatterns = [
    path("sources/new/", edit_views.source_create, name="source-create"),
    path("sources/<uuid:pk>/edit/", edit_views.source_edit, name="source-edit"),
    path("sources/<uuid:pk>/submit/", edit_views.source_submit, name="source-submit"),
]
