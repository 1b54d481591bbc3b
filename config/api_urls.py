"""/api/v1/: the router for every app's endpoints, the schema and its docs page.

Each app lists its own routes in ``<app>/api/urls.py`` (``ROUTES``); this module, part of the
project package (``config``), mounts them, like ``config/urls.py`` mounts the apps' pages.
"""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import APIRootView, DefaultRouter

from cases.api.deadlines import (
    CalendarAddressView,
    CommunicationStatisticsCsvView,
    CommunicationStatisticsView,
    DeadlinesView,
)
from cases.api.register import RegisterCountsView, RegisterView
from cases.api.urls import ROUTES as CASE_ROUTES
from imports.api.urls import ROUTES as IMPORT_ROUTES
from monitor.api.strict import StrictQuery
from monitor.api.views import (
    ApiTokenViewSet,
    DocsView,
    MeView,
    NotFoundView,
    PlaceViewSet,
    TermViewSet,
)
from people.api.urls import ROUTES as PEOPLE_ROUTES
from sources.api.urls import ROUTES as SOURCE_ROUTES

app_name = "api"

ROUTES = [
    ("terms", TermViewSet, "term"),
    ("places", PlaceViewSet, "place"),
    ("auth/tokens", ApiTokenViewSet, "token"),
]


class ApiRootView(StrictQuery, APIRootView):
    """The API's root: a link to each list."""


router = DefaultRouter()
router.APIRootView = ApiRootView
for prefix, viewset, basename in [
    *ROUTES,
    *SOURCE_ROUTES,
    *PEOPLE_ROUTES,
    *CASE_ROUTES,
    *IMPORT_ROUTES,
]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("me/calendar/", CalendarAddressView.as_view(), name="calendar-address"),
    path("deadlines/", DeadlinesView.as_view(), name="deadlines"),
    path(
        "statistics/communications/",
        CommunicationStatisticsView.as_view(),
        name="communication-statistics",
    ),
    path(
        "statistics/communications/csv/",
        CommunicationStatisticsCsvView.as_view(),
        name="communication-statistics-csv",
    ),
    path("register/", RegisterView.as_view(), name="register"),
    path("register/counts/", RegisterCountsView.as_view(), name="register-counts"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not-found"),
]
