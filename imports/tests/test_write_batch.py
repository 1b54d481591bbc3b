"""The write batch an import's chunk runs in (``monitor.write_batch``): the rules of
``record_save`` still hold inside it, the last of them checked at the batch's end."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.db import transaction

from cases.models import Event
from imports.tests.conftest import coordinator, monitor_off_team, monitor_on_team, team
from monitor.choices import Confidentiality
from monitor.services import ActionRefused, record_save
from monitor.write_batch import BatchRefused, write_batch

pytestmark = pytest.mark.django_db


def hidden_event() -> Event:
    """An event its own author could not see once saved (strict, in no team)."""
    return Event(title="Rally", confidentiality=Confidentiality.STRICT)


def test_a_save_that_would_hide_the_record_is_refused_at_the_batch_end(coordinator):
    with pytest.raises(ActionRefused) as refused:
        record_save(record=hidden_event(), actor=coordinator)
    assert refused.value.code == "would_hide"
    with pytest.raises(BatchRefused), transaction.atomic(), write_batch(coordinator):
        record_save(record=hidden_event(), actor=coordinator)
    assert not Event.objects.exists()


def test_inside_a_batch_a_monitor_still_cannot_edit_another_teams_record(
    monitor_on_team, monitor_off_team, team
):
    event = record_save(record=Event(title="Rally", team=team), actor=monitor_on_team)
    event.title = "Changed"
    with pytest.raises(ActionRefused), transaction.atomic(), write_batch(monitor_off_team):
        record_save(record=event, actor=monitor_off_team)
    event.refresh_from_db()
    assert event.title == "Rally"
