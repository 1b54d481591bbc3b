"""Links between records (a case's events, places, tags…) are kept in the history too."""

import pytest

from monitor.services import record_save
from tests.factories import CaseFactory, EventFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_changing_a_cases_events_is_recorded_with_who_and_which_events(monitor_on_team, team):
    case = CaseFactory(team=team)
    rally, blockade = EventFactory(team=team), EventFactory(team=team)

    record_save(record=case, actor=monitor_on_team, m2m={"events": [rally, blockade]})
    record_save(record=case, actor=monitor_on_team, m2m={"events": [blockade]})

    latest = case.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == monitor_on_team
    assert {link.event_id for link in latest.events.all()} == {blockade.pk}
    earlier = case.history.filter(history_date__lt=latest.history_date).order_by("-history_date")
    assert any(
        {link.event_id for link in row.events.all()} == {rally.pk, blockade.pk} for row in earlier
    )


def test_a_source_recorded_as_derived_keeps_that_link_in_its_history(monitor_on_team, team):
    release = SourceFactory(team=team, publisher="Ministry of Internal Affairs")
    story = SourceFactory(team=team, publisher="A news agency")

    record_save(record=story, actor=monitor_on_team, m2m={"derived_from": [release]})

    latest = story.history.order_by("-history_date", "-history_id").first()
    assert [link.to_source_id for link in latest.derived_from.all()] == [release.pk]
