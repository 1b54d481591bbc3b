"""The withheld names are read once per change, never used stale (issue 14).

Every answer to a signed-in reader is scrubbed of the names of the protected persons they may
not identify (``test_names_in_text.py``). Reading those names is a query over every protected
name, so a worker keeps them (``monitor.redaction.text_scrubber``) under a version token that
every write of a name or of its person changes in its own transaction, and under the
reader's teams read with the token. Here: the names are not read again while nothing
changed, and every change that withholds a name — protecting a person, naming a protected
person, moving them to another team, leaving their team — is withheld by the very next read.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.choices import Confidentiality, Role
from monitor.models import WithheldNamesVersion
from monitor.redaction import WITHHELD_NAME, names_sources, text_scrubber
from monitor.services import record_archive, record_restore, record_save
from people.models import Person, PersonName
from tests.factories import (
    FACTORIES,
    CaseFactory,
    PersonFactory,
    PersonNameFactory,
    TeamFactory,
    UserFactory,
)

# Committed writes, as a request makes them (a test's own transaction would keep nothing:
# a transaction that changed the version reads the names afresh until it commits).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WITHHELD = str(WITHHELD_NAME)
TEXT = "According to Farrukh Qalandarov, the police came at night."


def _reads_names(captured) -> bool:
    return any("people_personname" in query["sql"] for query in captured.captured_queries)


def _token():
    return WithheldNamesVersion.objects.get(pk=1).token


@pytest.fixture
def witness(team):
    person = PersonFactory(team=team, is_protected=True, name="Nodira Tainova")
    PersonNameFactory(person=person, full_name="Нодира Тайнова", family_name="Тайнова")
    return person


def test_the_names_are_read_once_while_nothing_changes(witness, coordinator, monitor_off_team):
    text_scrubber(coordinator)
    assert monitor_off_team.roles  # (their roles, read once per request anyway)
    with CaptureQueriesContext(connection) as captured:
        scrub = text_scrubber(coordinator)
        again = text_scrubber(monitor_off_team)  # the same scope: no team of theirs
    assert len(captured.captured_queries) == 2  # the version with the teams, once each
    assert not _reads_names(captured)
    assert scrub is again and scrub("Нодира Тайнова") == WITHHELD


def test_protecting_a_person_withholds_their_name_at_once(client, team, coordinator):
    person = PersonFactory(team=team, name="Farrukh Qalandarov")
    case = CaseFactory(team=team, summary=TEXT, confidentiality=Confidentiality.PUBLIC)
    client.force_login(coordinator)
    page = reverse("case-detail", args=[case.pk])
    assert "Qalandarov" in client.get(page).content.decode()  # not protected: shown, kept
    assert text_scrubber(coordinator)(TEXT) == TEXT

    person = Person.objects.get(pk=person.pk)
    person.is_protected = True
    record_save(record=person, actor=coordinator, reason="protect the witness")

    assert "Qalandarov" not in text_scrubber(coordinator)(TEXT)
    shown = client.get(page).content.decode()
    assert "Qalandarov" not in shown and WITHHELD in shown
    api = APIClient()
    api.force_authenticate(coordinator)
    assert "Qalandarov" not in api.get(f"/api/v1/cases/{case.pk}/").json()["summary"]


def test_a_name_given_to_a_protected_person_is_withheld_at_once(witness, coordinator):
    text = "Seen with Gulnora Sharipova."
    assert text_scrubber(coordinator)(text) == text
    PersonNameFactory(person=witness, full_name="Gulnora Sharipova", family_name="Sharipova")
    assert text_scrubber(coordinator)(text) == f"Seen with {WITHHELD}."


def test_a_restored_name_is_withheld_at_once(witness, team, coordinator):
    archivist = UserFactory(
        username="cora-coordinator", role=Role.COORDINATOR, teams=[team],
        clearance=Confidentiality.CONFIDENTIAL,
    )  # fmt: skip
    name = PersonName.objects.filter(person=witness, full_name="Нодира Тайнова").get()
    record_archive(record=name, actor=archivist, reason="a duplicate")
    assert text_scrubber(coordinator)("Тайнова") == "Тайнова"
    record_restore(record=PersonName.objects.get(pk=name.pk), actor=archivist)
    assert text_scrubber(coordinator)("Тайнова") == WITHHELD


def test_moving_a_protected_person_away_from_a_team_withholds_at_once(
    witness, monitor_on_team, coordinator
):
    assert not text_scrubber(monitor_on_team)  # their team's witness: they know who it is
    person = Person.objects.get(pk=witness.pk)
    person.team = TeamFactory(name="Another team")
    record_save(record=person, actor=coordinator, reason="moved")
    assert text_scrubber(monitor_on_team)("Тайнова") == WITHHELD


def test_leaving_the_team_withholds_at_once(witness, team, monitor_on_team):
    scrub = text_scrubber(monitor_on_team)
    assert scrub("Тайнова") == "Тайнова"
    team.members.remove(monitor_on_team)  # no name changed: the reader's teams did
    assert text_scrubber(monitor_on_team)("Тайнова") == WITHHELD


def test_joining_the_team_is_not_given_another_scope_s_names(witness, team, monitor_off_team):
    """Two readers of different teams never share what one of them may read."""
    member = UserFactory(
        username="tom-on-team", role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )  # fmt: skip
    assert text_scrubber(member)("Тайнова") == "Тайнова"
    assert text_scrubber(monitor_off_team)("Тайнова") == WITHHELD
    assert text_scrubber(member)("Тайнова") == "Тайнова"


def test_unprotecting_shows_the_name_at_once(witness, coordinator):
    assert text_scrubber(coordinator)("Тайнова") == WITHHELD
    person = Person.objects.get(pk=witness.pk)
    person.is_protected = False
    record_save(record=person, actor=coordinator, reason="consented")
    assert text_scrubber(coordinator)("Тайнова") == "Тайнова"


@pytest.mark.parametrize("model", names_sources(), ids=lambda model: model._meta.label)
def test_every_write_that_may_change_the_names_changes_the_version(model, team):
    before = _token()
    record = FACTORIES[model]()
    assert _token() != before
    before = _token()
    record.archived_at = record.updated_at
    record.save()
    assert _token() != before


def test_without_a_version_the_names_are_read_every_time(witness, coordinator):
    WithheldNamesVersion.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        assert text_scrubber(coordinator)("Тайнова") == WITHHELD
    assert _reads_names(captured)
    PersonFactory(team=witness.team, is_protected=True, name="Zarina Odinaeva")
    assert text_scrubber(coordinator)("Zarina Odinaeva") == WITHHELD  # a version again
    assert WithheldNamesVersion.objects.count() == 1


def test_a_transaction_changes_the_version_once_and_again_after_a_rollback(team, coordinator):
    from django.db import transaction

    def version_writes(captured):
        return [q for q in captured.captured_queries if "monitor_withheldnamesversion" in q["sql"]]

    before = _token()
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            for n in range(5):
                PersonFactory(team=team, is_protected=True, name=f"Witness Batch{n}")
        assert len(version_writes(captured)) == 1  # an import's chunk: once, not per name
        changed = _token()
        assert changed != before
        try:
            with transaction.atomic():  # a savepoint, rolled back with its change
                PersonFactory(team=team, is_protected=True, name="Zarina Odinaeva")
                raise RuntimeError
        except RuntimeError:
            pass
        assert _token() == changed
        PersonFactory(team=team, is_protected=True, name="Gulnora Sharipova")
        assert _token() != changed  # the rollback undid nothing of the outer change: still new
        assert text_scrubber(coordinator)("Gulnora Sharipova") == WITHHELD


def test_a_change_rolled_back_in_a_savepoint_is_changed_again(team, coordinator):
    """The savepoint that changed the version is rolled back (the version with it): the next
    write of the same transaction changes it again."""
    from django.db import transaction

    text_scrubber(coordinator)  # kept under the version before
    before = _token()
    with transaction.atomic():
        try:
            with transaction.atomic():
                PersonFactory(team=team, is_protected=True, name="Witness Undone")
                assert _token() != before
                raise RuntimeError
        except RuntimeError:
            pass
        assert _token() == before  # rolled back with the savepoint
        PersonFactory(team=team, is_protected=True, name="Witness Kept")
        assert _token() != before
        assert text_scrubber(coordinator)("Witness Kept") == WITHHELD
