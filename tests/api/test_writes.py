"""Create, read, update and archive every resource, nested writes in one transaction, and
what a client may not write."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Allegation, Case, CasePerson, Detention, DetentionStep, FollowUp
from monitor.choices import ReviewState, Vocabulary
from monitor.models import Place, Term
from people.models import Affiliation, Organization, Person, PersonName
from sources.choices import CustodyAction
from sources.models import Citation, CustodyEvent, EvidenceFile, Source
from tests.api.conftest import API
from tests.factories import TermFactory

pytestmark = pytest.mark.django_db


def ids(*records) -> list[str]:
    return [str(record.pk) for record in records]


def create_bodies(world, team) -> dict:
    """A valid body for a create on each endpoint, built on the world."""
    return {
        "cases": {"reference": "TJK-2023-0100", "title": "New case", "team": str(team.pk)},
        "events": {"title": "Rushan road blockade", "start": "2022-05-18", "team": str(team.pk)},
        "allegations": {
            "case": str(world["case"].pk),
            "victim_description": "about 200 residents",
            "violation_type": str(world["torture"].pk),
        },
        "detentions": {"case": str(world["case"].pk), "person": str(world["victim"].pk)},
        "follow-ups": {
            "case": str(world["case"].pk),
            "kind": "letter",
            "title": "Letter to the prosecutor",
        },
        "persons": {"team": str(team.pk), "names": [{"full_name": "Tolib Ayombekov"}]},
        "organizations": {"name": "Supreme Court", "kind": "court"},
        "affiliations": {
            "person": str(world["victim"].pk),
            "organization": str(world["police"].pk),
            "role": "officer",
        },
        "sources": {
            "title": "Press release",
            "kind": str(world["source_kind"].pk),
            "team": str(team.pk),
        },
        "citations": {
            "source": str(world["source"].pk),
            "record_type": "cases.detention",
            "record_id": str(world["detention"].pk),
        },
        "terms": {"vocabulary": "tag", "code": "gbao", "label": "GBAO"},
        "places": {"name": "Rushan", "kind": "district", "parent": str(world["region"].pk)},
        "group-detentions": {"case": str(world["case"].pk), "date": "2022-05-16"},
        "facilities": {"name": "Khorog city police station", "kind": "police_station"},
    }


UPDATES = {
    "cases": {"title": "Renamed"},
    "events": {"description": "A blockade"},
    "allegations": {"description": "Beaten"},
    "detentions": {"description": "Held incommunicado"},
    "follow-ups": {"description": "Copied to the ombudsman"},
    "persons": {"occupation": "journalist"},
    "organizations": {"acronym": "SC"},
    "affiliations": {"role": "commander"},
    "sources": {"summary": "A statement"},
    "citations": {"page": "12"},
    "terms": {"description": "A tag"},
    "places": {"code": "TJ-GB-RU"},
    "group-detentions": {"hours_held": 5},
    "facilities": {"address": "Lenin Street 1, Khorog"},
}


@pytest.mark.parametrize("endpoint", list(UPDATES))
def test_create_read_update_archive_restore(endpoint, world, team, api, personas):
    reference = ("terms", "places", "facilities")
    monitor = api(personas["coordinator" if endpoint in reference else "monitor_on_team"])
    created = monitor.post(
        f"{API}/{endpoint}/", create_bodies(world, team)[endpoint], format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version"] == 1 and body["archived_at"] is None
    url = f"{API}/{endpoint}/{body['id']}/"
    assert created["ETag"] == f'"{body["id"]}.1"'
    read = monitor.get(url)
    assert read.status_code == 200 and read.json()["id"] == body["id"]

    updated = monitor.patch(url, {**UPDATES[endpoint], "change_reason": "typo"}, format="json")
    assert updated.status_code == 200, updated.content
    field, value = next(iter(UPDATES[endpoint].items()))
    assert updated.json()[field] == value
    assert updated.json()["version"] == 2

    coordinator = api(personas["coordinator"])
    archived = coordinator.post(f"{url}archive/", {"reason": "duplicate"}, format="json")
    assert archived.status_code == 200, archived.content
    assert archived.json()["archived_at"] is not None
    listed = {
        row["id"] for row in monitor.get(f"{API}/{endpoint}/?page_size=100").json()["results"]
    }
    assert body["id"] not in listed
    only = monitor.get(f"{API}/{endpoint}/?archived=only&page_size=100").json()["results"]
    assert body["id"] in {row["id"] for row in only}
    assert monitor.get(url).status_code == 200  # still readable by its id
    restored = coordinator.post(f"{url}restore/", {}, format="json")
    assert restored.status_code == 200 and restored.json()["archived_at"] is None

    history = monitor.get(f"{url}history/").json()["results"]
    assert history[-1]["type"] == "created"
    assert any(entry["reason"] == "typo" for entry in history)


@pytest.mark.parametrize("endpoint", list(UPDATES))
def test_no_delete_anywhere(endpoint, world, api, personas):
    record = {
        "cases": "case", "events": "rally", "allegations": "allegation",
        "detentions": "detention", "follow-ups": "followup", "persons": "victim",
        "organizations": "police", "affiliations": "affiliation", "sources": "source",
        "citations": "citation", "terms": "torture", "places": "town",
        "group-detentions": "group", "facilities": "station",
    }[endpoint]  # fmt: skip
    response = api(personas["coordinator"]).delete(f"{API}/{endpoint}/{world[record].pk}/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_workflow_and_audit_fields_cannot_be_set(world, api, personas):
    monitor = personas["monitor_on_team"]
    response = api(monitor).patch(
        f"{API}/cases/{world['case'].pk}/",
        {
            "review_state": "verified",
            "version": 99,
            "created_by": str(personas["reviewer"].pk),
            "archived_at": "2020-01-01T00:00:00Z",
            "id": "00000000-0000-0000-0000-000000000000",
            "title": "Edited",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=world["case"].pk)
    assert case.review_state == ReviewState.DRAFT and case.version == 2
    assert case.archived_at is None and case.title == "Edited"
    created = api(monitor).post(
        f"{API}/cases/",
        {"reference": "TJK-2023-0200", "title": "x", "review_state": "verified", "team": None},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["review_state"] == "draft"
    assert created.json()["created_by"]["id"] == str(monitor.pk)


def test_viewer_and_user_without_role_cannot_write(world, team, api, personas):
    for name in ("viewer", "no_role_user"):
        client = api(personas[name])
        response = client.post(
            f"{API}/organizations/", {"name": "Some NGO", "kind": "ngo"}, format="json"
        )
        assert response.status_code == 403, name
        assert response.json()["error"]["code"] == "permission"
    assert not Organization.objects.filter(name="Some NGO").exists()


def test_monitor_cannot_edit_another_teams_case_or_archive(world, api, personas):
    off = api(personas["monitor_off_team"])
    url = f"{API}/cases/{world['case'].pk}/"
    refused = off.patch(url, {"title": "Hijacked"}, format="json")
    assert refused.status_code == 403
    assert api(personas["monitor_on_team"]).post(f"{url}archive/").status_code == 403
    assert Case.objects.get(pk=world["case"].pk).title == "Mamadshoeva"


def test_monitor_cannot_edit_vocabularies(api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/terms/", {"vocabulary": "tag", "code": "x", "label": "X"}, format="json"
    )
    assert response.status_code == 403
    assert not Term.objects.filter(code="x").exists()


def test_detention_with_steps_is_written_in_one_go(world, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/detentions/",
        {
            "case": str(world["case"].pk),
            "person": str(world["victim"].pk),
            "steps": [
                {"kind": "charged", "date": "2022-06", "articles": ids(world["article"])},
                {"kind": "arrested", "date": "2022-05-18", "facility": str(world["facility"].pk)},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    detention = Detention.objects.get(pk=response.json()["id"])
    assert sorted(detention.steps.values_list("kind", flat=True)) == ["arrested", "charged"]
    assert response.json()["current_status"] == "charged"
    step = next(s for s in response.json()["steps"] if s["kind"] == "charged")
    assert step["articles"][0]["id"] == str(world["article"].pk)


def test_invalid_nested_step_writes_nothing(world, api, personas):
    before = (Detention.objects.count(), DetentionStep.objects.count())
    response = api(personas["monitor_on_team"]).post(
        f"{API}/detentions/",
        {
            "case": str(world["case"].pk),
            "person": str(world["victim"].pk),
            "steps": [
                {"kind": "arrested", "date": "2022-05-18"},
                {"kind": "sentenced", "date": "2022-12"},  # a sentence needs a term
                {"kind": "charged", "date": "2021-01"},  # before the arrest
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["error"]["fields"]["steps"]
    assert set(errors) == {"1", "2"}  # by position, the failing items only
    assert "non_field_errors" in errors["1"] or "sentence_months" in errors["1"]
    assert "date" in errors["2"]
    assert (Detention.objects.count(), DetentionStep.objects.count()) == before


def test_nested_step_field_errors_are_400_with_positions(world, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/detentions/",
        {
            "case": str(world["case"].pk),
            "person": str(world["victim"].pk),
            "steps": [{"kind": "kidnapped", "date": "sometime"}],
        },
        format="json",
    )
    assert response.status_code == 400
    step = response.json()["error"]["fields"]["steps"]["0"]
    assert set(step) == {"kind", "date"}


def test_steps_are_updated_by_id_added_without_and_kept_when_left_out(world, api, personas):
    client = api(personas["monitor_on_team"])
    url = f"{API}/detentions/{world['detention'].pk}/"
    response = client.patch(
        url,
        {
            "steps": [
                {"id": str(world["arrest"].pk), "note": "at night"},
                {"kind": "transferred", "date": "2023-02", "facility": str(world["facility"].pk)},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    steps = {s["kind"]: s for s in response.json()["steps"]}
    assert set(steps) == {"arrested", "sentenced", "transferred"}
    assert steps["arrested"]["note"] == "at night"
    foreign = client.patch(url, {"steps": [{"id": str(world["response"].pk)}]}, format="json")
    assert foreign.status_code == 400
    assert "id" in foreign.json()["error"]["fields"]["steps"]["0"]


def test_person_with_names_and_a_new_primary_name(world, api, personas):
    client = api(personas["monitor_on_team"])
    victim = world["victim"]
    primary = victim.names.get(is_primary=True)
    response = client.patch(
        f"{API}/persons/{victim.pk}/",
        {
            "names": [
                {"id": str(primary.pk), "is_primary": False},
                {"full_name": "Ulfatkhonim Mamadshoeva-Nazarova", "is_primary": True},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["display_name"] == "Ulfatkhonim Mamadshoeva-Nazarova"
    assert PersonName.objects.filter(person=victim).count() == 3


def test_person_with_two_primary_names_is_refused_whole(team, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/persons/",
        {
            "team": str(team.pk),
            "occupation": "lawyer",
            "names": [
                {"full_name": "Manuchehr Kholiqnazarov", "is_primary": True},
                {"full_name": "Манучехр Холиқназаров", "is_primary": True},
            ],
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]["names"]) == ["1"]
    assert not Person.objects.filter(occupation="lawyer").exists()


def test_case_with_persons_events_and_tags(world, team, api, personas):
    tag = TermFactory(vocabulary=Vocabulary.TAG, label="journalists")
    response = api(personas["monitor_on_team"]).post(
        f"{API}/cases/",
        {
            "reference": "TJK-2023-0301",
            "title": "Journalists",
            "team": str(team.pk),
            "events": ids(world["rally"]),
            "places": ids(world["town"]),
            "tags": ids(tag),
            "persons": [
                {"person": str(world["victim"].pk), "role": "victim"},
                {"person": str(world["witness"].pk), "role": "witness", "note": "anonymous"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert CasePerson.objects.filter(case=case).count() == 2
    assert list(case.tags.all()) == [tag]
    assert response.json()["events"][0]["title"] == "Khorog rally"


def test_case_with_a_bad_reference_and_a_wrong_vocabulary_is_400(world, team, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/cases/",
        {"reference": "case 7", "title": "", "tags": ids(world["torture"])},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"title", "tags"}
    response = api(personas["monitor_on_team"]).post(
        f"{API}/cases/", {"reference": "case 7", "title": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "reference" in response.json()["error"]["fields"]
    assert not Case.objects.filter(title="x").exists()


def test_allegation_with_perpetrators(world, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/allegations/",
        {
            "case": str(world["case"].pk),
            "victim": str(world["victim"].pk),
            "violation_type": str(world["torture"].pk),
            "date": "May 2022",
            "perpetrators": [{"organization": str(world["police"].pk), "role": "ordered"}, {}],
        },
        format="json",
    )
    assert response.status_code == 400  # the second perpetrator is nobody
    assert list(response.json()["error"]["fields"]["perpetrators"]) == ["1"]
    assert Allegation.objects.count() == 1
    response = api(personas["monitor_on_team"]).post(
        f"{API}/allegations/",
        {
            "case": str(world["case"].pk),
            "victim": str(world["victim"].pk),
            "violation_type": str(world["torture"].pk),
            "date": "May 2022",
            "perpetrators": [{"organization": str(world["police"].pk), "role": "ordered"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["date"] == "2022-05"
    assert response.json()["perpetrators"][0]["organization"]["acronym"] == "MVD"


def test_allegation_needs_a_victim(world, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/allegations/",
        {"case": str(world["case"].pk), "violation_type": str(world["torture"].pk)},
        format="json",
    )
    assert response.status_code == 400
    assert "Name the victim" in str(response.json())


def test_followup_with_responses_takes_the_un_default_due_date(world, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/follow-ups/",
        {
            "case": str(world["case"].pk),
            "kind": "un_communication",
            "title": "Joint allegation letter",
            "sent": "2023-05-12",
            "addressee": str(world["police"].pk),
            "responses": [{"kind": "acknowledged", "received": "2023-06-01"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["due_on"] == "2023-07-11"
    assert body["status"] == "overdue"
    assert [r["kind"] for r in body["responses"]] == ["acknowledged"]
    partial = api(personas["monitor_on_team"]).patch(
        f"{API}/follow-ups/{body['id']}/",
        {"responses": [{"kind": "partial", "received": "2023-07-01"}]},
        format="json",
    )
    assert partial.status_code == 200, partial.content
    assert partial.json()["status"] == "answered_partially"


def test_followup_close_and_reopen(world, api, personas):
    client = api(personas["monitor_on_team"])
    url = f"{API}/follow-ups/{world['followup'].pk}/"
    closed = client.post(f"{url}close/", {"reason": "answered enough"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.post(f"{url}close/").status_code == 400
    reopened = client.post(f"{url}reopen/")
    assert reopened.status_code == 200 and reopened.json()["closed_at"] is None
    assert FollowUp.objects.get(pk=world["followup"].pk).closed_at is None


def test_evidence_upload_is_hashed_logged_and_served_back(world, api, personas):
    client = api(personas["monitor_on_team"])
    content = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    response = client.post(
        f"{API}/evidence-files/",
        {
            "source": str(world["source"].pk),
            "file": SimpleUploadedFile("verdict.pdf", content, content_type="application/pdf"),
            "description": "The verdict",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    import hashlib

    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["original_name"] == "verdict.pdf" and body["size"] == len(content)
    evidence = EvidenceFile.objects.get(pk=body["id"])
    assert CustodyEvent.objects.filter(evidence=evidence, action=CustodyAction.UPLOAD).exists()
    changed = client.patch(
        f"{API}/evidence-files/{body['id']}/",
        {"description": "Page 3", "sha256": "0" * 64},
        format="json",
    )
    assert changed.status_code == 200
    evidence.refresh_from_db()
    assert evidence.description == "Page 3" and evidence.sha256 == body["sha256"]


def test_evidence_upload_of_a_disguised_file_is_refused(world, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/evidence-files/",
        {
            "source": str(world["source"].pk),
            "file": SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert EvidenceFile.objects.count() == 1


def test_citation_for_a_hidden_or_unknown_record_is_refused(world, strict_case, api, personas):
    client = api(personas["monitor_on_team"])
    for record_type, record_id in (
        ("cases.case", strict_case.pk),
        ("cases.allegation", world["case"].pk),  # the wrong kind for this id
    ):
        response = client.post(
            f"{API}/citations/",
            {
                "source": str(world["source"].pk),
                "record_type": record_type,
                "record_id": str(record_id),
            },
            format="json",
        )
        assert response.status_code == 400
        assert "record_id" in response.json()["error"]["fields"]
    bad_type = client.post(
        f"{API}/citations/",
        {
            "source": str(world["source"].pk),
            "record_type": "auth.user",
            "record_id": str(world["case"].pk),
        },
        format="json",
    )
    assert bad_type.status_code == 400
    assert Citation.objects.count() == 1


def test_citation_keeps_what_it_cites(world, api, personas):
    url = f"{API}/citations/{world['citation'].pk}/"
    response = api(personas["monitor_on_team"]).patch(
        url, {"source": str(world["protected_source"].pk), "quote": "he was beaten"}, format="json"
    )
    assert response.status_code == 200
    citation = Citation.objects.get(pk=world["citation"].pk)
    assert citation.source_id == world["source"].pk and citation.quote == "he was beaten"


def test_place_and_term_trees(world, api, personas):
    client = api(personas["coordinator"])
    response = client.post(
        f"{API}/places/",
        {"name": "Khorog", "kind": "settlement", "parent": str(world["region"].pk)},
        format="json",
    )
    assert response.status_code == 400  # already a part of GBAO with this name
    assert Place.objects.filter(name="Khorog").count() == 1


def test_source_affiliation_and_organization_reads(world, api, personas):
    client = api(personas["monitor_on_team"])
    source = client.get(f"{API}/sources/{world['source'].pk}/").json()
    assert source["kind"]["label"] == "NGO report" and source["publisher"] == "HRW"
    affiliation = client.get(f"{API}/affiliations/{world['affiliation'].pk}/").json()
    assert affiliation["person"]["display_name"] == "Ulfatkhonim Mamadshoeva"
    assert affiliation["organization"]["acronym"] == "MVD"
    assert Affiliation.objects.count() == 1 and Source.objects.count() == 2


def test_contested_figures_stand_side_by_side_each_with_its_source(world, api, personas):
    client = api(personas["monitor_on_team"])
    url = f"{API}/events/{world['rally'].pk}/figures/"
    for claimed_by, qualifier, value in (
        ("Authorities", "exact", 10),
        ("UN experts", "more_than", 40),
    ):
        response = client.post(
            url,
            {
                "kind": "killed",
                "qualifier": qualifier,
                "value": value,
                "claimed_by": claimed_by,
                "source": str(world["source"].pk),
                "page": "4",
            },
            format="json",
        )
        assert response.status_code == 200, response.content
    figures = response.json()["figures"]
    assert {(f["claimed_by"], f["display_value"]) for f in figures} == {
        ("Authorities", "10"),
        ("UN experts", "more than 40"),
    }
    assert Citation.objects.filter(field_name="value").count() == 2
    refused = api(personas["viewer"]).post(url, {}, format="json")
    assert refused.status_code == 404
    invalid = client.post(url, {"kind": "killed", "value": -1}, format="json")
    assert invalid.status_code == 400
    assert set(invalid.json()["error"]["fields"]) >= {"value", "claimed_by", "source"}
