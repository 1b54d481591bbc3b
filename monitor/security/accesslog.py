"""Writing the access log (:class:`monitor.models.AccessLog`): helpers, receivers, middleware.

Everything here records *that* something was accessed — by whom, from where, which record
by type and id — and never *what* it contains: no names, no passwords, no tokens, no search
terms. Most rows are written without the surfaces doing anything:

* sign-ins, failures, lockouts, sign-outs: Django's and django-axes' auth signals;
* permission denials: every 403 answer (:class:`AccessLogMiddleware`);
* reads of confidential or strict records and of protected persons and sources: every
  successful GET of a URL naming one record (pages, API, admin), recognised by its view
  (a DRF viewset's model, an admin ``model_admin``) or its URL name (``case-detail``);
* exports: records sent to the ``monitor.access`` logger with ``event="export"``
  (:class:`monitor.security.AccessLogHandler`, configured in settings);
* evidence downloads: ``sources.services`` calls :func:`record_access` as it logs the
  ``download`` custody event;
* API tokens issued and revoked: the token model's ``post_save``.

A view that shows a record some other way calls :func:`log_record_read`. A failure to
write a row is not swallowed: the request fails rather than the access going unrecorded.
"""

from __future__ import annotations

import functools
import logging
from contextvars import ContextVar

from django.apps import apps
from django.db import models

from monitor.choices import Confidentiality
from monitor.models import AccessAction, AccessLog, AccessOutcome
from monitor.roles import is_project_app
from monitor.security import client_address, user_agent, username_digest

#: The request being answered, for receivers and services that are not handed one (the token
#: signal, the evidence download): set by :class:`AccessLogMiddleware`.
_current_request: ContextVar = ContextVar("monitor_access_request", default=None)


def current_request():
    return _current_request.get()


def _signed_in(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record_access(
    action: str,
    *,
    request=None,
    user=None,
    outcome: str = AccessOutcome.SUCCESS,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
    attempted_username: str | None = None,
) -> AccessLog:
    """Write one access-log row.

    ``request`` gives the address, user agent and path (the current request if omitted);
    ``user`` defaults to the request's signed-in user. ``obj`` is named by type and id only.
    ``attempted_username`` is stored as a keyed digest, never as text.
    """
    request = request if request is not None else current_request()
    if user is None and request is not None:
        user = _signed_in(getattr(request, "user", None))
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    row = AccessLog(
        user=_signed_in(user),
        action=action,
        outcome=outcome,
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        username_digest=username_digest(attempted_username),
        detail=detail[:200],
    )
    if request is not None:
        row.client_address = client_address(request)
        row.user_agent = user_agent(request)
        row.method = (request.method or "")[:8]
        row.path = _safe_path(request)[:200]
    row.save()
    return row


def _safe_path(request) -> str:
    """The path, with any secret it carries (the calendar feed's token) blanked out."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name, value in match.kwargs.items() if match is not None else ():
        if ("token" in name or "secret" in name) and isinstance(value, str) and value:
            path = path.replace(value, "[secret]")
    return path


# -- records -----------------------------------------------------------------------------------


def _project_model(model) -> bool:
    """A model of the project's apps (whose records are logged when read)."""
    config = apps.get_app_config(model._meta.app_label)
    return is_project_app(config) and model is not AccessLog


@functools.cache
def _lookups(model, field_name: str, depth: int = 0) -> tuple[str, ...]:
    """Paths from ``model`` to every ``field_name`` that governs it (its own or its parents').

    An allegation's level is its case's; a detention step's, its detention's case's; a
    citation's, its source's. Followed through foreign keys, three levels deep at most.
    """
    names = {field.name for field in model._meta.concrete_fields}
    if field_name in names:
        return (field_name,)
    if depth >= 3:
        return ()
    found: list[str] = []
    for field in model._meta.concrete_fields:
        related = field.related_model
        if not field.many_to_one or related is None or related is model:
            continue
        if not _project_model(related):
            continue
        found += [f"{field.name}__{path}" for path in _lookups(related, field_name, depth + 1)]
    return tuple(found)


def is_sensitive(model, pk) -> bool:
    """Whether reading this record is logged: confidential or strict, or a protected identity."""
    level_paths = _lookups(model, "confidentiality")
    protected_paths = _lookups(model, "is_protected")
    if not level_paths and not protected_paths:
        return False
    row = model._base_manager.filter(pk=pk).values_list(*level_paths, *protected_paths).first()
    if row is None:
        return False
    levels = [value for value in row[: len(level_paths)] if value is not None]
    protected = any(row[len(level_paths) :])
    return protected or (bool(levels) and max(levels) >= Confidentiality.CONFIDENTIAL)


def log_record_read(request, record) -> AccessLog | None:
    """Log that ``request`` showed ``record``, if it is sensitive (once per request)."""
    if not _signed_in(getattr(request, "user", None)):
        return None
    key = (record._meta.label_lower, str(record.pk))
    logged = request.__dict__.setdefault("_monitor_reads_logged", set())
    if key in logged or not is_sensitive(type(record), record.pk):
        return None
    logged.add(key)
    return record_access(
        AccessAction.RECORD_READ,
        request=request,
        object_type=key[0],
        object_id=key[1],
    )


@functools.cache
def _models_by_name() -> dict[str, type[models.Model]]:
    return {
        model._meta.model_name: model
        for model in apps.get_models()
        if _project_model(model) and not model._meta.model_name.startswith("historical")
    }


def model_of(match) -> type[models.Model] | None:
    """The model a resolved URL shows: from its view, else from its URL name."""
    func = match.func
    model_admin = getattr(func, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    view_class = getattr(func, "cls", None) or getattr(func, "view_class", None)
    model = getattr(view_class, "model", None)
    if model is None:
        model = getattr(getattr(view_class, "queryset", None), "model", None)
    if model is not None:
        return model if _project_model(model) else None
    # Function views follow the "<model>-<what>" naming: case-detail, follow-up-detail.
    parts = (match.url_name or "").split("-")
    known = _models_by_name()
    for end in range(len(parts) - 1, 0, -1):
        model = known.get("".join(parts[:end]))
        if model is not None:
            return model
    return None


def _record_read_from_response(request, response) -> None:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return
    match = getattr(request, "resolver_match", None)
    if match is None:
        return
    pk = match.kwargs.get("pk") or match.kwargs.get("object_id")
    if not pk:
        return
    model = model_of(match)
    if model is None:
        return
    try:
        pk = model._meta.pk.to_python(pk)
    except Exception:  # not an id of this model: nothing was shown
        return
    log_record_read(request, model(pk=pk))


class AccessLogMiddleware:
    """Logs refusals (403) and reads of sensitive records; makes the request known to receivers.

    After the authentication middleware; the log row is written before the answer leaves,
    so a read that cannot be logged is not delivered.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403:
                match = getattr(request, "resolver_match", None)
                record_access(
                    AccessAction.PERMISSION_DENIED,
                    request=request,
                    outcome=AccessOutcome.DENIED,
                    detail=(match.view_name if match else "")[:200],
                )
            else:
                _record_read_from_response(request, response)
            return response
        finally:
            _current_request.reset(token)


# -- exports (the monitor.access logger) ----------------------------------------------------


def record_export(record: logging.LogRecord) -> AccessLog:
    """An export, from the ``monitor.access`` log record the export code wrote.

    The record names the filters and their values; the row keeps who, the kind of record,
    the row count and the filter *names*, never their values (a search for a name is a name).
    """
    request = current_request()
    object_type = ""
    match = getattr(request, "resolver_match", None) if request is not None else None
    if match is not None:
        model = model_of(match)
        object_type = model._meta.label_lower if model is not None else ""
    filters = getattr(record, "filters", None) or {}
    names = ", ".join(sorted(str(name) for name in filters))
    rows = getattr(record, "rows", "?")
    user = None
    if request is None:
        user_model = apps.get_model("monitor", "User")
        user = user_model._base_manager.filter(pk=getattr(record, "user_id", None)).first()
    return record_access(
        AccessAction.EXPORT,
        request=request,
        user=user,
        object_type=object_type or str(getattr(record, "what", ""))[:100],
        detail=f"{rows} rows" + (f"; filters: {names}" if names else ""),
    )


# -- receivers ---------------------------------------------------------------------------------


def on_logged_in(sender, request, user, **kwargs) -> None:
    record_access(AccessAction.SIGN_IN, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # ``credentials`` arrive with the password already masked by Django; the username is
    # kept only as a digest (it may be a password typed in the wrong field).
    typed = credentials.get("username")
    user_model = apps.get_model("monitor", "User")
    user = user_model._base_manager.filter(username=typed).first() if typed else None
    record_access(
        AccessAction.SIGN_IN_FAILED,
        request=request,
        user=user,
        outcome=AccessOutcome.FAILURE,
        attempted_username=typed,
        detail=", ".join(
            part
            for part, applies in (
                ("wrong second-factor code", credentials.get("second_factor")),
                ("while locked out", getattr(request, "axes_locked_out", False)),
            )
            if applies
        ),
    )


def on_logged_out(sender, request=None, user=None, **kwargs) -> None:
    if request is not None and getattr(request, "monitor_session_expired", False):
        return  # the expiry or the "sign out everywhere" was logged already
    record_access(AccessAction.SIGN_OUT, request=request, user=user)


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    user_model = apps.get_model("monitor", "User")
    user = user_model._base_manager.filter(username=username).first() if username else None
    record_access(
        AccessAction.LOCKED_OUT,
        request=request,
        user=user,
        outcome=AccessOutcome.DENIED,
        attempted_username=username,
    )


def on_token_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if created:
        action = AccessAction.TOKEN_ISSUED
    elif instance.revoked_at is not None and update_fields and "revoked_at" in update_fields:
        action = AccessAction.TOKEN_REVOKED
    else:
        return
    request = current_request()
    actor = _signed_in(getattr(request, "user", None)) if request is not None else None
    record_access(
        action,
        request=request,
        user=actor or instance.user,
        obj=instance,
        detail="" if actor is None or actor == instance.user else "for another account",
    )


def record_session_expired(request, *, user, reason: str) -> AccessLog:
    return record_access(
        AccessAction.SESSION_EXPIRED, request=request, user=_signed_in(user), detail=reason
    )


def record_sessions_ended(user, *, request=None, detail: str = "") -> AccessLog:
    """All of ``user``'s sessions were ended (by themselves, or by deactivation)."""
    return record_access(
        AccessAction.SESSIONS_ENDED,
        request=request,
        object_type=user._meta.label_lower,
        object_id=str(user.pk),
        detail=detail,
    )


def record_unlock(request, *, user, username: str) -> AccessLog:
    """A coordinator cleared a lockout; ``user`` is the account when the name is one."""
    return record_access(
        AccessAction.UNLOCKED,
        request=request,
        object_type=user._meta.label_lower if user is not None else "",
        object_id=str(user.pk) if user is not None else "",
        attempted_username=None if user is not None else username,
    )
