"""Query counts are pinned: every list endpoint runs as many queries for 20 rows as for 2."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import CasePersonRole, ResponseKind, StepKind
from monitor.choices import Vocabulary
from tests.api.conftest import API
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    EvidenceFileFactory,
    FacilityFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    OrganizationFactory,
    PersonFactory,
    PersonNameFactory,
    PlaceFactory,
    SourceFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def _case(team, index):
    case = CaseFactory(team=team)
    case.places.add(PlaceFactory())
    case.tags.add(TermFactory(vocabulary=Vocabulary.TAG))
    case.events.add(EventFactory(team=team))
    person = PersonFactory(team=team, is_protected=index % 2 == 0)
    CasePersonFactory(case=case, person=person, role=CasePersonRole.VICTIM)
    AllegationFactory(case=case, victim=person)
    group = GroupDetentionFactory(case=case, facility=FacilityFactory())
    GroupDetentionFigureFactory(group=group, source=SourceFactory(team=team))
    detention = DetentionFactory(case=case, person=person, group=group)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED)
    return case


def _event(team, index):
    event = EventFactory(team=team, parent=EventFactory(team=team))
    event.places.add(PlaceFactory())
    EventFigureFactory(event=event, source=SourceFactory(team=team))
    event.tags.add(TermFactory(vocabulary=Vocabulary.TAG))
    event.organiser_persons.add(PersonFactory(team=team, is_protected=index % 2 == 0))
    event.organiser_organizations.add(OrganizationFactory())
    group = GroupDetentionFactory(case=CaseFactory(team=team), event=event)
    GroupDetentionFigureFactory(group=group, source=SourceFactory(team=team))
    return event


def _allegation(team, index):
    allegation = AllegationFactory(case=CaseFactory(team=team), victim=PersonFactory(team=team))
    AllegationPerpetratorFactory(allegation=allegation, person=PersonFactory(team=team))
    return allegation


def _detention(team, index):
    detention = DetentionFactory(case=CaseFactory(team=team), person=PersonFactory(team=team))
    DetentionStepFactory(
        detention=detention,
        kind=StepKind.ARRESTED,
        facility=TermFactory(vocabulary=Vocabulary.FACILITY),
    )
    step = DetentionStepFactory(
        detention=detention, sentenced=True, authority=OrganizationFactory()
    )
    step.articles.add(TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE))
    fine = DetentionStepFactory(
        detention=detention,
        kind=StepKind.FINED,
        fine_amount=500,
        fine_currency="TJS",
        held_at=FacilityFactory(),
    )
    fine.administrative_articles.add(TermFactory(vocabulary=Vocabulary.ADMINISTRATIVE_ARTICLE))
    return detention


def _group_detention(team, index):
    case = CaseFactory(team=team)
    group = GroupDetentionFactory(
        case=case, event=EventFactory(team=team), facility=FacilityFactory(), place=PlaceFactory()
    )
    GroupDetentionFigureFactory(group=group, source=SourceFactory(team=team))
    GroupDetentionFigureFactory(
        group=group, kind="fined", value=3, source=SourceFactory(team=team, is_protected=True)
    )
    DetentionFactory(case=case, person=PersonFactory(team=team), group=group)
    return group


def _facility(team, index):
    return FacilityFactory(
        place=PlaceFactory(),
        authority=OrganizationFactory(),
        latitude="37.5",
        longitude="71.5",
        coordinates_source=SourceFactory(team=team, is_protected=index % 2 == 0),
    )


def _followup(team, index):
    followup = FollowUpFactory(case=CaseFactory(team=team), addressee=OrganizationFactory())
    followup.other_addressees.add(OrganizationFactory())
    followup.persons.add(PersonFactory(team=team))
    followup.mandates.add(TermFactory(vocabulary=Vocabulary.UN_MANDATE))
    FollowUpResponseFactory(
        followup=followup, kind=ResponseKind.PARTIAL, document=SourceFactory(team=team)
    )
    return followup


def _person(team, index):
    person = PersonFactory(team=team, is_protected=index % 2 == 0, residence=PlaceFactory())
    PersonNameFactory(person=person)
    return person


def _organization(team, index):
    return OrganizationFactory(parent=OrganizationFactory(), country=PlaceFactory())


def _affiliation(team, index):
    return AffiliationFactory(person=PersonFactory(team=team))


def _source(team, index):
    source = SourceFactory(team=team, is_protected=index % 2 == 0)
    source.derived_from.add(SourceFactory(team=team))
    return source


def _evidence(team, index):
    return EvidenceFileFactory(source=SourceFactory(team=team, is_protected=index % 2 == 0))


def _citation(team, index):
    return CitationFactory(source=SourceFactory(team=team), record=CaseFactory(team=team))


def _term(team, index):
    return TermFactory(parent=TermFactory())


def _place(team, index):
    return PlaceFactory(parent=PlaceFactory())


MAKERS = {
    "cases": _case,
    "events": _event,
    "allegations": _allegation,
    "detentions": _detention,
    "group-detentions": _group_detention,
    "facilities": _facility,
    "follow-ups": _followup,
    "persons": _person,
    "organizations": _organization,
    "affiliations": _affiliation,
    "sources": _source,
    "evidence-files": _evidence,
    "citations": _citation,
    "terms": _term,
    "places": _place,
}


def queries_for_list(client, endpoint) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{API}/{endpoint}/", {"page_size": 50})
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()["count"]


@pytest.mark.parametrize("endpoint", MAKERS)
def test_list_queries_do_not_grow_with_rows(endpoint, team, monitor_on_team, api):
    client = api(monitor_on_team)
    make = MAKERS[endpoint]
    for index in range(2):
        make(team, index)
    client.get(f"{API}/{endpoint}/")  # warm caches (content types, the user's roles)
    few, count_few = queries_for_list(client, endpoint)
    for index in range(2, 20):
        make(team, index)
    many, count_many = queries_for_list(client, endpoint)
    assert count_many > count_few >= 2
    assert few == many, f"{endpoint}: {few} queries for {count_few} rows, {many} for {count_many}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # committed, as requests
def test_the_withheld_names_are_read_once_whatever_their_number(team, coordinator, api):
    """Every answer to a signed-in reader is scrubbed of the names they may not identify; the
    names are read once per change (``monitor.redaction.text_scrubber``), not per request:
    the same queries with 3 protected persons as with 30, and none of them reads a name."""

    def protected(count):
        for n in range(count):
            PersonFactory(team=team, is_protected=True, name=f"Witness Number{n:03d}")

    def me_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/me/").status_code == 200
        names = [q for q in captured.captured_queries if "people_personname" in q["sql"]]
        return len(captured.captured_queries), names

    client = api(coordinator)
    protected(3)
    client.get(f"{API}/me/")  # the names read once, after the last change
    few, names_read = me_queries()
    assert names_read == []
    protected(27)
    client.get(f"{API}/me/")
    many, names_read = me_queries()
    assert names_read == []
    assert many == few
