"""Issue 22, done when: a list of mass detentions loaded through the API shows the people
detained per event, per police station and in total in the event list, the register, the
dashboard's chart and the CSV exports, with administrative outcomes counted apart from
criminal sentences — and none of it to a persona who may not see the case."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cases.models import Case, GroupDetention
from monitor.choices import Confidentiality, Vocabulary
from monitor.models import Term
from tests.api.conftest import API
from tests.factories import SourceFactory, TermFactory

pytestmark = pytest.mark.django_db

# (event, police station, detained according to monitors, according to the police, fined)
PROTESTS = (
    ("Rally on Pushkin Square", "Tverskoe", 40, 25, 12),
    ("Picket at the parliament", "Tverskoe", 6, None, 0),
    ("March in Khorog", "Khorog city", 100, 30, 0),
)


def _csv(response) -> list[dict]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


def _post(client, url, body):
    response = client.post(url, body, format="json")
    assert response.status_code in (200, 201), response.content
    return response.json()


@pytest.fixture
def loaded(api, team, monitor_on_team, coordinator):
    """The list, loaded as a partner system would: facilities by a coordinator, the rest by a
    monitor of the team."""
    stations = {
        name: _post(
            api(coordinator),
            f"{API}/facilities/",
            {"name": f"{name} police station", "kind": "police_station"},
        )["id"]
        for name in ("Tverskoe", "Khorog city")
    }
    client = api(monitor_on_team)
    monitors = SourceFactory(team=team, title="Monitors' list")
    police = SourceFactory(team=team, title="Police statement")
    tag = TermFactory(vocabulary=Vocabulary.TAG, label="elections")
    assembly = Term.objects.get(vocabulary=Vocabulary.EVENT_TYPE, code="assembly")
    case = _post(client, f"{API}/cases/", {"title": "Protest detentions", "team": str(team.pk)})
    events = {}
    for title, station, by_monitors, by_police, fined in PROTESTS:
        event = _post(
            client,
            f"{API}/events/",
            {
                "title": title,
                "start": "2022-05-16",
                "team": str(team.pk),
                "kind": str(assembly.pk),
                "assembly_status": "not_authorised",
                "tags": [str(tag.pk)],
            },
        )
        events[title] = event["id"]
        group = _post(
            client,
            f"{API}/group-detentions/",
            {
                "case": case["id"],
                "event": event["id"],
                "date": "2022-05-16",
                "facility": stations[station],
                "hours_held": 5,
            },
        )
        url = f"{API}/group-detentions/{group['id']}/figures/"
        figures = [("detained", by_monitors, monitors, "Monitors")]
        if by_police is not None:
            figures.append(("detained", by_police, police, "Police"))
        if fined:
            figures.append(("fined", fined, monitors, "Monitors"))
        for kind, value, source, who in figures:
            _post(
                client,
                url,
                {"kind": kind, "value": value, "claimed_by": who, "source": str(source.pk)},
            )
    return {"case": case, "events": events, "stations": stations}


def test_the_api_shows_people_detained_per_event_each_figure_beside_the_others(
    loaded, api, monitor_on_team
):
    client = api(monitor_on_team)
    rows = {row["title"]: row for row in client.get(f"{API}/events/").json()["results"]}
    assert {title: row["detained"] for title, row in rows.items()} == {
        "Rally on Pushkin Square": 40,
        "Picket at the parliament": 6,
        "March in Khorog": 100,
    }
    assert rows["March in Khorog"]["assembly_status"] == "not_authorised"
    assert [tag["label"] for tag in rows["March in Khorog"]["tags"]] == ["elections"]
    groups = client.get(f"{API}/group-detentions/").json()["results"]
    march = next(g for g in groups if g["detained"] == 100)
    assert sorted(f["value"] for f in march["figures"]) == [30, 100]
    assert march["unidentified"] == 100 and march["over_legal_limit"] is True
    rally = next(g for g in groups if g["detained"] == 40)
    assert rally["outcomes"] == {"fined": 12}
    everyone = client.get(f"{API}/register/counts/").json()["everyone_detained"]
    assert everyone["detained"] == 146
    assert {t["key"]: t["count"] for t in everyone["administrative"]}["fined"] == 12
    assert everyone["administrative_total"] == 12 and everyone["sentenced"] == 0
    assert {t["label"]: t["count"] for t in everyone["by_facility"]} == {
        "Tverskoe police station": 46,
        "Khorog city police station": 100,
    }


def test_pages_and_csv_show_detained_per_event_per_station_and_in_total(
    loaded, client, monitor_on_team
):
    client.force_login(monitor_on_team)

    events = _csv(client.get(reverse("event-export")))
    assert {row["title"]: row["detained"] for row in events} == {
        "Rally on Pushkin Square": "40",
        "Picket at the parliament": "6",
        "March in Khorog": "100",
    }
    page = client.get(reverse("event-list")).content.decode()
    assert "146 people detained at the events listed" in page

    stations = _csv(client.get(reverse("facility-export")))
    assert {row["name"]: row["detained"] for row in stations} == {
        "Tverskoe police station": "46",
        "Khorog city police station": "100",
    }

    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "146 people detained in groups" in dashboard

    register = client.get(reverse("register-list")).content.decode()
    assert "146 people detained in the records you may see" in register

    statistics = {
        (row["group"], row["measure"]): row["people"]
        for row in _csv(client.get(reverse("detention-statistics-export")))
    }
    assert statistics[("total", "detained")] == "146"
    assert statistics[("administrative outcome", "fined")] == "12"
    assert statistics[("administrative outcome", "in all")] == "12"
    assert statistics[("criminal", "sentenced")] == "0"
    assert statistics[("place of detention", "Tverskoe police station")] == "46"

    case_page = client.get(reverse("case-detail", kwargs={"pk": loaded["case"]["id"]}))
    assert "Detained: 146 people" in case_page.content.decode()


@pytest.mark.parametrize("persona", ["monitor_off_team", "viewer"])
def test_a_persona_who_may_not_see_the_case_counts_nobody_and_gets_404(
    loaded, api, client, personas, persona
):
    case = Case.objects.get(pk=loaded["case"]["id"])
    case.confidentiality = Confidentiality.STRICT
    case.save()
    user = personas[persona]
    rows = api(user).get(f"{API}/events/").json().get("results", [])
    assert all(row["detained"] == 0 for row in rows)
    group = GroupDetention.objects.first()
    assert api(user).get(f"{API}/group-detentions/{group.pk}/").status_code == 404
    client.force_login(user)
    stations = _csv(client.get(reverse("facility-export")))
    assert all(row["detained"] == "0" for row in stations)


def test_monitors_may_not_add_a_place_of_detention(api, monitor_on_team):
    response = api(monitor_on_team).post(
        f"{API}/facilities/", {"name": "X", "kind": "police_station"}, format="json"
    )
    assert response.status_code == 403


def test_facilities_are_searched_by_any_spelling(api, coordinator, monitor_on_team):
    _post(
        api(coordinator),
        f"{API}/facilities/",
        {"name": "Тверское ОВД", "kind": "police_station", "other_names": "Тверкое"},
    )
    found = api(monitor_on_team).get(f"{API}/facilities/", {"q": "Tverkoe"}).json()["results"]
    assert [row["name"] for row in found] == ["Тверское ОВД"]


def test_a_group_figure_is_corrected_and_archived_as_an_event_figure_is(
    loaded, api, monitor_on_team, monitor_off_team, coordinator
):
    # One set of figure actions serves events and group detentions (cases.api.views).
    group = GroupDetention.objects.get(event_id=loaded["events"]["March in Khorog"])
    figure = group.figures.get(claimed_by="Police")
    url = f"{API}/group-detentions/{group.pk}/figures/{figure.pk}/"
    body = {"value": 35, "kind": "detained", "change_reason": "Police corrected"}
    # Another team's monitor sees the (confidential) case but may not change it.
    assert api(monitor_off_team).patch(url, body, format="json").status_code == 403
    refused = api(monitor_on_team).patch(url, {"kind": "killed"}, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()["error"]["fields"]
    answer = api(monitor_on_team).patch(url, body, format="json")
    assert answer.status_code == 200, answer.content
    assert sorted(f["value"] for f in answer.json()["figures"]) == [35, 100]
    figure.refresh_from_db()
    assert figure.history.first().history_change_reason == "Police corrected"
    archived = api(coordinator).post(f"{url}archive/", {"reason": "duplicate"}, format="json")
    assert archived.status_code == 200, archived.content
    assert [f["value"] for f in archived.json()["figures"]] == [100]
