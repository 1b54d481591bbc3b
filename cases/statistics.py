"""Who answers: UN communications sent, answered, unanswered and overdue, per addressee and
per mandate, with the median time to reply — and their CSV export.

How things are counted (:func:`communication_statistics`):

* A **communication** is a follow-up of the kinds asked for (UN communications by default)
  that has a sent date, is not archived, is on a case that is not archived, and that the user
  may see. One UN letter often concerns several cases, so it is recorded once per case: the
  follow-ups that share a UN reference count as **one** communication (sent on the earliest
  of their dates, to the addressee of the first recorded, by all their mandates, answered by
  any of their responses).
* **Answered**: it has a full answer, a partial answer or a denial (not archived). Each
  communication is counted once, under its best answer: full, else partial, else denial. An
  acknowledgement or a recorded "no response" is no answer. **Unanswered** is the rest — closed
  ones included, since closing is not being answered.
* **Overdue**: unanswered, not closed, and past its due date (as :meth:`FollowUp.status`).
* **Days to reply**: from the sent date to the first answer's received date (their first
  possible days, for approximate dates); the median of those known. An answer without a date
  counts as an answer but not in the median.
* **Per addressee**: the main addressee (``addressee``), not the other addressees. An addressee
  the user may not see is grouped under "Addressee not shown". **Per mandate**: a
  communication counts once under each of its mandates, so the mandate rows add up to more
  than the total.
"""

from __future__ import annotations

import csv
import datetime
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import FollowUpKind, FollowUpStatus, ResponseKind
from cases.counts import DetainedOverview
from cases.models import FollowUp, FollowUpResponse
from monitor.selectors import visible_prefetch
from people.models import Organization

NO_ADDRESSEE = "none"
HIDDEN_ADDRESSEE = "hidden"
NO_MANDATE = "none"


@dataclass
class Communication:
    """The follow-ups that are one communication (one, unless they share a UN reference)."""

    followups: list[FollowUp]
    today: datetime.date

    @property
    def first(self) -> FollowUp:
        return self.followups[0]

    @property
    def sent(self) -> datetime.date:
        return min(f.sent.start for f in self.followups)

    @property
    def responses(self) -> list[FollowUpResponse]:
        return [r for f in self.followups for r in f.responses.all() if r.archived_at is None]

    @property
    def best_answer(self) -> str | None:
        kinds = {r.kind for r in self.responses}
        for kind in (ResponseKind.FULL, ResponseKind.PARTIAL, ResponseKind.DENIAL):
            if kind in kinds:
                return kind
        return None

    @property
    def overdue(self) -> bool:
        return self.best_answer is None and any(
            f.status(self.today) == FollowUpStatus.OVERDUE for f in self.followups
        )

    @property
    def days_to_reply(self) -> int | None:
        answers = [
            r.received.start
            for r in self.responses
            if r.kind in (ResponseKind.FULL, ResponseKind.PARTIAL, ResponseKind.DENIAL)
            and r.received is not None
        ]
        if not answers:
            return None
        days = (min(answers) - self.sent).days
        return days if days >= 0 else None

    @property
    def mandates(self) -> dict:
        return {m.pk: m for f in self.followups for m in f.mandates.all()}


@dataclass
class ResponseStatistics:
    """One row: the communications to one addressee, or from one mandate."""

    key: str
    label: str
    sent: int = 0
    answered_fully: int = 0
    answered_partially: int = 0
    denials: int = 0
    unanswered: int = 0
    overdue: int = 0
    days_to_reply: list[int] = field(default_factory=list, repr=False)

    @property
    def answered(self) -> int:
        return self.answered_fully + self.answered_partially + self.denials

    @property
    def median_days_to_reply(self) -> float | None:
        return statistics.median(self.days_to_reply) if self.days_to_reply else None

    def add(self, communication: Communication) -> None:
        self.sent += 1
        answer = communication.best_answer
        if answer == ResponseKind.FULL:
            self.answered_fully += 1
        elif answer == ResponseKind.PARTIAL:
            self.answered_partially += 1
        elif answer == ResponseKind.DENIAL:
            self.denials += 1
        else:
            self.unanswered += 1
        if communication.overdue:
            self.overdue += 1
        days = communication.days_to_reply
        if days is not None:
            self.days_to_reply.append(days)

    def as_dict(self) -> dict:
        """The row for the API and the CSV."""
        return {
            "key": self.key,
            "label": self.label,
            "sent": self.sent,
            "answered": self.answered,
            "answered_fully": self.answered_fully,
            "answered_partially": self.answered_partially,
            "denials": self.denials,
            "unanswered": self.unanswered,
            "overdue": self.overdue,
            "median_days_to_reply": self.median_days_to_reply,
        }


@dataclass
class CommunicationStatistics:
    total: ResponseStatistics
    by_addressee: list[ResponseStatistics]
    by_mandate: list[ResponseStatistics]
    today: datetime.date


def visible_communications(
    user,
    *,
    today: datetime.date | None = None,
    kinds: Iterable[str] = (FollowUpKind.UN_COMMUNICATION,),
) -> list[Communication]:
    """The communications ``user`` may see (see the module docstring), oldest first."""
    today = today or timezone.localdate()
    followups = (
        FollowUp.objects.in_use()
        .visible_to(user)
        .filter(kind__in=list(kinds), sent__isnull=False)
        .select_related("addressee")
        .prefetch_related(
            visible_prefetch(
                FollowUp, "responses", user, lambda rows: rows.filter(archived_at__isnull=True)
            ),
            "mandates",
        )
        .order_by("sent", "created_at")
    )
    groups: dict[str, list[FollowUp]] = {}
    for followup in followups:
        shared = followup.kind == FollowUpKind.UN_COMMUNICATION and followup.reference
        key = f"reference:{followup.reference}" if shared else f"pk:{followup.pk}"
        groups.setdefault(key, []).append(followup)
    return [Communication(followups=group, today=today) for group in groups.values()]


def communication_statistics(
    user,
    *,
    today: datetime.date | None = None,
    kinds: Iterable[str] = (FollowUpKind.UN_COMMUNICATION,),
) -> CommunicationStatistics:
    """Sent, answered, unanswered, overdue and median days to reply, per addressee and per
    mandate, over what ``user`` may see."""
    today = today or timezone.localdate()
    communications = visible_communications(user, today=today, kinds=kinds)
    addressee_ids = {c.first.addressee_id for c in communications} - {None}
    visible_addressees = set(
        Organization.objects.visible_to(user)
        .filter(pk__in=addressee_ids)
        .values_list("pk", flat=True)
    )
    total = ResponseStatistics(key="total", label=_("All communications"))
    by_addressee: dict[str, ResponseStatistics] = {}
    by_mandate: dict[str, ResponseStatistics] = {}
    for communication in communications:
        total.add(communication)
        addressee = communication.first.addressee
        if addressee is None:
            key, label = NO_ADDRESSEE, _("No addressee recorded")
        elif addressee.pk not in visible_addressees:
            key, label = HIDDEN_ADDRESSEE, _("Addressee not shown")
        else:
            key, label = str(addressee.pk), str(addressee)
        by_addressee.setdefault(key, ResponseStatistics(key=key, label=label)).add(communication)
        mandates = communication.mandates
        if not mandates:
            mandates = {NO_MANDATE: None}
        for pk, term in mandates.items():
            key = str(pk)
            label = term.shown_label if term is not None else _("No mandate recorded")
            by_mandate.setdefault(key, ResponseStatistics(key=key, label=label)).add(communication)
    return CommunicationStatistics(
        total=total,
        by_addressee=_ordered(by_addressee.values()),
        by_mandate=_ordered(by_mandate.values()),
        today=today,
    )


def _ordered(rows: Iterable[ResponseStatistics]) -> list[ResponseStatistics]:
    return sorted(rows, key=lambda row: (-row.sent, row.label.casefold()))


# -- CSV -------------------------------------------------------------------------------------

#: (key in ``ResponseStatistics.as_dict()``, CSV header)
CSV_COLUMNS = (
    ("group", "group"),
    ("label", "name"),
    ("sent", "sent"),
    ("answered", "answered"),
    ("answered_fully", "answered fully"),
    ("answered_partially", "answered partially"),
    ("denials", "denials"),
    ("unanswered", "unanswered"),
    ("overdue", "overdue"),
    ("median_days_to_reply", "median days to reply"),
)

#: A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell a spreadsheet will show as text: a quote before a would-be formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def statistics_csv(stats: CommunicationStatistics) -> str:
    """The statistics as CSV: the total, then one row per addressee, then per mandate."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _key, header in CSV_COLUMNS])
    sections = (
        ("total", [stats.total]),
        ("addressee", stats.by_addressee),
        ("mandate", stats.by_mandate),
    )
    for group, rows in sections:
        for row in rows:
            values = row.as_dict()
            values["group"] = group
            median = values["median_days_to_reply"]
            if isinstance(median, float) and median.is_integer():
                values["median_days_to_reply"] = int(median)
            writer.writerow(
                [neutralise("" if values[key] is None else values[key]) for key, _h in CSV_COLUMNS]
            )
    return out.getvalue()


# -- protest detentions ----------------------------------------------------------------------
#
# Everyone detained (named, or counted in group detentions), per place of detention, and
# what became of them: administrative outcomes counted apart from criminal sentences. The
# counting rules are cases.counts'; this is their CSV.


def detention_statistics_csv(overview: DetainedOverview) -> str:
    """The overview as CSV: one row per measure (``group``, ``measure``, ``people``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("group"), _("measure"), _("people")])
    outcomes = overview.outcomes
    writer.writerow([_("total"), _("detained"), outcomes.detained])
    for _kind, label, people in outcomes.administrative:
        writer.writerow([_("administrative outcome"), neutralise(str(label)), people])
    writer.writerow([_("administrative outcome"), _("in all"), outcomes.administrative_total])
    writer.writerow([_("criminal"), _("charged with a crime (counted in groups)"),
                     outcomes.charged_in_groups])  # fmt: skip
    writer.writerow([_("criminal"), _("sentenced"), outcomes.sentenced])
    for facility, people in overview.by_facility:
        writer.writerow([_("place of detention"), neutralise(facility.name), people])
    return out.getvalue()
