"""Fixtures for the form tests (the personas and ``signed_in`` are ``tests/conftest.py``'s)."""

from __future__ import annotations

import pytest

from monitor.choices import Vocabulary
from monitor.models import Term


@pytest.fixture
def violation(db):
    """A starter violation type (the vocabularies come from a data migration)."""
    return Term.objects.get(vocabulary=Vocabulary.VIOLATION_TYPE, code="arbitrary-arrest")


@pytest.fixture
def source_kind(db):
    return Term.objects.filter(vocabulary=Vocabulary.SOURCE_KIND).order_by("position").first()
