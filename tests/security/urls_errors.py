"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

SECRET_IN_A_LOCAL = "local-secret-value-4711"


def boom(request):
    witness = "Gulnora Witness-Protected"  # noqa: F841 - a local an error report must not show
    api_key = SECRET_IN_A_LOCAL  # noqa: F841
    raise RuntimeError("database password is hunter2-in-the-message")


def refuse(request):
    raise PermissionDenied("internal reason: clearance 30 < 40")


def suspicious(request):
    raise SuspiciousOperation("internal reason: tampered signature")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/refuse/", refuse),
    path("test-errors/suspicious/", suspicious),
    *project_urlpatterns,
]
