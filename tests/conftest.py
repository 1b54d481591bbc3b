"""The personas every surface is tested as.

* ``monitor_on_team`` — a monitor in ``team``: sees the team's cases at any level;
* ``monitor_off_team`` — a monitor with the same clearance who is not in the team;
* ``reviewer`` — in ``team``, verifies others' work;
* ``coordinator`` — manages users, teams and vocabularies;
* ``viewer`` — reads, with internal clearance only;
* ``no_role_user`` — signed in, in no role group, public clearance;
* an anonymous visitor is Django's test ``client`` without a login.

The fixtures live here for the cross-app tests in ``tests/``. An app's tests can use them by
importing them (``from tests.conftest import reviewer, team``) or, suite-wide, through
``pytest_plugins`` in the root ``conftest.py``. Factories are imported the same way:
``from tests.factories import CaseFactory``.
"""

from __future__ import annotations

import pytest

from monitor.choices import Confidentiality, Role
from tests.factories import TeamFactory, UserFactory


@pytest.fixture
def team(db):
    """The case team; ``monitor_on_team`` and ``reviewer`` are its members."""
    return TeamFactory(name="GBAO documentation team")


@pytest.fixture
def monitor_on_team(db, team):
    return UserFactory(
        username="alice-monitor",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


@pytest.fixture
def monitor_off_team(db):
    return UserFactory(
        username="bob-monitor", role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL
    )


@pytest.fixture
def reviewer(db, team):
    return UserFactory(
        username="rita-reviewer",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


@pytest.fixture
def coordinator(db):
    return UserFactory(
        username="carl-coordinator",
        role=Role.COORDINATOR,
        clearance=Confidentiality.CONFIDENTIAL,
    )


@pytest.fixture
def viewer(db):
    return UserFactory(username="vera-viewer", role=Role.VIEWER, clearance=Confidentiality.INTERNAL)


@pytest.fixture
def no_role_user(db):
    return UserFactory(username="nadia-no-role", clearance=Confidentiality.PUBLIC)


@pytest.fixture
def personas(monitor_on_team, monitor_off_team, reviewer, coordinator, viewer, no_role_user):
    """Every signed-in persona by name, for tests that loop over who may not do something."""
    return {
        "monitor_on_team": monitor_on_team,
        "monitor_off_team": monitor_off_team,
        "reviewer": reviewer,
        "coordinator": coordinator,
        "viewer": viewer,
        "no_role_user": no_role_user,
    }


@pytest.fixture
def second_reviewer(db, team):
    """Another reviewer in ``team``: four eyes need two."""
    return UserFactory(
        username="sam-reviewer",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


@pytest.fixture
def signed_in(client):
    """``signed_in(user)``: the test client, signed in as ``user``."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_client(db):
    """``api_client(user)``: a DRF test client authenticated as ``user``."""
    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
