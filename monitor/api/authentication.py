"""How API clients prove who they are: a bearer token, or the pages' session.

Token authentication comes first in ``REST_FRAMEWORK``: DRF takes the ``WWW-Authenticate``
challenge from the first class, and a challenge is what turns an anonymous request into a
401 (without one DRF answers 403, which would tell a script nothing useful).
"""

from __future__ import annotations

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
        # One indexed look-up by digest: the secret itself is never stored.
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
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
