"""Workflows on persons: recording a new person, from a whole form or from a typed name;
merging a person recorded twice, and undoing that merge.

Each function takes the acting user explicitly, runs in one transaction and raises what
:mod:`monitor.services` raises (:class:`~monitor.services.NotVisible`,
:class:`~monitor.services.ActionRefused`, ``ValidationError``). Pages, the API and the admin
call these; none of them creates a person by itself.

Typed names are never merged by guesswork. Two rows of one form that name a new person
("Alla Nazarova", "Ala Nazarova"; "A11", "A1") are two people unless the typed strings are
the same (spaces aside): folded names match for many different people, and a merge made
silently would put one person's detention on another's record. A form shows the likeness
(:func:`typed_name_likenesses`) and asks the user, it never decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitor.access import reveals_identity
from monitor.history import acting_as, one_version
from monitor.services import (
    ActionRefused,
    NotVisible,
    PartError,
    record_archive,
    record_restore,
    record_save,
    reopen_if_verified,
)
from monitor.write_batch import atomic as write_batch_atomic
from monitor.write_batch import atomic_service
from people.choices import NameKind
from people.folding import fold_name
from people.models import Person, PersonName
from sources.models import Citation


@atomic_service
def person_create(
    *, actor, person: Person, names: Sequence[PersonName], reason: str = ""
) -> Person:
    """Record a new ``person`` (unsaved, its fields set) with its ``names``.

    With a single name, that name is the primary one. The person is saved first, then the
    names — the primary name last, as a person has one primary name at a time.

    Raises:
        PartError: a name is refused (``part="names"``, its position).
        ValidationError: the person is (or the names together are) refused.
    """
    if not person._state.adding:
        raise ValueError("person_create records a new person; use record_save to edit one.")
    names = list(names)
    if not names:
        raise ValidationError(_("A person needs at least one name."), code="no_name")
    if len(names) == 1:
        names[0].is_primary = True
    primaries = [index for index, name in enumerate(names) if name.is_primary]
    if len(primaries) != 1:
        error = ValidationError(
            {
                "is_primary": _(
                    "Mark exactly one name as the primary name (the one shown everywhere)."
                )
            },
            code="primary",
        )
        # Refused on the second primary name, or on the names as a whole when none is.
        raise PartError(error, part="names", index=primaries[1] if primaries else None)
    reason = reason or _("Person added")
    record_save(record=person, actor=actor, reason=reason)
    for index in sorted(range(len(names)), key=lambda i: bool(names[i].is_primary)):
        name = names[index]
        name.person = person
        try:
            with write_batch_atomic(actor):  # re-raised at once: no savepoint needed in a batch
                record_save(record=name, actor=actor, reason=reason)
        except ValidationError as error:
            raise PartError(error, part="names", index=index) from error
    return person


def person_names_check(*, person: Person) -> None:
    """After a change to ``person``'s names: exactly one of those in use is primary.

    The database allows at most one; this refuses none (the primary mark taken off the only
    primary name, with no other marked), which would leave the person shown as a pseudonym
    though not protected.

    Raises:
        PartError: ``part="names"``, on the names as a whole.
    """
    primaries = PersonName.objects.filter(
        person=person, is_primary=True, archived_at__isnull=True
    ).count()
    if primaries != 1:
        error = ValidationError(
            {
                "is_primary": _(
                    "Mark exactly one name as the primary name (the one shown everywhere)."
                )
            },
            code="primary",
        )
        raise PartError(error, part="names", index=None)


def person_create_named(
    *, actor, full_name: str, team, confidentiality, reason: str = ""
) -> Person:
    """A new person known by one name, typed on another record's form.

    The person is seen like the record that names them: same team, same confidentiality.
    Errors about the name are raised with the name's own field (``full_name``).
    """
    full_name = normalize_typed_name(full_name)
    person = Person(team=team, confidentiality=confidentiality)
    name = PersonName(full_name=full_name, kind=NameKind.OFFICIAL, is_primary=True)
    try:
        return person_create(actor=actor, person=person, names=[name], reason=reason)
    except PartError as error:
        raise error.error from error


# -- names typed on other forms ----------------------------------------------------------------


def normalize_typed_name(text: str) -> str:
    """A typed name with its spaces tidied: what "the same string" is compared on."""
    return " ".join((text or "").split())


class TypedPersons:
    """The new persons typed in one submission, each created once.

    The same typed string (spaces aside) names the same new person: a monitor who types
    "Daler Imomali" on the allegation and on the detention means one man. Different strings
    name different persons, however alike their folded forms: see the module docstring.
    """

    def __init__(self, *, actor, team, confidentiality, reason: str = ""):
        self.actor = actor
        self.team = team
        self.confidentiality = confidentiality
        self.reason = reason
        self.created: dict[str, Person] = {}

    def get(self, typed: str) -> Person:
        key = normalize_typed_name(typed)
        if key not in self.created:
            self.created[key] = person_create_named(
                actor=self.actor,
                full_name=key,
                team=self.team,
                confidentiality=self.confidentiality,
                reason=self.reason,
            )
        return self.created[key]


@dataclass(frozen=True)
class Likeness:
    """Two different names typed in one submission that fold alike."""

    name: str
    like: str
    first_index: int  # the position (in the typed list) of ``like``


def typed_name_likenesses(typed: Iterable[str]) -> dict[int, Likeness]:
    """For each typed name (by position) that folds like an earlier, different one: which.

    Empty entries are skipped. "Alla Nazarova" then "Ala Nazarova" gives ``{1: Likeness(
    "Ala Nazarova", "Alla Nazarova", 0)}``; the same string twice gives nothing (it is one
    person, see :class:`TypedPersons`).
    """
    seen: dict[str, tuple[str, int]] = {}
    found: dict[int, Likeness] = {}
    for index, text in enumerate(typed):
        name = normalize_typed_name(text)
        key = fold_name(name)
        if not key:
            continue
        if key in seen:
            earlier, position = seen[key]
            if earlier != name:
                found[index] = Likeness(name=name, like=earlier, first_index=position)
            continue
        seen[key] = (name, index)
    return found


def likeness_message(likeness: Likeness, where: str) -> str:
    """What a form says next to a name typed like another one of the same submission."""
    return _(
        "“%(name)s” looks like “%(like)s” (%(where)s). If they are the same person, type the "
        "name exactly the same way in both places; if not, tick “This is someone new” to "
        "record two people."
    ) % {"name": likeness.name, "like": likeness.like, "where": where}


# -- merging duplicates ------------------------------------------------------------------------

#: The link from a person to the record it was merged into (left alone by a merge).
MERGE_LINK = "merged_into"


def _require_merger(actor, persons: Sequence[Person]) -> list[Person]:
    """Both persons, locked, if ``actor`` may see them (else NotVisible: a 404), identify
    them and merge (a coordinator)."""
    locked = []
    for person in persons:
        found = Person.objects.visible_to(actor).select_for_update().filter(pk=person.pk).first()
        if found is None:
            raise NotVisible("Person not found")
        locked.append(found)
    if not actor.has_perm("monitor.archive_record"):
        raise ActionRefused(_("Only coordinators merge persons."), code="permission")
    if not all(reveals_identity(actor, person) for person in locked):
        raise ActionRefused(
            _("You are not cleared to know who one of these persons is: nothing was merged."),
            code="permission",
        )
    return locked


def _links_to_persons():
    """Every link to a person, found from the model graph (the apps above this one add
    theirs — allegations, detentions, case links — without this module naming them):
    ``(model, field name, many_to_many)``."""
    for relation in Person._meta.related_objects:
        field = relation.field
        if field.name == MERGE_LINK and relation.related_model is Person:
            continue
        if relation.many_to_many:
            if field.remote_field.through._meta.auto_created:
                yield relation.related_model, field.name, True
            # A link through a model of its own (a case's persons) is moved as that model.
        elif relation.one_to_many or relation.one_to_one:
            yield relation.related_model, field.name, False


def _save_as(actor, record, reason: str) -> None:
    with acting_as(actor, reason=reason), one_version(record):
        record.save()


def _reopen_edited(actor, records, *, besides: Sequence[Person]) -> None:
    """Send the reviewed records the moved rows belong to (a case whose person link moved,
    through its ``review_parent``: ``monitor.models.base.review_unit``) back to review, as
    any edit of a part does: four eyes on every record a merge or an unmerge changed. The
    persons ``besides`` are sent back by the service itself."""
    done = {(Person, person.pk) for person in besides}
    for record in records:
        root = record.review_root()
        if root is None or (type(root), root.pk) in done:
            continue
        done.add((type(root), root.pk))
        reopen_if_verified(root, actor)


def _breaks_uniqueness(row) -> bool:
    for constraint in type(row)._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            try:
                constraint.validate(type(row), row)
            except ValidationError:
                return True
    return False


def _label(model) -> str:
    return model._meta.label


@transaction.atomic
def person_merge(*, actor, survivor: Person, duplicate: Person, reason: str) -> Person:
    """Merge ``duplicate`` into ``survivor``: one person recorded twice becomes one record.

    Every name, affiliation, citation and link of the duplicate (case links, allegations as
    victim and as perpetrator, detentions, follow-ups — whatever points at a person) moves to
    the survivor; a link the survivor already has is archived on the duplicate instead (a
    case cannot list one person twice). The duplicate keeps its own fields, is archived and
    says "merged into" the survivor. The stricter confidentiality and protection of the two
    win. What moved is written in the duplicate's ``merge_log``, so that
    :func:`person_unmerge` restores exactly that.

    The survivor goes (back) to review: four eyes on the merged record, and the merger is
    among its editors, so another reviewer verifies it. History on both records says who
    merged, when and why.

    Raises NotVisible (either is hidden from the actor), ActionRefused (not a coordinator,
    not cleared for a protected identity, already merged or archived, the same person).
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why these are one person.")}, code="reason")
    if survivor.pk == duplicate.pk:
        raise ActionRefused(_("A person cannot be merged into themselves."), code="same")
    survivor, duplicate = _require_merger(actor, [survivor, duplicate])
    for person in (survivor, duplicate):
        if person.archived_at is not None or person.merged_into_id is not None:
            raise ActionRefused(
                _("%(person)s is archived or merged already: restore or unmerge it first.")
                % {"person": person},
                code="state",
            )
    note = _("Merged %(duplicate)s into %(survivor)s: %(reason)s") % {
        "duplicate": duplicate,
        "survivor": survivor,
        "reason": reason,
    }
    log: dict = {
        "survivor": str(survivor.pk),
        "survivor_before": {
            "confidentiality": survivor.confidentiality,
            "is_protected": survivor.is_protected,
        },
        "moved": [],
    }
    edited = []  # the rows moved or archived, whose records go back to review
    for model, field, many in _links_to_persons():
        if many:
            # The link row itself moves (its id kept, so an unmerge puts back the same row);
            # where the record links both already, the duplicate's link stays with it.
            m2m = model._meta.get_field(field)
            through = m2m.remote_field.through
            owner_column, person_column = m2m.m2m_field_name(), m2m.m2m_reverse_field_name()
            links = through.objects.filter(**{person_column: duplicate}).order_by("pk")
            for link in links:
                owner = model._base_manager.get(pk=getattr(link, f"{owner_column}_id"))
                if through.objects.filter(**{owner_column: owner, person_column: survivor}):
                    continue
                setattr(link, person_column, survivor)
                link.save()
                _save_as(actor, owner, note)  # its history row takes the links as they stand
                edited.append(owner)
                log["moved"].append(
                    {"model": through._meta.label, "pk": link.pk, "field": person_column,
                     "owner": [_label(model), str(owner.pk)]}
                )  # fmt: skip
            continue
        for row in model._base_manager.filter(**{field: duplicate}).order_by("pk"):
            entry = {"model": _label(model), "pk": str(row.pk), "field": field}
            if getattr(row, "is_primary", False):
                row.is_primary = False  # the survivor's primary name stays the primary one
                entry["was_primary"] = True
            setattr(row, field, survivor)
            if _breaks_uniqueness(row):
                # The survivor has this already (the same name, the same case role).
                setattr(row, field, duplicate)
                if row.archived_at is None:
                    row.archived_at, row.archived_by = timezone.now(), actor
                    entry["archived"] = True
                    _save_as(actor, row, note)
                    edited.append(row)
                    log["moved"].append({**entry, "stays": True})
                continue
            _save_as(actor, row, note)
            edited.append(row)
            log["moved"].append(entry)
    citations = Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id=duplicate.pk
    )
    for citation in citations.order_by("pk"):
        citation.object_id = survivor.pk
        _save_as(actor, citation, note)
        log["moved"].append({"model": _label(Citation), "pk": str(citation.pk), "citation": True})
    # The stricter of the two wins.
    survivor.confidentiality = max(survivor.confidentiality, duplicate.confidentiality)
    survivor.is_protected = survivor.is_protected or duplicate.is_protected
    record_save(record=survivor, actor=actor, reason=note)
    reopen_if_verified(survivor, actor)  # a merge is an edit of the survivor: reviewed
    _reopen_edited(actor, edited, besides=[survivor, duplicate])
    duplicate.merged_into = survivor
    duplicate.merge_log = log
    _save_as(actor, duplicate, note)
    record_archive(record=duplicate, actor=actor, reason=note)
    survivor.refresh_from_db()
    return survivor


@transaction.atomic
def person_unmerge(*, actor, duplicate: Person, reason: str) -> Person:
    """Undo :func:`person_merge`: what moved to the survivor goes back to ``duplicate``
    (names with their primary flag, links, citations), links archived by the merge are
    restored, the survivor's confidentiality and protection are put back, and the duplicate
    is restored. Records added to the survivor since stay with it."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why these are two persons.")}, code="reason")
    if duplicate.merged_into_id is None:
        raise ActionRefused(_("This person was not merged into another."), code="state")
    survivor = Person(pk=duplicate.merged_into_id)
    duplicate, survivor = _require_merger(actor, [duplicate, survivor])
    if duplicate.merged_into_id != survivor.pk:
        raise ActionRefused(_("This person was not merged into another."), code="state")
    note = _("Unmerged %(duplicate)s from %(survivor)s: %(reason)s") % {
        "duplicate": duplicate,
        "survivor": survivor,
        "reason": reason,
    }
    log = duplicate.merge_log or {}
    record_restore(record=duplicate, actor=actor, reason=note)
    duplicate.refresh_from_db()
    entries = list(reversed(log.get("moved", [])))
    # Moved names first lose nothing: the survivor's names are untouched; a name moved
    # back as primary waits until the duplicate's other names are back.
    entries.sort(key=lambda entry: bool(entry.get("was_primary")))
    edited = []
    for entry in entries:
        model = apps.get_model(entry["model"])
        row = model._base_manager.filter(pk=entry["pk"]).first()
        if row is None:
            continue
        if entry.get("owner"):
            setattr(row, entry["field"], duplicate)
            row.save()
            owner_model, owner_pk = entry["owner"]
            owner = apps.get_model(owner_model)._base_manager.filter(pk=owner_pk).first()
            if owner is not None:
                _save_as(actor, owner, note)
                edited.append(owner)
            continue
        if entry.get("citation"):
            row.object_id = duplicate.pk
            _save_as(actor, row, note)
        elif entry.get("stays"):
            row.archived_at, row.archived_by = None, None
            _save_as(actor, row, note)
        else:
            setattr(row, entry["field"], duplicate)
            if entry.get("was_primary"):
                row.is_primary = True
            _save_as(actor, row, note)
        edited.append(row)
    before = log.get("survivor_before", {})
    survivor.confidentiality = before.get("confidentiality", survivor.confidentiality)
    survivor.is_protected = before.get("is_protected", survivor.is_protected)
    record_save(record=survivor, actor=actor, reason=note)
    duplicate.merged_into = None
    duplicate.merge_log = {}
    _save_as(actor, duplicate, note)
    # Both persons changed: each goes (back) to review, and so do the records whose links
    # moved back.
    reopen_if_verified(survivor, actor)
    reopen_if_verified(duplicate, actor)
    _reopen_edited(actor, edited, besides=[survivor, duplicate])
    duplicate.refresh_from_db()
    return duplicate
