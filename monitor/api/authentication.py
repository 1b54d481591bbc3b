"""How API clients prove who they are: a bearer token, or the pages' session.

Token authentication comes first in ``REST_FRAMEWORK``: DRF takes the ``WWW-Authenticate``
challenge from the first class, and a challenge is what turns an anonymous request into a
401 (without one DRF answers 403, which would tell a script nothing useful).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections, models, router
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from monitor.models import Team
from monitor.models.api import TOKEN_USAGE_RESOLUTION, ApiToken, token_digest


class TokenFailed(exceptions.AuthenticationFailed):
    default_code = "token_invalid"


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer mon_…`` with a token issued at ``/api/v1/auth/tokens/``."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise TokenFailed(_("Give the token after “Bearer ”, with no spaces in it."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise TokenFailed(_("This is not a Monitor token.")) from exc
        # One indexed look-up by digest (the secret itself is never stored), read afresh on
        # every request: a revoked token, a deactivated user, a changed role is refused at once.
        token = token_with_user_and_roles(token_digest(secret))
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise TokenFailed(_("This token is not valid."))
        if token.revoked_at is not None:
            raise TokenFailed(_("This token was revoked."), code="token_revoked")
        if token.expires_at <= now:
            raise TokenFailed(_("This token has expired."), code="token_expired")
        if token.last_used_at is None or now - token.last_used_at > TOKEN_USAGE_RESOLUTION:
            # Not a domain record: a plain UPDATE, at most once per resolution period.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def token_with_user_and_roles(digest: str) -> ApiToken | None:
    """The token of ``digest`` with its user, the user's role groups and teams, in one round
    trip.

    Every API view asks for the user's roles (``has_role``, ``visible_to``) and most for
    their teams (what they may see and identify; ``/me/`` their names): read with the token
    (a UNION: the token and user's row, then one row per group name, one per team), they cost
    no second query. ``User.roles``, :func:`monitor.access.team_ids_of` and
    :func:`monitor.access.teams_of` then answer from what was read here.

    Permissions are not read here: only ``/me/`` and archiving ask for them, and joining
    them in made the statement's planning alone cost every request about 1 ms.

    The statement is the same on every request but the digest: the ORM builds it once per
    database connection (building it took longer than running it), and each request runs it
    with its own digest. Nothing read is kept: every request reads the rows afresh.
    """
    using = router.db_for_read(ApiToken)
    connection = connections[using]
    compiled = connection.__dict__.get(_COMPILED)
    if compiled is None:
        compiler = _token_query(_PLACEHOLDER).query.get_compiler(using)
        sql, params = compiler.as_sql()
        if list(params).count(_PLACEHOLDER) != 3:  # the token's row, the groups', the teams'
            raise AssertionError("the token look-up's parameters changed")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        compiled = (sql, tuple(params), compiler, compiler.get_converters(fields))
        connection.__dict__[_COMPILED] = compiled
    sql, params, compiler, converters = compiled
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest if param == _PLACEHOLDER else param for param in params])
        rows = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    user_model = get_user_model()
    token_names = [field.attname for field in ApiToken._meta.concrete_fields]
    user_names = [field.attname for field in user_model._meta.concrete_fields]
    token = None
    roles, teams = set(), {}
    for row in rows:
        role, team, team_name = row[-_EXTRA:]
        if role is not None:
            roles.add(role)
        elif team is not None:
            teams[team] = team_name
        else:
            split = len(token_names)
            token = ApiToken.from_db(using, token_names, row[:split])
            token.user = user_model.from_db(using, user_names, row[split:-_EXTRA])
    if token is not None:
        user = token.user
        user._roles_cache = roles
        user._team_ids_cache = frozenset(teams)
        user._teams_cache = tuple(
            Team(pk=pk, name=name) for pk, name in sorted(teams.items(), key=_by_name)
        )
    return token


def _by_name(item) -> tuple[str, str]:
    return item[1], str(item[0])  # as Team.Meta.ordering: by name


#: The columns after the token's and the user's: role, team id, team name.
_EXTRA = 3
#: Where a connection keeps the compiled look-up, and the digest it was compiled with.
_COMPILED = "_monitor_token_lookup"
_PLACEHOLDER = "0" * 64


def _token_query(digest: str):
    """The look-up of :func:`token_with_user_and_roles`, as the ORM writes it."""
    token_fields = list(ApiToken._meta.concrete_fields)
    user_fields = list(get_user_model()._meta.concrete_fields)
    # Typed: PostgreSQL types a UNION's column pair by pair, and NULL with NULL is text.
    no_team = Cast(models.Value(None), output_field=type(Team._meta.pk)())
    no_text = models.Value(None, output_field=models.CharField())
    no_token = [*(_null(field) for field in token_fields), *(_null(field) for field in user_fields)]
    token_row = ApiToken.objects.filter(digest=digest).values_list(
        *(field.attname for field in token_fields),
        *(f"user__{field.attname}" for field in user_fields),
        no_text,
        no_team,
        no_text,
    )
    group_rows = (
        Group.objects.filter(user__api_tokens__digest=digest)
        .order_by()
        .values_list(*no_token, "name", no_team, no_text)
    )
    team_rows = (
        Team.objects.filter(members__api_tokens__digest=digest)
        .order_by()
        .values_list(*no_token, no_text, "pk", "name")
    )
    return token_row.order_by().union(group_rows, team_rows, all=True)


def _null(field) -> models.Value:
    """A NULL of ``field``'s column type (a link: its target's), for the other side of a UNION."""
    return models.Value(None, output_field=field.target_field if field.is_relation else field)
