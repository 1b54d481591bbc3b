"""How the register and generated documents name a person: the one helper they share.

It applies the one existing rule (:func:`monitor.access.reveals_identity`, ``Person.pseudonym``)
and is the single place to point at a redaction engine later.
"""

from __future__ import annotations

import uuid

from monitor.access import reveals_identity
from people.models import Person


def linked_person(record, field: str = "person"):
    """``record.<field>`` prefetched through ``person_prefetch``, or None when the reader may
    not see that person (a required link whose prefetch found nothing raises instead)."""
    try:
        return getattr(record, field)
    except Person.DoesNotExist:
        return None


def person_display_name(
    person: Person | None,
    person_id: uuid.UUID,
    user,
    *,
    team_ids: set,
    protected_names: bool = True,
) -> tuple[str, bool]:
    """``(label, revealed)``: the person's primary name, or their pseudonym.

    The pseudonym when ``user`` may not see the person at all (``person`` is None), when the
    person is protected and ``user`` may not identify them, or when the person is protected
    and the surface does not name protected persons (``protected_names=False``: a generated
    document, unless a coordinator included them). ``person`` must carry ``primary_name``
    (``visible_persons`` / ``person_prefetch`` annotate it).
    """
    if person is None:
        return Person(id=person_id).pseudonym, False
    if person.is_protected and not (
        protected_names and reveals_identity(user, person, team_ids=team_ids)
    ):
        return person.pseudonym, False
    return (getattr(person, "primary_name", None) or person.pseudonym), True
