"""Where every claim comes from: sources, their files, the chain of custody, citations."""

from __future__ import annotations

import base64
import hashlib
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models.functions import Length
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from monitor import redaction
from monitor.access import NOT_SHOWN, has_role, identity_hidden, record_hidden
from monitor.approxdate import ApproximateDateField, approximate_date_constraints
from monitor.choices import Vocabulary
from monitor.models import AuditError
from monitor.models.base import (
    AuditedModel,
    AuditedQuerySet,
    ChildQuerySet,
    ConfidentialQuerySet,
    ReviewedModel,
    confidentiality_constraint,
    queue_indexes,
    review_state_constraint,
)
from monitor.redaction import RECORD_FIELDS, REVIEWED_FIELDS, Redaction
from sources.choices import Credibility, CustodyAction, Reliability, Stance

models.CharField.register_lookup(Length)


class EvidenceStorage(LazyObject):
    """Files under ``EVIDENCE_ROOT``: outside the web root, with no public URL, readable by
    the application's own account only."""

    def _setup(self):
        self._wrapped = FileSystemStorage(
            location=settings.EVIDENCE_ROOT,
            base_url=None,
            file_permissions_mode=0o600,
            directory_permissions_mode=0o700,
        )


evidence_storage = EvidenceStorage()


def get_evidence_storage() -> EvidenceStorage:
    """The evidence storage, named by a callable so migrations never freeze its path."""
    return evidence_storage


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    """A random stored name: the original name is kept in the database only."""
    token = uuid.uuid4().hex
    return f"{token[:2]}/{token}"


class SourceQuerySet(ConfidentialQuerySet):
    pass


class Source(ReviewedModel):
    """Where information comes from: a testimony, a court record, an article, a UN document.

    A protected source (a witness who spoke in confidence) shows a pseudonym to users without
    clearance for it. ``derived_from`` records that this source repeats another (a news story
    re-telling a press release), so the two never count as independent corroboration.
    """

    #: Pages label a source by ``str()`` (its pseudonym when protected), never by its title
    #: (``monitor.pages.helpers.describe_records``).
    label_is_str = True

    title = models.CharField(_("title"), max_length=500)
    kind = models.ForeignKey(
        "monitor.Term",
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        limit_choices_to={"vocabulary": Vocabulary.SOURCE_KIND},
        related_name="+",
    )
    publisher = models.CharField(_("publisher"), max_length=300, blank=True, db_index=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    language = models.CharField(_("language"), max_length=35, blank=True)
    published = ApproximateDateField(_("published"), null=True, blank=True)
    obtained = ApproximateDateField(_("obtained"), null=True, blank=True)
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("obtained by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    obtained_how = models.TextField(_("how it was obtained"), blank=True)
    reliability = models.CharField(
        _("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F
    )
    is_protected = models.BooleanField(
        _("identity protected"),
        default=False,
        help_text=_("Users without clearance see a pseudonym instead of who or what this is."),
    )
    summary = models.TextField(_("summary"), blank=True)
    derived_from = models.ManyToManyField(
        "self",
        verbose_name=_("derived from"),
        symmetrical=False,
        blank=True,
        related_name="derivatives",
    )
    captured_at = models.DateTimeField(_("web capture taken at"), null=True, blank=True)

    # Many-to-many links are kept in the history too (simple-history m2m tracking).
    _history_m2m_fields = ["derived_from"]

    objects = SourceQuerySet.as_manager()

    #: Fields that identify a protected source; hidden from users without clearance for it.
    #: What says who or what a protected source is. Every field is classified: a new one
    #: that is not fails tests/test_redaction_policy.py, and counts as identifying until it is.
    redaction = Redaction(
        identifying=("title", "author", "publisher", "url", "obtained_by", "obtained_how"),
        public=(
            *REVIEWED_FIELDS,
            "kind",
            "language",
            "published",
            "obtained",
            "reliability",
            "is_protected",
            "summary",
            "derived_from",
            "captured_at",
        ),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reliability__in=Reliability.values),
                name="sources_source_reliability_a_to_f",
                violation_error_message=_("Reliability must be a grade from A to F."),
            ),
            confidentiality_constraint(),
            review_state_constraint(),
            *approximate_date_constraints("published"),
            *approximate_date_constraints("obtained"),
        ]
        indexes = [
            models.Index(fields=["kind", "reliability"], name="sources_kind_reliability"),
            *queue_indexes(team=True),
        ]

    def __str__(self) -> str:
        if record_hidden(self):
            return NOT_SHOWN
        if identity_hidden(self):  # the viewer may not know who or what this is
            return self.pseudonym
        return self.title

    @property
    def pseudonym(self) -> str:
        """A stable label for a protected source: "Source S-3F9A"."""
        return f"Source S-{self.id.hex[:4].upper()}"


class EvidenceFile(AuditedModel):
    """A file attached to a source, kept exactly as received.

    The SHA-256 and size are taken at upload; derived copies (a photo with its location
    metadata removed, for sharing) are separate files pointing at their original.
    """

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="evidence_files"
    )
    file = models.FileField(
        _("file"), storage=get_evidence_storage, upload_to=evidence_path, max_length=200
    )
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    derived_from = models.ForeignKey(
        "self",
        verbose_name=_("derived from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derivatives",
    )
    derivation = models.CharField(
        _("how it was derived"),
        max_length=200,
        blank=True,
        help_text=_("For a derived copy: what was changed, e.g. location metadata removed."),
    )
    is_web_capture = models.BooleanField(_("web capture"), default=False)
    description = models.TextField(_("description"), blank=True)
    # The file's own data key, sealed by the evidence master key (monitor.at_rest); empty for
    # a file stored before encryption at rest, until `manage.py encrypt_evidence` runs.
    wrapped_key = models.CharField(
        _("wrapped data key"), max_length=200, blank=True, editable=False
    )

    objects = ChildQuerySet.following(("source", "sources.Source")).as_manager()

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__length=64),
                name="sources_evidence_sha256_length",
                violation_error_message=_("A SHA-256 digest has 64 hexadecimal characters."),
            ),
            models.CheckConstraint(
                condition=models.Q(derived_from__isnull=True) | ~models.Q(derivation=""),
                name="sources_evidence_derivation_described",
                violation_error_message=_("A derived copy must say how it was derived."),
            ),
            models.CheckConstraint(
                condition=~models.Q(derived_from=models.F("id")),
                name="sources_evidence_not_derived_from_itself",
                violation_error_message=_("A file cannot be derived from itself."),
            ),
        ]

    #: A protected source's files: their names, descriptions and hashes may say who it is.
    redaction = Redaction(
        subject="source",
        # The wrapped data key is never shown anywhere; hidden here too, to be safe.
        identifying=("file", "original_name", "description", "sha256", "wrapped_key"),
        public=(
            *RECORD_FIELDS,
            "source",
            "content_type",
            "size",
            "derived_from",
            "derivation",
            "is_web_capture",
        ),
    )

    def __str__(self) -> str:
        if redaction.identity_hidden(self):  # a protected source's file names may say who it is
            return self.pseudonym
        return self.original_name

    @property
    def pseudonym(self) -> str:
        """A stable label for a protected source's file: "Evidence file E-3F9A"."""
        return f"Evidence file E-{self.id.hex[:4].upper()}"

    #: Part of that record: in its review (see ``AuditedModel.review_parent``).
    review_parent = "source"

    @property
    def sha256_base64(self) -> str:
        """The SHA-256 in base64, as HTTP digest headers carry it."""
        return base64.b64encode(bytes.fromhex(self.sha256)).decode("ascii")

    @property
    def is_encrypted(self) -> bool:
        """Whether the stored bytes are encrypted at rest (monitor.at_rest)."""
        return bool(self.wrapped_key)

    @staticmethod
    def hash_file(fileobj) -> tuple[str, int]:
        """SHA-256 and size of a file-like object, read in chunks."""
        digest, size = hashlib.sha256(), 0
        fileobj.seek(0)
        for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
        fileobj.seek(0)
        return digest.hexdigest(), size


class CustodyEventQuerySet(models.QuerySet):
    """The custody log is append-only."""

    def update(self, **kwargs):
        raise AuditError("The chain of custody is append-only.")

    def delete(self):
        raise AuditError("The chain of custody is append-only.")

    def visible_to(self, user):
        """A custody event is seen by those who see its file."""
        return self.filter(evidence__in=EvidenceFile.objects.visible_to(user).values("pk"))


class CustodyEvent(models.Model):
    """One link in an evidence file's chain of custody: who did what to it, when.

    Append-only, so it needs no history of its own: a row is never changed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evidence = models.ForeignKey(
        EvidenceFile,
        verbose_name=_("evidence file"),
        on_delete=models.PROTECT,
        related_name="custody_events",
    )
    action = models.CharField(_("action"), max_length=20, choices=CustodyAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    sha256_seen = models.CharField(_("SHA-256 seen"), max_length=64, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = CustodyEventQuerySet.as_manager()

    #: The file's hash and free-text notes may say which protected source it is.
    redaction = Redaction(
        subject="evidence__source",
        identifying=("sha256_seen", "note"),
        public=("id", "evidence", "action", "actor", "at", "client_address"),
    )

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        ordering = ["evidence", "at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=CustodyAction.values),
                name="sources_custody_action_valid",
                violation_error_message=_("Unknown custody action."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.evidence} · {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditError("The chain of custody is append-only.")
        super().save(*args, **kwargs)

    def delete(self, using=None, keep_parents=False):
        raise AuditError("The chain of custody is append-only.")


class CitationQuerySet(AuditedQuerySet):
    def visible_to(self, user):
        """A citation is seen when both its source and the record it supports are."""
        from django.apps import apps

        if not has_role(user):
            return self.none()
        records = models.Q(pk__in=[])
        for model in apps.get_models():
            if not issubclass(model, AuditedModel) or model is Citation:
                continue
            content_type = ContentType.objects.get_for_model(model)
            visible = model._default_manager.all().visible_to(user).values("pk")
            records |= models.Q(content_type=content_type, object_id__in=visible)
        return self.filter(records, source__in=Source.objects.visible_to(user).values("pk"))


class Citation(AuditedModel):
    """The provenance link: this source supports that record (optionally one of its fields).

    It points at any record through a generic relation, so ``sources`` never imports the
    apps that hold the claims.
    """

    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="citations"
    )
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of record"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.UUIDField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    field_name = models.CharField(
        _("field"),
        max_length=60,
        blank=True,
        help_text=_("The one field this source supports (e.g. the arrest date), if not all."),
    )
    page = models.CharField(_("page"), max_length=40, blank=True)
    paragraph = models.CharField(_("paragraph"), max_length=40, blank=True)
    timestamp = models.CharField(
        _("timestamp"), max_length=40, blank=True, help_text=_("In audio or video, e.g. 12:31.")
    )
    quote = models.TextField(_("quote"), blank=True)
    credibility = models.PositiveSmallIntegerField(
        _("credibility"), choices=Credibility.choices, default=Credibility.CANNOT_JUDGE
    )
    stance = models.CharField(
        _("stance"),
        max_length=10,
        choices=Stance.choices,
        default=Stance.SUPPORTS,
        help_text=_("Whether the source supports the claim or contests it."),
    )
    note = models.TextField(_("note"), blank=True)

    objects = CitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credibility__gte=1, credibility__lte=6),
                name="sources_citation_credibility_1_to_6",
                violation_error_message=_("Credibility must be a grade from 1 to 6."),
            ),
            models.CheckConstraint(
                condition=models.Q(stance__in=Stance.values),
                name="sources_citation_stance_valid",
                violation_error_message=_("A citation supports or contests its claim."),
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="sources_citation_record"),
        ]

    def __str__(self) -> str:
        where = f" ({self.field_name})" if self.field_name else ""
        return f"{self.source}{where}"

    #: A citation is part of the review of the record it supports (its claim).
    review_follows_record = True

    def review_root(self):
        record = self.record
        return record.review_root() if record is not None else None

    @property
    def locator(self) -> str:
        """Page, paragraph and timestamp as one short string."""
        parts = [
            f"p. {self.page}" if self.page else "",
            f"¶ {self.paragraph}" if self.paragraph else "",
            self.timestamp,
        ]
        return ", ".join(part for part in parts if part)
