"""Each leak of protected identities seen in review (issue 12), one test each, over plain HTTP.

A protected witness and a protected source of the GBAO team, at a level everyone with a role
reads; the readers — a monitor of another team in the API, a coordinator of no team in the admin —
see the records but may not know who they are. :mod:`tests.security.test_redaction` enumerates every
surface; these pin the exact places a leak was found.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from monitor.choices import Confidentiality
from sources.choices import CustodyAction
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CustodyEventFactory,
    EvidenceFileFactory,
    OrganizationFactory,
    PersonFactory,
    SourceFactory,
)

FILE_NAME = "interview_Nazarova.m4a"
ROLE = "deputy head, district police"


@pytest.fixture
def protected(team, monitor_on_team):
    witness = PersonFactory(
        team=team,
        confidentiality=Confidentiality.INTERNAL,
        is_protected=True,
        name="Gulnora Nazarova",
        occupation="schoolteacher in Vomar",
        ethnicity="Pamiri (Rushani)",
        gender="female",
    )
    police = OrganizationFactory(name="Rushan district police")
    affiliation = AffiliationFactory(person=witness, organization=police, role=ROLE)
    source = SourceFactory(
        team=team, confidentiality=Confidentiality.INTERNAL, is_protected=True, title="Informant"
    )
    evidence = EvidenceFileFactory(
        source=source, original_name=FILE_NAME, description="Recorded in Nazarova's kitchen"
    )
    CustodyEventFactory(evidence=evidence, actor=monitor_on_team, action=CustodyAction.DOWNLOAD)
    evidence.description = "Recorded again in Nazarova's kitchen"
    evidence.save()
    return {
        "witness": witness,
        "police": police,
        "affiliation": affiliation,
        "source": source,
        "evidence": evidence,
    }


@pytest.fixture
def api(monitor_off_team):
    client = APIClient()
    client.force_authenticate(monitor_off_team)
    return client


@pytest.fixture
def browser(client, coordinator):
    """The admin, as a coordinator of no team: reads every record, identifies none."""
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    return client


def text(response) -> str:
    assert response.status_code in (200, 404), response.status_code
    return response.content.decode()


# -- a protected source's evidence file --------------------------------------------------------


def test_evidence_file_history_in_the_api_hides_its_name_and_description(api, protected):
    body = text(api.get(f"/api/v1/evidence-files/{protected['evidence'].pk}/history/"))
    assert "Nazarova" not in body
    assert protected["evidence"].sha256 not in body


def test_evidence_file_admin_list_change_and_history_hide_its_name(browser, protected):
    evidence = protected["evidence"]
    for path in (
        "/admin/sources/evidencefile/",
        f"/admin/sources/evidencefile/{evidence.pk}/change/",
        f"/admin/sources/evidencefile/{evidence.pk}/history/",
    ):
        body = text(browser.get(path))
        assert "Nazarova" not in body, path
        assert evidence.sha256 not in body, path


def test_custody_event_list_does_not_name_the_file(browser, protected):
    body = text(browser.get("/admin/sources/custodyevent/"))
    assert "Nazarova" not in body
    assert "Evidence file E-" in body  # the file's pseudonym instead


def test_the_evidence_inline_on_the_source_page_hides_file_names(browser, protected):
    body = text(browser.get(f"/admin/sources/source/{protected['source'].pk}/change/"))
    assert "Nazarova" not in body


def test_admin_search_does_not_confirm_a_protected_file_name(browser, protected):
    body = text(browser.get("/admin/sources/evidencefile/?q=Nazarova"))
    assert "0 evidence files" in body or "Evidence file E-" not in body


# -- a protected person's affiliation -------------------------------------------------------------


def test_affiliations_of_a_protected_person_are_not_listed_in_the_api(api, protected):
    witness, affiliation = protected["witness"], protected["affiliation"]
    assert ROLE not in text(api.get(f"/api/v1/affiliations/?person={witness.pk}"))
    assert api.get(f"/api/v1/affiliations/{affiliation.pk}/").status_code == 404
    assert api.get(f"/api/v1/affiliations/{affiliation.pk}/history/").status_code == 404


def test_filtering_persons_by_organisation_does_not_reveal_a_protected_member(api, protected):
    body = api.get(f"/api/v1/persons/?organization={protected['police'].pk}").json()
    assert str(protected["witness"].pk) not in {row["id"] for row in body["results"]}


def test_affiliation_admin_pages_and_the_person_inline_hide_a_protected_persons_role(
    browser, protected
):
    affiliation = protected["affiliation"]
    assert ROLE not in text(browser.get("/admin/people/affiliation/"))
    for suffix in ("change/", "history/"):
        response = browser.get(f"/admin/people/affiliation/{affiliation.pk}/{suffix}")
        assert response.status_code == 404
    body = text(browser.get(f"/admin/people/person/{protected['witness'].pk}/change/"))
    assert ROLE not in body
    assert "Nazarova" not in body


def test_the_team_member_still_sees_the_affiliation(protected, monitor_on_team):
    client = APIClient()
    client.force_authenticate(monitor_on_team)
    assert ROLE in text(client.get(f"/api/v1/affiliations/?person={protected['witness'].pk}"))


# -- a protected person's other identifying fields ---------------------------------------------


def test_occupation_ethnicity_and_gender_read_null_in_the_api(api, protected):
    body = api.get(f"/api/v1/persons/{protected['witness'].pk}/").json()
    assert body["identity_redacted"] is True
    assert body["occupation"] is None
    assert body["ethnicity"] is None
    assert body["gender"] is None
    listed = api.get("/api/v1/persons/").json()["results"]
    row = next(r for r in listed if r["id"] == str(protected["witness"].pk))
    assert row["occupation"] is None


# -- strict organisations named as perpetrators ------------------------------------------------


def test_a_strict_organisation_is_not_named_as_a_perpetrator_in_the_admin(browser, team):
    case = CaseFactory(team=team, confidentiality=Confidentiality.INTERNAL)
    allegation = AllegationFactory(case=case)
    strict = OrganizationFactory(
        name="Unit 7 secret service", confidentiality=Confidentiality.STRICT
    )
    perpetrator = AllegationPerpetratorFactory(allegation=allegation, organization=strict)
    for path in (
        "/admin/cases/allegationperpetrator/",
        f"/admin/cases/allegationperpetrator/{perpetrator.pk}/change/",
        f"/admin/cases/allegationperpetrator/{perpetrator.pk}/history/",
        f"/admin/cases/allegation/{allegation.pk}/change/",
    ):
        assert "Unit 7" not in text(browser.get(path)), path
