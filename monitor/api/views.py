"""The core app's endpoints: terms, places, the signed-in user, and API tokens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from monitor.access import teams_of
from monitor.api.serializers import (
    ApiTokenSerializer,
    IssuedTokenSerializer,
    MeSerializer,
    PlaceSerializer,
    TermSerializer,
    TokenRequestSerializer,
)
from monitor.api.strict import StrictQuery
from monitor.api.viewsets import ReviewedViewSet
from monitor.filtersets import PlaceFilterSet, TermFilterSet
from monitor.models import ApiToken, Place, Term
from monitor.security import twofactor


class TermViewSet(ReviewedViewSet):
    """Controlled vocabularies: every role reads them, coordinators edit them."""

    model = Term
    serializer_class = TermSerializer
    filterset_class = TermFilterSet

    def get_queryset(self):
        # Reference data: visible_to lets every role read it (and nobody without one).
        # The parent term and the audit users are shown brief: joined, not fetched per row.
        return Term.objects.visible_to(self.request.user).select_related(
            "parent", "created_by", "archived_by"
        )


class PlaceViewSet(ReviewedViewSet):
    """Places, country → region → district → settlement: every role reads them."""

    model = Place
    serializer_class = PlaceSerializer
    filterset_class = PlaceFilterSet

    def get_queryset(self):
        # As for terms: reference data, read through visible_to, brief links joined.
        return Place.objects.visible_to(self.request.user).select_related(
            "parent", "created_by", "archived_by"
        )


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """Any other path under /api/v1/: a 404 in the API's error shape, not an HTML page."""

    permission_classes = [permissions.AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    get = post = put = patch = delete = head = options = http_method_not_allowed


class MeView(StrictQuery, APIView):
    """Who the API thinks you are."""

    @extend_schema(responses=MeSerializer, summary="The signed-in user")
    def get(self, request):
        user = request.user
        data = {
            "id": user.pk,
            "username": user.username,
            "__str__": str(user),
            "email": user.email,
            "roles": sorted(user.roles),
            "clearance": user.clearance,
            "teams": teams_of(user),
            "can_verify": user.has_perm("monitor.verify_record"),
            "can_archive": user.has_perm("monitor.archive_record"),
        }
        return Response(MeSerializer(data).data)


WRONG_CREDENTIALS = _("Wrong username, password or code.")
NO_SECOND_FACTOR = _(
    "Tokens are issued only with a second factor, and this account has none: sign in to "
    "Monitor and set up two-factor sign-in first."
)


@extend_schema_view(
    list=extend_schema(summary="Your API tokens", description="Revoked and expired ones too."),
    create=extend_schema(
        summary="Issue a token",
        description="Only with a second factor: either signed in (a session verified with "
        "an authenticator code), or with `username`, `password` and `otp` (the code your "
        "authenticator app shows, or a recovery code) in the body. The secret is in the "
        "answer's `token`, once. A token cannot issue tokens. Wrong credentials or code: "
        "401; repeated failures lock the account from your address (429).",
        request=TokenRequestSerializer,
        responses={201: IssuedTokenSerializer},
    ),
    destroy=extend_schema(
        summary="Revoke a token",
        description="The token stops working at once; it stays in your list as revoked. "
        "Any token may revoke itself, a read-only one included. Your tokens are also revoked "
        "when your password changes, when you sign out everywhere and when your two-factor "
        "sign-in is reset.",
        responses={204: OpenApiResponse(description="Revoked.")},
    ),
)
class ApiTokenViewSet(
    StrictQuery,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Issue, list and revoke your own API tokens."""

    serializer_class = ApiTokenSerializer

    def get_permissions(self):
        if self.action == "create":
            return [permissions.AllowAny()]  # a password in the body also signs in
        return super().get_permissions()

    def get_queryset(self):
        # A user's own tokens only: nobody lists or revokes another's.
        user = self.request.user
        if not user.is_authenticated:
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=user).order_by("-created_at", "id")

    def create(self, request, *args, **kwargs):
        if isinstance(request.auth, ApiToken):
            raise exceptions.PermissionDenied(
                _("A token cannot issue tokens: sign in, or give your username and password."),
                code="token_cannot_issue",
            )
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("username"):
            user = authenticate(
                request._request, username=data["username"], password=data["password"]
            )
            if user is None:
                raise exceptions.AuthenticationFailed(WRONG_CREDENTIALS, code="bad_credentials")
            if not twofactor.is_enrolled(user):
                raise exceptions.PermissionDenied(NO_SECOND_FACTOR, code="two_factor_not_set_up")
            if twofactor.check_code(user, data["otp"]) is None:
                # Counted like a wrong password: logged, and towards the lockout.
                twofactor.record_code_failure(request._request, user)
                raise exceptions.AuthenticationFailed(WRONG_CREDENTIALS, code="bad_credentials")
        elif request.user.is_authenticated:
            user = request.user
            if not getattr(user, "is_verified", lambda: False)():
                raise exceptions.PermissionDenied(
                    _(
                        "Tokens are issued only with a second factor: this session was signed "
                        "in without one. Sign in with your authenticator code, or give your "
                        "username, password and code."
                    ),
                    code="second_factor_required",
                )
        else:
            raise exceptions.NotAuthenticated()
        token, secret = ApiToken.issue(
            user=user,
            name=data["name"],
            days=data["expires_in_days"],
            read_only=data["read_only"],
        )
        token.token = secret
        return Response(IssuedTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def revocable_token_id(self):
        """The id of the token a DELETE names, for :class:`~monitor.api.permissions.TokenScope`
        (a read-only token may revoke itself)."""
        try:
            return uuid.UUID(str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)))
        except ValueError:
            return None

    def destroy(self, request, *args, **kwargs):
        self.get_object().revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocsView(SpectacularSwaggerSplitView):
    """The API's docs page. Like the schema it describes, it is for signed-in users only;
    a browser (asking for HTML) that is not signed in is sent to the sign-in page and back,
    not shown a bare "401 Unauthorized"; a script still gets the 401."""

    def handle_exception(self, exc):
        browser = "text/html" in self.request.headers.get("Accept", "")
        if browser and isinstance(
            exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed
        ):
            return redirect_to_login(self.request.get_full_path(), settings.LOGIN_URL)
        return super().handle_exception(exc)
