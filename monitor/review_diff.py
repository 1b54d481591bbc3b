"""What changed since the last verification: the field diff of a record and its parts (links
included), as one reader may see it. The admin's review queue and the API's ``review`` action
render it."""

from __future__ import annotations

import datetime
import difflib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitor import redaction
from monitor.history import link_changes, link_ids, tracked_links
from monitor.labels import (
    can_label,
    is_identity_bearing,
    labelled,
    safe_label,
    visible,
    with_identity,
)
from monitor.models import DecisionAction, ReviewDecision, ReviewedModel
from monitor.registry import CITATION_MODEL

#: A text this long (or with a line break) is compared word by word on the review page.
LONG_TEXT = 80


@dataclass
class Change:
    label: str
    old: str
    new: str

    @property
    def words(self) -> list[tuple[str, str]] | None:
        """A long text's change word by word: ``(op, text)`` pairs, ``op`` one of ``"same"``,
        ``"del"``, ``"ins"``; None for a short value (shown whole).

        Only a rendering of the one engine's old and new values (difflib over words), not a
        second diff engine.
        """
        old, new = str(self.old), str(self.new)
        if not old or not new or (max(len(old), len(new)) < LONG_TEXT and "\n" not in old + new):
            return None
        # Words with the spaces after them: a changed phrase reads as one change.
        before, after = re.findall(r"\s*\S+\s*", old), re.findall(r"\s*\S+\s*", new)
        segments: list[tuple[str, str]] = []
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                segments.append(("same", "".join(before[i1:i2])))
                continue
            if i2 > i1:
                segments.append(("del", "".join(before[i1:i2])))
            if j2 > j1:
                segments.append(("ins", "".join(after[j1:j2])))
        return segments


@dataclass
class Part:
    """The reviewed record, or one of its parts (an allegation, a step, a citation…)."""

    model: type
    pk: uuid.UUID
    label: str
    #: "new", "changed", "archived", "restored" or "unchanged" since the last verification.
    status: str
    changes: list[Change]
    archived: bool
    citations: list[dict] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return capfirst(self.model._meta.verbose_name)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


STATUS_LABELS = {
    "new": gettext_lazy("added"),
    "changed": gettext_lazy("changed"),
    "archived": gettext_lazy("archived"),
    "restored": gettext_lazy("restored"),
    "unchanged": gettext_lazy("unchanged"),
}


def compared_fields(model) -> tuple[list[models.Field], list[GenericForeignKey]]:
    """The fields a person edits: not the audit and workflow fields, not the companion
    columns of an approximate date, not derived keys (all of them non-editable). A generic
    link (a citation's record) is compared as one field."""
    links = [f for f in model._meta.private_fields if isinstance(f, GenericForeignKey)]
    parts_of_links = {name for link in links for name in (link.ct_field, link.fk_field)}
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in parts_of_links
    ]
    return fields, links


class Labels:
    """Readable, identity-safe labels for the records a review refers to: one query per
    kind of record, each through ``visible_to``."""

    def __init__(self, user, part_models: set):
        self.user = user
        self.part_models = part_models
        self.wanted: dict[type, set] = defaultdict(set)
        self.found: dict[tuple, str] = {}
        #: Labels of the review's own parts, filled in as they are built.
        self.parts: dict[tuple, str] = {}

    def want(self, model, pk) -> None:
        if pk is not None and model is not None:
            self.wanted[model].add(pk)

    def resolve(self) -> None:
        for model, pks in self.wanted.items():
            if model in self.part_models or not can_label(model):
                continue
            for record in labelled(visible(model, self.user).filter(pk__in=pks), self.user):
                self.found[(model, record.pk)] = safe_label(record)

    def label(self, model, pk) -> str:
        if pk is None:
            return ""
        key = (model, pk)
        if key in self.parts:
            return self.parts[key]
        if key in self.found:
            return self.found[key]
        if model in self.part_models or not can_label(model):
            return capfirst(model._meta.verbose_name)
        return _("(a record you cannot see)")


def _raw(row, f):
    return getattr(row, f.attname)


def _link_target(row, link: GenericForeignKey):
    content_type_id = getattr(row, f"{link.ct_field}_id")
    if content_type_id is None:
        return None, None
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return model, getattr(row, link.fk_field)


def display(f, value, labels: Labels) -> str:
    """A stored value as a person reads it: labels for choices and links, dates in words."""
    if value is None or value == "":
        return ""
    if f.is_relation:
        return labels.label(f.related_model, value)
    if f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)  # an approximate date prints as "May 2022", "c. 2021"


@dataclass
class Review:
    """Everything the item page shows about one record."""

    record: ReviewedModel
    label: str
    #: The last verification, whatever the diff is compared with.
    verified: ReviewDecision | None
    parts: list[Part]
    identity_hidden: bool
    token: str
    #: The decision the diff is compared with: the last verification (the default) or the
    #: last return; None when there is none (everything is new).
    since: ReviewDecision | None = None

    @property
    def own(self) -> Part:
        return self.parts[0]

    @property
    def changed_parts(self) -> list[Part]:
        """Parts added, changed, archived or restored since the last verification. Never
        verified, the citations are left to the sources section, beside their claims."""
        citation = _citation_model()
        return [
            part
            for part in self.parts[1:]
            if part.status != "unchanged" and (self.since or part.model is not citation)
        ]

    @property
    def unchanged_count(self) -> int:
        return sum(1 for part in self.parts[1:] if part.status == "unchanged")

    @property
    def claims(self) -> list[Part]:
        """The record and its current parts, with the sources behind each (citations are
        listed under the claim they support, not as claims of their own)."""
        citation = _citation_model()
        return [p for p in self.parts if not p.archived and p.model is not citation]


def _citation_model():
    return CITATION_MODEL.get()


def last_decision(record: ReviewedModel, action: DecisionAction) -> ReviewDecision | None:
    return (
        ReviewDecision.objects.for_record(record)
        .filter(action=action)
        .select_related("actor")
        .order_by("-at")
        .first()
    )


#: What a review may be compared with: the last verified version, or the version returned.
BASELINES = (DecisionAction.VERIFIED, DecisionAction.RETURNED)


def default_since(record: ReviewedModel) -> DecisionAction:
    """What a reviewer compares with first: the version returned, when the record was
    returned after its last verification (or never verified), so a resubmitted record shows
    what was fixed rather than "never verified"; otherwise the last verified version."""
    decisions = ReviewDecision.objects.for_record(record).filter(action__in=BASELINES)
    latest = decisions.order_by("-at").values_list("action", flat=True).first()
    return DecisionAction.RETURNED if latest == DecisionAction.RETURNED else DecisionAction.VERIFIED


def build_review(
    record: ReviewedModel, user, *, since: DecisionAction = DecisionAction.VERIFIED
) -> Review:
    """Compare the record and its parts now with the last verified version (``since``
    VERIFIED) or with the version last returned to its authors (``since`` RETURNED: what
    was fixed after the return).

    That version is the history row the decision names; its parts are as they stood at that
    row's time. No such decision: every field and every part is new. Parts the reader may
    not see are left out entirely.
    """
    verified = last_decision(record, DecisionAction.VERIFIED)
    decision = verified if since == DecisionAction.VERIFIED else last_decision(record, since)
    own_rows = record.history.order_by("-history_date", "-history_id")
    baseline = own_rows.filter(version=decision.version).first() if decision else None
    since = baseline.history_date if baseline else None

    sections = []  # (model, rows then, rows now) per kind of record
    for index, history in enumerate(record.review_history()):
        model = history.model.instance_type
        if index == 0:
            current = own_rows.first()
            then = {record.pk: baseline} if baseline else {}
            sections.append((model, then, {record.pk: current} if current else {}))
            continue
        now: dict = {}
        then: dict = {}
        for row in history.order_by("history_date", "history_id"):
            now[row.id] = row
            if since is not None and row.history_date <= since:
                then[row.id] = row
        shown = set(visible(model, user).filter(pk__in=list(now)).values_list("pk", flat=True))
        now = {pk: row for pk, row in now.items() if pk in shown}
        then = {pk: row for pk, row in then.items() if pk in shown}
        sections.append((model, then, now))

    identity_hidden = is_identity_bearing(type(record)) and not getattr(
        record, "identity_shown", False
    )
    labels = Labels(user, {model for model, _, _ in sections[1:]})
    for model, then, now in sections:
        fields, links = compared_fields(model)
        for row in [*then.values(), *now.values()]:
            for f in fields:
                if f.is_relation:
                    labels.want(f.related_model, _raw(row, f))
            for link in links:
                labels.want(*_link_target(row, link))
            for m2m in tracked_links(model):
                for pk in link_ids(row, m2m):
                    labels.want(m2m.related_model, pk)
    labels.resolve()

    parts = []
    for index, (model, then, now) in enumerate(sections):
        fields, links = compared_fields(model)
        if identity_hidden and (index == 0 or redaction.policy(model) is not None):
            # The record's and its parts' redaction policies (an evidence file's name and
            # hash say which protected source it is); what a policy does not classify is
            # hidden too (fail closed).
            identifying = redaction.identifying_fields(model)
            fields = [f for f in fields if f.name not in identifying]
        for pk, row in now.items():
            part = _part(model, pk, then.get(pk), row, fields, links, labels, record)
            if part is None:
                continue
            if index == 0:
                part.label = safe_label(record)
            labels.parts[(model, pk)] = part.label
            parts.append(part)
    _attach_citations(parts, user)
    return Review(
        record=record,
        label=safe_label(record),
        verified=verified,
        parts=parts,
        identity_hidden=identity_hidden,
        token=record.review_fingerprint(),
        since=decision if baseline else None,
    )


def _part(model, pk, then, now, fields, links, labels: Labels, root) -> Part | None:
    archived_now = now.archived_at is not None
    archived_then = then is not None and then.archived_at is not None
    if then is None:
        if archived_now and root.pk != pk:
            return None  # added and archived since the last verification: nothing to review
        status = "new"
    elif archived_then and archived_now:
        return None  # archived before the last verification and still archived
    elif archived_now:
        status = "archived"
    elif archived_then:
        status = "restored"
    else:
        status = "changed"
    changes: list[Change] = []
    short: list[str] = []
    for f in fields:
        new_raw = _raw(now, f)
        old_raw = None if then is None else _raw(then, f)
        if f.is_relation and new_raw == root.pk and old_raw in (None, root.pk):
            continue  # a part's link to the reviewed record itself says nothing
        new, old = display(f, new_raw, labels), display(f, old_raw, labels)
        if new and (f.is_relation or f.flatchoices or not isinstance(f, models.TextField)):
            short.append(str(new))  # a lazy label (an approximate date's) joins as text
        if then is None:
            if new:
                changes.append(Change(capfirst(f.verbose_name), "", new))
        elif new_raw != old_raw:
            changes.append(Change(capfirst(f.verbose_name), old, new))
    for link in links:
        new_model, new_pk = _link_target(now, link)
        new = labels.label(new_model, new_pk) if new_model else ""
        old = ""
        if then is not None:
            old_model, old_pk = _link_target(then, link)
            old = labels.label(old_model, old_pk) if old_model else ""
        if new_model and new_model is not type(root):
            short.insert(1, f"{capfirst(new_model._meta.verbose_name)}: {new}")
        if (then is None and new) or (then is not None and new != old):
            changes.append(Change(capfirst(_("claim")), old, new))
    for m2m, _added, _removed in link_changes(model, now, then):
        # "Khorog, Rushan → Khorog, Vanj": the links are part of what is reviewed.
        changes.append(Change(capfirst(m2m.verbose_name), *_link_names(m2m, then, now, labels)))
    if status == "changed" and not changes:
        status = "unchanged"
    return Part(
        model=model,
        pk=pk,
        label=" · ".join(short[:2]) or capfirst(model._meta.verbose_name),
        status=status,
        changes=changes,
        archived=archived_now,
    )


def _attach_citations(parts: list[Part], user) -> None:
    """The current citations behind each part, in one query, through ``visible_to``."""
    citation = _citation_model()
    targets = {
        (ContentType.objects.get_for_model(part.model).pk, part.pk): part
        for part in parts
        if part.model is not citation and not part.archived
    }
    if not targets:
        return
    rows = with_identity(
        citation.objects.visible_to(user).filter(
            object_id__in=[pk for _, pk in targets], archived_at__isnull=True
        ),
        user,
        prefix="source__",
        name="source_identity_shown",
    )
    for row in rows.select_related("source").order_by("created_at"):
        part = targets.get((row.content_type_id, row.object_id))
        if part is None:
            continue
        source = row.source
        source.identity_shown = row.source_identity_shown
        try:
            field_label = capfirst(part.model._meta.get_field(row.field_name).verbose_name)
        except FieldDoesNotExist:  # a field name typed freely shows as typed
            field_label = row.field_name
        part.citations.append(
            {
                "source": safe_label(source),
                "reliability": source.get_reliability_display(),
                "credibility": row.get_credibility_display(),
                "locator": row.locator,
                "quote": row.quote,
                "field": field_label,
            }
        )


def _link_names(m2m, then, now, labels: Labels) -> tuple[str, str]:
    def names(row) -> str:
        return ", ".join(sorted(labels.label(m2m.related_model, pk) for pk in link_ids(row, m2m)))

    return names(then), names(now)
