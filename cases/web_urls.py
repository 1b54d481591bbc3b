"""List and detail pages of the cases app."""

from django.urls import path

from cases import deadline_views, document_views, register_views, views

urlpatterns = [
    path("cases/", views.case_list, name="case-list"),
    path("cases/export.csv", views.case_export, name="case-export"),
    path("cases/<uuid:pk>/", views.case_detail, name="case-detail"),
    path("events/", views.event_list, name="event-list"),
    path("events/export.csv", views.event_export, name="event-export"),
    path("events/<uuid:pk>/", views.event_detail, name="event-detail"),
    path("followups/", views.followup_list, name="followup-list"),
    path("followups/export.csv", views.followup_export, name="followup-export"),
    path("followups/<uuid:pk>/", views.followup_detail, name="followup-detail"),
    path(
        "statistics/communications/",
        deadline_views.communication_statistics_page,
        name="communication-statistics",
    ),
    path(
        "statistics/communications/export.csv",
        deadline_views.communication_statistics_export,
        name="communication-statistics-export",
    ),
    path("accounts/calendar/", deadline_views.calendar_subscription, name="calendar-subscription"),
    path(
        "cases/<uuid:pk>/un-submission/",
        document_views.case_submission,
        name="case-un-submission",
    ),
    path(
        "followups/<uuid:pk>/un-letter/",
        document_views.followup_letter,
        name="followup-un-letter",
    ),
    path("register/", register_views.register_list, name="register-list"),
    path("register/export.csv", register_views.register_export, name="register-export"),
    path(
        "register/export.xlsx",
        register_views.register_export_xlsx,
        name="register-export-xlsx",
    ),
]
