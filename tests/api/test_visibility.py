"""Personas × endpoints: who sees what, 404 for hidden records, redaction of protected
identities, and choices that never confirm a hidden record."""

from __future__ import annotations

import uuid

import pytest

from cases.choices import CasePersonRole
from monitor.choices import Confidentiality, Vocabulary
from sources.choices import CustodyAction
from sources.models import CustodyEvent
from tests.api.conftest import API
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CasePersonFactory,
    PersonFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

#: endpoint → the world's record it shows.
RESOURCES = {
    "cases": "case",
    "events": "rally",
    "allegations": "allegation",
    "detentions": "detention",
    "follow-ups": "followup",
    "persons": "victim",
    "organizations": "police",
    "affiliations": "affiliation",
    "sources": "source",
    "evidence-files": "evidence",
    "citations": "citation",
    "terms": "torture",
    "places": "town",
}
#: Who sees the world's confidential team records: the team, and others cleared for
#: confidential. The viewer (internal) and a user without a role do not.
SEES_CONFIDENTIAL = {"monitor_on_team", "reviewer", "monitor_off_team", "coordinator"}
#: Reference data and public records: every role.
PUBLIC = {"organizations", "terms", "places"}


@pytest.mark.parametrize("endpoint", RESOURCES)
def test_each_persona_sees_exactly_what_access_allows(endpoint, world, personas, api):
    record = world[RESOURCES[endpoint]]
    for name, user in personas.items():
        client = api(user)
        expected = name != "no_role_user" if endpoint in PUBLIC else name in SEES_CONFIDENTIAL
        detail = client.get(f"{API}/{endpoint}/{record.pk}/")
        assert detail.status_code == (200 if expected else 404), (name, detail.content)
        listed = {
            row["id"] for row in client.get(f"{API}/{endpoint}/?page_size=100").json()["results"]
        }
        assert (str(record.pk) in listed) is expected, name
        history = client.get(f"{API}/{endpoint}/{record.pk}/history/")
        assert history.status_code == (200 if expected else 404), name


def test_strict_case_of_another_team_is_404_for_everyone_else(strict_case, personas, api):
    for name, user in personas.items():
        client = api(user)
        url = f"{API}/cases/{strict_case.pk}/"
        assert client.get(url).status_code == 404, name
        assert client.patch(url, {"title": "x"}, format="json").status_code == 404, name
        for action in ("submit", "verify", "archive", "history"):
            method = client.get if action == "history" else client.post
            assert method(f"{url}{action}/").status_code == 404, (name, action)
        listed = client.get(f"{API}/cases/").json()["results"]
        assert str(strict_case.pk) not in {row["id"] for row in listed}


def test_hidden_and_missing_records_answer_the_same_404(strict_case, monitor_on_team, api):
    client = api(monitor_on_team)
    hidden = client.get(f"{API}/cases/{strict_case.pk}/")
    missing = client.get(f"{API}/cases/{uuid.uuid4()}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get(f"{API}/cases/not-a-uuid/").status_code == 404


def test_protected_person_is_redacted_for_users_who_may_not_identify_them(world, api, personas):
    witness = world["witness"]
    witness.contact = "+992 000 000"
    witness.birth_date = "1980"
    witness.save()
    hidden = api(personas["monitor_off_team"]).get(f"{API}/persons/{witness.pk}/").json()
    assert hidden["display_name"] == witness.pseudonym
    assert hidden["identity_redacted"] is True
    assert hidden["names"] == []
    assert hidden["contact"] is None and hidden["birth_date"] is None
    shown = api(personas["monitor_on_team"]).get(f"{API}/persons/{witness.pk}/").json()
    assert shown["display_name"] == "Secret Witness Name"
    assert shown["contact"] == "+992 000 000" and shown["birth_date"] == "1980"
    assert shown["identity_redacted"] is False


def test_protected_person_shows_as_pseudonym_inside_a_case(world, api, personas):
    case = api(personas["coordinator"]).get(f"{API}/cases/{world['case'].pk}/").json()
    names = {link["person"]["display_name"] for link in case["persons"]}
    assert world["witness"].pseudonym in names
    assert "Secret Witness Name" not in str(case)


def test_protected_person_cannot_be_found_by_name_without_clearance(world, api, personas):
    for name in ("monitor_off_team", "coordinator"):
        found = api(personas[name]).get(f"{API}/persons/", {"name": "Secret Witness"}).json()
        assert found["results"] == [], name
    found = api(personas["monitor_on_team"]).get(f"{API}/persons/", {"name": "Secret Witness"})
    assert [p["id"] for p in found.json()["results"]] == [str(world["witness"].pk)]


def test_uncleared_editor_cannot_erase_or_unprotect_what_they_cannot_see(world, api, personas):
    witness = world["witness"]
    witness.contact = "kept"
    witness.save()
    response = api(personas["coordinator"]).patch(
        f"{API}/persons/{witness.pk}/",
        {"contact": None, "is_protected": False, "occupation": "teacher", "names": []},
        format="json",
    )
    assert response.status_code == 200, response.content
    witness.refresh_from_db()
    assert witness.contact == "kept" and witness.is_protected
    assert witness.occupation == ""  # identifying too: read-only for them (issue 12)


def test_protected_source_is_redacted(world, api, personas):
    source = world["protected_source"]
    source.publisher = "A neighbour"
    source.save()
    hidden = api(personas["monitor_off_team"]).get(f"{API}/sources/{source.pk}/").json()
    assert hidden["title"] == source.pseudonym and hidden["publisher"] is None
    assert hidden["identity_redacted"] is True
    shown = api(personas["monitor_on_team"]).get(f"{API}/sources/{source.pk}/").json()
    assert shown["title"] == "Testimony of a neighbour"
    found = api(personas["monitor_off_team"]).get(f"{API}/sources/", {"q": "neighbour"})
    assert found.json()["results"] == []


def test_history_leaves_out_identifying_fields_for_uncleared_readers(world, api, personas):
    witness = world["witness"]
    witness.contact = "+992 111"
    witness.occupation = "driver"
    witness.save()
    hidden = api(personas["coordinator"]).get(f"{API}/persons/{witness.pk}/history/").json()
    fields = {c["field"] for entry in hidden["results"] for c in entry["changes"]}
    assert "occupation" not in fields and "contact" not in fields
    assert fields  # the entries are there, without what identifies the witness
    shown = api(personas["reviewer"]).get(f"{API}/persons/{witness.pk}/history/").json()
    assert "contact" in {c["field"] for entry in shown["results"] for c in entry["changes"]}


def test_evidence_download_is_checked_logged_and_an_attachment(world, api, personas):
    evidence = world["evidence"]
    response = api(personas["monitor_on_team"]).get(f"{API}/evidence-files/{evidence.pk}/download/")
    assert response.status_code == 200
    assert response["X-Content-SHA256"] == evidence.sha256
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"Statement of a witness, recorded in Khorog."
    assert CustodyEvent.objects.filter(
        evidence=evidence, action=CustodyAction.DOWNLOAD, actor=personas["monitor_on_team"]
    ).exists()
    assert (
        api(personas["viewer"]).get(f"{API}/evidence-files/{evidence.pk}/download/").status_code
        == 404
    )


def test_file_of_a_protected_source_is_not_served_to_uncleared_users(world, api, personas):
    from tests.factories import EvidenceFileFactory

    evidence = EvidenceFileFactory(source=world["protected_source"])
    response = api(personas["monitor_off_team"]).get(
        f"{API}/evidence-files/{evidence.pk}/download/"
    )
    assert response.status_code == 403
    meta = api(personas["monitor_off_team"]).get(f"{API}/evidence-files/{evidence.pk}/").json()
    assert meta["original_name"] is None
    assert not CustodyEvent.objects.filter(
        evidence=evidence, action=CustodyAction.DOWNLOAD
    ).exists()


def test_a_link_to_a_hidden_person_reads_as_null(api, viewer):
    violation = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE)
    case = CaseFactory(confidentiality=Confidentiality.PUBLIC)
    hidden = PersonFactory(name="Hidden Victim", confidentiality=Confidentiality.CONFIDENTIAL)
    CasePersonFactory(case=case, person=hidden, role=CasePersonRole.VICTIM)
    allegation = AllegationFactory(case=case, victim=hidden, violation_type=violation)
    client = api(viewer)
    detail = client.get(f"{API}/allegations/{allegation.pk}/").json()
    assert detail["victim"] is None
    listed = client.get(f"{API}/cases/{case.pk}/").json()
    assert listed["persons"] == []  # the link to a hidden person is left out
    assert listed["allegations"][0]["victim"] is None
    assert "Hidden Victim" not in str(detail) + str(listed)


def test_filtering_by_a_hidden_record_is_refused_like_a_missing_one(world, api, viewer):
    client = api(viewer)
    hidden = client.get(f"{API}/cases/", {"event": str(world["rally"].pk)})
    missing = client.get(f"{API}/cases/", {"event": str(uuid.uuid4())})
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["error"]["fields"] == missing.json()["error"]["fields"]
    assert "valid choice" in str(hidden.json()["error"]["fields"]["event"])


def test_linking_to_a_hidden_record_is_refused_like_a_missing_one(
    strict_case, world, api, personas
):
    client = api(personas["monitor_on_team"])
    body = {"victim_description": "residents", "violation_type": str(world["torture"].pk)}
    hidden = client.post(
        f"{API}/allegations/", {**body, "case": str(strict_case.pk)}, format="json"
    )
    missing = client.post(f"{API}/allegations/", {**body, "case": str(uuid.uuid4())}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert list(hidden.json()["error"]["fields"]) == ["case"]
    assert str(strict_case.pk) in str(hidden.json()) and "exist" not in str(hidden.json())


#: A harmless change per endpoint, for the write matrix.
CHANGES = {
    "cases": {"summary": "x"},
    "events": {"description": "x"},
    "allegations": {"description": "x"},
    "detentions": {"description": "x"},
    "follow-ups": {"description": "x"},
    "persons": {"occupation": "x"},
    "organizations": {"description": "x"},
    "affiliations": {"role": "x"},
    "sources": {"summary": "x"},
    "evidence-files": {"description": "x"},
    "citations": {"note": "x"},
    "terms": {"description": "x"},
    "places": {"code": "x"},
}
TEAM_EDITORS = {"monitor_on_team": 200, "reviewer": 200, "coordinator": 200}


def expected_write(endpoint: str, persona: str) -> int:
    """What a PATCH answers: 404 for a hidden record, 403 for a visible one the rules keep
    the persona from changing, 200 when they may."""
    if persona == "no_role_user":
        return 404
    if endpoint in ("terms", "places"):  # reference data: coordinators edit it
        return 200 if persona == "coordinator" else 403
    if endpoint == "organizations":  # public, outside any team: any writer may edit it
        return 403 if persona == "viewer" else 200
    if persona == "viewer":  # cannot see the confidential team records
        return 404
    return TEAM_EDITORS.get(persona, 403)  # the off-team monitor sees but may not edit


@pytest.mark.parametrize("endpoint", RESOURCES)
def test_each_persona_may_change_exactly_what_the_rules_allow(endpoint, world, personas, api):
    record = world[RESOURCES[endpoint]]
    for name, user in personas.items():
        response = api(user).patch(
            f"{API}/{endpoint}/{record.pk}/", CHANGES[endpoint], format="json"
        )
        assert response.status_code == expected_write(endpoint, name), (name, response.content)
        if response.status_code != 200:
            assert response.json()["error"]["code"] in {"not_found", "permission"}


def test_options_describes_an_endpoint_without_listing_choices(world, api, personas):
    response = api(personas["monitor_on_team"]).options(f"{API}/cases/")
    assert response.status_code == 200
    assert "Secret Witness Name" not in response.content.decode()


@pytest.mark.parametrize("action", ["submit", "verify", "return", "archive", "restore"])
def test_an_action_on_a_hidden_record_is_404_whatever_the_body(action, strict_case, api, reviewer):
    response = api(reviewer).post(
        f"{API}/cases/{strict_case.pk}/{action}/", {"comment": ["not a string"]}, format="json"
    )
    assert response.status_code == 404


def test_history_names_no_hidden_linked_record(team, viewer, coordinator):
    """The API's history comes from the one engine the pages and the admin use: a link to a
    record the reader may not see reads null, as in the record itself, not its id."""
    from rest_framework.test import APIClient

    from tests.factories import FollowUpFactory, OrganizationFactory

    unit = OrganizationFactory(name="Special unit", confidentiality=Confidentiality.CONFIDENTIAL)
    case = CaseFactory(team=team, confidentiality=Confidentiality.INTERNAL)
    followup = FollowUpFactory(case=case, addressee=unit)
    client = APIClient()
    client.force_authenticate(viewer)
    assert client.get(f"{API}/follow-ups/{followup.pk}/").json()["addressee"] is None
    entries = client.get(f"{API}/follow-ups/{followup.pk}/history/").json()["results"]
    assert {c["field"]: c for c in entries[-1]["changes"]}["addressee"]["new"] is None
    assert str(unit.pk) not in str(entries)
    # Who may see the unit reads its id.
    client.force_authenticate(coordinator)
    entries = client.get(f"{API}/follow-ups/{followup.pk}/history/").json()["results"]
    assert {c["field"]: c for c in entries[-1]["changes"]}["addressee"]["new"] == str(unit.pk)
