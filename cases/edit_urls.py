"""Create and edit pages of the cases app (``monitor/urls.py`` includes them at the root)."""

from django.urls import path

from cases import edit_views

urlpatterns = [
    path("cases/new/", edit_views.case_create, name="case-create"),
    path("cases/<uuid:pk>/edit/", edit_views.case_edit, name="case-edit"),
    path("cases/<uuid:pk>/submit/", edit_views.case_submit, name="case-submit"),
    path(
        "cases/<uuid:case_pk>/detentions/<uuid:pk>/steps/",
        edit_views.detention_steps,
        name="detention-steps",
    ),
    path("followups/new/", edit_views.followup_create_view, name="followup-create"),
    path("followups/<uuid:pk>/edit/", edit_views.followup_edit, name="followup-edit"),
    path("followups/<uuid:pk>/respond/", edit_views.followup_respond, name="followup-respond"),
]
