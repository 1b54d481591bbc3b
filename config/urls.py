"""The project's URLs: every app's pages, the admin, the API and the dashboard."""

from django.contrib import admin
from django.urls import include, path

from cases.urls import calendar_urlpatterns
from config import dashboard, search
from monitor.urls import login_not_required_urls
from sources.urls import evidence_urlpatterns

# The admin, the API and the calendar feed authenticate by themselves (their own sign-in
# page, a 401 with a token challenge, a secret address): the pages' sign-in redirect
# (LoginRequiredMiddleware) is not for them.
urlpatterns = [
    path("admin/", login_not_required_urls(admin.site.urls)),
    path("api/v1/", login_not_required_urls(include("config.api_urls"))),
    path("calendar/", login_not_required_urls(include(calendar_urlpatterns))),
    path("evidence/", include(evidence_urlpatterns)),
    # The pages (issue 5): the dashboard, the account pages, then each app's pages (lists,
    # details, CSV exports, forms).
    path("", dashboard.dashboard, name="dashboard"),
    # One search box in every page's header (issue 19).
    path("search/", search.search, name="search"),
    path("", include("monitor.urls")),
    path("", include("cases.urls")),
    path("", include("people.urls")),
    path("", include("sources.urls")),
    path("", include("imports.urls")),
]

# An API request that fails outside its view (a middleware without a database) still answers
# in the API's error shape: 503 JSON when the database refuses connections.
handler500 = "monitor.api.exceptions.server_error"
