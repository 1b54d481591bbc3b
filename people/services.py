"""Workflows on persons: recording a new person, from a whole form or from a typed name.

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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monitor.services import PartError, record_save
from people.choices import NameKind
from people.folding import fold_name
from people.models import Person, PersonName


@transaction.atomic
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
            with transaction.atomic():
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
