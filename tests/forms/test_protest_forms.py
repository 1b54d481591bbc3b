"""Group detentions and places of detention on pages: recorded through the services the API
uses, their figures side by side, detainees named later, bad input refused with nothing
changed, and as the personas who must not create or edit them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.choices import CountKind, FacilityKind
from cases.models import Facility, GroupDetention, GroupDetentionFigure
from monitor.choices import Confidentiality
from sources.models import Citation
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    EventFactory,
    FacilityFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    SourceFactory,
)
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team):
    return CaseFactory(team=team, confidentiality=Confidentiality.INTERNAL)


@pytest.fixture
def source(team):
    return SourceFactory(
        team=team, title="Monitors' list", confidentiality=Confidentiality.INTERNAL
    )


def _new_group_url(case, event=None) -> str:
    url = reverse("groupdetention-create") + f"?case={case.pk}"
    return url + (f"&event={event.pk}" if event else "")


def test_a_group_detention_is_recorded_with_two_figures_side_by_side(
    signed_in, monitor_on_team, case, source, team
):
    event = EventFactory(team=team, title="Rally on 16 May")
    case.events.add(event)
    station = FacilityFactory(name="Khorog city police station")
    police = SourceFactory(team=team, title="Police statement")
    client = signed_in(monitor_on_team)
    # The event page links to the form, for each case linked to the event.
    event_page = client.get(reverse("event-detail", args=[event.pk])).content.decode()
    url = _new_group_url(case, event)
    assert url.replace("&", "&amp;") in event_page
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(
        url,
        form_data(
            page,
            date="16 May 2022",
            facility=str(station.pk),
            hours_held="5",
            **{
                "figures-0-value": "40",
                "figures-0-claimed_by": "Monitors",
                "figures-0-source": str(source.pk),
                "figures-1-value": "25",
                "figures-1-claimed_by": "Police",
                "figures-1-source": str(police.pk),
            },
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    group = GroupDetention.objects.get()
    assert (group.case, group.event, group.facility, group.hours_held) == (
        case,
        event,
        station,
        5,
    )
    figures = sorted((f.value, f.claimed_by) for f in group.figures.all())
    assert figures == [(25, "Police"), (40, "Monitors")]
    assert group.count() == 40
    # Each figure cited on its value, as figure_add does for the API.
    assert Citation.objects.filter(field_name="value").count() == 2
    assert group.history.first().history_user == monitor_on_team


def test_a_bad_figure_is_explained_and_nothing_is_saved(signed_in, monitor_on_team, case, source):
    client = signed_in(monitor_on_team)
    url = _new_group_url(case)
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            **{
                "figures-0-value": "40",
                "figures-0-value_max": "10",
                "figures-0-claimed_by": "Monitors",
                "figures-0-source": str(source.pk),
            },
        ),
    )
    assert response.status_code == 400
    assert "The upper value cannot be below the value." in response.content.decode()
    assert not GroupDetention.objects.exists()
    assert not GroupDetentionFigure.objects.exists()


def test_a_figure_without_a_source_is_refused(signed_in, monitor_on_team, case):
    client = signed_in(monitor_on_team)
    url = _new_group_url(case)
    page = client.get(url)
    response = client.post(
        url, form_data(page, **{"figures-0-value": "40", "figures-0-claimed_by": "Monitors"})
    )
    assert response.status_code == 400
    assert 'id="id_figures-0-source_error"' in response.content.decode()
    assert not GroupDetention.objects.exists()


def test_naming_a_detainee_later_lowers_the_unidentified_with_history(
    signed_in, monitor_on_team, case, source
):
    group = GroupDetentionFactory(case=case)
    GroupDetentionFigureFactory(group=group, value=25, source=source)
    named = DetentionFactory(case=case)
    client = signed_in(monitor_on_team)
    url = reverse("groupdetention-edit", args=[group.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_data(page, detainees=[str(named.pk)]))
    assert response.status_code == 302, response.content.decode()[:3000]

    group.refresh_from_db()
    named.refresh_from_db()
    assert named.group == group
    assert (group.count(), group.named(), group.unidentified()) == (25, 1, 24)
    assert named.history.first().history_change_reason == "Named from the group detention"
    assert named.history.first().history_user == monitor_on_team


def test_a_figure_is_corrected_with_its_history(signed_in, monitor_on_team, case, source):
    group = GroupDetentionFactory(case=case)
    figure = GroupDetentionFigureFactory(group=group, value=25, source=source)
    client = signed_in(monitor_on_team)
    url = reverse("groupdetention-edit", args=[group.pk])
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            **{"figures-0-value": "30", "figures-0-kind": CountKind.FINED},
            **{"history-change_reason": "Court records"},
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    figure.refresh_from_db()
    assert (figure.value, figure.kind, figure.source) == (30, CountKind.FINED, source)
    assert figure.history.first().history_change_reason == "Court records"


@pytest.mark.parametrize("persona", ["viewer", "monitor_off_team"])
def test_who_may_not_edit_the_case_may_not_record_a_group_detention(
    signed_in, personas, persona, case, source
):
    group = GroupDetentionFactory(case=case)
    client = signed_in(personas[persona])
    for url in (_new_group_url(case), reverse("groupdetention-edit", args=[group.pk])):
        assert client.get(url).status_code == 403
        response = client.post(
            url,
            {
                "figures-TOTAL_FORMS": "1",
                "figures-INITIAL_FORMS": "0",
                "figures-0-value": "99",
                "figures-0-claimed_by": "x",
                "figures-0-source": str(source.pk),
            },
        )
        assert response.status_code == 403
    assert not GroupDetentionFigure.objects.exists()


@pytest.mark.parametrize("persona", ["viewer", "monitor_off_team"])
def test_a_group_detention_of_a_hidden_case_answers_404(signed_in, personas, persona, team):
    strict = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    group = GroupDetentionFactory(case=strict)
    client = signed_in(personas[persona])
    assert client.get(reverse("groupdetention-edit", args=[group.pk])).status_code == 404
    assert client.get(_new_group_url(strict)).status_code == 404
    missing = reverse("groupdetention-edit", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(missing).status_code == 404


def test_a_coordinator_records_a_place_of_detention_from_the_list(signed_in, coordinator):
    client = signed_in(coordinator)
    listing = client.get(reverse("facility-list")).content.decode()
    assert reverse("facility-create") in listing
    page = client.get(reverse("facility-create"))
    response = client.post(
        reverse("facility-create"),
        form_data(
            page,
            name="Тверское ОВД",
            kind=FacilityKind.POLICE_STATION,
            other_names="Тверкое\nTverskoe",
            latitude="55.76",
            longitude="37.61",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    facility = Facility.objects.get()
    assert facility.names == ["Тверское ОВД", "Тверкое", "Tverskoe"]
    assert list(Facility.objects.matching("tverkoe")) == [facility]

    page = client.get(reverse("facility-edit", args=[facility.pk]))
    response = client.post(
        reverse("facility-edit", args=[facility.pk]),
        form_data(page, latitude="", longitude="37.61"),
    )
    assert response.status_code == 400
    assert "or neither" in response.content.decode()
    facility.refresh_from_db()
    assert facility.latitude is not None


@pytest.mark.parametrize("persona", ["viewer", "monitor_on_team", "monitor_off_team"])
def test_who_may_not_keep_places_of_detention_may_not_add_or_edit_one(signed_in, personas, persona):
    facility = FacilityFactory(name="IVS Khorog")
    client = signed_in(personas[persona])
    assert reverse("facility-create") not in client.get(reverse("facility-list")).content.decode()
    for url in (reverse("facility-create"), reverse("facility-edit", args=[facility.pk])):
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "Renamed", "kind": "colony"}).status_code == 403
    facility.refresh_from_db()
    assert facility.name == "IVS Khorog"
    assert Facility.objects.count() == 1
