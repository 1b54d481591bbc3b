"""Follow-up workflows: create, update, record a response, close, reopen.

Pages, the API, admin actions and commands call these; each takes the acting user, runs in
one transaction and saves through :func:`monitor.services.record_save` (visibility, the right
to edit, ``full_clean()``, history with the actor and a reason). They raise what
``record_save`` raises: :class:`~monitor.services.NotVisible`,
:class:`~monitor.services.ActionRefused`, ``ValidationError``, ``StaleEdit``.

The response due date of a UN communication
--------------------------------------------
Unless a due date is given, a UN communication is due ``settings.UN_RESPONSE_DAYS`` (60 by
default, ``MONITOR_UN_RESPONSE_DAYS``) after it was sent. A sent date known only to the month
or the year counts from its last possible day (``sent.end``): "May 2023" is due 60 days after
31 May 2023, so the letter is never shown overdue before the State's time can really have run
out. On an update, a due date that was the default follows a new sent date; one that was set
by hand stays. Passing ``due_on=None`` asks for the default again. Other kinds of follow-up
get no default: their due or event date is whatever the monitor sets.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import FollowUpKind
from cases.models import Case, FollowUp, FollowUpResponse
from cases.references import parse_un_reference
from monitor.choices import Vocabulary
from monitor.models import Term
from monitor.services import ActionRefused, NotVisible, record_save, require_visible
from people.models import Organization, Person
from sources.models import Source

#: What ``followup_create`` and ``followup_update`` accept besides the many-to-many fields.
EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "title",
        "description",
        "communication_type",
        "reference",
        "addressee",
        "sent",
        "occurs",
        "court",
        "due_on",
        "made_public_on",
        "public_url",
        "owner",
    }
)
M2M_FIELDS = ("mandates", "other_addressees", "persons")


@transaction.atomic
def followup_create(
    *,
    actor,
    case: Case,
    kind: str,
    title: str,
    mandates: Iterable[Term] | None = None,
    other_addressees: Iterable[Organization] | None = None,
    persons: Iterable[Person] | None = None,
    reason: str = "",
    **fields: Any,
) -> FollowUp:
    """Record a new follow-up on ``case`` (see the module docstring for the due date).

    ``fields`` are the model's editable fields (``sent="May 2023"``, ``owner=user``…). A UN
    communication given a reference but no type takes the type the reference names.
    """
    _check_field_names(fields)
    followup = FollowUp(case=case, kind=kind, title=title, **fields)
    m2m = _m2m(mandates=mandates, other_addressees=other_addressees, persons=persons)
    _prepare(followup, actor=actor, due_given=fields.get("due_on"), m2m=m2m)
    return record_save(record=followup, actor=actor, reason=reason, m2m=m2m)


@transaction.atomic
def followup_update(
    *,
    actor,
    followup: FollowUp,
    expected_version: int | None = None,
    mandates: Iterable[Term] | None = None,
    other_addressees: Iterable[Organization] | None = None,
    persons: Iterable[Person] | None = None,
    reason: str = "",
    **changes: Any,
) -> FollowUp:
    """Change a follow-up; a many-to-many argument left as None is left as it is."""
    _check_field_names(changes)
    require_visible(followup, actor)
    previous = FollowUp._base_manager.get(pk=followup.pk)
    for name, value in changes.items():
        setattr(followup, name, value)
    m2m = _m2m(mandates=mandates, other_addressees=other_addressees, persons=persons)
    if "due_on" in changes:
        due_given = changes["due_on"]  # None: back to the default
    elif _had_default_due(previous):
        due_given = None  # the default follows the new sent date
    else:
        due_given = previous.due_on  # set by hand: it stays
    _prepare(followup, actor=actor, due_given=due_given, m2m=m2m)
    return record_save(
        record=followup, actor=actor, reason=reason, expected_version=expected_version, m2m=m2m
    )


@transaction.atomic
def followup_record_response(
    *,
    actor,
    followup: FollowUp,
    kind: str,
    received: Any = None,
    summary: str = "",
    document: Source | None = None,
    reason: str = "",
) -> FollowUpResponse:
    """Record a response (or its recorded absence, kind "none") to a follow-up.

    The follow-up's status follows at once (see :meth:`FollowUp.status`): a full answer makes
    it answered, a partial answer or a denial answered partially; "no response" and an
    acknowledgement leave it awaiting, or overdue after its due date.
    """
    followup = _visible_open_for_edit(followup, actor)
    if (
        document is not None
        and not Source.objects.visible_to(actor).filter(pk=document.pk).exists()
    ):
        # Not "not visible": that would tell the actor the source exists.
        raise ValidationError({"document": _("Choose a source from the list.")})
    response = FollowUpResponse(
        followup=followup, kind=kind, received=received, summary=summary, document=document
    )
    return record_save(record=response, actor=actor, reason=reason or _("Response recorded"))


@transaction.atomic
def followup_close(*, actor, followup: FollowUp, reason: str = "") -> FollowUp:
    """Close a follow-up: nothing more is expected (answered enough, or given up on).

    A closed follow-up leaves the deadlines, the reminders and the overdue lists; its
    responses stay, and statistics still count it as answered or unanswered.
    """
    followup = _visible_open_for_edit(followup, actor)
    if followup.closed_at is not None:
        raise ActionRefused(_("This follow-up is already closed."), code="state")
    followup.closed_at = timezone.now()
    return record_save(record=followup, actor=actor, reason=reason or _("Closed"))


@transaction.atomic
def followup_reopen(*, actor, followup: FollowUp, reason: str = "") -> FollowUp:
    """Reopen a closed follow-up: its status is derived again from its dates and responses."""
    followup = _visible_open_for_edit(followup, actor)
    if followup.closed_at is None:
        raise ActionRefused(_("This follow-up is not closed."), code="state")
    followup.closed_at = None
    return record_save(record=followup, actor=actor, reason=reason or _("Reopened"))


# -- helpers ---------------------------------------------------------------------------------


def _check_field_names(fields: dict) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Not an editable follow-up field: {', '.join(sorted(unknown))}")


def _m2m(**relations) -> dict:
    return {name: list(values) for name, values in relations.items() if values is not None}


def _had_default_due(previous: FollowUp) -> bool:
    """Whether the stored due date is the one the rule gives (not one set by hand)."""
    if previous.kind != FollowUpKind.UN_COMMUNICATION or previous.sent is None:
        return previous.due_on is None
    return previous.due_on in (None, FollowUp.default_due_on(previous.sent))


def _prepare(followup: FollowUp, *, actor, due_given: datetime.date | None, m2m: dict) -> None:
    """Apply the defaults and the checks that need the actor or the many-to-many values."""
    is_un = followup.kind == FollowUpKind.UN_COMMUNICATION
    if is_un and followup.communication_type_id is None and (followup.reference or "").strip():
        try:
            parsed = parse_un_reference(followup.reference)
        except ValueError:
            pass  # full_clean() reports it on the reference field
        else:
            followup.communication_type = Term.objects.filter(
                vocabulary=Vocabulary.UN_COMMUNICATION_TYPE, code=parsed.type
            ).first()
    if due_given is not None:
        followup.due_on = due_given
    elif is_un and followup.sent is not None:
        followup.due_on = FollowUp.default_due_on(followup.sent)
    else:
        followup.due_on = None
    errors: dict[str, str] = {}
    if m2m.get("mandates") and not is_un:
        errors["mandates"] = _("Only a UN communication is sent by mandates.")
    wrong = [t for t in m2m.get("mandates", []) if t.vocabulary != Vocabulary.UN_MANDATE]
    if wrong:
        errors["mandates"] = _("Choose mandates from the UN mandates vocabulary.")
    if not _all_visible(Person, m2m.get("persons", []), actor):
        errors["persons"] = _("Choose persons from the list.")
    for name, organizations in (
        ("addressee", [followup.addressee] if followup.addressee_id else []),
        ("court", [followup.court] if followup.court_id else []),
        ("other_addressees", m2m.get("other_addressees", [])),
    ):
        if not _all_visible(Organization, organizations, actor):
            errors[name] = _("Choose organisations from the list.")
    if followup.owner_id is not None and not _owner_sees_case(followup):
        errors["owner"] = _(
            "The owner must be able to see this case, or they could not follow it up."
        )
    if errors:
        raise ValidationError(errors)


def _all_visible(model, records: list, actor) -> bool:
    pks = {record.pk for record in records}
    if not pks:
        return True
    return model.objects.visible_to(actor).filter(pk__in=pks).count() == len(pks)


def _owner_sees_case(followup: FollowUp) -> bool:
    owner = followup.owner
    return Case.objects.visible_to(owner).filter(pk=followup.case_id).exists()


def _visible_open_for_edit(followup: FollowUp, actor) -> FollowUp:
    """The current row, locked, if the actor sees it and it is not archived."""
    found = FollowUp.objects.visible_to(actor).select_for_update().filter(pk=followup.pk).first()
    if found is None:
        raise NotVisible("FollowUp not found")
    if found.archived_at is not None:
        raise ActionRefused(
            _("This follow-up is archived; a coordinator can restore it."), code="archived"
        )
    return found
