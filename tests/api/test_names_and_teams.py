"""A person has a primary name; names hold no invisible controls; records created through the
API belong to their creator's team unless the client says otherwise (issue 20)."""

from __future__ import annotations

import pytest

from people.models import Organization, Person, PersonName
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def test_a_person_without_a_name_is_refused(api, monitor_on_team):
    client = api(monitor_on_team)
    before = Person.objects.count()
    for body in ({}, {"names": []}, {"gender": "female"}):
        response = client.post(f"{API}/persons/", body)
        assert response.status_code == 400, response.content
    assert Person.objects.count() == before


def test_a_person_whose_names_have_no_primary_one_is_refused(api, monitor_on_team):
    response = api(monitor_on_team).post(
        f"{API}/persons/",
        {"names": [{"full_name": "Ali Valiev"}, {"full_name": "Али Валиев"}]},
    )
    assert response.status_code == 400
    assert "is_primary" in str(response.json()["error"]["fields"])


def test_the_primary_name_cannot_be_unmarked_leaving_none(api, monitor_on_team, world):
    victim = world["victim"]
    primary = victim.names.get(is_primary=True)
    response = api(monitor_on_team).patch(
        f"{API}/persons/{victim.pk}/",
        {"names": [{"id": str(primary.pk), "is_primary": False}]},
    )
    assert response.status_code == 400, response.content
    assert victim.names.filter(is_primary=True, archived_at=None).count() == 1


@pytest.mark.parametrize(
    "name",
    ["Ali\u202eveyoK", "\u2067Ali Valiev", "Ali\x07 Valiev", "Ali\x1b[31m Valiev"],
)
def test_names_with_bidi_overrides_or_control_characters_are_refused(api, monitor_on_team, name):
    response = api(monitor_on_team).post(f"{API}/persons/", {"names": [{"full_name": name}]})
    assert response.status_code == 400, response.content
    message = str(response.json()["error"]["fields"]["names"])
    assert "U+" in message
    assert not PersonName.objects.filter(full_name__contains="Ali").exists()


def test_zero_width_characters_are_stripped_from_names_so_search_finds_them(api, monitor_on_team):
    client = api(monitor_on_team)
    response = client.post(
        f"{API}/persons/", {"names": [{"full_name": "Ju\u200bma\u200dyev Ali\ufeff"}]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["names"][0]["full_name"] == "Jumayev Ali"
    found = client.get(f"{API}/persons/?q=Jumayev").json()["results"]
    assert [p["id"] for p in found] == [response.json()["id"]]


def test_organisation_names_refuse_control_characters(api, coordinator):
    response = api(coordinator).post(
        f"{API}/organizations/", {"name": "MVD\u202e", "kind": "court"}
    )
    assert response.status_code == 400, response.content
    assert "name" in response.json()["error"]["fields"]
    assert not Organization.objects.filter(name__startswith="MVD").exists()


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("cases", {"reference": "TJK-2023-0500", "title": "By script"}),
        ("events", {"title": "By script"}),
        ("persons", {"names": [{"full_name": "Scripted Person"}]}),
        ("sources", {"title": "By script", "kind": "ngo-report"}),
    ],
)
def test_a_record_created_through_the_api_gets_its_creators_team(
    api, monitor_on_team, team, reviewer, world, endpoint, body
):
    if body.get("kind") == "ngo-report":
        body = {**body, "kind": world["source_kind"].code}
    response = api(monitor_on_team).post(f"{API}/{endpoint}/", body)
    assert response.status_code == 201, response.content
    assert response.json()["team"]["id"] == str(team.pk)
    # A teammate can now edit it.
    teammate = api(reviewer).patch(
        f"{API}/{endpoint}/{response.json()['id']}/", {"change_reason": "teammate"}
    )
    assert teammate.status_code == 200, teammate.content


def test_an_explicit_null_team_is_kept(api, monitor_on_team):
    response = api(monitor_on_team).post(
        f"{API}/cases/", {"reference": "TJK-2023-0501", "title": "No team", "team": None}
    )
    assert response.status_code == 201, response.content
    assert response.json()["team"] is None
