"""How API clients prove who they are: a bearer token, or the pages' session.

Token authentication comes first in ``REST_FRAMEWORK``: DRF takes the ``WWW-Authenticate``
challenge from the first class, and a challenge is what turns an anonymous request into a
401 (without one DRF answers 403, which would tell a script nothing useful).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

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
    """The token of ``digest`` with its user and the user's role groups, in one round trip.

    Every API view asks for the user's roles (``has_role``, ``visible_to``): read with the
    token (a UNION: the token and user's row, then one row per group name), they cost no
    second query. ``User.roles`` then answers from what was read here.
    """
    user_model = get_user_model()
    token_fields = list(ApiToken._meta.concrete_fields)
    user_fields = list(user_model._meta.concrete_fields)
    token_row = ApiToken.objects.filter(digest=digest).values_list(
        *(field.attname for field in token_fields),
        *(f"user__{field.attname}" for field in user_fields),
        models.Value(None, output_field=models.CharField()),
    )
    group_rows = (
        Group.objects.filter(user__api_tokens__digest=digest)
        .order_by()
        .values_list(
            *(_null(field) for field in token_fields),
            *(_null(field) for field in user_fields),
            "name",
        )
    )
    token = None
    roles = set()
    for row in token_row.order_by().union(group_rows, all=True):
        if row[-1] is not None:
            roles.add(row[-1])
            continue
        split = len(token_fields)
        token = ApiToken.from_db(
            ApiToken.objects.db, [field.attname for field in token_fields], row[:split]
        )
        token.user = user_model.from_db(
            user_model.objects.db,
            [field.attname for field in user_fields],
            row[split:-1],
        )
    if token is not None:
        token.user._roles_cache = roles
    return token


def _null(field) -> models.Value:
    """A NULL of ``field``'s column type (a link: its target's), for the other side of a UNION."""
    return models.Value(None, output_field=field.target_field if field.is_relation else field)
