"""People (under every spelling of their names) and organisations."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from monitor.access import NOT_SHOWN, identity_hidden, record_hidden
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.choices import Confidentiality
from monitor.models.base import (
    AuditedModel,
    AuditedQuerySet,
    ChildQuerySet,
    ConfidentialQuerySet,
    ReferenceData,
    ReviewedModel,
    TreeQuerySetMixin,
    confidentiality_constraint,
    queue_indexes,
    review_state_constraint,
)
from monitor.names import clean_name
from monitor.redaction import REVIEWED_FIELDS, Redaction
from people.choices import Gender, NameKind, OrganizationKind, Script
from people.folding import fold_name


class PersonQuerySet(ConfidentialQuerySet):
    def suggest(self, text: str, *, user):
        """The type-ahead of a person filter (``monitor.suggest``): by any name they may see,
        ranked by the one matcher (``people.matching``)."""
        from people.matching import ranked

        return ranked(self, text, user=user)

    def with_primary_name(self):
        return self.annotate(
            primary_name=models.Subquery(
                PersonName.objects.filter(person=models.OuterRef("pk"), is_primary=True).values(
                    "full_name"
                )[:1]
            )
        )

    #: What ``str()`` of each row needs, for the pages that label records of any kind
    #: (``monitor.pages.helpers.describe_records``, the list filters' choices).
    with_label = with_primary_name


class Person(ReviewedModel):
    """A victim, witness, relative, lawyer, official or perpetrator.

    Names live in :class:`PersonName`, one marked primary. A protected person (a witness, a
    source) shows a pseudonym — "Witness W-3F9A" — to users without clearance for them, and
    none of the identifying fields.
    """

    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = ApproximateDateField(_("date of birth"), null=True, blank=True)
    birth_place = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("place of birth"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    residence = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("residence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    ethnicity = models.CharField(_("ethnicity or community"), max_length=100, blank=True)
    contact = models.TextField(_("contact details"), blank=True)
    biography = models.TextField(_("biography"), blank=True)
    is_protected = models.BooleanField(
        _("identity protected"),
        default=False,
        help_text=_("Users without clearance see a pseudonym and no identifying details."),
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_from",
        help_text=_("This record was a duplicate: its names and links moved to that person."),
    )
    #: What a merge into ``merged_into`` moved, so that an unmerge restores exactly that
    #: (``people.services.person_merge`` / ``person_unmerge``): record ids, never names.
    merge_log = models.JSONField(_("merge log"), default=dict, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    #: What says who a protected person is (hidden, with the names and affiliations, from
    #: users who may not identify them). Every field is classified: a new one that is not
    #: fails tests/test_redaction_policy.py, and counts as identifying until it is.
    redaction = Redaction(
        identifying=(
            "gender",
            "birth_date",
            "birth_place",
            "residence",
            "occupation",
            "ethnicity",
            "contact",
            "biography",
        ),
        public=(
            *REVIEWED_FIELDS,
            "is_protected",
            "merged_into",
            "merge_log",
        ),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["created_at"]
        constraints = [
            confidentiality_constraint(),
            review_state_constraint(),
            *approximate_date_constraints("birth_date"),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="people_person_not_merged_into_itself",
                violation_error_message=_("A person cannot be merged into themselves."),
            ),
        ]
        indexes = [
            # The dashboard on a large register: one's drafts and returned work, newest first
            # (read backwards, stopping at the first few), and what waits for review, counted
            # from the index alone (config.dashboard, the review queue's count).
            models.Index(
                fields=["review_state", "updated_at", "id"],
                condition=models.Q(archived_at__isnull=True),
                name="people_person_state_updated",
            ),
            models.Index(
                fields=["review_state", "confidentiality", "team", "id"],
                condition=models.Q(archived_at__isnull=True),
                name="people_person_state_scope",
            ),
            *queue_indexes(team=True),
        ]

    def __str__(self) -> str:
        if record_hidden(self):
            return NOT_SHOWN
        if identity_hidden(self):  # the viewer may not know who this is
            return self.pseudonym
        name = getattr(self, "primary_name", None)
        if name is None:
            primary = next((n for n in self.names.all() if n.is_primary), None)
            name = primary.full_name if primary else None
        return name or self.pseudonym

    @property
    def pseudonym(self) -> str:
        """A stable label shown instead of the names of a protected person."""
        return f"Witness W-{self.id.hex[:4].upper()}"


class PersonNameQuerySet(AuditedQuerySet):
    def visible_to(self, user):
        """Names of visible persons, except those of protected persons the user may not
        identify: they see the pseudonym instead."""
        from monitor.redaction import restrict

        return restrict(self.filter(person__in=Person.objects.visible_to(user).values("pk")), user)


class PersonName(AuditedModel):
    """One way of writing a person's name: Latin, Cyrillic, an alias, a pen name…

    ``folded`` is the transliteration-folded key (see :mod:`people.folding`).
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="names"
    )
    full_name = models.CharField(_("full name"), max_length=300)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=NameKind.choices, default=NameKind.OFFICIAL
    )
    script = models.CharField(_("script"), max_length=10, choices=Script.choices, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    is_primary = models.BooleanField(_("primary name"), default=False)
    folded = models.CharField(_("search key"), max_length=300, editable=False, db_index=True)

    objects = PersonNameQuerySet.as_manager()

    #: A name says who the person is: not shown at all to those who may not identify them,
    #: and withheld from free text (a summary naming the witness) too.
    redaction = Redaction(subject="person", whole=True, names=("full_name", "family_name"))

    class Meta:
        verbose_name = _("person name")
        verbose_name_plural = _("person names")
        ordering = ["-is_primary", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(is_primary=True, archived_at__isnull=True),
                name="people_personname_one_primary",
                violation_error_message=_("A person has exactly one primary name."),
            ),
            models.UniqueConstraint(
                fields=["person", "full_name"],
                condition=models.Q(archived_at__isnull=True),
                name="people_personname_unique_variant",
                violation_error_message=_("This person already has this name."),
            ),
            models.CheckConstraint(
                condition=~models.Q(full_name=""),
                name="people_personname_not_blank",
                violation_error_message=_("A name cannot be empty."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "person"

    def clean(self) -> None:
        # No invisible controls; zero-width characters dropped (monitor.names).
        errors = {}
        for field in ("full_name", "given_name", "family_name", "patronymic"):
            try:
                setattr(self, field, clean_name(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error
        if errors:
            raise ValidationError(errors)
        self.folded = fold_name(self.full_name)
        if not self.script:
            self.script = detect_script(self.full_name)

    def save(self, *args, **kwargs):
        # The key is derived data, like a slug: it must never disagree with the name.
        self.folded = fold_name(self.full_name)
        super().save(*args, **kwargs)


def detect_script(text: str) -> str:
    """The script most letters of ``text`` are written in."""
    counts = {Script.LATIN: 0, Script.CYRILLIC: 0, Script.ARABIC: 0}
    for char in text:
        if "\u0400" <= char <= "\u04ff":
            counts[Script.CYRILLIC] += 1
        elif "\u0600" <= char <= "\u06ff":
            counts[Script.ARABIC] += 1
        elif char.isascii() and char.isalpha():
            counts[Script.LATIN] += 1
    best = max(counts, key=lambda script: counts[script])
    return best if counts[best] else Script.OTHER


class OrganizationQuerySet(TreeQuerySetMixin, ConfidentialQuerySet):
    has_team = False

    def suggest(self, text: str, *, user):
        """The type-ahead of an organisation filter (``monitor.suggest``)."""
        return self.filter(models.Q(name__icontains=text) | models.Q(acronym__icontains=text))


class Organization(ReferenceData):
    """A security force, court, ministry, UN mandate, NGO or media outlet."""

    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    country = models.ForeignKey(
        "monitor.Place",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    confidentiality = models.PositiveSmallIntegerField(
        _("confidentiality"),
        choices=Confidentiality.choices,
        default=Confidentiality.CONFIDENTIAL,
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            review_state_constraint(),
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(archived_at__isnull=True),
                name="people_organization_unique_name",
                violation_error_message=_("An organisation with this name already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganizationKind.values),
                name="people_organization_kind_valid",
                violation_error_message=_("Unknown kind of organisation."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="people_organization_not_own_parent",
                violation_error_message=_("An organisation cannot be part of itself."),
            ),
            confidentiality_constraint(),
        ]
        indexes = queue_indexes(team=False)

    def __str__(self) -> str:
        if record_hidden(self):  # a strict organisation named as a perpetrator, say
            return NOT_SHOWN
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def clean(self) -> None:
        # Names shown everywhere: no invisible controls, no zero-width characters.
        errors = {}
        for field in ("name", "acronym"):
            try:
                setattr(self, field, clean_name(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error
        if errors:
            raise ValidationError(errors)


class Affiliation(AuditedModel):
    """A person's membership of or role in an organisation, over a period."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="affiliations"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="affiliations",
    )
    role = models.CharField(_("role"), max_length=200, blank=True)
    since = ApproximateDateField(_("since"), null=True, blank=True)
    until = ApproximateDateField(_("until"), null=True, blank=True)

    objects = ChildQuerySet.following(
        ("person", "people.Person"), ("organization", "people.Organization")
    ).as_manager()

    #: Where a protected person works says who they are ("deputy head, district police"):
    #: an affiliation is not shown at all to those who may not identify the person.
    redaction = Redaction(subject="person", whole=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["person", "since"]
        constraints = [
            *approximate_date_constraints("since"),
            *approximate_date_constraints("until"),
            models.CheckConstraint(
                condition=(
                    models.Q(since__isnull=True)
                    | models.Q(until__isnull=True)
                    | models.Q(until_end__gte=models.F("since"))
                ),
                name="people_affiliation_ends_after_start",
                violation_error_message=_("An affiliation cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.role or _('member')}, {self.organization}"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "person"
