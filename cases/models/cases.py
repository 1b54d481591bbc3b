"""Cases and the allegations (who did what to whom) they document."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import CasePersonRole, CaseType, ClaimStatus, PerpetratorRole
from monitor.access import NOT_SHOWN, record_hidden
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.choices import ContentLanguage, ReviewState, Vocabulary, default_content_language
from monitor.models.base import (
    AuditedModel,
    ChildQuerySet,
    ConfidentialQuerySet,
    ReviewedModel,
    confidentiality_constraint,
    queue_indexes,
    review_state_constraint,
)
from people.folding import text_key, text_terms
from sources.models import Citation, Source

REFERENCE_PATTERN = re.compile(r"^[A-Z]{3}-\d{4}-\d{4}$")


def words_in_text(text: str) -> models.Q:
    """Cases whose reference, title or summary holds every word of ``text``: in any letter
    case, ё or е, and a name in any spelling (through ``Case.folded``, not the database's
    ``LIKE``), so SQLite and PostgreSQL answer alike."""
    terms = text_terms(text)
    rule = models.Q() if terms else models.Q(pk__in=[])
    for word, name_key in terms:
        matches = models.Q(folded__contains=word)
        if not any(character.isdigit() for character in word):
            # A name in another spelling; a reference or a number is matched as typed ("2022"
            # folded like a name is "202", which "2021" holds).
            matches |= models.Q(folded__contains=name_key)
        rule &= matches
    return rule


class CaseQuerySet(ConfidentialQuerySet):
    def suggest(self, text: str, *, user):
        """The type-ahead of a case filter (``monitor.suggest``): reference, title, summary."""
        return self.filter(models.Q(reference__icontains=text) | words_in_text(text))


class Case(ReviewedModel):
    """One file of documentation work, known by a human reference such as ``TJK-2023-0007``.

    New cases are confidential; their team sees them whatever the level.
    """

    reference = models.CharField(
        _("reference"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(REFERENCE_PATTERN, _("Use the form TJK-2023-0007."))],
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    # Derived from the reference, title and summary (people.folding.text_key), like a slug:
    # never typed, never shown, not compared in history (monitor.admin_history.SKIPPED).
    folded = models.TextField(_("search key"), blank=True, editable=False)
    language = models.CharField(
        _("language of the text"),
        max_length=8,
        choices=ContentLanguage.choices,
        default=default_content_language,
        help_text=_("The language the title and summary are written in; never translated."),
    )
    case_type = models.CharField(
        _("type"), max_length=20, choices=CaseType.choices, default=CaseType.INDIVIDUAL
    )
    events = models.ManyToManyField(
        "cases.Event", verbose_name=_("events"), blank=True, related_name="cases"
    )
    places = models.ManyToManyField(
        "monitor.Place", verbose_name=_("places"), blank=True, related_name="+"
    )
    tags = models.ManyToManyField(
        "monitor.Term",
        verbose_name=_("tags"),
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.TAG},
    )
    persons = models.ManyToManyField(
        "people.Person",
        verbose_name=_("persons"),
        through="cases.CasePerson",
        blank=True,
        related_name="cases",
    )

    # Many-to-many links are kept in the history too (simple-history m2m tracking).
    _history_m2m_fields = ["events", "places", "tags"]

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-reference"]
        constraints = [
            confidentiality_constraint(),
            review_state_constraint(),
            models.CheckConstraint(
                condition=models.Q(case_type__in=CaseType.values),
                name="cases_case_type_valid",
                violation_error_message=_("Unknown case type."),
            ),
        ]
        indexes = [
            models.Index(fields=["review_state", "confidentiality"], name="cases_case_state"),
            # The dashboard at 100,000 cases: one's drafts and returned work, newest first
            # (read backwards, stopping at the first few), and what waits for review, counted
            # from the index alone (config.dashboard, the review queue's count).
            models.Index(
                fields=["review_state", "updated_at", "id"],
                condition=models.Q(archived_at__isnull=True),
                name="cases_case_state_updated",
            ),
            models.Index(
                fields=["review_state", "confidentiality", "team", "id"],
                condition=models.Q(archived_at__isnull=True),
                name="cases_case_state_scope",
            ),
            *queue_indexes(team=True),
        ]

    def __str__(self) -> str:
        if record_hidden(self):
            return NOT_SHOWN
        return f"{self.reference} — {self.title}"

    def save(self, *args, **kwargs):
        # The key is derived data, like a slug: it must never disagree with the text.
        self.folded = text_key(self.reference, self.title, self.summary)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "folded"}
        super().save(*args, **kwargs)

    def verification_blockers(self) -> list[str]:
        """Every allegation and detention needs at least one citation to be verified."""
        from django.contrib.contenttypes.models import ContentType

        from cases.models import Detention

        missing = []
        for model in (Allegation, Detention):
            records = model._base_manager.filter(case=self, archived_at__isnull=True)
            cited = set(
                Citation._base_manager.filter(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=records.values("pk"),
                    archived_at__isnull=True,
                ).values_list("object_id", flat=True)
            )
            missing += [str(record) for record in records if record.pk not in cited]
        if not missing:
            return []
        return [
            _("Cite at least one source for each claim before verifying. Uncited: %(claims)s.")
            % {"claims": "; ".join(missing)}
        ]

    def review_companions(self) -> list[ReviewedModel]:
        """The persons (victims, perpetrators, detainees, linked persons) and the sources
        (cited for the case or its parts) that are still drafts, returned or submitted and were
        created by the case's author: what the case form created along with it
        travels in the case's review instead of waiting, forgotten, in "My drafts"."""
        from django.contrib.contenttypes.models import ContentType

        from cases.models import Detention
        from people.models import Person

        unverified = [ReviewState.DRAFT, ReviewState.RETURNED, ReviewState.SUBMITTED]
        live = {"archived_at__isnull": True}
        allegations = Allegation._base_manager.filter(case=self, **live)
        detentions = Detention._base_manager.filter(case=self, **live)
        person_ids = (
            models.Q(pk__in=allegations.values("victim_id"))
            | models.Q(pk__in=detentions.values("person_id"))
            | models.Q(
                pk__in=CasePerson._base_manager.filter(case=self, **live).values("person_id")
            )
            | models.Q(
                pk__in=AllegationPerpetrator._base_manager.filter(
                    allegation__in=allegations, **live
                ).values("person_id")
            )
        )
        parts = {Case: [self.pk], Allegation: allegations, Detention: detentions}
        cited = models.Q(pk__in=[])
        for model, ids in parts.items():
            rows = Citation._base_manager.filter(
                content_type=ContentType.objects.get_for_model(model), object_id__in=ids, **live
            )
            cited |= models.Q(pk__in=rows.values("source_id"))
        authors = {self.created_by_id} - {None}
        companions = []
        for model, rule in ((Person, person_ids), (Source, cited)):
            companions += list(
                model._base_manager.filter(
                    rule, review_state__in=unverified, created_by_id__in=authors, **live
                ).order_by("created_at", "pk")
            )
        return companions


class CasePerson(AuditedModel):
    """A person involved in a case, and how."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="case_persons"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="case_links",
    )
    role = models.CharField(_("role"), max_length=20, choices=CasePersonRole.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ChildQuerySet.following(
        ("case", "cases.Case"), ("person", "people.Person")
    ).as_manager()

    class Meta:
        verbose_name = _("person in a case")
        verbose_name_plural = _("persons in cases")
        ordering = ["case", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "role"],
                condition=models.Q(archived_at__isnull=True),
                name="cases_caseperson_unique",
                violation_error_message=_("This person already has this role in the case."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}) in {self.case.reference}"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "case"


class Allegation(AuditedModel):
    """Who did what to whom (HURIDOCS "act"): victim, perpetrators, violation, when, where."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="allegations"
    )
    victim = models.ForeignKey(
        "people.Person",
        verbose_name=_("victim"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations_as_victim",
    )
    victim_description = models.CharField(
        _("victims, if not one known person"),
        max_length=300,
        blank=True,
        help_text=_("For a group: “about 200 residents of Rushan district”."),
    )
    violation_type = models.ForeignKey(
        "monitor.Term",
        verbose_name=_("violation"),
        on_delete=models.PROTECT,
        limit_choices_to={"vocabulary": Vocabulary.VIOLATION_TYPE},
        related_name="+",
    )
    date = ApproximateDateField(_("date"), null=True, blank=True)
    place = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("place"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    claim_status = models.CharField(
        _("claim status"),
        max_length=20,
        choices=ClaimStatus.choices,
        default=ClaimStatus.ALLEGED,
        db_index=True,
    )
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("language of the text"),
        max_length=8,
        choices=ContentLanguage.choices,
        default=default_content_language,
        help_text=_("The language the description is written in; never translated."),
    )

    objects = ChildQuerySet.following(("case", "cases.Case")).as_manager()

    class Meta:
        verbose_name = _("allegation")
        verbose_name_plural = _("allegations")
        ordering = ["case", "date", "date_precision"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(victim__isnull=False) | ~models.Q(victim_description=""),
                name="cases_allegation_has_victim",
                violation_error_message=_("Name the victim or describe the victims."),
            ),
            models.CheckConstraint(
                condition=models.Q(claim_status__in=ClaimStatus.values),
                name="cases_allegation_claim_status_valid",
                violation_error_message=_("Unknown claim status."),
            ),
            *approximate_date_constraints("date"),
        ]
        indexes = [models.Index(fields=["date", "date_end"], name="cases_allegation_date")]

    def __str__(self) -> str:
        victim = self.victim or self.victim_description
        return f"{self.violation_type} — {victim}"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "case"


class AllegationPerpetrator(AuditedModel):
    """A person or organisation alleged to be responsible, with their role."""

    allegation = models.ForeignKey(
        Allegation,
        verbose_name=_("allegation"),
        on_delete=models.PROTECT,
        related_name="perpetrators",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations_as_perpetrator",
    )
    organization = models.ForeignKey(
        "people.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allegations_as_perpetrator",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=PerpetratorRole.choices, default=PerpetratorRole.DIRECT
    )

    objects = ChildQuerySet.following(("allegation__case", "cases.Case")).as_manager()

    class Meta:
        verbose_name = _("alleged perpetrator")
        verbose_name_plural = _("alleged perpetrators")
        ordering = ["allegation", "role"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(organization__isnull=False),
                name="cases_perpetrator_is_someone",
                violation_error_message=_("A perpetrator is a person or an organisation."),
            ),
        ]

    def __str__(self) -> str:
        who = self.person or self.organization
        return f"{who} ({self.get_role_display()})"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "allegation"

    def same_perpetrator(self) -> models.QuerySet:
        """The allegation's other rows, not archived, naming the same person or organisation."""
        rule = models.Q(person_id=self.person_id) if self.person_id else models.Q()
        if self.organization_id:
            rule |= models.Q(organization_id=self.organization_id)
        if not rule:
            return AllegationPerpetrator.objects.none()
        return AllegationPerpetrator._base_manager.filter(
            rule, allegation_id=self.allegation_id, archived_at__isnull=True
        ).exclude(pk=self.pk)

    def clean(self) -> None:
        # Named twice, one perpetrator would count twice (issue 19: re-picking the saved one
        # on the edit form added an identical row, and review let it through).
        super().clean()
        if self.archived_at is None and self.allegation_id and self.same_perpetrator().exists():
            raise ValidationError(
                _("This perpetrator is already named in this allegation; change their role there.")
            )
