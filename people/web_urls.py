"""List and detail pages of the people app."""

from django.urls import path

from people import views

urlpatterns = [
    path("persons/", views.person_list, name="person-list"),
    path("persons/export.csv", views.person_export, name="person-export"),
    path("persons/<uuid:pk>/", views.person_detail, name="person-detail"),
]
