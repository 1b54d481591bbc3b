"""Account and transport security: client addresses, lockout, session limits, safe errors.

* :func:`client_address` is the one place that decides who a request came from: the
  connecting address, or — only when ``MONITOR_TRUSTED_PROXY_COUNT`` says how many proxies
  we run in front — the address our outermost proxy saw. A client-sent ``X-Forwarded-For``
  is never believed otherwise, so nobody dodges the lockout or forges the access log by
  sending one.
* The lockout (django-axes) is wired in :mod:`monitor.security.lockout`.
* :class:`SessionLimitsMiddleware` ends a session after ``MONITOR_SESSION_IDLE_MINUTES``
  without a request and ``MONITOR_SESSION_MAX_HOURS`` after signing in, whatever happens.
* :func:`end_access` signs a user out everywhere, browser sessions and API tokens alike:
  "sign out everywhere", a two-factor reset and deactivating an account call it; a new
  password revokes the tokens (:func:`revoke_tokens_on_password_change`).
* :class:`NoStoreMiddleware` keeps every dynamic answer out of browser and proxy caches.
* :class:`SafeExceptionReporterFilter` / :class:`SafeExceptionReporter`: an error report
  (an e-mail to the admins, a debug page) shows where the code failed, not the data it
  held: no POST or query values, no local variables, no secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.regex_helper import _lazy_re_compile
from django.utils.translation import gettext as _
from django.views import debug
from django.views.decorators.http import require_http_methods

# -- who is asking ---------------------------------------------------------------------------


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address a request came from, as far as our own infrastructure vouches for it.

    With no trusted proxy (the default) that is ``REMOTE_ADDR``. Behind ``N`` proxies that we
    run, each appends the address it received the request from to ``X-Forwarded-For``, so
    the N-th entry from the right is the address that reached our outermost proxy; the
    entries left of it are whatever the client chose to send and are ignored.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [item.strip() for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [item for item in forwarded if item]
    if len(forwarded) < count:
        # Fewer hops than proxies: the request did not come through them all. Only the
        # connection itself is certain.
        return remote
    return _valid_ip(forwarded[-count]) or remote


def user_agent(request: HttpRequest, limit: int = 200) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:limit]


def username_digest(username: str | None) -> str:
    """A keyed, shortened hash of what someone typed as a username (never the text).

    Keyed with the secret key so that nobody holding a copy of the logs can test guesses
    against it; short, because it only has to tell repeated attempts apart.
    """
    if not username:
        return ""
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, username.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


# -- sessions --------------------------------------------------------------------------------

#: Session keys: when the user signed in, and when they were last seen (Unix seconds).
SIGNED_IN_AT = "monitor.signed_in_at"
LAST_SEEN = "monitor.last_seen"
#: The address of :func:`monitor.security.keepalive.session_status` (monitor/urls.py).
SESSION_STATUS_PATH = "/accounts/session/"


def mark_signed_in(request) -> None:
    """Start the idle and absolute clocks of a fresh session (on ``user_logged_in``)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SIGNED_IN_AT] = now
        session[LAST_SEEN] = now


def session_expiry_reason(session, now: float | None = None) -> str | None:
    """``"absolute"``, ``"idle"`` or None for a signed-in session."""
    now = time.time() if now is None else now
    signed_in = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN, signed_in)
    if signed_in is None:
        return None
    if now - signed_in > settings.SESSION_MAX_HOURS * 3600:
        return "absolute"
    if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
        return "idle"
    return None


class SessionLimitsMiddleware:
    """Signs out a session that sat idle too long or outlived its absolute lifetime.

    Placed after the session, authentication and messages middleware and before any view
    runs: an expired session reaches the view anonymous, so the pages send it to the
    sign-in page and the API answers 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.check(request)
        return self.get_response(request)

    def check(self, request) -> None:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return
        now = time.time()
        if session.get(SIGNED_IN_AT) is None:
            # A session from before these limits existed: its clocks start now.
            mark_signed_in(request)
            return
        reason = session_expiry_reason(session, now)
        if reason is None:
            # Every request moves the idle clock, to the fraction of a second: recorded once a
            # minute, a session ended up to a minute before its idle limit (issue 20). Asking
            # how long the session has left (monitor.security.keepalive) is not activity.
            if not (request.method == "GET" and request.path_info == SESSION_STATUS_PATH):
                session[LAST_SEEN] = now
            return
        from monitor.security.accesslog import record_session_expired

        record_session_expired(request, user=request.user, reason=reason)
        request.monitor_session_expired = True  # the sign-out receiver logs no second row
        logout(request)
        if hasattr(request, "_messages"):
            messages.info(
                request,
                _("You were signed out after %(minutes)d minutes without activity.")
                % {"minutes": settings.SESSION_IDLE_MINUTES}
                if reason == "idle"
                else _("You were signed out: a session lasts at most %(hours)d hours.")
                % {"hours": settings.SESSION_MAX_HOURS},
            )


def _user_session_keys(user) -> list[str]:
    """The keys of the unexpired sessions signed in as ``user`` (database-backed sessions)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    wanted = str(user.pk)
    keys = []
    # A scan, not an index: sessions are few (a small office), and Django keeps no user
    # column. monitor.security.checks warns about session engines whose sessions cannot be listed.
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == wanted:
            keys.append(session.session_key)
    return keys


def end_sessions(user) -> int:
    """Sign ``user`` out of every browser at once; returns how many sessions ended."""
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    keys = _user_session_keys(user)
    for key in keys:
        # Through the engine, so a cached_db session leaves the cache as well.
        engine.SessionStore(session_key=key).delete()
    return len(keys)


def revoke_tokens(user) -> int:
    """Revoke every active API token of ``user``; returns how many were revoked."""
    from monitor.models import ApiToken

    revoked = 0
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
        token.revoke()  # one by one: each revocation is logged
        revoked += 1
    return revoked


def end_access(user, *, why: str, request=None) -> None:
    """End every way ``user`` is signed in: browser sessions and API tokens, logged once.

    Called whenever a user or a coordinator reacts to a possible compromise: "sign out
    everywhere", a two-factor reset, a password change, a deactivation. A token left alive
    would leave an attacker who took it signed in.
    """
    ended = end_sessions(user)
    revoked = revoke_tokens(user)
    from monitor.security.accesslog import record_sessions_ended

    record_sessions_ended(
        user, request=request, detail=f"{why}: {ended} sessions ended, {revoked} tokens revoked"
    )


def end_access_on_deactivation(user) -> None:
    """A deactivated account stops working everywhere at once: sessions and API tokens."""
    end_access(user, why="account deactivated")


def revoke_tokens_on_password_change(sender, instance, created=False, raw=False, **kwargs) -> None:
    """``post_save`` on the user model: a new password revokes the user's API tokens.

    Django's ``set_password`` keeps the new raw password in ``_password`` until the save
    (for the password validators' ``password_changed``); a hash merely upgraded at sign-in
    (``check_password``'s setter) clears it first, so only a real change gets here. A signal
    for the same reason as deactivation: passwords change in the pages, the admin, the
    password-reset flow and ``manage.py changepassword``, and none may forget it. The
    sessions are left to Django, which ends all but the changer's own.
    """
    if raw or created or getattr(instance, "_password", None) is None:
        return
    revoked = revoke_tokens(instance)
    if revoked:
        from monitor.security.accesslog import record_sessions_ended

        record_sessions_ended(instance, detail=f"password changed: {revoked} tokens revoked")


def remember_active_state(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """``pre_save`` on the user model: note whether the account was active before."""
    instance._monitor_was_active = None
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. last_login at every sign-in: not a (de)activation
    instance._monitor_was_active = (
        type(instance)._base_manager.filter(pk=instance.pk).values_list("is_active", flat=True)
    ).first()


def end_access_if_deactivated(sender, instance, created=False, raw=False, **kwargs) -> None:
    """``post_save`` on the user model.

    A signal rather than a service because an account is deactivated from several places
    (the admin, the shell, a future API) and none may forget this.
    """
    was_active = getattr(instance, "_monitor_was_active", None)
    instance._monitor_was_active = None
    if raw or created or not was_active or instance.is_active:
        return
    end_access_on_deactivation(instance)


@require_http_methods(["GET", "POST"])
def sign_out_everywhere(request):
    """GET: a page with the button; POST: end every session of the signed-in user."""
    if request.method == "GET":
        return render(request, "security/sign_out_everywhere.html")
    user = request.user
    end_access(user, why="signed out everywhere by the user", request=request)
    request.monitor_session_expired = True  # logged above; the sign-out adds no second row
    logout(request)
    messages.success(request, _("You are signed out on every device."))
    return redirect(settings.LOGIN_URL)


# -- caching ----------------------------------------------------------------------------------


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer a view produced.

    Pages and API answers show records that may be confidential; no browser history, disk
    cache or shared proxy may keep a copy. Static files never get here (WhiteNoise answers
    them first, with long cache lifetimes).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


# -- the access log's logging handler ---------------------------------------------------------


class AccessLogHandler(logging.Handler):
    """Turns ``monitor.access`` log records with ``event="export"`` into access-log rows.

    Here, not in :mod:`monitor.security.accesslog`, because logging is configured before the models
    load; the work is done there (:func:`monitor.security.accesslog.record_export`).
    """

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) != "export":
            return
        from monitor.security.accesslog import record_export

        # Not caught (logging's handlers usually swallow errors): an export that cannot be
        # recorded fails instead of being delivered unrecorded.
        record_export(record)


# -- error reports --------------------------------------------------------------------------


class SafeExceptionReporterFilter(debug.SafeExceptionReporterFilter):
    """Error reports show the code path, never the data (``DEFAULT_EXCEPTION_REPORTER_FILTER``).

    Active even with ``DEBUG`` on: a debug page shown over a shared screen must not leak a
    witness's name or a password either.
    """

    hidden_settings = _lazy_re_compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|OTP|CODE|CREDENTIAL|PRIVATE|"
        "CONTACT|PHONE|EMAIL_HOST_USER|DATABASE_URL|DSN|QUERY_STRING|X_FORWARDED",
        flags=0x2,  # re.IGNORECASE
    )

    def is_active(self, request) -> bool:
        return True

    def get_post_parameters(self, request):
        # Every value, not only the marked ones: a form may hold names, contacts, testimony.
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for key in cleansed:
            cleansed.setlist(key, [self.cleansed_substitute])
        return cleansed

    def get_cleansed_multivaluedict(self, request, multivaluedict):
        cleansed = multivaluedict.copy()
        for key in cleansed:
            cleansed.setlist(key, [self.cleansed_substitute])
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class SafeExceptionReporter(debug.ExceptionReporter):
    """Also hides query-string values (a search for a name) (``DEFAULT_EXCEPTION_REPORTER``)."""

    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            substitute = self.filter.cleansed_substitute
            data["request_GET_items"] = [(key, substitute) for key in self.request.GET]
            data["request_FILES_items"] = [(key, substitute) for key in self.request.FILES]
            data["request_insecure_uri"] = self.request.path
        return data
