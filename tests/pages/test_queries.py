"""Query counts are pinned: every list and detail page runs as many queries for 20 rows as
for 2."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import CasePersonRole, StepKind
from monitor.choices import Vocabulary
from people.matching import FEW_CANDIDATES
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


def _queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm the per-process caches (content types…)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(context.captured_queries)


# -- lists ---------------------------------------------------------------------------------------


def _case(team, index):
    case = CaseFactory(team=team)
    case.places.add(PlaceFactory())
    case.events.add(EventFactory(team=team))
    person = PersonFactory(team=team, is_protected=index % 2 == 0)
    CasePersonFactory(case=case, person=person, role=CasePersonRole.VICTIM)
    return case


def _person(team, index):
    person = PersonFactory(team=team, is_protected=index % 2 == 0, residence=PlaceFactory())
    PersonNameFactory(person=person)
    AffiliationFactory(person=person)
    return person


def _event(team, index):
    event = EventFactory(team=team, parent=EventFactory(team=team), kind=TermFactory(
        vocabulary=Vocabulary.EVENT_TYPE))  # fmt: skip
    event.places.add(PlaceFactory())
    return event


def _source(team, index):
    source = SourceFactory(team=team, is_protected=index % 2 == 0)
    EvidenceFileFactory(source=source)
    return source


def _followup(team, index):
    followup = FollowUpFactory(case=CaseFactory(team=team), addressee=OrganizationFactory())
    FollowUpResponseFactory(followup=followup)
    return followup


def _detention(team, index):
    detention = DetentionFactory(
        case=CaseFactory(team=team), person=PersonFactory(team=team, is_protected=index % 2 == 0)
    )
    arrest = DetentionStepFactory(
        detention=detention, place=PlaceFactory(), authority=OrganizationFactory()
    )
    arrest.articles.add(TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE))
    DetentionStepFactory(detention=detention, sentenced=True, date="2024")
    CitationFactory(source=SourceFactory(team=team), record=arrest)
    CitationFactory(source=SourceFactory(team=team), record=detention)
    return detention


LISTS = {
    "case": ("case-list", "case-export", _case),
    "person": ("person-list", "person-export", _person),
    "event": ("event-list", "event-export", _event),
    "source": ("source-list", "source-export", _source),
    "followup": ("followup-list", "followup-export", _followup),
    "register": ("register-list", "register-export", _detention),
}


@pytest.mark.parametrize("kind", LISTS)
def test_list_page_and_export_run_as_many_queries_for_20_rows_as_for_2(
    client, monitor_on_team, team, kind
):
    list_name, export_name, make = LISTS[kind]
    client.force_login(monitor_on_team)
    for index in range(2):
        make(team, index)
    few = {
        "list": _queries(client, reverse(list_name)),
        "sorted": _queries(
            client, reverse(list_name), {"sort": "-" + _first_sort(client, list_name)}
        ),
        "export": _queries(client, reverse(export_name)),
    }
    for index in range(2, 20):
        make(team, index)
    many = {
        "list": _queries(client, reverse(list_name)),
        "sorted": _queries(
            client, reverse(list_name), {"sort": "-" + _first_sort(client, list_name)}
        ),
        "export": _queries(client, reverse(export_name)),
    }
    assert many == few
    response = client.get(reverse(list_name))
    assert response.context["count"] >= 20


def _first_sort(client, list_name) -> str:
    headers = client.get(reverse(list_name)).context["headers"]
    return next(h["key"] for h in headers if h.get("sort_value"))


# -- detail pages --------------------------------------------------------------------------------


def _fill_case(case, team, n):
    source = SourceFactory(team=team)
    for index in range(n):
        person = PersonFactory(team=team, is_protected=index % 2 == 0)
        CasePersonFactory(case=case, person=person, role=CasePersonRole.VICTIM)
        allegation = AllegationFactory(case=case, victim=person, place=PlaceFactory())
        AllegationPerpetratorFactory(allegation=allegation)
        CitationFactory(source=source, record=allegation)
        CitationFactory(source=SourceFactory(team=team, is_protected=True), record=allegation)
        detention = DetentionFactory(case=case, person=person)
        arrest = DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED)
        DetentionStepFactory(detention=detention, sentenced=True, date="2024")
        CitationFactory(source=source, record=arrest)
        followup = FollowUpFactory(case=case, addressee=OrganizationFactory())
        FollowUpResponseFactory(followup=followup)
        case.events.add(EventFactory(team=team))
        group = GroupDetentionFactory(
            case=case, event=EventFactory(team=team), facility=FacilityFactory(), hours_held=5
        )
        GroupDetentionFigureFactory(group=group, source=source)


def _fill_person(person, team, n):
    # Namesakes, enough for the matcher's first candidate query (people.matching): whether it
    # also looks for names like any one word depends on the other test names in the database
    # (one query more or less, whatever the rows), not on this person's rows.
    name = person.names.get(is_primary=True).full_name
    for _index in range(FEW_CANDIDATES):
        PersonFactory(team=team, name=name)
    for _index in range(n):
        PersonNameFactory(person=person)
        AffiliationFactory(person=person)
        case = CaseFactory(team=team)
        CasePersonFactory(case=case, person=person)
        AllegationFactory(case=case, victim=person)
        detention = DetentionFactory(case=case, person=person)
        DetentionStepFactory(detention=detention)


def _fill_event(event, team, n):
    for _index in range(n):
        EventFactory(team=team, parent=event)
        case = CaseFactory(team=team)
        case.events.add(event)
        AllegationFactory(case=case, victim=PersonFactory(team=team))
        DetentionStepFactory(detention=DetentionFactory(case=case))
        EventFigureFactory(event=event, source=SourceFactory(team=team))


def _fill_source(source, team, n):
    for _index in range(n):
        case = CaseFactory(team=team)
        CitationFactory(source=source, record=case)
        CitationFactory(source=source, record=AllegationFactory(case=case))
        CitationFactory(source=source, record=PersonFactory(team=team, is_protected=True))
        EvidenceFileFactory(source=source)
        EventFigureFactory(source=source, event=EventFactory(team=team))


def _fill_followup(followup, team, n):
    for _index in range(n):
        FollowUpResponseFactory(followup=followup, document=SourceFactory(team=team))
        followup.persons.add(PersonFactory(team=team))
        followup.other_addressees.add(OrganizationFactory())


DETAILS = {
    "case": ("case-detail", lambda team: CaseFactory(team=team), _fill_case),
    "person": ("person-detail", lambda team: PersonFactory(team=team), _fill_person),
    "event": ("event-detail", lambda team: EventFactory(team=team), _fill_event),
    "source": ("source-detail", lambda team: SourceFactory(team=team), _fill_source),
    "followup": (
        "followup-detail",
        lambda team: FollowUpFactory(case=CaseFactory(team=team)),
        _fill_followup,
    ),
}


@pytest.mark.parametrize("kind", DETAILS)
def test_detail_page_runs_as_many_queries_for_20_rows_as_for_2(client, monitor_on_team, team, kind):
    name, make, fill = DETAILS[kind]
    client.force_login(monitor_on_team)
    few_record, many_record = make(team), make(team)
    fill(few_record, team, 2)
    fill(many_record, team, 20)
    few = _queries(client, reverse(name, kwargs={"pk": few_record.pk}))
    many = _queries(client, reverse(name, kwargs={"pk": many_record.pk}))
    assert many == few


def test_dashboard_runs_as_many_queries_for_20_records_as_for_2(client, monitor_on_team, team):
    from monitor.history import acting_as

    client.force_login(monitor_on_team)

    def make(n):
        with acting_as(monitor_on_team):
            for _index in range(n):
                case = CaseFactory(team=team)
                AllegationFactory(case=case, victim=PersonFactory(team=team))
                FollowUpFactory(case=case, sent="2023-05-12")

    make(2)
    few = _queries(client, reverse("dashboard"))
    make(18)
    many = _queries(client, reverse("dashboard"))
    assert many == few
