"""Follow-ups (HURIDOCS "interventions"): what monitors did about a case, and the answers."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import FollowUpKind, FollowUpStatus, ResponseKind
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.choices import Vocabulary
from monitor.models.base import AuditedModel, ChildQuerySet


class FollowUpQuerySet(ChildQuerySet):
    parents = (("case", "cases.Case"),)


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
        ]

    def __str__(self) -> str:
        return self.title

    def review_root(self):
        return self.case

    @staticmethod
    def default_due_on(sent: datetime.date) -> datetime.date:
        """UN communications: the State has 60 days (``MONITOR_UN_RESPONSE_DAYS``)."""
        return sent + datetime.timedelta(days=settings.UN_RESPONSE_DAYS)

    def status(self, today: datetime.date | None = None) -> FollowUpStatus:
        """Derived from closure, the responses and the due date (uses prefetched responses)."""
        if self.closed_at is not None:
            return FollowUpStatus.CLOSED
        kinds = {r.kind for r in self.responses.all() if r.archived_at is None}
        if ResponseKind.FULL in kinds:
            return FollowUpStatus.ANSWERED
        if kinds & {ResponseKind.PARTIAL, ResponseKind.DENIAL}:
            return FollowUpStatus.ANSWERED_PARTIALLY
        today = today or timezone.localdate()
        if self.due_on is not None and self.due_on < today:
            return FollowUpStatus.OVERDUE
        return FollowUpStatus.AWAITING

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.status(today) == FollowUpStatus.OVERDUE


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

    def review_root(self):
        return self.followup.case
