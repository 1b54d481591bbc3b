"""The forms' type-ahead pickers (issue 19, points 3 and 4): no whole-table lists, suggestions
within what the user may see, records added in place through their services, and a form
that still works without JavaScript (a name or an id typed in the box)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cases.models import AllegationPerpetrator, Case, Event
from monitor.choices import Confidentiality, ReviewState, Vocabulary
from monitor.models import Term
from people.choices import OrganizationKind
from people.models import Organization, Person
from tests.factories import (
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    DetentionFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    PlaceFactory,
)
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db


def _pick(client, source: str, text: str) -> list[str]:
    response = client.get(reverse("pick", kwargs={"source": source}), {"q": text})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    return [found["label"] for found in response.json()["results"]]


def _add(client, source: str, name: str):
    return client.post(reverse("pick-new", kwargs={"source": source}), {"name": name})


def test_case_form_lists_no_person_place_or_event_but_the_chosen_ones(
    signed_in, team, monitor_on_team
):
    for number in range(25):
        PersonFactory(team=team, name=f"Register Person{number:02d}")
        PlaceFactory(name=f"Register Village{number:02d}")
    chosen = PlaceFactory(name="Khorog")
    case = CaseFactory(team=team)
    case.places.add(chosen)
    client = signed_in(monitor_on_team)

    for url in (reverse("case-create"), reverse("case-edit", kwargs={"pk": case.pk})):
        html = client.get(url).content.decode()
        assert "Register Person" not in html and "Register Village" not in html
        # Pickers, not selects: the only records drawn are the chosen ones, as chips.
        assert 'data-pick="/pick/person/"' in html and 'data-pick="/pick/place/"' in html
        assert not re.search(r'<select[^>]*name="(places|events|tags|allegations-0-victim)"', html)
        assert "Hold Ctrl" not in html
    assert re.search(rf'name="places" value="{chosen.pk}" checked> <span[^>]*>Khorog<', html)

    # The other forms that name persons, places, organisations or events: the same.
    detention = DetentionFactory(case=case, person=PersonFactory(team=team, name="Held One"))
    for number in range(25):
        OrganizationFactory(name=f"Register Court{number:02d}")
        EventFactory(team=team, title=f"Register Rally{number:02d}")
    for url in (
        reverse("detention-steps", kwargs={"case_pk": case.pk, "pk": detention.pk}),
        reverse("followup-create") + f"?case={case.pk}",
        reverse("person-create"),
        reverse("event-create"),
    ):
        html = client.get(url).content.decode()
        assert client.get(url).status_code == 200, url
        for word in ("Register Person", "Register Village", "Register Court", "Register Rally"):
            assert word not in html, (url, word)
        assert not re.search(r"<select[^>]*\bmultiple\b", html), url
        assert "Hold Ctrl" not in html, url


def test_pickers_suggest_only_what_the_user_may_see_and_protected_persons_by_pseudonym(
    signed_in, team, monitor_on_team, monitor_off_team, viewer
):
    PersonFactory(team=team, confidentiality=Confidentiality.STRICT, name="Strict Karimov")
    protected = PersonFactory(
        team=team,
        confidentiality=Confidentiality.INTERNAL,
        is_protected=True,
        name="Secret Karimova",
    )
    client = signed_in(monitor_on_team)
    assert sorted(_pick(client, "person", "Karimov")) == ["Secret Karimova", "Strict Karimov"]
    # Off the team: neither the strict person nor the protected one's real name.
    client = signed_in(monitor_off_team)
    assert _pick(client, "person", "Karimov") == []
    assert _pick(client, "person", "Secret Karimova") == []
    # A chosen protected person is drawn by pseudonym on the form of someone not cleared.
    case = CaseFactory(
        team=None, created_by=monitor_off_team, confidentiality=Confidentiality.INTERNAL
    )
    AllegationFactory(case=case, victim=protected)
    html = client.get(reverse("case-edit", kwargs={"pk": case.pk})).content.decode()
    assert (
        f'value="{protected.pk}" checked> <span class="pick__label">{protected.pseudonym}<' in html
    )
    assert "Secret Karimova" not in html
    # The viewer picks nothing new, and there is no such thing as an unknown source.
    client = signed_in(viewer)
    assert client.get(reverse("pick", kwargs={"source": "nothing"}), {"q": "ab"}).status_code == 404


def test_a_court_added_in_place_is_recorded_through_its_service(signed_in, monitor_on_team, viewer):
    client = signed_in(monitor_on_team)
    response = _add(client, "court", "  Khorog   city court ")
    assert response.status_code == 201
    court = Organization.objects.get(name="Khorog city court")
    assert court.kind == OrganizationKind.COURT
    assert response.json() == {
        "id": str(court.pk),
        "label": "Khorog city court",
        "note": "waiting for review",  # new reference data: tests/test_reference_review.py
    }
    # Recorded with its author, as any record is (history and review follow).
    assert court.created_by == monitor_on_team
    assert court.history.get().history_user == monitor_on_team
    assert _pick(client, "court", "khorog") == ["Khorog city court"]
    # Nothing typed: a clear refusal, nothing written.
    assert _add(client, "court", "  ").status_code == 400
    # A viewer's role adds nothing.
    client = signed_in(viewer)
    assert _add(client, "court", "Rushan court").status_code == 403
    assert not Organization.objects.filter(name="Rushan court").exists()


def test_an_event_or_person_added_in_place_is_a_draft_that_enters_review(
    signed_in, team, monitor_on_team
):
    client = signed_in(monitor_on_team)
    event = Event.objects.get(pk=_add(client, "event", "Khorog rally, 16 May 2022").json()["id"])
    assert (event.review_state, event.team) == (ReviewState.DRAFT, team)
    person = Person.objects.get(pk=_add(client, "person", "Daler Imomali").json()["id"])
    assert (person.review_state, person.team) == (ReviewState.DRAFT, team)
    # A place is reference data: a monitor's role does not add one, a coordinator's does.
    assert _add(client, "place", "Vomar").status_code == 403


def test_a_coordinator_adds_a_criminal_code_article_in_place(signed_in, coordinator):
    client = signed_in(coordinator)
    response = _add(client, f"term-{Vocabulary.CRIMINAL_ARTICLE}", "Article 307 (extremism)")
    assert response.status_code == 201
    term = Term.objects.get(pk=response.json()["id"])
    assert (term.vocabulary, term.label) == (Vocabulary.CRIMINAL_ARTICLE, "Article 307 (extremism)")


def test_without_javascript_a_typed_name_or_id_is_the_choice(signed_in, team, monitor_on_team):
    khorog = PlaceFactory(name="Khorog")
    rushan = PlaceFactory(name="Rushan")
    case = CaseFactory(team=team)
    client = signed_in(monitor_on_team)
    url = reverse("case-edit", kwargs={"pk": case.pk})
    page = client.get(url)
    response = client.post(url, form_data(page, places=[f"khorog; {rushan.pk}"]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(case.places.all()) == {khorog, rushan}

    # A name that matches nothing the user may choose: said next to the field, kept typed.
    page = client.get(url)
    response = client.post(url, form_data(page, places=[str(khorog.pk), "Atlantis"]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing you may choose is called “Atlantis”" in html
    assert 'value="Atlantis"' in html
    assert set(Case.objects.get(pk=case.pk).places.all()) == {khorog, rushan}


def test_edit_form_shows_the_saved_perpetrator_and_picking_it_again_adds_none(
    signed_in, team, monitor_on_team
):
    case = CaseFactory(team=team)
    allegation = AllegationFactory(case=case, victim=PersonFactory(team=team, name="Victim One"))
    police = OrganizationFactory(name="Khorog police")
    AllegationPerpetratorFactory(allegation=allegation, organization=police, person=None)
    client = signed_in(monitor_on_team)
    url = reverse("case-edit", kwargs={"pk": case.pk})
    page = client.get(url)
    html = page.content.decode()
    # Shown as saved (not "---------"): a chip of the organisation.
    assert re.search(
        rf'name="allegations-0-perpetrator" value="{police.pk}" checked> <span[^>]*>Khorog police<',
        html,
    )
    # Picked again (a second chip of the same record, as a hurried user might) and saved with
    # a change to the allegation: still one perpetrator.
    data = form_data(page, **{"allegations-0-description": "Beaten at the station."})
    data["allegations-0-perpetrator"] = [str(police.pk), str(police.pk)]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AllegationPerpetrator.objects.filter(allegation=allegation).count() == 1


def test_the_same_perpetrator_cannot_be_named_twice_on_any_surface(team, monitor_on_team):
    from django.core.exceptions import ValidationError

    from monitor.services import record_save

    allegation = AllegationFactory(case=CaseFactory(team=team))
    police = OrganizationFactory(name="Khorog police")
    AllegationPerpetratorFactory(allegation=allegation, organization=police, person=None)
    with pytest.raises(ValidationError, match="already named"):
        record_save(
            record=AllegationPerpetrator(allegation=allegation, organization=police),
            actor=monitor_on_team,
        )
    assert AllegationPerpetrator.objects.filter(allegation=allegation).count() == 1


@pytest.mark.parametrize("source", ["person", "place", "court", "event"])
def test_suggestions_run_the_same_queries_for_3_and_30_matches(
    client, team, monitor_on_team, source
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make = {
        "person": lambda n: PersonFactory(team=team, name=f"Karimov Number{n:02d}"),
        "place": lambda n: PlaceFactory(name=f"Karimov Village {n:02d}"),
        "court": lambda n: OrganizationFactory(name=f"Karimov court {n:02d}"),
        "event": lambda n: EventFactory(team=team, title=f"Karimov rally {n:02d}"),
    }[source]
    client.force_login(monitor_on_team)
    counts, made = [], 0
    for total in (3, 30):
        while made < total:
            make(made)
            made += 1
        _pick(client, source, "Karimov")  # warm the per-process caches
        with CaptureQueriesContext(connection) as context:
            found = _pick(client, source, "Karimov")
        counts.append((len(context.captured_queries), len(found)))
    # At most ten suggestions; more matches never cost more queries (the person search looks
    # in stages and stops once it has enough, so many matches may even cost fewer).
    assert [found for _queries, found in counts] == [3, 10]
    assert counts[1][0] <= counts[0][0]
