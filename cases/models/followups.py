"""Follow-ups (HURIDOCS "interventions"): what monitors did about a case, and the answers."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import FollowUpKind, FollowUpStatus, ResponseKind
from cases.references import NON_STATE, country_alpha3, parse_un_reference
from monitor.approxdate import ApproximateDate, ApproximateDateField, approximate_date_constraints
from monitor.choices import Vocabulary
from monitor.models.base import AuditedModel, ChildQuerySet

#: Responses that answer in full. See :meth:`FollowUp.status` for how each kind counts.
FULL_ANSWERS = frozenset({ResponseKind.FULL})
#: Responses that answer, but not in full: a denial is a reply, not an answer to the substance.
PARTIAL_ANSWERS = frozenset({ResponseKind.PARTIAL, ResponseKind.DENIAL})
#: Every response that counts as a reply (statistics: "answered", days to reply).
ANSWERS = FULL_ANSWERS | PARTIAL_ANSWERS

#: Follow-ups still waiting for something: reminders and deadlines list only these.
OPEN_STATUSES = (FollowUpStatus.AWAITING, FollowUpStatus.OVERDUE)

#: Only these kinds are heard by a court.
COURT_KINDS = (FollowUpKind.HEARING, FollowUpKind.APPEAL)


class FollowUpQuerySet(ChildQuerySet):
    parents = (("case", "cases.Case"),)

    def with_status(self, today: datetime.date | None = None):
        """Annotate ``current_status``, the same derivation as :meth:`FollowUp.status`.

        Lists, filters and the API filter on this annotation, so a follow-up is "overdue" in a
        list exactly when its page says so. (Named ``current_status`` so that it does not hide
        the ``status()`` method on the instances.)
        """
        today = today or timezone.localdate()
        responses = FollowUpResponse.objects.filter(
            followup=models.OuterRef("pk"), archived_at__isnull=True
        )
        return self.annotate(
            current_status=models.Case(
                models.When(closed_at__isnull=False, then=models.Value(FollowUpStatus.CLOSED)),
                models.When(
                    models.Exists(responses.filter(kind__in=FULL_ANSWERS)),
                    then=models.Value(FollowUpStatus.ANSWERED),
                ),
                models.When(
                    models.Exists(responses.filter(kind__in=PARTIAL_ANSWERS)),
                    then=models.Value(FollowUpStatus.ANSWERED_PARTIALLY),
                ),
                models.When(due_on__lt=today, then=models.Value(FollowUpStatus.OVERDUE)),
                default=models.Value(FollowUpStatus.AWAITING),
                output_field=models.CharField(),
            )
        )

    def with_status_in(self, *statuses: str, today: datetime.date | None = None):
        """Follow-ups whose derived status is one of ``statuses`` on ``today``."""
        return self.with_status(today).filter(current_status__in=[str(s) for s in statuses])

    def awaiting(self, today: datetime.date | None = None):
        return self.with_status_in(FollowUpStatus.AWAITING, today=today)

    def overdue(self, today: datetime.date | None = None):
        return self.with_status_in(FollowUpStatus.OVERDUE, today=today)

    def answered_partially(self, today: datetime.date | None = None):
        return self.with_status_in(FollowUpStatus.ANSWERED_PARTIALLY, today=today)

    def answered(self, today: datetime.date | None = None):
        return self.with_status_in(FollowUpStatus.ANSWERED, today=today)

    def closed(self):
        return self.filter(closed_at__isnull=False)

    def still_open(self, today: datetime.date | None = None):
        """Awaiting or overdue: not closed and no answer yet."""
        return self.with_status_in(*OPEN_STATUSES, today=today)

    def in_use(self):
        """Not archived, on a case that is not archived: what deadlines and reminders read."""
        return self.filter(archived_at__isnull=True, case__archived_at__isnull=True)


class FollowUp(AuditedModel):
    """A UN communication, a letter to authorities, a hearing, an appeal, a visit.

    Status (awaiting, overdue, answered…) is derived from the due date and the responses.
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="followups"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=FollowUpKind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    communication_type = models.ForeignKey(
        "monitor.Term",
        verbose_name=_("UN communication type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.UN_COMMUNICATION_TYPE},
    )
    reference = models.CharField(
        _("reference"),
        max_length=60,
        blank=True,
        db_index=True,
        help_text=_("e.g. AL TJK 2/2023; may be unknown at first."),
    )
    mandates = models.ManyToManyField(
        "monitor.Term",
        verbose_name=_("mandates"),
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.UN_MANDATE},
    )
    addressee = models.ForeignKey(
        "people.Organization",
        verbose_name=_("addressee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups_addressed",
    )
    other_addressees = models.ManyToManyField(
        "people.Organization", verbose_name=_("other addressees"), blank=True, related_name="+"
    )
    persons = models.ManyToManyField(
        "people.Person", verbose_name=_("persons concerned"), blank=True, related_name="followups"
    )
    sent = ApproximateDateField(_("sent"), null=True, blank=True)
    occurs = ApproximateDateField(
        _("takes place"), null=True, blank=True, help_text=_("For a hearing or a visit.")
    )
    court = models.ForeignKey(
        "people.Organization",
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hearings",
    )
    due_on = models.DateField(_("response due"), null=True, blank=True, db_index=True)
    made_public_on = models.DateField(_("made public on"), null=True, blank=True)
    public_url = models.URLField(_("public link"), max_length=2000, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followups_owned",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)

    # Many-to-many links are kept in the history too (simple-history m2m tracking).
    _history_m2m_fields = ["mandates", "other_addressees", "persons"]

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=FollowUpKind.values),
                name="cases_followup_kind_valid",
                violation_error_message=_("Unknown kind of follow-up."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(due_on__isnull=True)
                    | models.Q(sent__isnull=True)
                    | models.Q(due_on__gte=models.F("sent"))
                ),
                name="cases_followup_due_after_sent",
                violation_error_message=_("The response cannot be due before it was sent."),
            ),
            *approximate_date_constraints("sent"),
            *approximate_date_constraints("occurs"),
            models.UniqueConstraint(
                fields=["case", "reference"],
                condition=(
                    models.Q(kind=FollowUpKind.UN_COMMUNICATION, archived_at__isnull=True)
                    & ~models.Q(reference="")
                ),
                name="cases_followup_un_reference_once_per_case",
                violation_error_message=_(
                    "This case already has a UN communication with this reference."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "case"

    @staticmethod
    def default_due_on(sent: datetime.date | ApproximateDate) -> datetime.date:
        """UN communications: the State has 60 days (``MONITOR_UN_RESPONSE_DAYS``).

        An approximate ``sent`` ("May 2023") counts from its last possible day, so a letter is
        never shown overdue before the State's time can really have run out.
        """
        if isinstance(sent, ApproximateDate):
            sent = sent.end
        return sent + datetime.timedelta(days=settings.UN_RESPONSE_DAYS)

    def clean(self) -> None:
        """Rules across fields (the database checks hold the rest).

        * A UN communication's reference, when given, must parse (``AL TJK 2/2023``); it is
          stored normalised, and must agree with the communication type and with the country
          of the addressee. Other follow-ups keep whatever reference they were given (a
          registry number, a court file number).
        * A UN communication's response can only be due once it has been sent.
        * Only a UN communication has a communication type; only a hearing or an appeal has a
          court; a hearing needs the date it takes place.
        * It cannot have been made public before it was sent.
        """
        super().clean()
        errors: dict[str, str] = {}
        if self.kind == FollowUpKind.UN_COMMUNICATION:
            self._clean_reference(errors)
            if self.due_on is not None and self.sent is None:
                errors["sent"] = _(
                    "Give the date the communication was sent: its response is due counting "
                    "from that date."
                )
        elif self.communication_type_id is not None:
            errors["communication_type"] = _("Only a UN communication has a communication type.")
        if self.kind == FollowUpKind.HEARING and self.occurs is None:
            errors["occurs"] = _(
                "Give the date of the hearing (a month or a year will do if the day is not known)."
            )
        if self.court_id is not None and self.kind not in COURT_KINDS:
            errors["court"] = _("Only a hearing or an appeal is heard by a court.")
        if self.made_public_on and self.sent and self.made_public_on < self.sent.start:
            errors["made_public_on"] = _("It cannot have been made public before it was sent.")
        if errors:
            raise ValidationError(errors)

    def _clean_reference(self, errors: dict) -> None:
        if not self.reference.strip():
            self.reference = ""
            return
        try:
            parsed = parse_un_reference(self.reference)
        except ValueError as exc:
            errors["reference"] = str(exc)
            return
        self.reference = parsed.normalized
        chosen = _related(self, "communication_type")
        if chosen is not None and chosen.code.upper() != parsed.type:
            errors["reference"] = _(
                "The reference %(reference)s is of type %(type)s, but the communication type "
                "chosen is %(chosen)s: make them agree."
            ) % {"reference": parsed.normalized, "type": parsed.type, "chosen": chosen.code}
            return
        addressee = _related(self, "addressee")
        country = _related(addressee, "country") if addressee is not None else None
        expected = country_alpha3(country.code) if country is not None else None
        if expected and parsed.country not in (expected, NON_STATE):
            errors["reference"] = _(
                "The reference %(reference)s is addressed to %(code)s, but the addressee "
                "%(addressee)s is in %(country)s (%(expected)s)."
            ) % {
                "reference": parsed.normalized,
                "code": parsed.country,
                "addressee": addressee,
                "country": country.name,
                "expected": expected,
            }

    def status(self, today: datetime.date | None = None) -> FollowUpStatus:
        """Derived from closure, the responses and the due date (uses prefetched responses).

        In order: closed → CLOSED; a full answer → ANSWERED; a partial answer or a denial →
        ANSWERED_PARTIALLY (a denial replies without answering the substance); otherwise, past
        the due date → OVERDUE, else AWAITING. A response of kind "no response" records the
        absence of an answer and an acknowledgement only confirms receipt: neither stops the
        clock, so an acknowledged letter is still overdue after its due date. Archived
        responses do not count. :meth:`FollowUpQuerySet.with_status` is the same rule in SQL.
        """
        if self.closed_at is not None:
            return FollowUpStatus.CLOSED
        kinds = {r.kind for r in self.responses.all() if r.archived_at is None}
        if kinds & FULL_ANSWERS:
            return FollowUpStatus.ANSWERED
        if kinds & PARTIAL_ANSWERS:
            return FollowUpStatus.ANSWERED_PARTIALLY
        today = today or timezone.localdate()
        if self.due_on is not None and self.due_on < today:
            return FollowUpStatus.OVERDUE
        return FollowUpStatus.AWAITING

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status(today) == FollowUpStatus.OVERDUE


def _related(record: models.Model, name: str):
    """``record.<name>``, or None when unset or dangling (its field reports that error)."""
    try:
        return getattr(record, name)
    except ObjectDoesNotExist:
        return None


class FollowUpResponse(AuditedModel):
    """An answer (or a recorded absence of one) to a follow-up."""

    followup = models.ForeignKey(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.PROTECT, related_name="responses"
    )
    received = ApproximateDateField(_("received"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ResponseKind.choices)
    summary = models.TextField(_("summary"), blank=True)
    document = models.ForeignKey(
        "sources.Source",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followup_responses",
    )

    objects = ChildQuerySet.following(("followup__case", "cases.Case")).as_manager()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["followup", "received", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ResponseKind.values),
                name="cases_response_kind_valid",
                violation_error_message=_("Unknown kind of response."),
            ),
            *approximate_date_constraints("received"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.received or _('undated')}"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "followup"

    def clean(self) -> None:
        """A response cannot have come before what it answers was sent."""
        super().clean()
        followup = _related(self, "followup")
        sent = followup.sent if followup is not None else None
        if sent is not None and self.received is not None and self.received.end < sent.start:
            raise ValidationError(
                {
                    "received": _(
                        "This response (%(received)s) is dated before the follow-up was sent "
                        "(%(sent)s)."
                    )
                    % {"received": self.received, "sent": sent}
                },
                code="before_sent",
            )
