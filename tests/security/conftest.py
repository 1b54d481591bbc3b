"""Helpers for the security tests: signing in through each real path, from an address."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD

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
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **extra,
    )


def issue_token(username: str, password: str, address: str = "198.51.100.7", **extra):
    return APIClient().post(
        TOKENS_URL,
        {"name": "script", "username": username, "password": password},
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
