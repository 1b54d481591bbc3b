"""What identifies a protected record, declared once per model and applied by one engine.

A person or a source may be *protected* (``is_protected``): users who may not identify it
(:func:`monitor.access.reveals_identity`) see a pseudonym. What else says who it is — a
witness's occupation, a source's author, the name of a testimony's audio file — is declared
on the model that holds it, as a :class:`Redaction`::

    class Affiliation(AuditedModel):
        redaction = Redaction(subject="person", whole=True)

and every surface asks this module: API serializers (:func:`redact`), history and review
diffs (:func:`hidden_fields`), admin lists, change pages and inlines, ``str()``
(:func:`identity_hidden`), CSV exports, filters (``visible_to`` of a *whole* part leaves out
the parts of a record its reader may not identify), commands' output.

A declaration has three parts:

* ``subject`` — the lookup from this model to the record whose identity is protected:
  ``""`` for a person or a source itself, ``"person"`` for a name, ``"source"`` for an
  evidence file, ``"evidence__source"`` for a custody event;
* ``identifying`` and ``public`` — every field of the model in exactly one of them
  (``tests/test_redaction_policy.py`` fails, naming the field, when one is in neither);
* ``whole`` — the record as a whole says who its subject is (a name variant, an
  affiliation): readers who may not identify the subject do not get the record at all, as
  if the link did not exist.

The rule is computed per row in SQL where a page lists many (:func:`annotate`), and with a
:class:`Reader` — which remembers the reader's teams — for single records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import BooleanField, Case, Q, Value, When

from monitor.access import identity_hidden as _viewer_hides
from monitor.access import identity_q, reveals_identity, team_ids_of

#: What every audited record has and nothing identifies: its id and bookkeeping.
RECORD_FIELDS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "archived_at",
    "archived_by",
)
#: And what every reviewed record has besides.
REVIEWED_FIELDS = (*RECORD_FIELDS, "review_state", "confidentiality", "team")

#: The annotation that carries the rule's answer on a row read through :func:`annotate`.
ANNOTATION = "identity_revealed"
#: What a hidden value reads as on pages, CSV and admin (the API reads null).
WITHHELD = "—"


@dataclass(frozen=True)
class Redaction:
    """A model's declaration of what identifies the protected record it is part of."""

    subject: str = ""
    identifying: tuple[str, ...] = ()
    public: tuple[str, ...] = ()
    #: The record as a whole identifies its subject: hidden entirely from those who may not.
    whole: bool = False
    #: Every field identifies (``whole`` records, the file of an evidence file): no list needed.
    all_identifying: bool = field(default=False)

    def path(self, name: str = "") -> str:
        """The lookup from this model to ``name`` on the subject (``person__is_protected``)."""
        parts = [part for part in (self.subject, name) if part]
        return "__".join(parts)


def policy(model) -> Redaction | None:
    """The redaction declared on ``model`` (or its concrete model, for a historical row)."""
    model = getattr(model, "instance_type", model)  # simple-history's historical models
    return getattr(model, "redaction", None)


def own_fields(model) -> set[str]:
    """The names a policy must classify: the model's columns and its many-to-many links.

    The companion columns of an approximate date (``birth_date_precision``…) go with it and
    are not named on their own. Records that point at this one (a person's names) declare
    their own policy.
    """
    from monitor.approxdate import ApproximateDateField

    model = getattr(model, "instance_type", model)
    names = {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.many_to_many
    }
    for f in model._meta.concrete_fields:
        if isinstance(f, ApproximateDateField):
            names -= set(companions(f.name))
    return names


def companions(name: str) -> tuple[str, ...]:
    return (f"{name}_precision", f"{name}_circa", f"{name}_end")


def unclassified(model) -> set[str]:
    """Fields of a model with a policy that the policy names neither way."""
    rule = policy(model)
    if rule is None or rule.whole or rule.all_identifying:
        return set()
    return own_fields(model) - set(rule.identifying) - set(rule.public)


def identifying_fields(model) -> frozenset[str]:
    """The fields hidden from a reader who may not identify the subject.

    Fails closed: a field the policy does not classify counts as identifying. Names of the
    approximate dates' companion columns are included with their date.
    """
    rule = policy(model)
    if rule is None:
        return frozenset()
    names = own_fields(model)
    if not (rule.whole or rule.all_identifying):
        names -= set(rule.public)
    return frozenset(names | {c for name in names & _dates(model) for c in companions(name)})


def _dates(model) -> set[str]:
    from monitor.approxdate import ApproximateDateField

    model = getattr(model, "instance_type", model)
    return {f.name for f in model._meta.concrete_fields if isinstance(f, ApproximateDateField)}


def subject(record):
    """The person or source whose identity ``record`` carries (``record`` itself, a parent)."""
    rule = policy(type(record))
    if rule is None:
        return None
    target = record
    for part in filter(None, rule.subject.split("__")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


# -- the rule, per row in SQL ------------------------------------------------------------------


def revealed_q(user, model) -> Q | None:
    """Rows of ``model`` whose subject ``user`` may identify (None: none of them)."""
    rule = policy(model)
    prefix = f"{rule.subject}__" if rule is not None and rule.subject else ""
    return identity_q(user, prefix)


def revealed_expression(user, prefix: str = ""):
    """A boolean SQL expression: may ``user`` identify the (``prefix``) record of each row?"""
    rule = identity_q(user, prefix)
    if rule is None:
        return Value(False, output_field=BooleanField())
    if rule == Q():
        return Value(True, output_field=BooleanField())
    return Case(When(rule, then=Value(True)), default=Value(False), output_field=BooleanField())


def annotate(queryset: models.QuerySet, user, prefix: str | None = None, name: str = ANNOTATION):
    """Annotate ``name``: whether ``user`` may identify each row's subject.

    ``prefix`` is the lookup to the protected record when the rows are not it (a citation's
    ``source__``); by default the model's policy says where its subject is.
    """
    if prefix is None:
        rule = policy(queryset.model)
        prefix = f"{rule.subject}__" if rule is not None and rule.subject else ""
    return queryset.annotate(**{name: revealed_expression(user, prefix)})


def restrict(queryset: models.QuerySet, user) -> models.QuerySet:
    """For a *whole* part: leave out the rows whose subject ``user`` may not identify."""
    rule = policy(queryset.model)
    if rule is None or not rule.whole:
        return queryset
    condition = revealed_q(user, queryset.model)
    return queryset.none() if condition is None else queryset.filter(condition)


# -- the rule, per record ---------------------------------------------------------------------


class Reader:
    """One reader's answers, with their teams read once (a request's worth of records)."""

    def __init__(self, user):
        self.user = user
        self._teams = None

    def reveals(self, record) -> bool:
        """May this reader see who ``record`` (or the protected record it is part of) is?"""
        if record is None:
            return True
        annotated = record.__dict__.get(ANNOTATION)
        if annotated is not None:
            return bool(annotated)
        target = subject(record) if policy(type(record)) is not None else record
        if target is None or not getattr(target, "is_protected", False):
            return True
        if target is not record:
            annotated = target.__dict__.get(ANNOTATION)
            if annotated is not None:
                return bool(annotated)
        if self._teams is None:
            self._teams = team_ids_of(self.user)
        return reveals_identity(self.user, target, team_ids=self._teams)

    def hidden_fields(self, record) -> frozenset[str]:
        """The fields of ``record`` this reader may not see."""
        if self.reveals(record):
            return frozenset()
        return identifying_fields(type(record))

    def redact(self, record, data: dict, *, empty=None) -> dict:
        """``data`` (a record's values by field name) with what this reader may not see
        replaced by ``empty``."""
        hidden = self.hidden_fields(record)
        if not hidden:
            return data
        return {key: (empty if key in hidden else value) for key, value in data.items()}


def reader(user) -> Reader:
    return Reader(user)


def identity_hidden(record) -> bool:
    """For ``str()``: must the current viewer (:mod:`monitor.access`) not know who this is?"""
    target = subject(record) if policy(type(record)) is not None else record
    return target is not None and _viewer_hides(target)


def hidden_fields(user, record) -> frozenset[str]:
    return Reader(user).hidden_fields(record)


def redacted_models() -> Iterable[type]:
    """Every model that declares a redaction."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if policy(model) is not None and not hasattr(model, "instance_type")
    ]
