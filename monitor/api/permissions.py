"""Request-level permissions of the API.

Whether a user may see a record is decided by ``visible_to`` (hidden → 404) and whether they
may change it by the services (refused → 403 or 400); these classes only add what belongs to
the request itself: a signed-in user, and a read-only token that reads.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from monitor.models.api import ApiToken


class TokenScope(BasePermission):
    """A read-only token may only read — and revoke itself: a token that leaked, read-only or
    not, can always be killed with nothing but itself."""

    message = _("This token is read-only: it cannot change anything.")
    code = "read_only_token"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in SAFE_METHODS or revokes_itself(request, view, token)
        return True


def revokes_itself(request, view, token: ApiToken) -> bool:
    """A DELETE of this very token (``/auth/tokens/<its id>/`` or ``/auth/tokens/current/``)."""
    if request.method != "DELETE" or getattr(view, "action", None) != "destroy":
        return False
    return getattr(view, "revocable_token_id", lambda: None)() == token.pk
