"""Fixtures for the form tests: the personas of ``tests/conftest.py``, signed in."""

from __future__ import annotations

import pytest

from monitor.choices import Vocabulary
from monitor.models import Term


@pytest.fixture
def signed_in(client):
    """``signed_in(user)`` signs ``user`` in on the test client and returns the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def violation(db):
    """A starter violation type (the vocabularies come from a data migration)."""
    return Term.objects.get(vocabulary=Vocabulary.VIOLATION_TYPE, code="arbitrary-arrest")


@pytest.fixture
def source_kind(db):
    return Term.objects.filter(vocabulary=Vocabulary.SOURCE_KIND).order_by("position").first()
