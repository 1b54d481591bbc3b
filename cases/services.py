"""Workflows on cases and what they hold.

Claim status and contested figures come first; each function takes the acting user
explicitly, runs in one transaction and raises what :mod:`monitor.services` raises
(:class:`NotVisible`, :class:`ActionRefused` with a message for the user,
``ValidationError``, :class:`~monitor.models.StaleEdit`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.choices import ClaimStatus, FigureQualifier
from cases.models import Allegation, DetentionStep, Event, EventFigure
from cases.provenance import assess_independence, visible_citations
from monitor.approxdate import ApproximateDate
from monitor.history import acting_as
from monitor.services import (
    ActionRefused,
    NotVisible,
    edit_refusal,
    record_save,
    reopen_if_verified,  # the one way a change reopens a verified case
)
from sources.choices import Credibility, Stance
from sources.models import Citation, Source
from sources.services import citation_add

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


@transaction.atomic
def figure_add(
    *,
    event: Event,
    kind: str,
    value: int,
    claimed_by: str,
    source: Source,
    actor,
    qualifier: str = FigureQualifier.EXACT,
    value_max: int | None = None,
    as_of: ApproximateDate | str | None = None,
    note: str = "",
    page: str = "",
    paragraph: str = "",
    timestamp: str = "",
    quote: str = "",
    credibility: int = Credibility.CANNOT_JUDGE,
) -> EventFigure:
    """Add one party's figure for an event ("more than 40 killed, say UN experts").

    A new figure never changes another: figures for the same count stand side by side, each
    with its source. The source must be visible to the actor (else :class:`NotVisible`); it
    is also cited on the figure's value with the locator and credibility given, so the
    figure's provenance reads like any claim's.
    """
    if not Source.objects.visible_to(actor).filter(pk=source.pk).exists():
        raise NotVisible("Source not found")
    figure = EventFigure(
        event=event,
        kind=kind,
        qualifier=qualifier,
        value=value,
        value_max=value_max,
        claimed_by=claimed_by,
        source=source,
        as_of=as_of,
        note=note,
    )
    record_save(
        record=figure,
        actor=actor,
        reason=_("Figure added: %(figure)s") % {"figure": f"{figure.display_value} {kind}"},
    )
    citation_add(
        record=figure,
        source=source,
        actor=actor,
        field_name="value",
        page=page,
        paragraph=paragraph,
        timestamp=timestamp,
        quote=quote,
        credibility=credibility,
    )
    return figure
