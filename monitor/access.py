"""Who may see what: the rules behind every ``visible_to(user)``.

* No account, an inactive account or an account with no role sees nothing.
* A user sees a record at or below their clearance, except a strict one.
* A team member sees their team's records whatever the level; a strict record is seen by
  its team alone (a coordinator or a superuser included only if on the team).
* A superuser's clearance is at least confidential; it never opens strict records.
* Child records (an allegation, a step, a citation) follow their parent.

Every rule here narrows; nothing returns all rows because no rule matched.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator
from contextvars import ContextVar

from django.db.models import Q

from monitor.choices import Confidentiality


def has_role(user) -> bool:
    """True for an active, signed-in user in at least one role group (or a superuser)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.roles)


def clearance_of(user) -> int | None:
    """The highest level ``user`` reads outside their teams, or None if they read nothing."""
    if not has_role(user):
        return None
    level = int(user.clearance)
    if user.is_superuser:
        level = max(level, Confidentiality.CONFIDENTIAL)
    # Strict records are for their team alone: clearance never reaches them.
    return min(level, Confidentiality.CONFIDENTIAL)


def team_q(user, prefix: str = "") -> Q:
    """Records whose team has ``user`` as a member (a subquery, no extra round trip)."""
    from monitor.models import Team

    return Q(**{f"{prefix}team__in": Team.objects.filter(members=user).values("pk")})


def confidentiality_q(user, prefix: str = "", *, with_team: bool = True) -> Q | None:
    """The rule for records with their own ``confidentiality`` (and ``team``); None = nothing."""
    level = clearance_of(user)
    if level is None:
        return None
    rule = Q(**{f"{prefix}confidentiality__lte": level})
    return rule | team_q(user, prefix) if with_team else rule


def sees(user, record, *, team_ids: Collection | None = None) -> bool:
    """:func:`confidentiality_q` for one loaded record: may ``user`` see it at all?

    For ``str()`` of a linked record (a strict organisation named as a perpetrator), which
    may have been loaded without ``visible_to``.
    """
    level = clearance_of(user)
    if team_ids is None:
        # Read only where they decide: a record above the reader's clearance, on a team.
        above = level is not None and record.confidentiality > level
        on_team = getattr(record, "team_id", None) is not None
        team_ids = team_ids_of(user) if above and on_team else ()
    return sees_within(level, team_ids, record)


def sees_within(level: int | None, team_ids: Collection, record) -> bool:
    """:func:`sees` for a reader's clearance (:func:`clearance_of`) and teams as already
    read: a page naming 150 persons asks it 150 times."""
    if level is None:
        return False
    if record.confidentiality <= level:
        return True
    team_id = getattr(record, "team_id", None)
    return team_id is not None and team_id in team_ids


def reveals_identity(user, record, *, team_ids: Collection | None = None) -> bool:
    """Whether ``user`` may see who a protected person or source is.

    Their team and users cleared for strict records may; everyone else sees the pseudonym.
    ``team_ids`` (the user's teams, from :func:`team_ids_of`) spares a query per record when
    a page shows many.
    """
    if not getattr(record, "is_protected", False):
        return True
    if not has_role(user):
        return False
    if int(user.clearance) >= Confidentiality.STRICT:
        return True
    team_id = getattr(record, "team_id", None)
    if team_id is None:
        return False
    if team_ids is not None:
        return team_id in team_ids
    return user.teams.filter(pk=team_id).exists()


def team_ids_of(user) -> set:
    """The ids of the teams ``user`` is a member of (none without a role).

    A user authenticated by an API token had them read with the token, in the same round
    trip (``monitor.api.authentication.token_with_user_and_roles``), as their roles were.
    """
    if not has_role(user):
        return set()
    known = getattr(user, "_team_ids_cache", None)
    if known is not None:
        return set(known)
    from monitor.models import Team

    return set(Team.objects.filter(members=user).values_list("pk", flat=True))


def teams_of(user) -> list:
    """The teams ``user`` is a member of, by name (none without a role): as read with an API
    token (:func:`monitor.api.authentication.token_with_user_and_roles`), or read now."""
    if not has_role(user):
        return []
    known = getattr(user, "_teams_cache", None)
    if known is not None:
        return list(known)
    return list(user.teams.order_by("name"))


def identity_q(user, prefix: str = "", *, team_ids: Collection | None = None) -> Q | None:
    """Protected records whose identity ``user`` may see (for filtering names).

    ``team_ids``, when given, are the user's teams as already read (:func:`identity_scope`),
    used instead of reading them again in a subquery.
    """
    if not has_role(user):
        return None
    if int(user.clearance) >= Confidentiality.STRICT:
        return Q()
    teams = (
        team_q(user, prefix)
        if team_ids is None
        else Q(**{f"{prefix}team__in": sorted(team_ids, key=str)})
    )
    return Q(**{f"{prefix}is_protected": False}) | teams


def identity_scope(user, team_ids: Collection) -> tuple:
    """Everything :func:`identity_q` reads of ``user``, as a key: users with the same scope
    may identify exactly the same records. ``monitor.redaction.text_scrubber`` keeps the
    withheld names per scope, so a rule above that reads more of the user must add it here.
    """
    if not has_role(user):
        return ("nobody",)
    if int(user.clearance) >= Confidentiality.STRICT:
        return ("everyone",)
    return ("teams", frozenset(team_ids))


# -- who is looking: protected identities in str() ------------------------------------------
# ``str()`` of a protected person or source is its pseudonym for whoever may not identify it,
# so a name cannot slip out through a select box, an autocomplete answer, a breadcrumb or a
# history page. A model method has no request, so the viewer travels in a context variable:
# set for every request by :class:`ViewerMiddleware` (read lazily, because the API
# authenticates inside the view) and by :func:`viewing_as` anywhere else (an export, a
# notification). Outside both — a management command, the shell — nobody is looking through
# a surface and the names show: that is the operator's console.


class _Viewer:
    """The user looking, with their teams and clearance read once for the request."""

    def __init__(self, get_user):
        self._get_user = get_user
        self._teams: dict = {}
        self._clearance: dict = {}

    def _team_ids(self, user):
        key = getattr(user, "pk", None)
        if key not in self._teams:
            self._teams[key] = team_ids_of(user)
        return self._teams[key]

    def reveals(self, record) -> bool:
        user = self._get_user()
        return reveals_identity(user, record, team_ids=self._team_ids(user))

    def sees(self, record) -> bool:
        # Every str() of a record asks: its reader's clearance is read once, not per record
        # (through the request's lazy user, a dozen attribute lookups each time).
        user = self._get_user()
        key = getattr(user, "pk", None)
        if key not in self._clearance:
            self._clearance[key] = clearance_of(user)
        return sees_within(self._clearance[key], self._team_ids(user), record)


_viewer: ContextVar[_Viewer | None] = ContextVar("monitor_viewer", default=None)


@contextlib.contextmanager
def viewing_as(user) -> Iterator[None]:
    """Render protected records inside the block as ``user`` may see them."""
    token = _viewer.set(_Viewer(lambda: user))
    try:
        yield
    finally:
        _viewer.reset(token)


def current_viewer():
    """The user rendering is done for (None outside a request or :func:`viewing_as`)."""
    viewer = _viewer.get()
    return None if viewer is None else viewer._get_user()


def identity_hidden(record) -> bool:
    """Whether the current viewer must see ``record``'s pseudonym instead of who it is."""
    if not getattr(record, "is_protected", False):
        return False
    viewer = _viewer.get()
    return viewer is not None and not viewer.reveals(record)


def record_hidden(record) -> bool:
    """Whether the current viewer may not see ``record`` (a record with a confidentiality
    level) at all: its ``str()`` then names nothing. Outside a viewer, nothing is hidden."""
    viewer = _viewer.get()
    return viewer is not None and not viewer.sees(record)


#: What ``str()`` of a record its viewer may not see reads as.
NOT_SHOWN = "(a record you cannot see)"


class ViewerMiddleware:
    """Makes the request's user the viewer for everything rendered during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _viewer.set(_Viewer(lambda: getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            _viewer.reset(token)
