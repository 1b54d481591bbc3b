"""Create and edit pages of the people app (``monitor/urls.py`` includes them at the root)."""

from django.urls import path

from people import edit_views

urlpatterns = [
    path("persons/new/", edit_views.person_create, name="person-create"),
    path("persons/<uuid:pk>/edit/", edit_views.person_edit, name="person-edit"),
    path("persons/<uuid:pk>/submit/", edit_views.person_submit, name="person-submit"),
]
