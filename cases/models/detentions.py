"""Detentions and their dated steps, from arrest to release."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.choices import ClaimStatus, StepKind
from cases.models.protest import ADMINISTRATIVE_CUSTODY_LIMIT_HOURS
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.choices import Vocabulary
from monitor.models.base import AuditedModel, ChildQuerySet

#: Step kinds that carry a sentence term.
SENTENCE_KINDS = (StepKind.SENTENCED, StepKind.APPEAL)


class DetentionQuerySet(ChildQuerySet):
    parents = (("case", "cases.Case"),)

    def with_status(self):
        """Annotate ``latest_step_kind``: the kind of the latest step (by date, then entry)."""
        latest = DetentionStep.objects.filter(
            detention=models.OuterRef("pk"), archived_at__isnull=True
        )
        latest = latest.order_by("-date", "-date_precision", "-created_at")
        return self.annotate(latest_step_kind=models.Subquery(latest.values("kind")[:1]))


class Detention(AuditedModel):
    """A person's deprivation of liberty within a case.

    The current status is never typed: it is the latest step (see :meth:`current_status`).
    """

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="detentions"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("detained person"),
        on_delete=models.PROTECT,
        related_name="detentions",
    )
    group = models.ForeignKey(
        "cases.GroupDetention",
        verbose_name=_("detained with the group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detainees",
        help_text=_("A group detention of the same case this person was counted in."),
    )
    hours_held = models.PositiveIntegerField(
        _("hours in custody"),
        null=True,
        blank=True,
        help_text=_("Where that is what is known: how long the person was held, in hours."),
    )
    description = models.TextField(_("description"), blank=True)
    # Bookkeeping, derived from the steps by the one rule (cases.deadlines.expected_release)
    # and kept by cases.deadlines.release_refresh on every save of a step: the first and last
    # day the sentence may end, so that lists find a window's releases through an index.
    release_first = models.DateField(
        _("expected release from"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Worked out from the steps: the first day the sentence may end."),
    )
    release_last = models.DateField(
        _("expected release until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Worked out from the steps: the last day the sentence may end."),
    )

    objects = DetentionQuerySet.as_manager()

    #: Kept by ``cases.deadlines.release_refresh`` alone (see :meth:`save`).
    RELEASE_FIELDS = ("release_first", "release_last")

    class Meta:
        verbose_name = _("detention")
        verbose_name_plural = _("detentions")
        ordering = ["case", "created_at"]
        indexes = [
            # The releases in a window (the dashboard, the reminders, the calendar feed).
            models.Index(
                fields=["release_first", "release_last"],
                name="cases_detention_release",
                condition=models.Q(release_first__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return _("Detention of %(person)s") % {"person": self.person}

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "case"

    def clean(self) -> None:
        super().clean()
        if (
            self.group_id is not None
            and self.case_id is not None
            and self.group.case_id != self.case_id
        ):
            raise ValidationError(
                {"group": _("A detainee is named from a group detention of the same case.")}
            )

    def save(self, *args, **kwargs):
        # The release dates are written by cases.deadlines.release_refresh alone, whenever a
        # step is saved: a copy of the detention read before that (a form, another request)
        # must not put its old dates back when it is saved.
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
        ):
            deferred = self.get_deferred_fields()  # as Django does: what was loaded
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name not in self.RELEASE_FIELDS
                and field.attname not in deferred
            ]
        return super().save(*args, **kwargs)

    def ordered_steps(self) -> list[DetentionStep]:
        """Steps in the order they happened (uses prefetched steps when present)."""
        return self.order_steps(self.steps.all())

    @staticmethod
    def order_steps(steps) -> list[DetentionStep]:
        """The current (not archived) ones of ``steps``, in the order they happened."""
        steps = [step for step in steps if step.archived_at is None]
        return sorted(steps, key=lambda step: (step.date.sort_key(), step.created_at))

    @property
    def current_status(self) -> str | None:
        if "latest_step_kind" in self.__dict__:  # annotated (with_status): no query
            return self.__dict__["latest_step_kind"]
        steps = self.ordered_steps()
        return steps[-1].kind if steps else None

    @property
    def over_legal_limit(self) -> bool:
        """Held longer than administrative detention allows (three hours)."""
        return self.hours_held is not None and self.hours_held > ADMINISTRATIVE_CUSTODY_LIMIT_HOURS

    @property
    def arrest_step(self) -> DetentionStep | None:
        return next((s for s in self.ordered_steps() if s.kind == StepKind.ARRESTED), None)


class DetentionStep(AuditedModel):
    """One dated step of a detention: arrested, charged, sentenced, transferred, released…"""

    detention = models.ForeignKey(
        Detention, verbose_name=_("detention"), on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=24, choices=StepKind.choices, db_index=True)
    date = ApproximateDateField(_("date"))
    place = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    facility = models.ForeignKey(
        "monitor.Term",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        limit_choices_to={"vocabulary": Vocabulary.FACILITY},
        related_name="+",
    )
    authority = models.ForeignKey(
        "people.Organization",
        verbose_name=_("authority or court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detention_steps",
    )
    articles = models.ManyToManyField(
        "monitor.Term",
        verbose_name=_("criminal-code articles"),
        blank=True,
        limit_choices_to={"vocabulary": Vocabulary.CRIMINAL_ARTICLE},
        related_name="+",
    )
    held_at = models.ForeignKey(
        "cases.Facility",
        verbose_name=_("place of detention"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="detention_steps",
        help_text=_("The police station, holding facility, pre-trial centre or colony."),
    )
    administrative_articles = models.ManyToManyField(
        "monitor.Term",
        verbose_name=_("administrative-code articles"),
        blank=True,
        limit_choices_to={"vocabulary": Vocabulary.ADMINISTRATIVE_ARTICLE},
        related_name="+",
    )
    sentence_months = models.PositiveIntegerField(_("sentence (months)"), null=True, blank=True)
    life_sentence = models.BooleanField(_("life sentence"), default=False)
    fine_amount = models.DecimalField(
        _("fine"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    fine_currency = models.CharField(
        _("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code, e.g. TJS.")
    )
    arrest_days = models.PositiveSmallIntegerField(
        _("administrative arrest (days)"), null=True, blank=True
    )
    community_work_hours = models.PositiveSmallIntegerField(
        _("community work (hours)"), null=True, blank=True
    )
    # A step is a detention fact ("arrested on 3 June 2023", "sentenced to 7 years"): like an
    # allegation it is alleged until sources corroborate it (cases.services.claim_set_status).
    claim_status = models.CharField(
        _("claim status"),
        max_length=20,
        choices=ClaimStatus.choices,
        default=ClaimStatus.ALLEGED,
        db_index=True,
    )
    note = models.TextField(_("note"), blank=True)

    # Many-to-many links are kept in the history too (simple-history m2m tracking).
    _history_m2m_fields = ["articles", "administrative_articles"]

    objects = ChildQuerySet.following(("detention__case", "cases.Case")).as_manager()

    class Meta:
        verbose_name = _("detention step")
        verbose_name_plural = _("detention steps")
        ordering = ["detention", "date", "date_precision", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=StepKind.values),
                name="cases_step_kind_valid",
                violation_error_message=_("Unknown kind of detention step."),
            ),
            models.CheckConstraint(
                condition=(
                    ~models.Q(kind=StepKind.SENTENCED)
                    # "IS NOT NULL" too: NULL > 0 is NULL, and a CHECK passes on NULL.
                    | models.Q(sentence_months__isnull=False, sentence_months__gt=0)
                    | models.Q(life_sentence=True)
                ),
                name="cases_step_sentence_has_term",
                violation_error_message=_("A sentence step needs a term (months) or life."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=SENTENCE_KINDS)
                    | models.Q(sentence_months__isnull=True, life_sentence=False)
                ),
                name="cases_step_term_only_on_sentence",
                violation_error_message=_("Only a sentence or an appeal carries a term."),
            ),
            models.CheckConstraint(
                condition=~models.Q(sentence_months__gt=0, life_sentence=True),
                name="cases_step_term_or_life",
                violation_error_message=_("A sentence is a term in months or life, not both."),
            ),
            models.CheckConstraint(
                condition=(
                    ~models.Q(kind=StepKind.FINED)
                    | models.Q(fine_amount__isnull=False, fine_amount__gt=0)
                    & ~models.Q(fine_currency="")
                ),
                name="cases_step_fine_has_amount",
                violation_error_message=_("A fine needs its amount and currency."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind=StepKind.FINED)
                | models.Q(fine_amount__isnull=True, fine_currency=""),
                name="cases_step_amount_only_on_fine",
                violation_error_message=_("Only a fine carries an amount."),
            ),
            models.CheckConstraint(
                condition=(
                    ~models.Q(kind=StepKind.ADMIN_ARREST)
                    | models.Q(arrest_days__isnull=False, arrest_days__gt=0)
                ),
                name="cases_step_admin_arrest_has_days",
                violation_error_message=_("An administrative arrest needs its days."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind=StepKind.ADMIN_ARREST) | models.Q(arrest_days__isnull=True),
                name="cases_step_days_only_on_admin_arrest",
                violation_error_message=_("Only an administrative arrest is counted in days."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind=StepKind.COMMUNITY_WORK)
                | models.Q(community_work_hours__isnull=True),
                name="cases_step_hours_only_on_community_work",
                violation_error_message=_("Only community work is counted in hours."),
            ),
            models.CheckConstraint(
                condition=models.Q(claim_status__in=ClaimStatus.values),
                name="cases_step_claim_status_valid",
                violation_error_message=_("Unknown claim status."),
            ),
            *approximate_date_constraints("date"),
        ]
        indexes = [
            models.Index(fields=["detention", "date"], name="cases_step_detention_date"),
            models.Index(fields=["kind", "sentence_months"], name="cases_step_kind_term"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.date}"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "detention"

    # The order of the steps (none before the arrest) is a rule across rows, checked from
    # both sides by cases.services.detention_steps_record: no database check sees another row.

    @property
    def sentence_display(self) -> str:
        if self.life_sentence:
            return str(_("life"))
        if not self.sentence_months:
            return ""
        years, months = divmod(self.sentence_months, 12)
        parts = []
        if years:
            parts.append(ngettext("%(n)d year", "%(n)d years", years) % {"n": years})
        if months:
            parts.append(ngettext("%(n)d month", "%(n)d months", months) % {"n": months})
        return " ".join(parts)

    @property
    def outcome_display(self) -> str:
        """An administrative outcome's measure: "500.00 TJS", "10 days", "40 hours"."""
        if self.kind == StepKind.FINED and self.fine_amount is not None:
            return f"{self.fine_amount} {self.fine_currency}"
        if self.kind == StepKind.ADMIN_ARREST and self.arrest_days:
            return str(_("%(n)d days") % {"n": self.arrest_days})
        if self.kind == StepKind.COMMUNITY_WORK and self.community_work_hours:
            return str(_("%(n)d hours") % {"n": self.community_work_hours})
        return self.sentence_display
