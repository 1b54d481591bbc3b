"""Citing a source on any record, or on one field of it."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from monitor.choices import Confidentiality, ReviewState
from monitor.services import ActionRefused, NotVisible, review_submit, review_verify
from sources.choices import Credibility, Stance
from sources.models import Citation
from sources.services import citation_add
from tests.conftest import (  # noqa: F401 — fixtures
    monitor_off_team,
    monitor_on_team,
    reviewer,
    team,
    viewer,
)
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionStepFactory,
    EventFigureFactory,
    PersonFactory,
    SourceFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def allegation(team):
    return AllegationFactory(case=CaseFactory(team=team))


@pytest.fixture
def source(team):
    return SourceFactory(title="Verdict of the Khorog city court", team=team)


def test_citation_on_a_field_records_locator_credibility_and_who_added_it(
    allegation, source, monitor_on_team
):
    citation = citation_add(
        record=allegation,
        source=source,
        actor=monitor_on_team,
        field_name="date",
        page="3",
        paragraph="7",
        quote="detained on 3 June 2023",
        credibility=Credibility.CONFIRMED,
    )

    stored = Citation.objects.get(pk=citation.pk)
    assert stored.record == allegation
    assert (stored.field_name, stored.page, stored.paragraph) == ("date", "3", "7")
    assert stored.credibility == Credibility.CONFIRMED
    assert stored.stance == Stance.SUPPORTS
    assert stored.created_by == monitor_on_team
    assert stored.history.get().history_user == monitor_on_team


@pytest.mark.parametrize(
    ("factory", "field_name"),
    [
        (DetentionStepFactory, "sentence_months"),
        (EventFigureFactory, "value"),
        (PersonFactory, "birth_date"),
    ],
)
def test_any_record_and_any_of_its_fields_can_be_cited(factory, field_name, team, reviewer):
    record = factory()
    citation = citation_add(
        record=record, source=SourceFactory(team=team), actor=reviewer, field_name=field_name
    )
    assert citation.record == record


@pytest.mark.parametrize(
    "field_name", ["arrest_date", "version", "created_by", "date_precision", "claim_status"]
)
def test_citation_on_a_field_the_record_does_not_have_is_refused_clearly(
    allegation, source, monitor_on_team, field_name
):
    with pytest.raises(ValidationError) as refused:
        citation_add(record=allegation, source=source, actor=monitor_on_team, field_name=field_name)

    message = refused.value.message_dict["field_name"][0]
    assert f"“{field_name}” is not a field of allegation" in message
    assert "date" in message and "violation_type" in message
    assert not Citation.objects.exists()


def test_citation_of_a_source_the_actor_cannot_see_is_not_visible(allegation, monitor_on_team):
    hidden = SourceFactory(confidentiality=Confidentiality.STRICT, team=TeamFactory())
    with pytest.raises(NotVisible):
        citation_add(record=allegation, source=hidden, actor=monitor_on_team)
    assert not Citation.objects.exists()


def test_monitor_off_team_may_not_cite_on_another_teams_case(allegation, monitor_off_team, team):
    open_source = SourceFactory(team=None)
    with pytest.raises(ActionRefused) as refused:
        citation_add(record=allegation, source=open_source, actor=monitor_off_team)
    assert refused.value.code == "permission"
    assert not Citation.objects.exists()


def test_viewer_may_not_cite(viewer):
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    public_source = SourceFactory(confidentiality=Confidentiality.PUBLIC)
    with pytest.raises(ActionRefused):
        citation_add(record=case, source=public_source, actor=viewer)


def test_citing_on_a_verified_case_sends_it_back_to_review(
    allegation, source, monitor_on_team, reviewer
):
    case = allegation.case
    citation_add(record=allegation, source=source, actor=monitor_on_team)
    review_submit(record=case, actor=monitor_on_team)
    review_verify(record=case, actor=reviewer)

    citation_add(record=allegation, source=SourceFactory(team=case.team), actor=monitor_on_team)

    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED
