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


def reveals_identity(user, record) -> bool:
    """Whether ``user`` may see who a protected person or source is.

    Their team and users cleared for strict records may; everyone else sees the pseudonym.
    """
    if not getattr(record, "is_protected", False):
        return True
    if not has_role(user):
        return False
    if int(user.clearance) >= Confidentiality.STRICT:
        return True
    team_id = getattr(record, "team_id", None)
    return team_id is not None and user.teams.filter(pk=team_id).exists()


def identity_q(user, prefix: str = "") -> Q | None:
    """Protected records whose identity ``user`` may see (for filtering names)."""
    if not has_role(user):
        return None
    if int(user.clearance) >= Confidentiality.STRICT:
        return Q()
    return Q(**{f"{prefix}is_protected": False}) | team_q(user, prefix)
