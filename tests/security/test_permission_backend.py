"""A user's permissions are Django's (``ModelBackend``), read in one query instead of two."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from monitor.choices import Role
from monitor.security.backends import PermissionBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user read again: no permissions cached on it."""
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_django_s_permissions_in_one_query(role):
    user = UserFactory(role=role)
    read_again = fresh(user)
    with CaptureQueriesContext(connection) as captured:
        ours = PermissionBackend().get_all_permissions(read_again)
    assert len(captured.captured_queries) == 1
    assert ours == ModelBackend().get_all_permissions(fresh(user))
    assert ours  # every role holds some


def test_a_users_own_permissions_count_beside_the_groups():
    user = UserFactory(role=Role.MONITOR)
    user.user_permissions.add(Permission.objects.get(codename="verify_record"))
    ours = PermissionBackend().get_all_permissions(fresh(user))
    assert "monitor.verify_record" in ours
    assert ours == ModelBackend().get_all_permissions(fresh(user))


def test_who_may_verify_and_archive_is_unchanged():
    monitor, reviewer = UserFactory(role=Role.MONITOR), UserFactory(role=Role.REVIEWER)
    coordinator = UserFactory(role=Role.COORDINATOR)
    assert not fresh(monitor).has_perm("monitor.verify_record")
    assert fresh(reviewer).has_perm("monitor.verify_record")
    assert not fresh(reviewer).has_perm("monitor.archive_record")
    assert fresh(coordinator).has_perm("monitor.archive_record")


def test_inactive_and_anonymous_users_have_none_and_a_superuser_has_all():
    inactive = UserFactory(role=Role.COORDINATOR, is_active=False)
    assert PermissionBackend().get_all_permissions(fresh(inactive)) == set()
    assert not fresh(inactive).has_perm("monitor.archive_record")
    assert PermissionBackend().get_all_permissions(AnonymousUser()) == set()
    superuser = UserFactory(is_superuser=True)
    assert PermissionBackend().get_all_permissions(fresh(superuser)) == (
        ModelBackend().get_all_permissions(fresh(superuser))
    )
    assert len(PermissionBackend().get_all_permissions(fresh(superuser))) == (
        Permission.objects.count()
    )


def test_me_reads_permissions_in_one_query(api_client):
    """``/api/v1/me/`` asks two permissions: one query answers both."""
    reviewer = UserFactory(role=Role.REVIEWER)
    client = api_client(reviewer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/me/")
    assert response.status_code == 200, response.content
    assert response.json()["can_verify"] is True
    assert response.json()["can_archive"] is False
    permission_reads = [q for q in captured.captured_queries if "auth_permission" in q["sql"]]
    assert len(permission_reads) == 1
