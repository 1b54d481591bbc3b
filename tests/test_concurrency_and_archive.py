"""Nothing lost: stale edits refused, archive and restore, untraceable writes refused, one
transaction per write, and no edit that would hide a record from its own editor.

The trust rules on history and on nothing lost (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import uuid

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from cases.models import Allegation, Case, Event
from monitor.choices import Confidentiality, ReviewState, Role
from monitor.models import AuditedModel, AuditError, DecisionAction, ReviewDecision, StaleEdit
from monitor.services import (
    ActionRefused,
    NotVisible,
    record_archive,
    record_restore,
    record_save,
    review_submit,
)
from sources.models import CustodyEvent
from tests.factories import (
    FACTORIES,
    AllegationFactory,
    CaseFactory,
    CustodyEventFactory,
    EventFactory,
    TeamFactory,
    UserFactory,
)


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


@pytest.fixture
def case(team, monitor_on_team):
    """A confidential draft of the team, opened by the monitor on the team."""
    draft = Case(reference="TJK-2023-0007", title="Ulfatkhonim Mamadshoeva", team=team)
    return record_save(record=draft, actor=monitor_on_team, reason="Opened")


# -- optimistic concurrency ------------------------------------------------------------------


def test_second_of_two_concurrent_edits_is_refused_naming_who_changed_it(
    case, monitor_on_team, reviewer
):
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    first.title = "Ulfatkhonim Mamadshoeva, journalist"
    record_save(record=first, actor=monitor_on_team)

    second.title = "Mamadshoeva (reviewer's wording)"
    history_before = case.history.count()
    with pytest.raises(StaleEdit) as stale:
        record_save(record=second, actor=reviewer)
    message = stale.value.messages[0]
    assert "alice-monitor" in message
    assert "since you opened it" in message
    assert stale.value.code == "stale"

    stored = fresh(case)
    assert stored.title == "Ulfatkhonim Mamadshoeva, journalist"
    assert stored.version == first.version
    assert case.history.count() == history_before
    assert second.version == first.version - 1, "the refused copy keeps the version it read"


def test_save_with_an_older_expected_version_is_refused_and_newer_data_kept(
    case, monitor_on_team, reviewer
):
    opened_at = case.version
    case.summary = "Sentenced to 21 years."
    record_save(record=case, actor=monitor_on_team)

    latest = fresh(case)
    latest.summary = "Overwrite based on what I saw before."
    with pytest.raises(StaleEdit) as stale:
        record_save(record=latest, actor=reviewer, expected_version=opened_at)
    assert "alice-monitor" in stale.value.messages[0]
    assert fresh(case).summary == "Sentenced to 21 years."

    latest = fresh(case)
    latest.summary = "Based on the current version."
    record_save(record=latest, actor=reviewer, expected_version=latest.version)
    assert fresh(case).summary == "Based on the current version."


def test_stale_child_record_edit_is_refused(case, monitor_on_team, reviewer):
    allegation = AllegationFactory(case=case)
    first, second = (Allegation.objects.get(pk=allegation.pk) for _ in range(2))
    first.description = "First."
    record_save(record=first, actor=monitor_on_team)
    second.description = "Second."
    with pytest.raises(StaleEdit):
        record_save(record=second, actor=reviewer)
    assert fresh(allegation).description == "First."


def test_version_increments_on_every_save(case, monitor_on_team, coordinator):
    versions = [fresh(case).version]
    for summary in ("one", "two", "three"):
        case.summary = summary
        record_save(record=case, actor=monitor_on_team)
        versions.append(fresh(case).version)
    review_submit(record=case, actor=monitor_on_team)
    versions.append(fresh(case).version)
    record_archive(record=case, actor=coordinator)
    versions.append(fresh(case).version)
    record_restore(record=case, actor=coordinator)
    versions.append(fresh(case).version)
    assert versions == list(range(1, 8))
    assert list(case.history.order_by("history_date").values_list("version", flat=True)) == [
        *range(1, 8)
    ]


# -- archive and restore ---------------------------------------------------------------------


def test_archive_restore_round_trip_by_coordinator_keeps_history(case, coordinator):
    case.summary = "Detained 18 May 2022."
    record_save(record=case, actor=coordinator)
    history_before = list(case.history.values_list("history_id", flat=True))

    record_archive(record=case, actor=coordinator, reason="Duplicate of TJK-2023-0006")
    archived = fresh(case)
    assert archived.archived_at is not None
    assert archived.archived_by == coordinator
    assert case.history.count() == len(history_before) + 1
    latest = case.history.latest("history_date")
    assert (latest.history_user, latest.history_change_reason) == (
        coordinator,
        "Duplicate of TJK-2023-0006",
    )
    assert case not in Case.objects.active()
    assert case in Case.objects.archived()

    record_restore(record=case, actor=coordinator, reason="Not a duplicate after all")
    restored = fresh(case)
    assert restored.archived_at is None
    assert restored.archived_by is None
    assert restored.summary == "Detained 18 May 2022."
    assert case in Case.objects.active()
    assert case.history.count() == len(history_before) + 2
    assert set(history_before) <= set(case.history.values_list("history_id", flat=True))

    kept = ReviewDecision.objects.for_record(case).order_by("at")
    assert [(d.action, d.actor, d.comment) for d in kept] == [
        (DecisionAction.ARCHIVED, coordinator, "Duplicate of TJK-2023-0006"),
        (DecisionAction.RESTORED, coordinator, "Not a duplicate after all"),
    ]


def test_archived_child_record_drops_out_of_active_and_comes_back(case, coordinator):
    allegation = AllegationFactory(case=case)
    record_archive(record=allegation, actor=coordinator)
    assert allegation not in Allegation.objects.active()
    assert allegation in Allegation.objects.filter(case=case), "still there, only archived"
    record_restore(record=allegation, actor=coordinator)
    assert allegation in Allegation.objects.active()


def test_archiving_twice_or_restoring_a_live_record_is_refused(case, coordinator):
    with pytest.raises(ActionRefused) as refused:
        record_restore(record=case, actor=coordinator)
    assert refused.value.code == "state"
    record_archive(record=case, actor=coordinator)
    with pytest.raises(ActionRefused) as refused:
        record_archive(record=case, actor=coordinator)
    assert refused.value.code == "state"


@pytest.mark.parametrize("persona", ["monitor_on_team", "reviewer", "viewer"])
def test_only_coordinators_archive_or_restore(case, personas, coordinator, persona):
    user = personas[persona]
    with pytest.raises((ActionRefused, NotVisible)) as refused:
        record_archive(record=case, actor=user)
    if persona != "viewer":  # the viewer does not even see a confidential case
        assert refused.value.code == "permission"
    assert fresh(case).archived_at is None

    record_archive(record=case, actor=coordinator)
    with pytest.raises((ActionRefused, NotVisible)):
        record_restore(record=case, actor=user)
    assert fresh(case).archived_at is not None


def test_coordinator_cannot_archive_a_strict_case_of_another_team(team, coordinator):
    strict = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    with pytest.raises(NotVisible):
        record_archive(record=strict, actor=coordinator)
    assert fresh(strict).archived_at is None


def test_archived_record_cannot_be_edited_until_restored(case, monitor_on_team, coordinator):
    record_archive(record=case, actor=coordinator)
    archived = fresh(case)
    archived.title = "Edited while archived"
    with pytest.raises(ActionRefused) as refused:
        record_save(record=archived, actor=monitor_on_team)
    assert refused.value.code == "permission"
    assert fresh(case).title == "Ulfatkhonim Mamadshoeva"


def test_monitor_cannot_restore_by_clearing_archived_at_through_a_save(
    case, monitor_on_team, coordinator
):
    record_archive(record=case, actor=coordinator)
    archived = fresh(case)
    archived.archived_at, archived.archived_by = None, None
    with pytest.raises(ActionRefused):
        record_save(record=archived, actor=monitor_on_team)
    assert fresh(case).archived_at is not None


def test_monitor_cannot_archive_by_setting_archived_at_through_a_save(case, monitor_on_team):
    live = fresh(case)
    live.archived_at, live.archived_by = timezone.now(), monitor_on_team
    live.title = "Renamed"
    with contextlib.suppress(ActionRefused):  # refusing or ignoring the field are both safe
        record_save(record=live, actor=monitor_on_team)
    stored = fresh(case)
    assert stored.archived_at is None
    assert stored.archived_by is None


def test_monitor_cannot_set_review_state_through_a_save(case, monitor_on_team):
    live = fresh(case)
    live.review_state = ReviewState.VERIFIED
    with contextlib.suppress(ActionRefused):  # refusing or ignoring the field are both safe
        record_save(record=live, actor=monitor_on_team)
    assert fresh(case).review_state == ReviewState.DRAFT
    assert not ReviewDecision.objects.for_record(case).exists()


# -- writes that would skip the history ------------------------------------------------------


def audited_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, AuditedModel) and not model._meta.abstract
    ]


def test_every_audited_model_has_a_factory():
    assert set(audited_models()) - set(FACTORIES) == set()


@pytest.mark.parametrize("model", audited_models(), ids=lambda model: model.__name__)
def test_untraceable_writes_on_audited_models_raise(db, model):
    record = FACTORIES[model]()
    before = (record.updated_at, record.history.count())
    stamp = timezone.now()
    writes = {
        "update": lambda: model.objects.all().update(updated_at=stamp),
        "filtered update": lambda: model.objects.filter(pk=record.pk).update(updated_at=stamp),
        "bulk_update": lambda: model.objects.bulk_update([record], ["updated_at"]),
        "bulk_create": lambda: model.objects.bulk_create([model()]),
        "queryset delete": lambda: model.objects.filter(pk=record.pk).delete(),
        "instance delete": record.delete,
    }
    for name, write in writes.items():
        with pytest.raises(AuditError):
            write()
            pytest.fail(f"{model.__name__}: {name} went through")
    stored = fresh(record)
    assert (stored.updated_at, record.history.count()) == before


def test_update_through_visible_to_and_related_managers_raises(case, monitor_on_team):
    AllegationFactory(case=case)
    with pytest.raises(AuditError):
        Case.objects.visible_to(monitor_on_team).update(title="Bulk")
    with pytest.raises(AuditError):
        case.allegations.update(description="Bulk")
    with pytest.raises(AuditError):
        case.allegations.all().delete()
    assert fresh(case).title == "Ulfatkhonim Mamadshoeva"


def test_review_decisions_and_custody_events_are_append_only(case, monitor_on_team):
    decision = review_submit(record=case, actor=monitor_on_team)
    custody = CustodyEventFactory()
    for write in (
        lambda: ReviewDecision.objects.update(comment="Rewritten"),
        lambda: ReviewDecision.objects.all().delete(),
        decision.save,
        decision.delete,
        lambda: CustodyEvent.objects.update(note="Rewritten"),
        lambda: CustodyEvent.objects.all().delete(),
        custody.save,
        custody.delete,
    ):
        with pytest.raises(AuditError):
            write()
    assert ReviewDecision.objects.get(pk=decision.pk).comment == ""


def test_adding_a_user_to_a_team_from_the_user_side_is_recorded_in_team_history(db):
    team = TeamFactory(name="Khorog team")
    user = UserFactory(role=Role.MONITOR)
    before = team.history.count()
    user.teams.add(team)
    assert team.history.count() == before + 1
    assert list(team.history.latest("history_date").members.values_list("user", flat=True)) == [
        user.pk
    ]
    user.teams.clear()
    assert team.history.count() == before + 2
    assert not team.history.latest("history_date").members.exists()


# -- one transaction per write ---------------------------------------------------------------


def snapshot(record) -> tuple:
    stored = fresh(record)
    return (
        stored.title,
        stored.version,
        stored.history.count(),
        sorted(stored.events.values_list("pk", flat=True)),
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_link_to_a_missing_event_leaves_nothing_half_written(team, monitor_on_team):
    draft = Case(reference="TJK-2023-0008", title="Before", team=team)
    case = record_save(record=draft, actor=monitor_on_team)
    before = snapshot(case)

    edited = fresh(case)
    edited.title = "After"
    # Foreign keys are checked at commit (SQLite and PostgreSQL alike): the whole write,
    # title and history row included, must go with the bad link.
    with pytest.raises(IntegrityError):
        record_save(record=edited, actor=monitor_on_team, m2m={"events": [uuid.uuid4()]})
    assert snapshot(case) == before


def test_failure_after_the_save_inside_the_service_rolls_the_save_back(case, monitor_on_team):
    before = snapshot(case)
    edited = fresh(case)
    edited.title = "After"
    unsaved_event = Event(title="Never saved")
    with pytest.raises(ValueError):
        record_save(record=edited, actor=monitor_on_team, m2m={"events": [unsaved_event]})
    assert snapshot(case) == before


def test_failed_validation_saves_nothing(case, monitor_on_team):
    before = snapshot(case)
    edited = fresh(case)
    edited.title = "After"
    edited.reference = "not a reference"
    with pytest.raises(ValidationError) as invalid:
        record_save(record=edited, actor=monitor_on_team)
    assert "reference" in invalid.value.message_dict
    assert snapshot(case) == before


def test_valid_links_are_saved_with_the_record(case, monitor_on_team):
    event = EventFactory(team=case.team)
    case.title = "With its event"
    record_save(record=case, actor=monitor_on_team, m2m={"events": [event.pk]})
    assert snapshot(case)[0::3] == ("With its event", [event.pk])


# -- no edit that hides the record from its own editor ---------------------------------------


def test_edit_that_would_hide_the_case_from_its_editor_is_refused_and_nothing_saved(
    case, monitor_on_team
):
    other_team = TeamFactory(name="Dushanbe team")
    before = snapshot(case)
    edited = fresh(case)
    edited.team = other_team
    edited.confidentiality = Confidentiality.STRICT
    with pytest.raises(ActionRefused) as refused:
        record_save(record=edited, actor=monitor_on_team)
    assert refused.value.code == "would_hide"
    stored = fresh(case)
    assert (stored.team_id, stored.confidentiality) == (case.team_id, Confidentiality.CONFIDENTIAL)
    assert snapshot(case) == before


def test_new_record_the_creator_could_not_see_is_refused(db):
    low_clearance = UserFactory(role=Role.MONITOR, clearance=Confidentiality.INTERNAL)
    draft = Case(reference="TJK-2023-0009", title="No team", team=None)  # confidential
    with pytest.raises(ActionRefused) as refused:
        record_save(record=draft, actor=low_clearance)
    assert refused.value.code == "would_hide"
    assert not Case.objects.filter(reference="TJK-2023-0009").exists()
