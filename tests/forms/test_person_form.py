"""The person form: name variants, likely duplicates before saving, stale edits, who may edit."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from monitor.choices import Confidentiality, ReviewState
from monitor.services import record_save
from people.models import Person, PersonName
from tests.factories import PersonFactory, TeamFactory
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db


def post_new_person(client, **changes):
    page = client.get(reverse("person-create"))
    return client.post(reverse("person-create"), form_data(page, **changes))


def test_monitor_records_a_person_with_two_spellings(signed_in, monitor_on_team, team):
    client = signed_in(monitor_on_team)
    page = client.get(reverse("person-create"))
    assert page.status_code == 200
    # The formset has one empty row; a second spelling comes in the next save's empty row.
    response = client.post(
        reverse("person-create"),
        form_data(
            page,
            occupation="Journalist",
            birth_date="c. 1985",
            **{"names-0-full_name": "Daler  Imomali", "names-0-is_primary": "on"},
        ),
    )
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("person-edit", args=[person.pk])
    assert (person.team, person.occupation, str(person.birth_date)) == (
        team,
        "Journalist",
        "c. 1985",
    )
    assert str(person) == "Daler Imomali"  # spaces tidied

    page = client.get(response["Location"])
    response = client.post(
        response["Location"],
        form_data(
            page, **{"names-1-full_name": "Далер Имомали", "names-1-kind": "transliteration"}
        ),
    )
    assert response.status_code == 302, response.context and response.context["summary"]
    names = {name.full_name: name for name in PersonName.objects.filter(person=person)}
    assert set(names) == {"Daler Imomali", "Далер Имомали"}
    assert names["Далер Имомали"].script == "cyrillic"
    assert names["Daler Imomali"].is_primary and not names["Далер Имомали"].is_primary


def test_a_single_name_becomes_the_primary_one(signed_in, monitor_on_team):
    response = post_new_person(signed_in(monitor_on_team), **{"names-0-full_name": "Ulfatkhonim"})
    assert response.status_code == 302
    assert PersonName.objects.get().is_primary


def test_a_person_needs_a_name_and_exactly_one_primary(signed_in, monitor_on_team):
    client = signed_in(monitor_on_team)
    response = post_new_person(client)
    assert response.status_code == 400
    assert "A person needs at least one name." in response.content.decode()

    person = PersonFactory(name="Daler Imomali", team=monitor_on_team.teams.get())
    page = client.get(reverse("person-edit", args=[person.pk]))
    response = client.post(
        reverse("person-edit", args=[person.pk]),
        form_data(page, **{"names-1-full_name": "Далер Имомали", "names-1-is_primary": "on"}),
    )
    assert response.status_code == 400
    assert "Mark exactly one name as the primary name" in response.content.decode()
    assert PersonName.objects.filter(person=person).count() == 1


def test_likely_duplicates_are_shown_before_saving_in_either_script(signed_in, monitor_on_team):
    existing = PersonFactory(name="Tolib Ayombekov", confidentiality=Confidentiality.INTERNAL)
    client = signed_in(monitor_on_team)

    response = post_new_person(client, **{"names-0-full_name": "Толиб Аёмбеков"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Is this someone already recorded?" in html
    assert reverse("person-detail", args=[existing.pk]) in html
    assert "Tolib Ayombekov" in html
    assert Person.objects.count() == 1
    # The user looked and decides it is someone else.
    response = client.post(reverse("person-create"), form_data(response, confirm_duplicates="on"))
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_duplicate_check_never_reveals_a_protected_name(signed_in, monitor_off_team):
    protected = PersonFactory(
        name="Secret Witness Name",
        is_protected=True,
        confidentiality=Confidentiality.INTERNAL,
        team=TeamFactory(),
    )
    client = signed_in(monitor_off_team)

    response = post_new_person(client, **{"names-0-full_name": "Secret Witness Name"})

    # Nothing to warn about that the user may know: the person is saved, no name shown.
    assert response.status_code == 302
    assert Person.objects.exclude(pk=protected.pk).count() == 1
    page = client.get(response["Location"])
    assert protected.pseudonym not in page.content.decode()


def test_stale_person_edit_is_refused_and_the_input_kept(
    signed_in, monitor_on_team, reviewer, team
):
    person = PersonFactory(name="Daler Imomali", team=team)
    client = signed_in(monitor_on_team)
    page = client.get(reverse("person-edit", args=[person.pk]))
    fresh = Person.objects.get(pk=person.pk)
    fresh.occupation = "Blogger"
    record_save(record=fresh, actor=reviewer)

    response = client.post(
        reverse("person-edit", args=[person.pk]), form_data(page, occupation="Journalist")
    )

    assert response.status_code == 409
    assert "since you opened it" in response.content.decode()
    assert 'value="Journalist"' in response.content.decode()
    person.refresh_from_db()
    assert person.occupation == "Blogger"


def test_person_submitted_for_review(signed_in, monitor_on_team, team):
    person = PersonFactory(name="Daler Imomali", team=team)
    client = signed_in(monitor_on_team)
    response = client.post(reverse("person-submit", args=[person.pk]))
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("monitor_off_team", "Only members of this record's team may edit it."),
        ("viewer", "Your role does not allow editing this record."),
    ],
)
def test_who_sees_but_may_not_edit_a_person_gets_403(request, signed_in, team, persona, message):
    person = PersonFactory(
        name="Daler Imomali", team=team, confidentiality=Confidentiality.INTERNAL
    )
    client = signed_in(request.getfixturevalue(persona))
    response = client.get(reverse("person-edit", args=[person.pk]))
    assert response.status_code == 403
    assert escape(message) in response.content.decode()
    assert client.post(reverse("person-edit", args=[person.pk]), {}).status_code == 403
    assert client.post(reverse("person-submit", args=[person.pk])).status_code == 403
    person.refresh_from_db()
    assert person.review_state == ReviewState.DRAFT


@pytest.mark.parametrize("persona", ["monitor_off_team", "viewer", "no_role_user"])
def test_who_may_not_see_a_person_gets_404(request, signed_in, team, persona):
    person = PersonFactory(name="Daler Imomali", team=team, confidentiality=Confidentiality.STRICT)
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(reverse("person-edit", args=[person.pk])).status_code == 404
    assert client.post(reverse("person-submit", args=[person.pk])).status_code == 404


def test_a_protected_person_is_not_edited_by_whom_may_not_know_them(signed_in, coordinator):
    person = PersonFactory(
        name="Secret Witness Name",
        is_protected=True,
        confidentiality=Confidentiality.INTERNAL,
        team=TeamFactory(),
    )
    response = signed_in(coordinator).get(reverse("person-edit", args=[person.pk]))
    assert response.status_code == 403
    assert "Secret Witness Name" not in response.content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(client, team):
    person = PersonFactory(team=team)
    for url in (reverse("person-create"), reverse("person-edit", args=[person.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_next_brings_the_user_back_and_only_within_the_site(signed_in, monitor_on_team):
    client = signed_in(monitor_on_team)
    back = reverse("case-create")
    page = client.get(reverse("person-create") + f"?next={back}")
    response = client.post(
        reverse("person-create") + f"?next={back}",
        form_data(page, **{"names-0-full_name": "Someone New"}),
    )
    assert response["Location"] == back
    page = client.get(reverse("person-create") + "?next=https://evil.example/")
    response = client.post(
        reverse("person-create") + "?next=https://evil.example/",
        form_data(page, **{"names-0-full_name": "Someone Else"}),
    )
    assert response["Location"].startswith("/persons/")
