"""Workflows on cases and what they hold.

Claim status and contested figures come first, then recording a case with its
allegations, detentions (and their steps), new persons and citations (:func:`case_record`).
Each function takes the acting user explicitly, runs in one transaction and raises what
:mod:`monitor.services` raises (:class:`NotVisible`, :class:`ActionRefused` with a message
for the user, ``ValidationError``, :class:`~monitor.models.StaleEdit`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import (
    CasePersonRole,
    ClaimStatus,
    FigureQualifier,
    PerpetratorRole,
    StepKind,
)
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    EventFigure,
    GroupDetention,
    GroupDetentionFigure,
)
from cases.models.cases import REFERENCE_PATTERN
from cases.models.figures import SourcedFigure
from cases.provenance import assess_independence, visible_citations
from monitor.approxdate import ApproximateDate
from monitor.history import acting_as
from monitor.models import StaleEdit, Term
from monitor.services import (
    ActionRefused,
    NotVisible,
    PartError,
    PartErrors,
    edit_refusal,
    is_visible,
    record_save,
    reopen_if_verified,  # the one way a change reopens a verified case
)
from monitor.write_batch import atomic_service
from monitor.write_batch import current as current_batch
from monitor.write_batch import savepoint as write_batch_savepoint
from people.models import Organization, Person
from people.services import TypedPersons
from sources.choices import Credibility, Stance
from sources.models import Citation, Source
from sources.services import (
    CitationInput,
    NewSource,
    citation_add,
    citation_add_from,
    source_create_quick,
)

# -- claim status ------------------------------------------------------------------------------
#
# A claim — an allegation, or a detention fact (one dated step: the arrest, the sentence) —
# starts *alleged*. The rules, checked here and nowhere else:
#
# * corroborated: at least two independent sources support it (see cases.provenance for
#   what makes two sources dependent); the refusal names the problem.
# * verified: a reviewer's decision on top of corroboration. The actor needs the reviewer's
#   permission (monitor.verify_record), the claim must already be corroborated and still have
#   two independent sources, and four eyes apply: nobody who recorded, edited or sourced the
#   claim verifies it. It does not reopen a verified case (it judges the claim, it does not
#   change it); every other status change does, like any edit.
# * disputed: a source on each side, one supporting and one contesting. Nothing is removed:
#   both sides' citations stay, and provenance lists them apart.
# * refuted: at least one contesting source.
# * alleged: always possible (back to the start).
#
# Only sources the actor can see count: a user vouches for what they can read.

#: The records that carry a claim status.
CLAIM_MODELS = (Allegation, DetentionStep)


def _locked_claim(claim, actor):
    model = type(claim)
    found = (
        model._default_manager.all()
        .visible_to(actor)
        .select_for_update()
        .filter(pk=claim.pk)
        .first()
    )
    if found is None:
        raise NotVisible(f"{model.__name__} not found")
    return found


def _cited_sources(claim, actor) -> tuple[list[Source], list[Source]]:
    """The sources the actor can see that support, and that contest, ``claim``."""
    supporting: list[Source] = []
    contesting: list[Source] = []
    for citation in visible_citations([claim], actor):
        (contesting if citation.stance == Stance.CONTESTS else supporting).append(citation.source)
    return supporting, contesting


def _claim_contributors(claim) -> set:
    """Everyone who recorded or edited the claim, or cited a source on it."""
    from django.contrib.contenttypes.models import ContentType

    users = set(claim.history.exclude(history_user=None).values_list("history_user_id", flat=True))
    citations = Citation.history.filter(
        content_type=ContentType.objects.get_for_model(type(claim)), object_id=claim.pk
    ).exclude(history_user=None)
    users.update(citations.values_list("history_user_id", flat=True))
    if claim.created_by_id:
        users.add(claim.created_by_id)
    return users


def claim_status_refusal(*, claim, status: str, actor) -> str | None:
    """Why ``claim`` may not be given ``status`` by ``actor`` (None: it may).

    Assumes the claim is visible to the actor. Pages can call it to explain a choice before
    the user makes it.
    """
    refusal = _refusal(claim, status, actor)
    return refusal[0] if refusal else None


def _refusal(claim, status: str, actor) -> tuple[str, str] | None:
    """The refusal message and its code, or None."""
    if status == ClaimStatus.VERIFIED:
        if not actor.has_perm("monitor.verify_record"):
            return _(
                "Verified is a reviewer's decision: only a reviewer can mark a claim verified."
            ), "permission"
        if claim.archived_at is not None:
            return _("This record is archived; a coordinator can restore it."), "permission"
        if claim.claim_status != ClaimStatus.CORROBORATED:
            return _(
                "Only a corroborated claim can be verified; this one is %(status)s. Cite two "
                "independent sources and mark it corroborated first."
            ) % {"status": claim.get_claim_status_display()}, "status_rule"
    else:
        refusal = edit_refusal(record=claim, actor=actor)
        if refusal:
            return refusal, "permission"
    supporting, contesting = _cited_sources(claim, actor)
    if status in (ClaimStatus.CORROBORATED, ClaimStatus.VERIFIED):
        independence = assess_independence(supporting, actor)
        if not independence.corroborated:
            return independence.explain(), "not_independent"
    if status == ClaimStatus.VERIFIED and actor.pk in _claim_contributors(claim):
        return _(
            "You recorded, edited or sourced this claim, so you cannot verify it: another "
            "reviewer must."
        ), "four_eyes"
    if status == ClaimStatus.DISPUTED and not (supporting and contesting):
        missing, stance = (
            (_("a supporting source"), Stance.SUPPORTS.label)
            if not supporting
            else (_("a contesting source"), Stance.CONTESTS.label)
        )
        return _(
            "A disputed claim keeps both sides: cite %(missing)s (a citation whose stance is "
            "“%(stance)s”) before marking it disputed."
        ) % {"missing": missing, "stance": stance}, "status_rule"
    if status == ClaimStatus.REFUTED and not contesting:
        return _(
            "Cite the source that refutes this claim (a citation whose stance is “contests”) "
            "before marking it refuted."
        ), "status_rule"
    return None


@transaction.atomic
def claim_set_status(
    *,
    claim: Allegation | DetentionStep,
    status: str,
    actor,
    comment: str = "",
    expected_version: int | None = None,
) -> Allegation | DetentionStep:
    """Set the claim status of an allegation or a detention step, if the rules allow it.

    Raises:
        NotVisible: the actor may not see the claim.
        ActionRefused: the rules refuse it; the message says why (codes ``permission``,
            ``state``, ``not_independent``, ``four_eyes``, ``status_rule``).
        StaleEdit: ``expected_version`` is not the claim's current version.
    """
    if not isinstance(claim, CLAIM_MODELS):
        raise TypeError(f"{type(claim).__name__} has no claim status.")
    if status not in ClaimStatus.values:
        raise ValidationError({"claim_status": _("Unknown claim status.")}, code="invalid")
    claim = _locked_claim(claim, actor)
    if claim.claim_status == status:
        raise ActionRefused(
            _("This claim is already %(status)s.") % {"status": claim.get_claim_status_display()},
            code="state",
        )
    refusal = _refusal(claim, status, actor)
    if refusal:
        raise ActionRefused(refusal[0], code=refusal[1])
    if expected_version is not None:
        claim.version = expected_version  # the save's version check compares against it
    claim.claim_status = status
    claim.full_clean()
    label = ClaimStatus(status).label
    reason = f"{_('Claim status')}: {label}" + (f" — {comment}" if comment else "")
    with acting_as(actor, reason=reason):
        claim.save(update_fields=["claim_status"])
        if status != ClaimStatus.VERIFIED:
            reopen_if_verified(claim.review_root(), actor)
    return claim


# -- contested figures ---------------------------------------------------------------------------


#: The records that have sourced figures: their figure model and the figure's link to them.
FIGURE_PARENTS: dict[type, tuple[type[SourcedFigure], str]] = {
    Event: (EventFigure, "event"),
    GroupDetention: (GroupDetentionFigure, "group"),
}


@atomic_service
def figure_add(
    *,
    parent: Event | GroupDetention,
    value: int,
    claimed_by: str,
    source: Source,
    actor,
    kind: str | None = None,
    qualifier: str = FigureQualifier.EXACT,
    value_max: int | None = None,
    as_of: ApproximateDate | str | None = None,
    note: str = "",
    page: str = "",
    paragraph: str = "",
    timestamp: str = "",
    quote: str = "",
    credibility: int = Credibility.CANNOT_JUDGE,
) -> SourcedFigure:
    """Add one party's figure for an event ("more than 40 killed, say UN experts") or a group
    detention ("25 detained, say monitors"; "10 fined, says the court").

    A new figure never changes another: figures for the same count stand side by side, each
    with its source. The source must be visible to the actor (else :class:`NotVisible`); it
    is also cited on the figure's value with the locator and credibility given, so the
    figure's provenance reads like any claim's. ``kind`` is what is counted (a group
    detention's figure counts the people detained unless told otherwise).
    """
    model, link = FIGURE_PARENTS[type(parent)]
    figure = model(
        **{link: parent},
        qualifier=qualifier,
        value=value,
        value_max=value_max,
        claimed_by=claimed_by,
        source=source,
        as_of=as_of,
        note=note,
    )
    if kind is not None:
        figure.kind = kind
    if not Source.objects.visible_to(actor).filter(pk=figure.source_id).exists():
        raise NotVisible("Source not found")
    record_save(
        record=figure,
        actor=actor,
        reason=_("Figure added: %(figure)s") % {"figure": f"{figure.display_value} {figure.kind}"},
    )
    citation = {"page": page, "paragraph": paragraph, "timestamp": timestamp, "quote": quote}
    citation_add(
        record=figure,
        source=figure.source,
        actor=actor,
        field_name="value",
        credibility=credibility,
        **citation,
    )
    return figure


def figure_edit(
    *,
    figure: SourcedFigure,
    actor,
    changes: dict,
    reason: str = "",
    expected_version: int | None = None,
) -> SourcedFigure:
    """Correct a figure: its value, range, qualifier, who gives it, as of when, the note.

    Its source stays: the figure is cited on it, and a figure from another source is another
    figure (add it; archive this one if it was a mistake). Nothing is overwritten silently:
    the change is kept in the figure's history, with ``reason``; a form that read the figure
    at an older version than ``expected_version`` is refused (:class:`StaleEdit`).
    """
    for name, value in changes.items():
        setattr(figure, name, value)
    return record_save(
        record=figure,
        actor=actor,
        reason=reason or _("Figure corrected"),
        expected_version=expected_version,
    )


# -- case references --------------------------------------------------------------------------
#
# ``TJK-2023-0007``: the prefix (settings.CASE_REFERENCE_PREFIX), the year the case was
# opened, its number in that year. A blank reference is numbered here; a given one must have
# the form and a plausible year (a case is not opened in the future, nor before records of
# this kind were kept).

#: The earliest year a case reference may carry.
FIRST_REFERENCE_YEAR = 1900
#: How many times a numbered case is saved again when another took its number meanwhile.
NUMBERING_ATTEMPTS = 5


def case_reference_next(today=None) -> str:
    """The next free reference of the year: ``TJK-2025-0012``.

    Counted over every case, seen or not: references are unique across the database. (The
    number says how many cases the year has, which a reference does by design.) Two saves at
    the same moment may both be given it: :func:`case_record` saves again with the next one.
    """
    prefix = settings.CASE_REFERENCE_PREFIX.upper()
    year = (today or timezone.localdate()).year
    stem = f"{prefix}-{year}-"
    pattern = re.compile(rf"^{re.escape(stem)}(\d{{4}})$")
    taken = Case._base_manager.filter(reference__startswith=stem).values_list(
        "reference", flat=True
    )
    numbers = [int(m.group(1)) for ref in taken if (m := pattern.match(ref))]
    return f"{stem}{max(numbers, default=0) + 1:04d}"


def case_reference_normalize(reference: str) -> str:
    return (reference or "").strip().upper()


def case_reference_check(reference: str, today=None) -> None:
    """Refuse a given reference that is not of the form ``TJK-2023-0007`` or whose year is
    in the future or before 1900 (``ValidationError`` on ``reference``)."""
    example = f"{settings.CASE_REFERENCE_PREFIX.upper()}-2023-0007"
    if not REFERENCE_PATTERN.match(reference or ""):
        raise ValidationError(
            {"reference": _("Use the form %(example)s.") % {"example": example}},
            code="invalid",
        )
    year = int(reference.split("-")[1])
    this_year = (today or timezone.localdate()).year
    if not FIRST_REFERENCE_YEAR <= year <= this_year:
        raise ValidationError(
            {
                "reference": _(
                    "%(year)s is not a year a case can have been opened in: use a year from "
                    "%(first)s to %(last)s, or leave the reference empty for the next free one."
                )
                % {"year": year, "first": FIRST_REFERENCE_YEAR, "last": this_year}
            },
            code="reference_year",
        )


# -- what a submission records: typed inputs -------------------------------------------------
#
# Pages, the API and the admin translate what they receive into these and call the services
# below; they decide nothing. A record in an input is an unsaved new one, or a stored one
# with the submitted changes applied; ``changed`` says whether it needs saving at all (a row
# may come only to cite one more source), ``expected_version`` is the version it was read at.


@dataclass
class StepInput:
    """One dated step of a detention (new or changed), with its articles and a citation."""

    step: DetentionStep
    articles: list | None = None  # None: leave the articles as they are
    administrative_articles: list | None = None  # likewise
    citation: CitationInput | None = None
    expected_version: int | None = None
    changed: bool = True


@dataclass
class AllegationInput:
    """An allegation of a case, its victim possibly a new person typed by name."""

    allegation: Allegation
    new_victim: str = ""  # a new person's name, instead of ``allegation.victim``
    perpetrator: Organization | None = None
    perpetrator_role: str = PerpetratorRole.DIRECT
    citation: CitationInput | None = None
    expected_version: int | None = None
    changed: bool = True


@dataclass
class DetentionInput:
    """A detention, its person possibly a new person typed by name, with its arrest (a new
    detention recorded in one go) or its steps."""

    detention: Detention
    new_person: str = ""  # a new person's name, instead of ``detention.person``
    arrested_on: ApproximateDate | None = None
    held_at: Term | None = None
    citation: CitationInput | None = None  # for the detention, and its arrest
    steps: list[StepInput] | None = None
    expected_version: int | None = None
    changed: bool = True


@contextmanager
def _tagged(where: str):
    """Raise a refusal about one part of an item (its citation, its new person) as such."""
    try:
        yield
    except StaleEdit:
        raise
    except PartError:
        raise
    except ValidationError as error:
        raise PartError(error, where=where) from error


def _savepoint(actor, *, alone: bool = False):
    """A savepoint for one item of several, so a refused item is undone and the others are
    still tried. The only item (``alone``) inside the actor's write batch needs none: its
    refusal ends the call, and the batch's caller undoes its own savepoint (a row's)."""
    if alone and current_batch(actor) is not None:
        return transaction.atomic(savepoint=False)
    return write_batch_savepoint(actor)


# -- persons of a case -------------------------------------------------------------------------


def case_person_link(
    *, case: Case, person: Person | None, actor, reason: str = "", role=CasePersonRole.VICTIM
) -> CasePerson | None:
    """Link ``person`` to ``case`` with ``role`` (a victim, by default), once.

    The victim of an allegation and the detained person are persons of their case: every
    surface that records one links them through here. A person the actor may not see (kept
    unnamed on an existing row) is left as it is.
    """
    if person is None or not is_visible(person, actor):
        return None
    batch = current_batch(actor)
    made = None if batch is None else batch.created_children(CasePerson, "case", case)
    if made is None:
        linked = CasePerson._base_manager.filter(
            case=case, person=person, role=role, archived_at__isnull=True
        ).first()
    else:  # a case this import's chunk created: its links are those the chunk made
        linked = next(
            (
                link
                for link in made
                if link.person_id == person.pk and link.role == role and link.archived_at is None
            ),
            None,
        )
    if linked is not None:
        return linked
    return record_save(
        record=CasePerson(case=case, person=person, role=role), actor=actor, reason=reason
    )


def _new_person(typed: str, persons: TypedPersons | None, *, case: Case, actor, reason):
    if persons is None:
        persons = TypedPersons(
            actor=actor, team=case.team, confidentiality=case.confidentiality, reason=reason
        )
    with _tagged("new_person"):
        return persons.get(typed)


# -- allegations ---------------------------------------------------------------------------


@atomic_service
def allegation_record(
    *,
    actor,
    item: AllegationInput,
    reason: str = "",
    persons: TypedPersons | None = None,
    new_source: Source | None = None,
) -> Allegation:
    """Record an allegation (new or changed) with what comes with it.

    A victim typed by name becomes a new person (seen like the case); an organisation named
    as perpetrator is added with its role; the citation asked for is added; the victim is
    linked to the case as a victim. Refusals about the citation or the new person are raised
    as :class:`PartError` with ``where`` saying which.
    """
    allegation = item.allegation
    case = allegation.case
    if item.new_victim:
        allegation.victim = _new_person(
            item.new_victim, persons, case=case, actor=actor, reason=reason
        )
    if item.changed or allegation._state.adding:
        record_save(
            record=allegation,
            actor=actor,
            reason=reason,
            expected_version=item.expected_version,
        )
    if item.perpetrator is not None:
        with _tagged("perpetrator"):
            perpetrator_name(
                allegation=allegation,
                organization=item.perpetrator,
                role=item.perpetrator_role,
                actor=actor,
                reason=reason,
            )
    with _tagged("citation"):
        citation_add_from(
            record=allegation, citation=item.citation, actor=actor, new_source=new_source
        )
    case_person_link(case=case, person=allegation.victim, actor=actor, reason=reason)
    return allegation


def perpetrator_name(
    *, allegation: Allegation, organization, role: str, actor, reason: str = ""
) -> AllegationPerpetrator:
    """Name ``organization`` as a perpetrator of ``allegation``, once: named again (the edit
    form shows the saved one, and saving it again is no new claim) it keeps its one row,
    with the role now given."""
    row = AllegationPerpetrator(allegation=allegation, organization=organization, role=role)
    existing = row.same_perpetrator().first()
    if existing is not None:
        if existing.role == role:
            return existing
        existing.role = role
        row = existing
    return record_save(record=row, actor=actor, reason=reason)


# -- detentions and their steps ------------------------------------------------------------


@atomic_service
def detention_record(
    *,
    actor,
    item: DetentionInput,
    reason: str = "",
    persons: TypedPersons | None = None,
    new_source: Source | None = None,
) -> Detention:
    """Record a detention (new or changed) with its arrest or its steps.

    A person typed by name becomes a new person (seen like the case); the arrest date of a
    new detention becomes its arrest step (held at the facility given), cited like the
    detention; steps go through :func:`detention_steps_record` and its order rules; the
    detained person is linked to the case as a victim.
    """
    detention = item.detention
    case = detention.case
    adding = detention._state.adding
    group_before = (
        None
        if adding
        else Detention._base_manager.filter(pk=detention.pk).values_list("group", flat=True)[0]
    )
    if item.new_person:
        detention.person = _new_person(
            item.new_person, persons, case=case, actor=actor, reason=reason
        )
    if item.changed or adding:
        record_save(
            record=detention,
            actor=actor,
            reason=reason,
            expected_version=item.expected_version,
        )
    with _tagged("citation"):
        citation_add_from(
            record=detention, citation=item.citation, actor=actor, new_source=new_source
        )
    if adding and item.arrested_on is not None:
        arrest = StepInput(
            step=DetentionStep(
                detention=detention,
                kind=StepKind.ARRESTED,
                date=item.arrested_on,
                facility=item.held_at,
            ),
            citation=item.citation,
        )
        try:
            detention_steps_record(
                actor=actor, detention=detention, steps=[arrest], reason=reason,
                new_source=new_source,
            )  # fmt: skip
        except PartErrors as errors:
            first = errors.parts[0]
            raise PartError(first.error, where="arrest") from errors
    if item.steps:
        detention_steps_record(
            actor=actor, detention=detention, steps=item.steps, reason=reason,
            new_source=new_source,
        )  # fmt: skip
    case_person_link(case=case, person=detention.person, actor=actor, reason=reason)
    if detention.group_id != group_before:
        _group_recount(detention, group_before, actor=actor)
    return detention


def _group_recount(detention: Detention, group_before, *, actor) -> None:
    """A named detainee attached to (or taken from) a group changes how many of it are still
    unidentified: each group concerned gets a history row saying so."""
    for group_id, attached in ((detention.group_id, True), (group_before, False)):
        if group_id is None:
            continue
        group = GroupDetention._base_manager.get(pk=group_id)
        message = (
            _("Named detainee attached: %(named)s named, %(unidentified)s unidentified.")
            if attached
            else _("Named detainee detached: %(named)s named, %(unidentified)s unidentified.")
        )
        record_save(
            record=group,
            actor=actor,
            reason=message % {"named": group.named(), "unidentified": group.unidentified()},
        )


@atomic_service
def detention_steps_record(
    *,
    actor,
    detention: Detention,
    steps: Sequence[StepInput],
    reason: str = "",
    new_source: Source | None = None,
) -> list[DetentionStep]:
    """Add or change steps of ``detention``, then hold its order rules.

    The rule, checked here for every surface and from both sides: no step is dated before
    the (first) arrest. Adding a charge dated before the arrest is refused on the charge;
    adding or moving an arrest after a step already recorded is refused on the arrest.
    Every item is tried, so each refusal comes back at once, by position
    (:class:`PartErrors` with ``part="steps"``); then nothing is kept.
    """
    errors: list[PartError] = []
    # The arrest first: the steps of the same submission are read against it.
    order = sorted(range(len(steps)), key=lambda i: steps[i].step.kind != StepKind.ARRESTED)
    saved: dict = {}
    for index in order:
        item = steps[index]
        step = item.step
        step.detention = detention
        try:
            with _savepoint(actor, alone=len(steps) == 1):
                if item.changed or step._state.adding:
                    record_save(
                        record=step,
                        actor=actor,
                        reason=reason,
                        expected_version=item.expected_version,
                        m2m=_step_m2m(item),
                    )
                with _tagged("citation"):
                    citation_add_from(
                        record=step, citation=item.citation, actor=actor, new_source=new_source
                    )
        except StaleEdit:
            raise
        except PartError as error:
            errors.append(PartError(error.error, part="steps", index=index, where=error.where))
            continue
        except ValidationError as error:
            errors.append(PartError(error, part="steps", index=index))
            continue
        saved[step.pk] = index
    if saved:  # with none saved, no step of the submission can break the order
        errors += _step_order_errors(detention, saved, actor)
    if errors:
        raise PartErrors(sorted(errors, key=lambda error: error.index))
    return [item.step for item in steps]


def _step_m2m(item: StepInput) -> dict | None:
    """The step's links to change: those given (None: none)."""
    m2m = {
        name: list(values)
        for name, values in (
            ("articles", item.articles),
            ("administrative_articles", item.administrative_articles),
        )
        if values is not None
    }
    return m2m or None


def _step_order_errors(detention: Detention, submitted: dict, actor) -> list[PartError]:
    """Steps dated before the first arrest, as refusals of the submitted items.

    ``submitted`` maps the ids of the steps just saved to their positions. A step of the
    submission dated too early is refused itself; a step recorded earlier is refused through
    the submitted arrest that now comes after it.
    """
    batch = current_batch(actor)
    made = None if batch is None else batch.created_children(DetentionStep, "detention", detention)
    if made is None:
        steps = list(
            DetentionStep._base_manager.filter(detention=detention, archived_at__isnull=True)
        )
    else:
        # A detention this import's chunk created: its steps are those the chunk saved. The
        # dated ones (the only ones read below) in the model's order, as the query gives them.
        steps = sorted(
            (step for step in made if step.archived_at is None and step.date),
            key=lambda step: (step.date.start, step.date_precision, step.created_at),
        )
    arrests = [step for step in steps if step.kind == StepKind.ARRESTED and step.date]
    if not arrests:
        return []
    first = min(arrests, key=lambda step: step.date.start)
    early = [
        step
        for step in steps
        if step.kind != StepKind.ARRESTED and step.date and step.date.end < first.date.start
    ]
    errors: list[PartError] = []
    stored_early = []
    for step in early:
        if step.pk in submitted:
            message = _("This step (%(date)s) is dated before the arrest (%(arrest)s).") % {
                "date": step.date,
                "arrest": first.date,
            }
            error = ValidationError({"date": message}, code="before_arrest")
            errors.append(PartError(error, part="steps", index=submitted[step.pk]))
        else:
            stored_early.append(step)
    if stored_early and first.pk in submitted:
        listed = "; ".join(f"{step.get_kind_display()} ({step.date})" for step in stored_early)
        message = _(
            "The arrest (%(arrest)s) cannot come after steps already recorded for this "
            "detention: %(steps)s. Correct their dates first, or date the arrest earlier."
        ) % {"arrest": first.date, "steps": listed}
        error = ValidationError({"date": message}, code="arrest_after_step")
        errors.append(PartError(error, part="steps", index=submitted[first.pk]))
    return errors


# -- a case with what it holds, in one go -------------------------------------------------


@atomic_service
def case_record(
    *,
    actor,
    case: Case,
    m2m: dict | None = None,
    expected_version: int | None = None,
    changed: bool = True,
    allegations: Sequence[AllegationInput] = (),
    detentions: Sequence[DetentionInput] = (),
    new_source: NewSource | None = None,
    reason: str = "",
) -> Case:
    """Record a case (new or changed) with its allegations, detentions, the new persons they
    name, a new source and the citations of it, in one transaction.

    * A blank reference of a new case is numbered (:func:`case_reference_next`), saving
      again with the next number if another case took it at the same moment; a reference
      given is checked (:func:`case_reference_check`).
    * A new source described in the submission is recorded in the case's team and at its
      level; rows cite it with ``CitationInput(source=None)``.
    * New persons are created once per typed name (:class:`people.services.TypedPersons`),
      seen like the case; victims and detained persons are linked to the case.

    Raises:
        PartError: a refusal about one part (``part`` is "new_source", "allegations" or
            "detentions", ``index`` its position, ``where`` what of it).
        ValidationError: the case itself is refused (its fields, the reference).
        NotVisible, ActionRefused, StaleEdit: as :func:`monitor.services.record_save`.
    """
    adding = case._state.adding
    reason_for_case = reason or (_("Case opened") if adding else "")
    if changed or adding:
        case = _save_case(
            case=case,
            actor=actor,
            reason=reason_for_case,
            expected_version=expected_version,
            m2m=m2m,
        )
    source = None
    if new_source is not None:
        try:
            source = source_create_quick(
                actor=actor,
                source=new_source,
                team=case.team,
                confidentiality=case.confidentiality,
            )
        except StaleEdit:
            raise
        except ValidationError as error:
            raise PartError(error, part="new_source") from error
    persons = TypedPersons(
        actor=actor, team=case.team, confidentiality=case.confidentiality, reason=reason
    )
    for part, items, service in (
        ("allegations", allegations, allegation_record),
        ("detentions", detentions, detention_record),
    ):
        for index, item in enumerate(items):
            getattr(item, part[:-1]).case = case
            try:
                service(actor=actor, item=item, reason=reason, persons=persons, new_source=source)
            except StaleEdit:
                raise
            except PartErrors:
                raise
            except PartError as error:
                raise PartError(error.error, part=part, index=index, where=error.where) from error
            except ValidationError as error:
                raise PartError(error, part=part, index=index) from error
            except NotVisible as error:
                refusal = ValidationError(_("Choose a record from the list."), code="not_visible")
                raise PartError(refusal, part=part, index=index) from error
    return case


def _save_case(*, case: Case, actor, reason: str, expected_version, m2m) -> Case:
    """Save the case; number a new one left without a reference, race-safe."""
    adding = case._state.adding
    given = case_reference_normalize(case.reference)
    stored = None if adding else Case._base_manager.filter(pk=case.pk).first()
    if given and (stored is None or stored.reference != given):
        case_reference_check(given)
    case.reference = given
    if not (adding and not given):
        return record_save(
            record=case, actor=actor, reason=reason, expected_version=expected_version, m2m=m2m
        )
    for attempt in range(1, NUMBERING_ATTEMPTS + 1):
        case.reference = case_reference_next()
        try:
            # A savepoint: a number taken meanwhile undoes this try only.
            with write_batch_savepoint(actor):
                return record_save(record=case, actor=actor, reason=reason, m2m=m2m)
        except (IntegrityError, ValidationError) as error:
            taken = Case._base_manager.filter(reference=case.reference).exists()
            unique = isinstance(error, IntegrityError) or "reference" in getattr(
                error, "error_dict", {}
            )
            if not (taken and unique) or attempt == NUMBERING_ATTEMPTS:
                raise
            case.reference = ""
    raise AssertionError("unreachable")  # pragma: no cover
