"""Helpers for the security tests: signing in through each real path, from an address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from tests.twofactor import enrol, next_code

TOKENS_URL = "/api/v1/auth/tokens/"
#: Something a person might type into the username field by mistake: their password.
PASSWORD_LIKE_USERNAME = "Tr0ub4dor&3-my-real-password"


def sign_in_page(client, username: str, password: str, address: str = "198.51.100.7", **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def sign_in_admin(client, username: str, password: str, address: str = "198.51.100.7", **extra):
    """Signing in to the admin: ``/admin/login/`` sends to the one sign-in page, with the
    admin as where to go next; the password is typed there."""
    start = client.get(reverse("admin:login"), {"next": reverse("admin:index")})
    assert start.status_code == 302 and start["Location"].startswith(reverse("login"))
    return client.post(
        start["Location"],
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **extra,
    )


def issue_token(
    username: str, password: str, address: str = "198.51.100.7", otp: str | None = None, **extra
):
    """POST username, password and a code to the token endpoint. Without ``otp``, the code
    is the account's authenticator's next one (the account is enrolled if it is not)."""
    if otp is None:
        user = get_user_model()._default_manager.filter(username=username).first()
        otp = next_code(enrol(user)) if user is not None else "000000"
    return APIClient().post(
        TOKENS_URL,
        {"name": "script", "username": username, "password": password, "otp": otp},
        format="json",
        REMOTE_ADDR=address,
        **extra,
    )


@pytest.fixture
def staff_coordinator(coordinator):
    """The coordinator persona, with admin access (as the demo gives coordinators)."""
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    return coordinator


@pytest.fixture
def password():
    return PASSWORD
