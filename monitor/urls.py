"""The core app's pages: the account pages (sign in, two-factor, sign out, password).

Every page requires signing in (``LoginRequiredMiddleware``); :func:`login_not_required_urls`
marks the URL trees that authenticate on their own instead.
"""

from __future__ import annotations

import functools

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, path

from monitor import export_jobs, i18n, progress_views, security, suggest
from monitor.pages import review
from monitor.security import SESSION_STATUS_PATH, keepalive, twofactor_views


def login_not_required_urls(urlconf):
    """Mark every view of an ``include()`` (or ``admin.site.urls``) as not needing a session.

    For the URL trees that authenticate by themselves: the API (a bearer token or a session,
    answering 401 JSON, never a redirect to a sign-in page), the admin (its own sign-in page)
    and the calendar feed (a secret token in its address). ``LoginRequiredMiddleware`` reads
    the ``login_required`` attribute of the resolved view, so each view is marked.
    """
    module = urlconf[0]
    patterns = getattr(module, "urlpatterns", module)
    _mark(patterns)
    return urlconf


def _mark(patterns) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _mark(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and getattr(pattern.callback, "login_required", True):
            try:
                pattern.callback.login_required = False
            except AttributeError:  # a bound method: wrap it
                pattern.callback = login_not_required(_wrapped(pattern.callback))


def _wrapped(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapper


urlpatterns = [
    # Type-ahead choices of the list filters (monitor.suggest): a session, like the pages.
    path("suggest/<str:model>/<str:field>/", suggest.suggest_view, name="suggest"),
    # The forms' pickers: suggestions, and a record added in place (monitor.suggest).
    path("pick/<str:source>/", suggest.pick_view, name="pick"),
    path("pick/<str:source>/new/", suggest.pick_new_view, name="pick-new"),
    path(
        "accounts/login/",
        login_not_required(twofactor_views.SignInView.as_view()),
        name="login",
    ),
    # The second factor (monitor.security.twofactor): its code step and enrolment come before a
    # session is signed in, so they need none.
    path("accounts/two-factor/", twofactor_views.overview, name="two-factor"),
    path("accounts/two-factor/verify/", twofactor_views.verify, name="two-factor-verify"),
    path("accounts/two-factor/setup/", twofactor_views.setup, name="two-factor-setup"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_change_done.html"
        ),
        name="password_change_done",
    ),
    # The language switcher of every page (issue 16); the sign-in page has it too.
    path("language/", i18n.set_language, name="set-language"),
    # Signing out of every device (issue 8).
    path(
        "accounts/sign-out-everywhere/",
        security.sign_out_everywhere,
        name="sign-out-everywhere",
    ),
    # The review screen inside the app (issue 19): reviewers only.
    path("review/", review.queue, name="review-queue"),
    path("review/<str:app_label>/<str:model_name>/<uuid:pk>/", review.item, name="review-item"),
    # The session's clocks, and "Stay signed in" (monitor/workday.js). Its address is
    # SESSION_STATUS_PATH: asking it does not move the idle clock.
    path(SESSION_STATUS_PATH.strip("/") + "/", keepalive.session_status, name="session-status"),
    # Background work (monitor.progress): its progress, for its owner only; a finished export.
    path("work/<uuid:pk>/", progress_views.progress_page, name="task-progress"),
    path("work/<uuid:pk>.json", progress_views.progress_json, name="task-progress-json"),
    path("work/<uuid:pk>/stop/", progress_views.progress_cancel_view, name="task-progress-cancel"),
    path("work/<uuid:pk>/download/", export_jobs.export_download, name="export-download"),
]
