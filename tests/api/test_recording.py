"""Recording through the API follows the services' rules, as the pages and the admin do.

A case left without a reference is numbered (the client need not list every case to find a
free number); a reference with a future year is refused on its field; the victim of an
allegation and the detained person become persons of their case.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from cases.choices import CasePersonRole
from cases.models import Case, CasePerson
from tests.api.conftest import API
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year


@pytest.mark.parametrize("body", [{}, {"reference": ""}])
def test_case_created_without_a_reference_gets_the_next_free_one(team, api, personas, body):
    CaseFactory(reference=f"TJK-{THIS_YEAR}-0007")

    response = api(personas["monitor_on_team"]).post(
        f"{API}/cases/", {"title": "Five Pamiris", "team": str(team.pk), **body}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["reference"] == f"TJK-{THIS_YEAR}-0008"


def test_case_with_a_reference_in_the_future_is_refused_on_its_field(team, api, personas):
    response = api(personas["monitor_on_team"]).post(
        f"{API}/cases/",
        {"title": "Five Pamiris", "team": str(team.pk), "reference": "TJK-2099-0001"},
        format="json",
    )

    assert response.status_code == 400, response.content
    (message,) = response.json()["error"]["fields"]["reference"]
    assert message.startswith("2099 is not a year a case can have been opened in")
    assert not Case.objects.filter(title="Five Pamiris").exists()


def test_schema_says_the_reference_may_be_left_out():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    case_request = schema["components"]["schemas"]["CaseRequest"]
    assert "reference" not in case_request.get("required", [])
    assert "next free reference" in case_request["properties"]["reference"]["description"]


def test_victim_of_an_allegation_and_detained_person_become_persons_of_the_case(
    world, team, api, personas
):
    case = CaseFactory(team=team, reference="TJK-2023-0100")
    victim, detainee = PersonFactory(team=team), PersonFactory(team=team)
    client = api(personas["monitor_on_team"])

    allegation = client.post(
        f"{API}/allegations/",
        {"case": str(case.pk), "victim": str(victim.pk),
         "violation_type": str(world["violation"].pk)},
        format="json",
    )  # fmt: skip
    detention = client.post(
        f"{API}/detentions/",
        {"case": str(case.pk), "person": str(detainee.pk),
         "steps": [{"kind": "arrested", "date": "2023-06-12"}]},
        format="json",
    )  # fmt: skip

    assert (allegation.status_code, detention.status_code) == (201, 201)
    links = CasePerson.objects.filter(case=case).values_list("person", "role")
    assert sorted(links) == sorted(
        [(victim.pk, CasePersonRole.VICTIM), (detainee.pk, CasePersonRole.VICTIM)]
    )
