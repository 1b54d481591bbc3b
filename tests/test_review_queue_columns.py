"""The review queue reads two columns the review services keep (issue 14): since when a record
waits (``queued_at``) and who sent it (``queued_by``), rather than searching every waiting
record's decisions (half a second at 100,000 cases). Each way into and out of the queue is
tested, and the migration that fills them for records already waiting."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from monitor.choices import Confidentiality, ReviewState, Role
from monitor.labels import reviewed_models
from monitor.models import DecisionAction, Place, ReviewDecision
from monitor.models.base import WAITING, waiting_since
from monitor.models.places import PlaceKind
from monitor.models.review import fill_queue_columns
from monitor.services import record_save, review_return, review_submit, review_verify
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_monitor(db, team):
    return UserFactory(
        username="bob-monitor",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )


def _fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


def _queue_order(client) -> list[str]:
    page = client.get(reverse("review-queue"))
    assert page.status_code == 200
    return [item.label for item in page.context["items"]]


def test_every_way_in_and_out_of_the_queue_keeps_the_columns(
    team, monitor_on_team, second_monitor, reviewer, coordinator
):
    case = CaseFactory(team=team, title="Five Pamiris")
    assert (_fresh(case).queued_at, _fresh(case).queued_by) == (None, None)  # a draft

    review_submit(record=case, actor=monitor_on_team)
    waiting = _fresh(case)
    decision = ReviewDecision.objects.for_record(case).get(action=DecisionAction.SUBMITTED)
    assert waiting.queued_by == monitor_on_team
    assert abs(waiting.queued_at - decision.at) < datetime.timedelta(seconds=5)

    review_return(record=waiting, actor=reviewer, comment="Cite the verdict.")
    assert (_fresh(case).queued_at, _fresh(case).queued_by) == (None, None)

    review_submit(record=_fresh(case), actor=second_monitor)
    assert _fresh(case).queued_by == second_monitor
    review_verify(record=_fresh(case), actor=reviewer)
    assert (_fresh(case).review_state, _fresh(case).queued_at) == (ReviewState.VERIFIED, None)

    # Edited after verification: back in the queue, sent by whoever edited it.
    edited = _fresh(case)
    edited.summary = "Sentenced in Dushanbe."
    record_save(record=edited, actor=second_monitor, reason="The verdict")
    assert (_fresh(case).review_state, _fresh(case).queued_by) == (
        ReviewState.SUBMITTED,
        second_monitor,
    )

    # New reference data is in the queue from the start, sent by its author.
    place = record_save(
        record=Place(name="Vomar", kind=PlaceKind.SETTLEMENT), actor=coordinator, reason="new"
    )
    assert _fresh(place).queued_by == coordinator and _fresh(place).queued_at is not None


def test_the_queue_is_oldest_first_by_when_each_record_last_entered_it(
    client, team, monitor_on_team, reviewer
):
    first = CaseFactory(team=team, title="Arrest of a lawyer")
    second = CaseFactory(team=team, title="Arrest of a blogger")
    review_submit(record=first, actor=monitor_on_team)
    review_submit(record=second, actor=monitor_on_team)
    client.force_login(reviewer)
    assert _queue_order(client)[:2] == [str(first), str(second)]

    # Returned and sent again, the first waits behind the second.
    review_return(record=_fresh(first), actor=reviewer, comment="Which court?")
    review_submit(record=_fresh(first), actor=monitor_on_team)
    assert _queue_order(client)[:2] == [str(second), str(first)]


def test_the_migration_fills_the_columns_of_the_records_already_waiting(
    team, monitor_on_team, reviewer
):
    decided = CaseFactory(team=team)
    review_submit(record=decided, actor=monitor_on_team)
    submitted_at = ReviewDecision.objects.for_record(decided).get().at
    # Put in the waiting state by an older import, with no decision.
    undecided = CaseFactory(team=team, review_state=ReviewState.SUBMITTED)
    draft = CaseFactory(team=team)
    # Plain UPDATEs, as the migration writes (no history: bookkeeping columns).
    rows = Case._base_manager
    rows.filter(pk__in=[decided.pk, undecided.pk]).update(queued_at=None, queued_by=None)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    rows.filter(pk=undecided.pk).update(updated_at=long_ago)

    fill_queue_columns(apps, "cases", ["Case"])

    assert (_fresh(decided).queued_at, _fresh(decided).queued_by) == (
        submitted_at,
        monitor_on_team,
    )
    assert (_fresh(undecided).queued_at, _fresh(undecided).queued_by) == (long_ago, None)
    assert (_fresh(draft).queued_at, _fresh(draft).queued_by) == (None, None)


def test_every_reviewable_model_declares_the_queue_s_indexes():
    """The queue reads each kind's first waiting records in order from an index, and whether
    a team has any from another (monitor.models.base.queue_indexes): a reviewable model
    without them would be sorted in full on every page of the queue."""
    for model in reviewed_models():
        indexes = {index.name: index for index in model._meta.indexes}
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_queue"
        queue = indexes.get(prefix)
        assert queue is not None, f"{model._meta.label}: Meta.indexes lacks queue_indexes()"
        assert list(queue.expressions) == [waiting_since(), F("id")]
        assert queue.condition == WAITING
        if any(field.name == "team" for field in model._meta.concrete_fields):
            by_team = indexes.get(f"{prefix}_team")
            assert by_team is not None, f"{model._meta.label}: queue_indexes(team=True)"
            assert list(by_team.expressions) == [F("team"), waiting_since(), F("id")]
            assert by_team.condition == WAITING
            assert by_team.include == ("confidentiality",)
