"""Monitor's URLs."""

from django.contrib import admin
from django.urls import include, path

from monitor.web_urls import login_not_required_urls

# The admin, the API and the calendar feed authenticate by themselves (their own sign-in
# page, a 401 with a token challenge, a secret address): the pages' sign-in redirect
# (LoginRequiredMiddleware) is not for them.
urlpatterns = [
    path("admin/", login_not_required_urls(admin.site.urls)),
    path("api/v1/", login_not_required_urls(include("monitor.api.urls"))),
    path("calendar/", login_not_required_urls(include("cases.urls"))),
    path("evidence/", include("sources.urls")),
    # The pages (issue 5): the dashboard and sign-in, then each app's lists and details.
    path("", include("monitor.web_urls")),
    path("", include("monitor.security_urls")),  # sign out everywhere (issue 8)
    path("", include("cases.web_urls")),
    path("", include("people.web_urls")),
    path("", include("sources.web_urls")),
    # The forms (issue 5, point 5): create, edit, submit for review.
    path("", include("cases.edit_urls")),
    path("", include("people.edit_urls")),
    path("", include("sources.edit_urls")),
]
