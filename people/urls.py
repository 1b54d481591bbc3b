"""The people app's pages, mounted at the root by ``config/urls.py``."""

from django.urls import path

from people.views import browse, edit, merge

urlpatterns = [
    path("persons/", browse.person_list, name="person-list"),
    path("persons/export.csv", browse.person_export, name="person-export"),
    path("persons/new/", edit.person_create, name="person-create"),
    path("persons/duplicates/", merge.person_duplicates, name="person-duplicates"),
    path("persons/<uuid:pk>/", browse.person_detail, name="person-detail"),
    path("persons/<uuid:pk>/edit/", edit.person_edit, name="person-edit"),
    path("persons/<uuid:pk>/submit/", edit.person_submit, name="person-submit"),
    path("persons/<uuid:pk>/merge/", merge.person_merge, name="person-merge"),
    path("persons/<uuid:pk>/unmerge/", merge.person_unmerge, name="person-unmerge"),
]
