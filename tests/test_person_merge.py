"""Merging a person recorded twice, and undoing it (people.services.person_merge / unmerge),
the duplicate review, and the pages and API that call them.

The unmerge test compares every row that points at either person (every link found from
the model graph, citations, follow-ups' persons) and both persons themselves, before the
merge and after its undoing: run it on SQLite (the default) and on PostgreSQL
(``DATABASE_URL=postgres://… --create-db``).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import CasePerson, FollowUp
from monitor.admin.review.queue import waiting
from monitor.choices import Confidentiality, ReviewState, Role
from monitor.models import DecisionAction, ReviewDecision
from monitor.services import ActionRefused, NotVisible, review_submit, review_verify
from people.models import Affiliation, Person, PersonName
from people.services import person_merge, person_unmerge
from sources.models import Citation
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    DetentionFactory,
    FollowUpFactory,
    PersonFactory,
    PersonNameFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

#: Fields every save changes (the version count and the time): not part of "as before".
VOLATILE = {"version", "updated_at"}


@pytest.fixture
def coordinator(db):
    return UserFactory(role=Role.COORDINATOR, clearance=Confidentiality.STRICT)


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER, clearance=Confidentiality.STRICT)


@pytest.fixture
def pair(db):
    """Rustam Jumayev recorded twice: the survivor with one name, the duplicate with two
    names and every kind of link."""
    survivor = PersonFactory(name="Rustam Jumayev", confidentiality=Confidentiality.INTERNAL)
    duplicate = PersonFactory(name="Рустам Джумаев", confidentiality=Confidentiality.CONFIDENTIAL)
    PersonNameFactory(person=duplicate, full_name="Rustam Djumaev")
    PersonNameFactory(person=duplicate, full_name="Rustam Jumayev")  # the survivor's name too
    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    CasePersonFactory(case=case, person=duplicate)
    CasePersonFactory(case=case, person=survivor)  # the same case role: kept apart
    AllegationFactory(case=case, victim=duplicate)
    AllegationPerpetratorFactory(
        allegation=AllegationFactory(case=case), person=duplicate, organization=None
    )
    DetentionFactory(case=case, person=duplicate)
    AffiliationFactory(person=duplicate)
    CitationFactory(record=duplicate)
    followup = FollowUpFactory(case=case)
    followup.persons.add(duplicate)
    both = FollowUpFactory(case=case)
    both.persons.add(duplicate, survivor)
    return survivor, duplicate


def snapshot(*persons: Person) -> dict:
    """Every row pointing at the persons, and the persons, without the save counters."""
    rows: dict = {}
    ids = [person.pk for person in persons]
    for relation in Person._meta.related_objects:
        model, field = relation.related_model, relation.field
        if relation.many_to_many:
            through = field.remote_field.through
            column = f"{field.m2m_reverse_field_name()}__in"
            for row in through.objects.filter(**{column: ids}):
                rows[(through._meta.label, row.pk)] = model_to_dict(row)
            continue
        for row in model._base_manager.filter(**{f"{field.name}__in": ids}):
            rows[(model._meta.label, row.pk)] = _fields(row)
    citations = Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id__in=ids
    )
    for row in citations:
        rows[("sources.Citation", row.pk)] = _fields(row)
    for person in Person.objects.filter(pk__in=ids):
        rows[("people.Person", person.pk)] = _fields(person)
    return rows


def _fields(row) -> dict:
    return {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.attname not in VOLATILE
    }


def test_merge_moves_every_link_and_archives_the_duplicate(pair, coordinator):
    survivor, duplicate = pair

    person_merge(actor=coordinator, survivor=survivor, duplicate=duplicate, reason="Same man")

    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.merged_into == survivor
    assert duplicate.archived_at is not None
    names = PersonName.objects.filter(archived_at__isnull=True)
    assert set(names.filter(person=survivor).values_list("full_name", flat=True)) == {
        "Rustam Jumayev",
        "Рустам Джумаев",
        "Rustam Djumaev",
    }
    # The survivor's primary name stays the primary one; the copy of it stays, archived.
    assert names.get(person=survivor, is_primary=True).full_name == "Rustam Jumayev"
    assert not names.filter(person=duplicate).exists()
    for relation in Person._meta.related_objects:
        if relation.field.name == "merged_into" or relation.many_to_many:
            continue
        live = relation.related_model._base_manager.filter(
            **{relation.field.name: duplicate, "archived_at__isnull": True}
        )
        assert not live.exists(), relation.related_model
    assert Affiliation.objects.filter(person=survivor).count() == 1
    assert Citation.objects.filter(object_id=survivor.pk).count() == 1
    assert {f.persons.filter(pk=survivor.pk).exists() for f in FollowUp.objects.all()} == {True}
    # A follow-up that named both keeps its link to the archived duplicate; no other does.
    kept = FollowUp.persons.through.objects.filter(person=duplicate).values("followup")
    assert {f.persons.count() for f in FollowUp.objects.filter(pk__in=kept)} == {2}
    # The stricter confidentiality of the two wins.
    assert survivor.confidentiality == Confidentiality.CONFIDENTIAL
    # History on both records says who merged, and why.
    assert "Same man" in survivor.history.first().history_change_reason
    assert survivor.history.first().history_user == coordinator
    assert "Same man" in duplicate.history.first().history_change_reason


def test_the_stricter_protection_wins(coordinator):
    survivor = PersonFactory(name="Daler Imomali", confidentiality=Confidentiality.INTERNAL)
    witness = PersonFactory(name="Далер Имомали", is_protected=True)
    person_merge(actor=coordinator, survivor=survivor, duplicate=witness, reason="One man")
    survivor.refresh_from_db()
    assert survivor.is_protected


def test_unmerge_leaves_the_database_as_before_the_merge(pair, coordinator):
    survivor, duplicate = pair
    before = snapshot(survivor, duplicate)

    person_merge(actor=coordinator, survivor=survivor, duplicate=duplicate, reason="Same man")
    assert snapshot(survivor, duplicate) != before
    person_unmerge(
        actor=coordinator, duplicate=Person.objects.get(pk=duplicate.pk), reason="Two men"
    )

    after = snapshot(survivor, duplicate)
    assert after.keys() == before.keys()
    for key, row in before.items():
        assert after[key] == row, key
    assert "Two men" in Person.objects.get(pk=duplicate.pk).history.first().history_change_reason


def test_merge_of_a_person_one_cannot_see_is_refused_as_not_found(coordinator):
    visible = PersonFactory(name="Rustam Jumayev", confidentiality=Confidentiality.INTERNAL)
    hidden = PersonFactory(
        name="Рустам Джумаев", confidentiality=Confidentiality.STRICT, team=TeamFactory()
    )
    with pytest.raises(NotVisible):
        person_merge(actor=coordinator, survivor=visible, duplicate=hidden, reason="x")
    with pytest.raises(NotVisible):
        person_merge(actor=coordinator, survivor=hidden, duplicate=visible, reason="x")
    assert Person.objects.get(pk=hidden.pk).merged_into is None


def test_only_coordinators_merge(pair, reviewer):
    survivor, duplicate = pair
    with pytest.raises(ActionRefused):
        person_merge(actor=reviewer, survivor=survivor, duplicate=duplicate, reason="x")


def test_a_merge_is_reviewed_by_other_eyes(pair, coordinator, reviewer):
    survivor, duplicate = pair
    other = UserFactory(role=Role.REVIEWER, clearance=Confidentiality.STRICT)
    review_submit(record=survivor, actor=other)
    review_verify(record=survivor, actor=reviewer)

    person_merge(actor=coordinator, survivor=survivor, duplicate=duplicate, reason="Same man")

    survivor.refresh_from_db()
    assert survivor.review_state == ReviewState.SUBMITTED
    assert (
        ReviewDecision.objects.for_record(survivor).filter(action=DecisionAction.REOPENED).exists()
    )
    coordinator_as_reviewer = coordinator
    with pytest.raises(ActionRefused) as refusal:
        review_verify(record=survivor, actor=coordinator_as_reviewer)
    assert refusal.value.code in {"four_eyes", "permission"}
    review_verify(record=survivor, actor=reviewer)
    survivor.refresh_from_db()
    assert survivor.review_state == ReviewState.VERIFIED


@pytest.fixture
def merger(coordinator):
    """A coordinator who also reviews: the four-eyes rule, not the role, must stop them
    verifying what they merged."""
    coordinator.groups.add(Group.objects.get(name=str(Role.REVIEWER)))
    return coordinator


def _verified(record):
    """``record`` as verified by a reviewer before the merge (a state set for the test, as
    a reviewer's verification would leave it)."""
    type(record)._base_manager.filter(pk=record.pk).update(review_state=ReviewState.VERIFIED)
    record.refresh_from_db()
    return record


def _queued(record, reviewer) -> bool:
    return waiting(type(record), reviewer).filter(pk=record.pk).exists()


def test_a_merge_sends_the_survivor_and_the_cases_whose_links_moved_to_review(
    pair, merger, reviewer
):
    survivor, duplicate = pair
    case = CasePerson.objects.get(person=duplicate).case
    untouched = _verified(CaseFactory(confidentiality=Confidentiality.INTERNAL))
    _verified(survivor), _verified(case)

    person_merge(actor=merger, survivor=survivor, duplicate=duplicate, reason="Same man")

    assert _queued(survivor, reviewer) and _queued(case, reviewer)
    assert not _queued(untouched, reviewer)
    for record in (survivor, case):
        record.refresh_from_db()
        assert record.review_state == ReviewState.SUBMITTED
        # The merger edited both: another person verifies them.
        with pytest.raises(ActionRefused) as refusal:
            review_verify(record=record, actor=merger)
        assert refusal.value.code == "four_eyes"
    review_verify(record=survivor, actor=reviewer)
    # History on both persons says who merged, when and why.
    for person in (survivor, duplicate):
        row = person.history.filter(history_change_reason__contains="Same man").first()
        assert row.history_user == merger and row.history_date is not None


def test_an_unmerge_sends_both_persons_and_the_cases_back_to_review(pair, merger, reviewer):
    survivor, duplicate = pair
    case = CasePerson.objects.get(person=duplicate).case
    person_merge(actor=merger, survivor=survivor, duplicate=duplicate, reason="Same man")
    _verified(survivor), _verified(case)
    Person._base_manager.filter(pk=duplicate.pk).update(review_state=ReviewState.VERIFIED)

    person_unmerge(actor=merger, duplicate=Person.objects.get(pk=duplicate.pk), reason="Two men")

    for record in (survivor, Person.objects.get(pk=duplicate.pk), case):
        assert _queued(record, reviewer), record
        with pytest.raises(ActionRefused) as refusal:
            review_verify(record=type(record).objects.get(pk=record.pk), actor=merger)
        assert refusal.value.code == "four_eyes"
    review_verify(record=Person.objects.get(pk=survivor.pk), actor=reviewer)
    assert Person.objects.get(pk=survivor.pk).review_state == ReviewState.VERIFIED
    for person in (survivor, duplicate):
        row = person.history.filter(history_change_reason__contains="Two men").first()
        assert row.history_user == merger


# -- pages and API --------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_merge_and_unmerge(pair, coordinator):
    survivor, duplicate = pair
    url = f"/api/v1/persons/{survivor.pk}/merge/"

    response = api(coordinator).post(url, {"duplicate": str(duplicate.pk), "reason": "Same"})

    assert response.status_code == 200, response.json()
    assert response.json()["id"] == str(survivor.pk)
    # The duplicate's API address leads to the survivor.
    response = api(coordinator).get(f"/api/v1/persons/{duplicate.pk}/")
    assert response.status_code == 308
    assert response["Location"].endswith(f"/api/v1/persons/{survivor.pk}/")

    response = api(coordinator).post(
        f"/api/v1/persons/{duplicate.pk}/unmerge/", {"reason": "Two men"}
    )
    assert response.status_code == 200, response.json()
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


def test_api_merge_with_a_hidden_duplicate_answers_404(coordinator):
    visible = PersonFactory(name="Rustam Jumayev", confidentiality=Confidentiality.INTERNAL)
    hidden = PersonFactory(
        name="Рустам Джумаев", confidentiality=Confidentiality.STRICT, team=TeamFactory()
    )
    response = api(coordinator).post(
        f"/api/v1/persons/{visible.pk}/merge/", {"duplicate": str(hidden.pk), "reason": "x"}
    )
    assert response.status_code == 404
    response = api(coordinator).post(
        f"/api/v1/persons/{hidden.pk}/merge/", {"duplicate": str(visible.pk), "reason": "x"}
    )
    assert response.status_code == 404


def test_api_merge_by_a_monitor_is_refused(pair):
    survivor, duplicate = pair
    monitor = UserFactory(role=Role.MONITOR, clearance=Confidentiality.STRICT)
    response = api(monitor).post(
        f"/api/v1/persons/{survivor.pk}/merge/", {"duplicate": str(duplicate.pk), "reason": "x"}
    )
    assert response.status_code == 403
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


def test_merge_page_merges_and_the_duplicates_page_leads_to_the_survivor(client, pair, coordinator):
    survivor, duplicate = pair
    client.force_login(coordinator)
    url = reverse("person-merge", args=[survivor.pk]) + f"?duplicate={duplicate.pk}"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {"duplicate": str(duplicate.pk), "reason": "Same man"})
    assert response.status_code == 302
    assert client.get(reverse("person-detail", args=[duplicate.pk]))["Location"] == reverse(
        "person-detail", args=[survivor.pk]
    )
    page = client.get(reverse("person-detail", args=[survivor.pk]))
    assert reverse("person-unmerge", args=[duplicate.pk]) in page.content.decode()
    response = client.post(reverse("person-unmerge", args=[duplicate.pk]), {"reason": "Two"})
    assert response.status_code == 302
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


def test_merge_page_without_a_reason_says_so_and_merges_nothing(client, pair, coordinator):
    survivor, duplicate = pair
    client.force_login(coordinator)
    url = reverse("person-merge", args=[survivor.pk]) + f"?duplicate={duplicate.pk}"
    response = client.post(url, {"duplicate": str(duplicate.pk), "reason": ""})
    assert response.status_code == 400
    assert Person.objects.get(pk=duplicate.pk).merged_into is None


def test_duplicate_review_lists_pairs_with_score_and_reasons_visible_only(client, coordinator):
    one = PersonFactory(name="Rustam Jumayev", confidentiality=Confidentiality.INTERNAL)
    other = PersonFactory(name="Джумаев Рустам", confidentiality=Confidentiality.INTERNAL)
    PersonFactory(name="Nigora Safarova", confidentiality=Confidentiality.INTERNAL)
    PersonFactory(
        name="Rustam Djumaev", confidentiality=Confidentiality.STRICT, team=TeamFactory()
    )  # hidden from the coordinator: never paired
    response = api(coordinator).get("/api/v1/persons/duplicates/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [{row["one"]["id"], row["other"]["id"]} for row in results] == [
        {str(one.pk), str(other.pk)}
    ]
    assert results[0]["score"] >= 0.86 and results[0]["reasons"]

    client.force_login(coordinator)
    page = client.get(reverse("person-duplicates"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("person-merge", args=[page.context["pairs"][0].one.pk]) in html
    assert "Rustam Djumaev" not in html


def test_duplicate_review_is_for_coordinators(client):
    monitor = UserFactory(role=Role.MONITOR, clearance=Confidentiality.STRICT)
    assert api(monitor).get("/api/v1/persons/duplicates/").status_code == 403
    client.force_login(monitor)
    assert client.get(reverse("person-duplicates")).status_code == 403


def test_duplicate_review_queries_do_not_grow_with_the_pairs(client, coordinator):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api(coordinator).get("/api/v1/persons/duplicates/").status_code == 200
        return len(queries)

    PersonFactory(name="Rustam Jumayev", confidentiality=Confidentiality.INTERNAL)
    PersonFactory(name="Джумаев Рустам", confidentiality=Confidentiality.INTERNAL)
    count()  # the user's permissions are cached from the first request on
    few = count()
    # How many names (inline or in the background), the names, the persons of the page, and
    # the names of the page again (a stored page is re-read with the reader's access).
    assert few == 4
    for first, second in [("Umed Yusufov", "Умед Юсупов"), ("Farhod Irgashov", "Фарход Иргашев")]:
        PersonFactory(name=first, confidentiality=Confidentiality.INTERNAL)
        PersonFactory(name=second, confidentiality=Confidentiality.INTERNAL)
    assert count() == few
