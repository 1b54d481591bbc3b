"""The dates that matter: responses due, hearings and other follow-up dates, expected releases.

One source for every surface — the dashboard, the API, the reminder emails and the calendar
feed all list :class:`Deadline` items built here, so they cannot disagree:

* **response due** — an open follow-up's ``due_on`` (awaiting or overdue: not answered, not
  closed; see :meth:`FollowUp.status`);
* **hearing** and **follow-up date** — the ``occurs`` date of a follow-up that is not closed
  (a court hearing; a visit, an appeal or an advocacy action);
* **expected release** — a detained person's sentence end (see :func:`expected_release`),
  unless the detention's latest step is a release or a death in custody.

Everything is read through ``visible_to(user)``; archived records, and the records of
archived cases, are left out. An approximate date (a hearing "in June 2024", a release
"c. 2030") is listed when its range may fall in the window, dated by its first possible day,
and shown as it is known. It is overdue only once its last possible day has passed.

Each item has two labels: ``title`` for the signed-in user, and ``external_title`` for what
leaves Monitor (emails, calendar applications that sync to other companies' servers). The
external one names no person, names an addressee only when it is a public organisation (a
State, a ministry), and carries a follow-up's title only when its case is public.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.choices import FollowUpKind, StepKind
from cases.models import Detention, DetentionStep, FollowUp
from cases.models.detentions import SENTENCE_KINDS
from monitor.access import reveals_identity
from monitor.approxdate import ApproximateDate, Precision, overlaps
from monitor.choices import Confidentiality
from monitor.selectors import visible_prefetch
from monitor.write_batch import open_batch
from people.models import Person

#: Steps after which nobody is waiting for a release.
ENDED = (StepKind.RELEASED, StepKind.RELEASED_NO_CHARGE, StepKind.DIED)


class DeadlineKind(models.TextChoices):
    RESPONSE_DUE = "response_due", gettext_lazy("response due")
    HEARING = "hearing", gettext_lazy("hearing")
    FOLLOWUP_DATE = "followup_date", gettext_lazy("follow-up date")
    EXPECTED_RELEASE = "expected_release", gettext_lazy("expected release")


def default_days() -> int:
    """How far ahead "upcoming" looks: ``settings.REMINDER_DAYS`` (14 unless set)."""
    return int(getattr(settings, "REMINDER_DAYS", 14))


@dataclass(frozen=True)
class Deadline:
    """One dated item on someone's list."""

    #: The first possible day: what lists sort by and the calendar shows.
    date: datetime.date
    #: The last possible day (the same as ``date`` unless ``when`` is approximate).
    last_date: datetime.date
    #: The date as known: "11 July 2023", "June 2024", "c. 2030".
    when: ApproximateDate
    kind: DeadlineKind
    title: str
    external_title: str
    #: The record to link to: ``"cases.followup"`` or ``"cases.detention"`` and its id.
    model: str
    pk: uuid.UUID
    case_id: uuid.UUID
    case_reference: str
    overdue: bool
    owner_id: uuid.UUID | None = None

    @property
    def is_approximate(self) -> bool:
        return self.when.precision != Precision.DAY or self.when.circa

    @property
    def uid(self) -> str:
        """Stable per item (the calendar updates an event instead of adding another)."""
        return f"{self.kind}-{self.pk}@monitor"

    @property
    def url(self) -> str | None:
        """The page of the record, when there is one to link to."""
        app_label, model_name = self.model.split(".")
        for name in (f"{model_name}-detail", f"admin:{app_label}_{model_name}_change"):
            try:
                return reverse(name, args=[self.pk])
            except NoReverseMatch:
                continue
        return None

    def days_late(self, today: datetime.date) -> int:
        return max((today - self.last_date).days, 0)


@dataclass(frozen=True)
class ExpectedRelease:
    """When a sentence should end, as precisely as the sentence date is known."""

    when: ApproximateDate
    first: datetime.date
    last: datetime.date
    #: The step whose term is counted.
    step: DetentionStep


# -- the lists -------------------------------------------------------------------------------


def upcoming_deadlines(
    user,
    *,
    days: int | None = None,
    today: datetime.date | None = None,
    owned_by=None,
) -> list[Deadline]:
    """What falls due from ``today`` to ``days`` days ahead (``REMINDER_DAYS`` by default).

    ``owned_by``: only the follow-ups this user owns (expected releases have no owner and are
    left out).
    """
    today = today or timezone.localdate()
    days = default_days() if days is None else days
    end = today + datetime.timedelta(days=days)
    return [
        item
        for item in deadlines_between(user, today, end, today=today, owned_by=owned_by)
        if not item.overdue
    ]


def overdue_deadlines(user, *, today: datetime.date | None = None, owned_by=None) -> list[Deadline]:
    """Responses overdue (due before ``today``, unanswered, not closed), and expected releases
    whose last possible day has passed with no release recorded."""
    today = today or timezone.localdate()
    items = [
        *_response_items(user, FollowUp.objects.overdue(today), today=today, owned_by=owned_by),
        *(
            []
            if owned_by is not None
            else [i for i in _release_items(user, None, today, today=today) if i.overdue]
        ),
    ]
    return sorted(items, key=_order)


def dashboard_deadlines(
    user, *, days: int, today: datetime.date | None = None
) -> tuple[list[Deadline], list[Deadline]]:
    """``(overdue_deadlines(…), upcoming_deadlines(…, days=days))`` with the expected
    releases worked out once for both (the dashboard shows the two lists side by side)."""
    today = today or timezone.localdate()
    end = today + datetime.timedelta(days=days)
    releases = _release_items(user, None, end, today=today)
    # The overdue answers (still open, due before today) and those due by ``end``: one query.
    open_until_end = FollowUp.objects.still_open(today).filter(due_on__lte=end)
    responses = _response_items(user, open_until_end, today=today, owned_by=None)
    overdue = [
        *(item for item in responses if item.overdue),
        *(item for item in releases if item.overdue),
    ]
    upcoming = [
        item
        for item in (
            *(item for item in responses if not item.overdue),
            *_occurs_items(user, today, end, today=today, owned_by=None),
            *(item for item in releases if item.last_date >= today),
        )
        if not item.overdue
    ]
    return sorted(overdue, key=_order), sorted(upcoming, key=_order)


def deadlines_between(
    user,
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    today: datetime.date | None = None,
    owned_by=None,
) -> list[Deadline]:
    """Every item whose date may fall in [start, end] (either bound may be None)."""
    today = today or timezone.localdate()
    due = FollowUp.objects.still_open(today)
    if start is not None:
        due = due.filter(due_on__gte=start)
    if end is not None:
        due = due.filter(due_on__lte=end)
    items = [
        *_response_items(user, due, today=today, owned_by=owned_by),
        *_occurs_items(user, start, end, today=today, owned_by=owned_by),
    ]
    if owned_by is None:
        items += _release_items(user, start, end, today=today)
    return sorted(items, key=_order)


def _order(item: Deadline):
    return (item.date, item.last_date, item.kind, item.case_reference, item.title)


# -- follow-ups ------------------------------------------------------------------------------


def _visible_followups(queryset, user, owned_by):
    queryset = queryset.in_use().visible_to(user).select_related("case", "addressee")
    if owned_by is not None:
        queryset = queryset.filter(owner=owned_by)
    return queryset


def _response_items(user, queryset, *, today, owned_by) -> list[Deadline]:
    items = []
    for followup in _visible_followups(queryset, user, owned_by).filter(due_on__isnull=False):
        when = ApproximateDate.parse(followup.due_on)
        items.append(
            _followup_item(
                followup, DeadlineKind.RESPONSE_DUE, when, overdue=followup.due_on < today
            )
        )
    return items


def _occurs_items(user, start, end, *, today, owned_by) -> list[Deadline]:
    queryset = FollowUp.objects.filter(
        overlaps("occurs", start, end), occurs__isnull=False, closed_at__isnull=True
    )
    items = []
    for followup in _visible_followups(queryset, user, owned_by):
        kind = (
            DeadlineKind.HEARING
            if followup.kind == FollowUpKind.HEARING
            else DeadlineKind.FOLLOWUP_DATE
        )
        items.append(_followup_item(followup, kind, followup.occurs, overdue=False))
    return items


def _followup_item(followup: FollowUp, kind: DeadlineKind, when, *, overdue: bool) -> Deadline:
    case = followup.case
    described = [str(kind.label).capitalize()]
    if followup.kind == FollowUpKind.UN_COMMUNICATION and followup.reference:
        described.append(followup.reference)
    addressee = followup.addressee
    if addressee is not None and addressee.confidentiality == Confidentiality.PUBLIC:
        described.append(addressee.name)  # a State or a public body: no secret
    if case.confidentiality == Confidentiality.PUBLIC:
        described.append(followup.title)
    external = " · ".join([*described, _("case %(reference)s") % {"reference": case.reference}])
    return Deadline(
        date=when.start,
        last_date=when.end,
        when=when,
        kind=kind,
        title=followup.title,
        external_title=external,
        model="cases.followup",
        pk=followup.pk,
        case_id=case.pk,
        case_reference=case.reference,
        overdue=overdue,
        owner_id=followup.owner_id,
    )


# -- expected releases -----------------------------------------------------------------------


def expected_release(detention: Detention) -> ExpectedRelease | None:
    """When the detained person's sentence ends, or None.

    The term is the one of the latest step that carries one (a sentence, or an appeal that
    changed it); it runs from the date of the sentence — for an appeal, of the sentence it
    revised. None when there is no term, for a life sentence, and once the latest step is a
    release or a death in custody. The result is as precise as the sentence date: a sentence
    of "March 2023" for 7 years ends in "March 2030"; a sentence "c. 2021" ends "c. 2028".

    Note: time already spent in pre-trial detention usually counts towards the term, so the
    person may be due out earlier; the date is a date to watch, not a legal computation.
    Uses prefetched steps when present.
    """
    return release_of_steps(detention.ordered_steps())


def release_of_steps(steps: Sequence) -> ExpectedRelease | None:
    """:func:`expected_release` of a detention whose current (not archived) steps are
    ``steps``, in the order they happened (:meth:`Detention.ordered_steps`): the one rule,
    also asked by :func:`release_refresh` and the migration that filled the stored dates."""
    if not steps or steps[-1].kind in ENDED:
        return None
    with_term = [
        s for s in steps if s.kind in SENTENCE_KINDS and (s.sentence_months or s.life_sentence)
    ]
    if not with_term:
        return None
    term = with_term[-1]
    if term.life_sentence:
        return None
    start = term.date
    if term.kind != StepKind.SENTENCED:
        before = steps[: steps.index(term)]
        sentences = [s for s in before if s.kind == StepKind.SENTENCED]
        if sentences:
            start = sentences[-1].date
    when, first, last = add_months(start, term.sentence_months)
    return ExpectedRelease(when=when, first=first, last=last, step=term)


def release_refresh(detention_id, *, detention: Detention | None = None) -> None:
    """Store :func:`expected_release`'s first and last possible day on the detention
    (``Detention.release_first`` / ``release_last``), so that lists find the releases in a
    window with an indexed range query instead of working out every sentenced detention.

    Called on every save of a step (``cases.apps``: add, edit, archive, restore, claim status,
    import, admin — each goes through ``DetentionStep.save``), in that save's transaction;
    inside a write batch (an import's chunk), once for every detention touched, at the end of
    the batch (``monitor.write_batch``), still in its transaction. The dates are bookkeeping
    derived from the steps, whose own history records the change: written without a history
    row or a new version of the detention (its ETag, its review fingerprint and the editors
    it counts stay those of what people changed), and left out of the detention's own saves
    (``Detention.save``) so that a copy read earlier cannot put back old dates.
    ``detention``: an instance in memory to bring up to date as well.
    """
    batch = open_batch()
    if batch is not None:
        batch.defer(release_store, detention_id)
        return
    first, last = release_store({detention_id})[detention_id]
    if detention is not None:
        detention.release_first, detention.release_last = first, last


def release_store(detention_ids) -> dict:
    """Work out and store the release dates of ``detention_ids`` (see :func:`release_refresh`):
    one query for their current steps, one UPDATE per pair of dates found. Returns them."""
    return _store_releases(Detention, DetentionStep, detention_ids)


def _store_releases(detentions, steps, detention_ids) -> dict:
    found: dict = {pk: [] for pk in detention_ids}
    for step in steps._base_manager.filter(detention_id__in=found, archived_at__isnull=True):
        found[step.detention_id].append(step)
    dates, pairs = {}, {}
    for pk, its_steps in found.items():
        release = release_of_steps(Detention.order_steps(its_steps))
        dates[pk] = (release.first, release.last) if release else (None, None)
        pairs.setdefault(dates[pk], []).append(pk)
    for (first, last), pks in pairs.items():
        # A plain UPDATE of the base manager's rows (no history: bookkeeping columns, like
        # the review queue's ``queued_at``).
        detentions._base_manager.filter(pk__in=pks).update(release_first=first, release_last=last)
    return dates


def release_fill(apps, *, chunk: int = 2000) -> None:
    """Store every detention's release dates (what :func:`release_refresh` keeps) by the same
    rule: for the migration that added them, given its ``apps``, and for the benchmark's seed.

    Set-based: the detentions with a term are read a chunk at a time with their steps, and
    written with one UPDATE per pair of dates found in the chunk; every other one has none.
    """
    detentions = apps.get_model("cases", "Detention")
    steps = apps.get_model("cases", "DetentionStep")
    detentions._base_manager.filter(release_first__isnull=False).update(
        release_first=None, release_last=None
    )
    termed = list(
        steps._base_manager.filter(
            archived_at__isnull=True, kind__in=SENTENCE_KINDS, sentence_months__gt=0
        )
        .order_by("detention_id")
        .values_list("detention_id", flat=True)
        .distinct()
    )
    for index in range(0, len(termed), chunk):
        _store_releases(detentions, steps, termed[index : index + chunk])


def add_months(
    date: ApproximateDate, months: int
) -> tuple[ApproximateDate, datetime.date, datetime.date]:
    """``date`` plus ``months``, with the first and last day the result may mean.

    Keeps the precision and the circa of ``date``. A year-precise date plus a term that is
    not whole years spans two calendar years: it becomes "c." the year in the middle.
    """
    first = _shift(date.start, months)
    last = _shift(date.end, months)
    if date.precision == Precision.DAY:
        when = ApproximateDate(first.year, first.month, first.day, circa=date.circa)
    elif date.precision == Precision.MONTH:
        when = ApproximateDate(first.year, first.month, circa=date.circa)
    elif first.year == last.year:
        when = ApproximateDate(first.year, circa=date.circa)
    else:
        middle = first + (last - first) / 2
        when = ApproximateDate(middle.year, circa=True)
    return when, first, last


def _shift(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later; the 31st becomes the month's last day when needed."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _release_window_q(start, end) -> models.Q:
    """Detentions whose expected release may fall in [start, end] (either bound may be None):
    the stored first and last possible day (``release_refresh``), an indexed range. None
    stored: no expected release (no term, a life sentence, released or dead)."""
    condition = models.Q(release_first__isnull=False)
    if start is not None:
        condition &= models.Q(release_last__gte=start)
    if end is not None:
        condition &= models.Q(release_first__lte=end)
    return condition


def _release_items(user, start, end, *, today) -> list[Deadline]:
    detentions = (
        Detention.objects.visible_to(user)
        .filter(archived_at__isnull=True, case__archived_at__isnull=True)
        .filter(_release_window_q(start, end))
        .select_related("case", "person")
        .prefetch_related(
            visible_prefetch(
                Detention, "steps", user, lambda steps: steps.filter(archived_at__isnull=True)
            ),
            # Names through PersonName.visible_to: none of a person the reader may not identify.
            visible_prefetch(Detention, "person__names", user),
        )
    )
    detentions = list(detentions)
    if not detentions:
        return []
    visible_persons = set(
        Person.objects.visible_to(user)
        .filter(pk__in={d.person_id for d in detentions})
        .values_list("pk", flat=True)
    )
    items = []
    for detention in detentions:
        release = expected_release(detention)
        if release is None:
            continue
        if (start is not None and release.last < start) or (
            end is not None and release.first > end
        ):
            continue
        items.append(_release_item(detention, release, user, visible_persons, today=today))
    return items


def _release_item(detention, release, user, visible_persons, *, today) -> Deadline:
    person, case = detention.person, detention.case
    knows = person.pk in visible_persons and reveals_identity(user, person)
    shown = str(person) if knows else person.pseudonym
    external = [str(DeadlineKind.EXPECTED_RELEASE.label).capitalize()]
    public = Confidentiality.PUBLIC
    if (
        knows
        and not person.is_protected
        and case.confidentiality == person.confidentiality == public
    ):
        external.append(shown)
    external.append(_("case %(reference)s") % {"reference": case.reference})
    return Deadline(
        date=release.first,
        last_date=release.last,
        when=release.when,
        kind=DeadlineKind.EXPECTED_RELEASE,
        title=_("Expected release of %(person)s") % {"person": shown},
        external_title=" · ".join(external),
        model="cases.detention",
        pk=detention.pk,
        case_id=case.pk,
        case_reference=case.reference,
        overdue=release.last < today,
    )
