"""The duplicate review of a large register: computed in the background, read from its result.

Comparing every visible name takes seconds on a small register and minutes on a large one
(:func:`people.matching.duplicate_rows`). Up to :func:`background_names` visible names the
page and the API compute the pairs as they answer. Above it, a coordinator starts the work
(:func:`duplicates_start`: a django-tasks task with its progress, :mod:`monitor.progress`);
the task stores the pairs it found — ids and scores, best first, at most :data:`MAX_PAIRS` —
on its :class:`~monitor.models.TaskProgress` row, and the page and the API read the latest
finished result of the coordinator who asks (:func:`duplicate_review`).

A stored pair is only ids: each page of them is read again through
:func:`people.matching.resolve_pairs` with the reader's access of now, so a person hidden,
archived or merged since is left out, and no name is shown that the reader may not see.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from monitor.models import ProgressState, TaskProgress
from monitor.progress import Tracker, progress_attach, progress_start
from people.matching import duplicate_rows
from people.selectors import visible_names

KIND = "person-duplicates"
#: At most this many pairs are kept, the best first (a review longer than that is worked
#: through and computed again).
MAX_PAIRS = 10000


def background_names() -> int:
    """Above this many visible names the review is computed in the background
    (``settings.PERSON_DUPLICATES_BACKGROUND_NAMES``, 5,000 unless set)."""
    return getattr(settings, "PERSON_DUPLICATES_BACKGROUND_NAMES", 5000)


@dataclass(frozen=True)
class DuplicateReview:
    """What the page and the API show: the pairs (rows of :func:`duplicate_rows`), when they
    were computed (None: just now), and the recompute under way, if any."""

    rows: list
    in_background: bool
    computed: TaskProgress | None = None
    running: TaskProgress | None = None


def _jobs(user):
    return TaskProgress.objects.visible_to(user).filter(kind=KIND).order_by("-created_at")


def duplicate_review(user) -> DuplicateReview:
    """The pairs ``user`` reviews: computed now on a small register, else the latest result
    of their own background computation (none yet: no pairs), with the one running."""
    if visible_names(user).count() <= background_names():
        return DuplicateReview(rows=duplicate_rows(user), in_background=False)
    computed = _jobs(user).filter(state=ProgressState.DONE).first()
    running = _jobs(user).filter(state__in=[ProgressState.QUEUED, ProgressState.RUNNING]).first()
    rows = computed.result.get("pairs", []) if computed is not None else []
    return DuplicateReview(rows=rows, in_background=True, computed=computed, running=running)


def duplicates_start(user) -> TaskProgress:
    """Start computing ``user``'s review in the background (or return the computation under
    way, so that two clicks do not start two)."""
    running = _jobs(user).filter(state__in=[ProgressState.QUEUED, ProgressState.RUNNING]).first()
    if running is not None:
        return running
    progress = progress_start(
        owner=user,
        kind=KIND,
        title=_("Likely duplicate persons"),
        params={"back_url": reverse("person-duplicates")},
    )
    progress_attach(progress, duplicates_compute.enqueue(str(progress.pk)))
    return progress


@task()
def duplicates_compute(progress_id: str) -> int:
    """Compute the pairs of the owner's review and store them; returns how many."""
    with Tracker(progress_id) as tracker:
        user = tracker.progress.owner
        rows = duplicate_rows(user, tracker=tracker)
        tracker.finish(result={"pairs": [list(row) for row in rows[:MAX_PAIRS]]})
        return len(rows)
