"""One test per filter of every FilterSet, through the API; invalid values are 400."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.choices import CaseType, FollowUpKind, ResponseKind, StepKind
from monitor.choices import Confidentiality, Vocabulary
from tests.api.conftest import API
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CasePersonFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    OrganizationFactory,
    PersonFactory,
    PersonNameFactory,
    PlaceFactory,
    SourceFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api, monitor_on_team):
    return api(monitor_on_team)


def found(client, endpoint: str, **params) -> set[str]:
    response = client.get(f"{API}/{endpoint}/", {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def ids(*records) -> set[str]:
    return {str(record.pk) for record in records}


# -- cases ----------------------------------------------------------------------------------------


@pytest.fixture
def other_case(db, team):
    return CaseFactory(
        reference="TJK-2021-0002",
        title="Other",
        summary="Pamir lawyers",
        team=team,
        case_type=CaseType.GROUP,
        confidentiality=Confidentiality.INTERNAL,
    )


def test_cases_by_review_state(client, world, other_case):
    from monitor.services import review_submit

    review_submit(record=other_case, actor=world["case"].team.members.first())
    assert found(client, "cases", review_state="submitted") == ids(other_case)
    assert found(client, "cases", review_state=["draft", "submitted"]) == ids(
        world["case"], other_case
    )


def test_cases_by_type_and_confidentiality(client, world, other_case):
    assert found(client, "cases", case_type="group") == ids(other_case)
    assert found(client, "cases", confidentiality=Confidentiality.INTERNAL) == ids(other_case)


def test_cases_by_event_include_sub_events(client, world, other_case):
    assert found(client, "cases", event=str(world["crackdown"].pk)) == ids(world["case"])
    assert found(client, "cases", event=str(world["rally"].pk)) == ids(world["case"])


def test_cases_by_event_are_not_found_through_a_sub_event_hidden_from_the_reader(
    api, world, viewer, monitor_on_team
):
    # A public case and a public parent event the viewer sees; between them only a strict
    # sub-event (of the team) that the viewer may not see.
    parent = EventFactory(title="Public parent", confidentiality=Confidentiality.PUBLIC)
    hidden = EventFactory(
        title="Hidden sub-event", parent=parent, confidentiality=Confidentiality.STRICT,
        team=world["case"].team,
    )  # fmt: skip
    below = EventFactory(title="Public grandchild", parent=hidden,
                         confidentiality=Confidentiality.PUBLIC)  # fmt: skip
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC, title="Public case")
    case.events.add(hidden)
    other = CaseFactory(confidentiality=Confidentiality.PUBLIC, title="Under the grandchild")
    other.events.add(below)
    reader = api(viewer)
    assert found(reader, "cases", event=str(parent.pk)) == set()
    assert found(reader, "events", within=str(parent.pk)) == ids(parent)
    # The team sees the sub-event, and finds both cases through it.
    team_member = api(monitor_on_team)
    assert found(team_member, "cases", event=str(parent.pk)) == ids(case, other)


def test_organizations_within_are_not_found_through_a_hidden_part(api, world, viewer):
    ministry = OrganizationFactory(name="Ministry", confidentiality=Confidentiality.PUBLIC)
    secret = OrganizationFactory(  # above the viewer's internal clearance
        name="Secret unit", parent=ministry, confidentiality=Confidentiality.CONFIDENTIAL
    )
    OrganizationFactory(name="Public sub-unit", parent=secret,
                        confidentiality=Confidentiality.PUBLIC)  # fmt: skip
    assert found(api(viewer), "organizations", within=str(ministry.pk)) == ids(ministry)


def test_cases_by_place_include_sub_places_and_allegation_places(client, world, other_case):
    elsewhere = PlaceFactory(name="Dushanbe", parent=world["country"])
    other_case.places.add(elsewhere)
    assert found(client, "cases", place=str(world["region"].pk)) == ids(world["case"])
    assert found(client, "cases", place=str(world["country"].pk)) == ids(world["case"], other_case)


def test_cases_by_person_linked_victim_or_detained(client, world, other_case):
    lawyer = PersonFactory(name="Manuchehr Kholiqnazarov", team=world["case"].team)
    CasePersonFactory(case=other_case, person=lawyer, role="lawyer")
    assert found(client, "cases", person=str(lawyer.pk)) == ids(other_case)
    detained = PersonFactory(team=world["case"].team)
    DetentionFactory(case=other_case, person=detained)
    assert found(client, "cases", person=str(detained.pk)) == ids(other_case)
    assert found(client, "cases", person=str(world["victim"].pk)) == ids(world["case"])


def test_cases_by_violation_type_include_narrower_types(client, world, other_case):
    assert found(client, "cases", violation_type=str(world["violation"].pk)) == ids(world["case"])
    assert found(client, "cases", violation_type=str(world["torture"].pk)) == ids(world["case"])


def test_cases_by_tag_team_and_text(client, world, other_case, team):
    tag = TermFactory(vocabulary=Vocabulary.TAG)
    other_case.tags.add(tag)
    assert found(client, "cases", tag=str(tag.pk)) == ids(other_case)
    assert found(client, "cases", team=str(team.pk)) == ids(world["case"], other_case)
    # The summary's word, in another letter case (a person's name in any spelling is searched
    # too, so a case whose random factory-made victim is named alike may come as well).
    assert ids(other_case) <= found(client, "cases", q="pamir")
    assert found(client, "cases", q="TJK-2022") == ids(world["case"])


def test_cases_by_approximate_date_range(client, world, other_case):
    # world: allegation 18 May 2022, arrest 18 May 2022, sentence Dec 2022, events May 2022.
    assert found(client, "cases", date_from="2022-05-10", date_to="2022-06-01") == ids(
        world["case"]
    )
    assert found(client, "cases", date_from="2023") == set()
    assert found(client, "cases", date_to="2021") == set()
    AllegationFactory(case=other_case, date="2021", violation_type=world["torture"])
    # "2021" may fall within 2021-12-01..2021-12-31: it overlaps; it is not within 2022.
    assert found(client, "cases", date_from="2021-12", date_to="2021-12") == ids(other_case)
    assert found(client, "cases", date_from="2022-12", date_to="2022-12") == ids(world["case"])


def test_cases_by_event_dates(client, team):
    case = CaseFactory(team=team)
    case.events.add(EventFactory(start="2019-03", end="2019-09", team=team))
    assert found(client, "cases", date_from="2019-06-01", date_to="2019-06-30") == ids(case)
    assert found(client, "cases", date_from="2019-10") == set()


def test_cases_ordering_is_explicit_and_stable(client, world, other_case):
    response = client.get(f"{API}/cases/", {"ordering": "reference"}).json()["results"]
    assert [c["reference"] for c in response] == ["TJK-2021-0002", "TJK-2022-0001"]
    response = client.get(f"{API}/cases/", {"ordering": "-reference"}).json()["results"]
    assert [c["reference"] for c in response] == ["TJK-2022-0001", "TJK-2021-0002"]


def test_pages_do_not_overlap_when_the_sort_key_ties(client, team):
    for number in range(7):
        CaseFactory(team=team, title="Same title", reference=f"TJK-2020-{number:04d}")
    seen = []
    for page in (1, 2, 3):
        response = client.get(
            f"{API}/cases/", {"ordering": "title", "page_size": 3, "page": page}
        ).json()
        seen += [c["id"] for c in response["results"]]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    "params",
    [
        {"review_state": "approved"},
        {"case_type": "mass"},
        {"confidentiality": "99"},
        {"date_from": "next tuesday"},
        {"date_to": "2022-13"},
        {"ordering": "password"},
        {"team": "not-a-uuid"},
        {"event": "00000000-0000-0000-0000-000000000000"},
        {"archived": "maybe"},
        {"page": "0"},
        {"page": "x"},
        {"page_size": "1000"},
    ],
)
def test_an_invalid_filter_value_is_400_not_an_empty_list(client, world, params):
    response = client.get(f"{API}/cases/", params)
    assert response.status_code == 400, params
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == set(params)


def test_a_page_past_the_end_is_404(client, world):
    assert client.get(f"{API}/cases/", {"page": 9}).status_code == 404


def test_archived_records_are_left_out_unless_asked_for(client, world, other_case, coordinator):
    from monitor.services import record_archive

    record_archive(record=other_case, actor=coordinator)
    assert found(client, "cases") == ids(world["case"])
    assert found(client, "cases", archived="include") == ids(world["case"], other_case)
    assert found(client, "cases", archived="only") == ids(other_case)


# -- persons --------------------------------------------------------------------------------------


def test_persons_by_name_in_any_script(client, world, team):
    shoishirinov = PersonFactory(name="Mamadsulton Shoishirinov", team=team)
    PersonNameFactory(person=shoishirinov, full_name="Мамадсултон Шоиширинов")
    assert found(client, "persons", name="Шоиширинов") == ids(shoishirinov)
    assert found(client, "persons", name="Shoishirinow") == ids(shoishirinov)
    assert found(client, "persons", name="мамадшоева") == ids(world["victim"])
    assert found(client, "persons", name="Mamad") == ids(shoishirinov, world["victim"])
    assert found(client, "persons", name="Nobody Atall") == set()


def test_persons_by_state_protection_gender_team_confidentiality(client, world, team):
    woman = PersonFactory(gender="female", confidentiality=Confidentiality.INTERNAL)
    assert found(client, "persons", is_protected="true") == ids(world["witness"])
    assert found(client, "persons", gender="female") == ids(woman)
    assert found(client, "persons", confidentiality=Confidentiality.INTERNAL) == ids(woman)
    assert found(client, "persons", team=str(team.pk)) == ids(world["victim"], world["witness"])
    assert ids(woman) <= found(client, "persons", review_state="draft")


def test_persons_by_residence_and_organization(client, world):
    world["victim"].residence = world["town"]
    world["victim"].save()
    assert found(client, "persons", residence=str(world["region"].pk)) == ids(world["victim"])
    assert found(client, "persons", organization=str(world["police"].pk)) == ids(world["victim"])


# -- follow-ups ------------------------------------------------------------------------------------


@pytest.fixture
def followups(world):
    case = world["case"]
    today = timezone.localdate()
    awaiting = FollowUpFactory(
        case=case, sent=str(today), due_on=today + datetime.timedelta(days=30)
    )
    overdue = world["followup"]  # sent 12 May 2023, due 60 days later, acknowledged only
    partial = FollowUpFactory(case=case, kind=FollowUpKind.LETTER, sent=None, due_on=None)
    FollowUpResponseFactory(followup=partial, kind=ResponseKind.DENIAL, received=None)
    answered = FollowUpFactory(case=case)
    FollowUpResponseFactory(followup=answered, kind=ResponseKind.FULL)
    closed = FollowUpFactory(case=case, closed_at=timezone.now())
    return {
        "awaiting": awaiting,
        "overdue": overdue,
        "answered_partially": partial,
        "answered": answered,
        "closed": closed,
    }


@pytest.mark.parametrize(
    "status", ["awaiting", "overdue", "answered_partially", "answered", "closed"]
)
def test_followups_by_status_agree_with_the_model(client, followups, status):
    assert found(client, "follow-ups", status=status) == ids(followups[status])
    for followup in followups.values():
        detail = client.get(f"{API}/follow-ups/{followup.pk}/").json()
        assert detail["status"] == str(followup.status())


def test_followups_overdue_flag(client, followups):
    assert found(client, "follow-ups", overdue="true") == ids(followups["overdue"])
    assert ids(followups["overdue"]).isdisjoint(found(client, "follow-ups", overdue="false"))


def test_followups_by_due_dates(client, followups):
    assert found(client, "follow-ups", due_before="2023-07-11") == ids(
        followups["overdue"], followups["answered"], followups["closed"]
    )
    assert found(client, "follow-ups", due_after=str(timezone.localdate())) == ids(
        followups["awaiting"]
    )
    assert client.get(f"{API}/follow-ups/", {"due_before": "soon"}).status_code == 400


def test_followups_by_addressee_case_kind_owner_reference(
    client, world, followups, monitor_on_team
):
    other = OrganizationFactory(name="Prosecutor General")
    followups["awaiting"].other_addressees.add(other)
    assert found(client, "follow-ups", addressee=str(world["police"].pk)) == ids(
        followups["overdue"]
    )
    assert found(client, "follow-ups", addressee=str(other.pk)) == ids(followups["awaiting"])
    assert found(client, "follow-ups", case=str(world["case"].pk)) == ids(*followups.values())
    assert found(client, "follow-ups", kind="letter") == ids(followups["answered_partially"])
    closed = followups["closed"]
    closed.owner = monitor_on_team
    closed.save()
    assert found(client, "follow-ups", owner=str(monitor_on_team.pk)) == ids(closed)
    followups["answered"].reference = "AL TJK 2/2023"
    followups["answered"].save()
    assert found(client, "follow-ups", reference="tjk 2/") == ids(followups["answered"])


# -- detentions -----------------------------------------------------------------------------------


@pytest.fixture
def released(world):
    detention = DetentionFactory(case=world["case"], person=world["witness"])
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-05")
    DetentionStepFactory(detention=detention, kind=StepKind.RELEASED, date="2022-07")
    return detention


def test_detentions_by_current_status(client, world, released):
    assert found(client, "detentions", status="sentenced") == ids(world["detention"])
    assert found(client, "detentions", status="released") == ids(released)
    assert found(client, "detentions", status="arrested") == set()


def test_detentions_by_article_and_facility(client, world, released):
    assert found(client, "detentions", article=str(world["article"].pk)) == ids(world["detention"])
    facility_type = world["facility"].parent or TermFactory(vocabulary=Vocabulary.FACILITY)
    world["facility"].parent = facility_type
    world["facility"].save()
    assert found(client, "detentions", facility=str(facility_type.pk)) == ids(world["detention"])


def test_detentions_by_sentence_term_at_least(client, world, released):
    assert found(client, "detentions", sentence_min_months=252) == ids(world["detention"])
    assert found(client, "detentions", sentence_min_months=253) == set()
    life = DetentionFactory(case=world["case"])
    DetentionStepFactory(detention=life, kind=StepKind.SENTENCED, date="2023", life_sentence=True)
    assert found(client, "detentions", sentence_min_months=600) == ids(life)
    assert client.get(f"{API}/detentions/", {"sentence_min_months": "-1"}).status_code == 400


def test_detentions_by_person_case_and_step_dates(client, world, released):
    assert found(client, "detentions", person=str(world["witness"].pk)) == ids(released)
    assert found(client, "detentions", case=str(world["case"].pk)) == ids(
        world["detention"], released
    )
    assert found(client, "detentions", date_from="2022-12-15", date_to="2023") == ids(
        world["detention"]
    )
    assert found(client, "detentions", date_from="2022-07-10", date_to="2022-07-10") == ids(
        released
    )


# -- sources, evidence, citations -----------------------------------------------------------------


def test_sources_by_kind_including_narrower_kinds(client, world, team):
    narrower = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, parent=world["source_kind"])
    press = SourceFactory(kind=narrower, team=team, reliability="D", publisher="Asia-Plus")
    assert found(client, "sources", kind=str(narrower.pk)) == ids(press)
    assert ids(press, world["source"]) <= found(
        client, "sources", kind=str(world["source_kind"].pk)
    )


def test_sources_by_reliability_publisher_and_dates(client, world, team):
    press = SourceFactory(team=team, reliability="D", publisher="Asia-Plus", published="2021-03")
    assert found(client, "sources", reliability="D") == ids(press)
    assert found(client, "sources", reliability=["B", "D"]) >= ids(press, world["source"])
    assert found(client, "sources", publisher="asia") == ids(press)
    assert found(client, "sources", published_from="2021", published_to="2021") == ids(press)
    assert found(client, "sources", is_protected="true") == ids(world["protected_source"])
    assert client.get(f"{API}/sources/", {"reliability": "Z"}).status_code == 400


def test_evidence_files_by_source_and_hash(client, world):
    evidence = world["evidence"]
    assert found(client, "evidence-files", source=str(world["source"].pk)) == ids(evidence)
    assert found(client, "evidence-files", sha256=evidence.sha256) == ids(evidence)
    assert found(client, "evidence-files", sha256="0" * 64) == set()


def test_citations_by_record_source_and_stance(client, world):
    citation = world["citation"]
    assert found(client, "citations", record_type="cases.allegation") == ids(citation)
    assert found(client, "citations", record_type="cases.case") == set()
    assert found(client, "citations", record_id=str(world["allegation"].pk)) == ids(citation)
    assert found(client, "citations", source=str(world["source"].pk)) == ids(citation)
    assert found(client, "citations", stance="contests") == set()
    assert found(client, "citations", credibility=2) == ids(citation)
    assert client.get(f"{API}/citations/", {"record_type": "auth.user"}).status_code == 400


# -- events, allegations, organisations, affiliations ---------------------------------------------


def test_events_within_parent_place_dates_and_text(client, world):
    crackdown, rally = world["crackdown"], world["rally"]
    rally.places.add(world["town"])
    assert found(client, "events", within=str(crackdown.pk)) == ids(crackdown, rally)
    assert found(client, "events", parent=str(crackdown.pk)) == ids(rally)
    assert found(client, "events", place=str(world["country"].pk)) == ids(rally)
    assert found(client, "events", date_from="2022-05-16", date_to="2022-05-16") == ids(
        crackdown, rally
    )
    assert found(client, "events", date_from="2022-05-17") == ids(crackdown)
    assert found(client, "events", q="rally") == ids(rally)


def test_allegations_by_case_victim_violation_status_place_perpetrator_date(client, world):
    allegation = world["allegation"]
    AllegationPerpetratorFactory(allegation=allegation, organization=world["police"])
    other = AllegationFactory(
        case=world["case"], date="2023", victim_description="many", victim=None
    )
    assert found(client, "allegations", case=str(world["case"].pk)) == ids(allegation, other)
    assert found(client, "allegations", victim=str(world["victim"].pk)) == ids(allegation)
    assert found(client, "allegations", violation_type=str(world["violation"].pk)) == ids(
        allegation
    )
    assert found(client, "allegations", claim_status="alleged") == ids(allegation, other)
    assert found(client, "allegations", place=str(world["region"].pk)) == ids(allegation)
    assert found(client, "allegations", perpetrator=str(world["police"].pk)) == ids(allegation)
    assert found(client, "allegations", date_from="2023-06", date_to="2023-06") == ids(other)


def test_organizations_by_kind_tree_country_and_text(client, world):
    police = world["police"]
    unit = OrganizationFactory(name="Special police unit", parent=police, country=world["country"])
    court = OrganizationFactory(name="Khorog city court", kind="court")
    assert found(client, "organizations", kind="court") == ids(court)
    assert found(client, "organizations", parent=str(police.pk)) == ids(unit)
    assert found(client, "organizations", within=str(police.pk)) == ids(police, unit)
    assert found(client, "organizations", country=str(world["country"].pk)) == ids(unit)
    assert found(client, "organizations", q="mvd") == ids(police)


def test_affiliations_by_person_and_organization(client, world):
    other = AffiliationFactory(person=world["witness"], organization=OrganizationFactory())
    assert found(client, "affiliations", person=str(world["victim"].pk)) == ids(
        world["affiliation"]
    )
    assert found(client, "affiliations", organization=str(world["police"].pk)) == ids(
        world["affiliation"]
    )
    assert ids(other) <= found(client, "affiliations")


def test_terms_and_places_filters(client, world):
    violation, torture = world["violation"], world["torture"]
    assert found(client, "terms", vocabulary="criminal_article") >= ids(world["article"])
    assert found(client, "terms", within=str(violation.pk)) == ids(violation, torture)
    assert found(client, "terms", parent=str(violation.pk)) == ids(torture)
    assert found(client, "terms", code=torture.code) == ids(torture)
    assert ids(torture) <= found(client, "terms", q="tortur")
    assert found(client, "places", within=str(world["region"].pk)) == ids(
        world["region"], world["town"]
    )
    assert found(client, "places", kind="country") >= ids(world["country"])
    assert found(client, "places", parent=str(world["country"].pk)) == ids(world["region"])
    assert found(client, "places", q="khor") == ids(world["town"])
    assert found(client, "places", code="TJ") == ids(world["country"])
