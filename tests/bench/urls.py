"""The benchmark's URLconf: two "hello" baselines, then every product URL unchanged.

The baselines are bare DRF ``APIView``s returning a small dict: one with the API's token
authentication, one anonymous. Every endpoint's throughput is given as a ratio to them, so the
numbers say what Monitor costs beyond the framework, whatever the machine. They live here,
not in the product's URLs.
"""

from django.urls import include, path
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler500  # noqa: F401 — the product's error handler
from monitor.api.authentication import BearerTokenAuthentication
from monitor.urls import login_not_required_urls


class HelloToken(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"hello": request.user.get_username()})


class HelloAnonymous(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"hello": "world"})


hello_urlpatterns = [
    path("token/", HelloToken.as_view(), name="bench-hello-token"),
    path("anonymous/", HelloAnonymous.as_view(), name="bench-hello-anonymous"),
]

urlpatterns = [
    path("bench/hello/", login_not_required_urls(include(hello_urlpatterns))),
    path("", include("config.urls")),
]
