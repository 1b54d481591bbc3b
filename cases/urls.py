"""The cases app's pages, mounted at the root by ``config/urls.py``.

``urlpatterns`` are the pages (lists, details, CSV exports, forms); ``calendar_urlpatterns``
is the calendar feed, mounted at ``/calendar/`` apart because it authenticates by a secret
token in its address instead of a session. The token is what ``secrets.token_urlsafe(32)``
makes: 43 characters of ``A–Z a–z 0–9 - _``; the pattern accepts a little more either way, and
anything else never reaches the view.
"""

from django.urls import path, re_path

from cases import edit_views
from cases.views import browse, calendar, deadlines, documents, protest, protest_edit, register

urlpatterns = [
    path(
        "statistics/communications/",
        deadlines.communication_statistics_page,
        name="communication-statistics",
    ),
    path(
        "statistics/communications/export.csv",
        deadlines.communication_statistics_export,
        name="communication-statistics-export",
    ),
    path(
        "statistics/detentions/",
        protest.detention_statistics_page,
        name="detention-statistics",
    ),
    path(
        "statistics/detentions/export.csv",
        protest.detention_statistics_export,
        name="detention-statistics-export",
    ),
    path("accounts/calendar/", deadlines.calendar_subscription, name="calendar-subscription"),
    path("cases/<uuid:pk>/un-submission/", documents.case_submission, name="case-un-submission"),
    path("followups/<uuid:pk>/un-letter/", documents.followup_letter, name="followup-un-letter"),
    path("register/", register.register_list, name="register-list"),
    path("register/export.csv", register.register_export, name="register-export"),
    path("register/export.xlsx", register.register_export_xlsx, name="register-export-xlsx"),
    path("cases/", browse.case_list, name="case-list"),
    path("cases/export.csv", browse.case_export, name="case-export"),
    path("cases/new/", edit_views.case_create, name="case-create"),
    path("cases/<uuid:pk>/", browse.case_detail, name="case-detail"),
    path("cases/<uuid:pk>/edit/", edit_views.case_edit, name="case-edit"),
    path("cases/<uuid:pk>/submit/", edit_views.case_submit, name="case-submit"),
    path(
        "cases/<uuid:case_pk>/detentions/<uuid:pk>/steps/",
        edit_views.detention_steps,
        name="detention-steps",
    ),
    path("events/", browse.event_list, name="event-list"),
    path("events/export.csv", browse.event_export, name="event-export"),
    path("events/new/", edit_views.event_create, name="event-create"),
    path("events/<uuid:pk>/", browse.event_detail, name="event-detail"),
    path("events/<uuid:pk>/edit/", edit_views.event_edit, name="event-edit"),
    path("events/<uuid:pk>/figures/new/", edit_views.figure_create, name="figure-create"),
    path("allegations/<uuid:pk>/status/", edit_views.allegation_status, name="allegation-status"),
    path("steps/<uuid:pk>/status/", edit_views.step_status, name="step-status"),
    path("facilities/", protest.facility_list, name="facility-list"),
    path("facilities/export.csv", protest.facility_export, name="facility-export"),
    path("facilities/new/", protest_edit.facility_create, name="facility-create"),
    path("facilities/<uuid:pk>/", protest.facility_detail, name="facility-detail"),
    path("facilities/<uuid:pk>/edit/", protest_edit.facility_edit, name="facility-edit"),
    path(
        "group-detentions/new/",
        protest_edit.groupdetention_create,
        name="groupdetention-create",
    ),
    path(
        "group-detentions/<uuid:pk>/edit/",
        protest_edit.groupdetention_edit,
        name="groupdetention-edit",
    ),
    path("allegations/", browse.allegation_list, name="allegation-list"),
    path("allegations/export.csv", browse.allegation_export, name="allegation-export"),
    path("detentions/", browse.detention_list, name="detention-list"),
    path("detentions/export.csv", browse.detention_export, name="detention-export"),
    path("followups/", browse.followup_list, name="followup-list"),
    path("followups/export.csv", browse.followup_export, name="followup-export"),
    path("followups/new/", edit_views.followup_create_view, name="followup-create"),
    path("followups/<uuid:pk>/", browse.followup_detail, name="followup-detail"),
    path("followups/<uuid:pk>/edit/", edit_views.followup_edit, name="followup-edit"),
    path("followups/<uuid:pk>/respond/", edit_views.followup_respond, name="followup-respond"),
]

#: ``include(calendar_urlpatterns)`` gives the ``calendar`` namespace (``calendar:feed``).
calendar_urlpatterns = (
    [re_path(r"^(?P<token>[A-Za-z0-9_-]{32,128})\.ics$", calendar.calendar_feed, name="feed")],
    "calendar",
)
