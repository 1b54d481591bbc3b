"""Workflows on audited records: save, submit, verify, return, archive, restore.

Pages, the API, admin actions and commands all call these functions; none of them checks
rules on its own. Each takes the acting user explicitly, runs in one transaction, records
history with that user and a reason, and raises:

* :class:`NotVisible` (a 404 on every surface) when the actor may not see the record,
* :class:`ActionRefused` (with a message for the user) when they see it but may not act,
* ``ValidationError`` / :class:`~monitor.models.StaleEdit` for bad or stale input.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitor.access import has_role
from monitor.choices import ReviewState, Role
from monitor.history import acting_as, one_version
from monitor.models import AuditedModel, DecisionAction, Reviewable, ReviewDecision
from monitor.notifications import notice_after_commit
from monitor.redaction import text_scrubber
from monitor.write_batch import atomic as write_batch_atomic
from monitor.write_batch import current as current_batch


class NotVisible(ObjectDoesNotExist):
    """The actor may not see the record: surfaces answer 404, never 403."""


class ActionRefused(Exception):
    """The actor sees the record but may not do this; the message says why."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code


class PartError(ValidationError):
    """A refusal about one part of a composite input (the 2nd name, the 1st allegation).

    ``part`` names the list ("names", "allegations"), ``index`` the position in it (None for
    a single part such as "case"), ``where`` what of that item was refused ("" for the item
    itself, or "citation", "arrest", "new_person"…). Surfaces put the error where the user
    sees it: next to the row's field on a page, under ``{part: {index: …}}`` in the API.
    """

    def __init__(self, error: ValidationError, *, part: str = "", index: int | None = None,
                 where: str = ""):  # fmt: skip
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.error = error
        self.part = part
        self.index = index
        self.where = where


class PartErrors(ValidationError):
    """Several parts refused at once (every step of a submission that breaks a rule)."""

    def __init__(self, parts: list[PartError]):
        super().__init__([part.error for part in parts])
        self.parts = parts


# -- checks ------------------------------------------------------------------------------


def is_visible(record: AuditedModel, user) -> bool:
    batch = current_batch(user)
    if batch is not None and batch.knows_visible(record):
        return True
    manager = type(record)._default_manager
    visible = manager.all().visible_to(user).filter(pk=record.pk).exists()
    if visible and batch is not None:
        batch.seen_visible(record)
    return visible


def require_visible(record: AuditedModel, user) -> None:
    if not is_visible(record, user):
        raise NotVisible(f"{type(record).__name__} not found")


def edit_refusal(*, record: AuditedModel, actor) -> str | None:
    """Why ``actor`` may not edit ``record`` (None: they may). Assumes it is visible."""
    meta = record._meta
    action = "add" if record._state.adding else "change"
    if not has_role(actor) or not actor.has_perm(f"{meta.app_label}.{action}_{meta.model_name}"):
        return _("Your role does not allow editing this record.")
    if record.archived_at is not None:
        return _("This record is archived; a coordinator can restore it.")
    if actor.is_superuser or actor.has_role(Role.REVIEWER, Role.COORDINATOR):
        return None
    # A monitor edits their teams' work, or what they created themselves outside any team.
    root = record.review_root()
    owner = root if root is not None else record
    team_id = getattr(owner, "team_id", None)
    if team_id is not None:
        batch = current_batch(actor)
        if batch.in_team(team_id) if batch else actor.teams.filter(pk=team_id).exists():
            return None
        return _("Only members of this record's team may edit it.")
    if owner._state.adding or owner.created_by_id in (None, actor.pk):
        return None
    return _("Only the record's author, its team or a reviewer may edit it.")


def _decide(record: Reviewable, actor, action: DecisionAction, comment: str = ""):
    decision = ReviewDecision(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        action=action,
        actor=actor,
        comment=comment,
        version=record.version,
    )
    decision.full_clean()
    decision.save()
    return decision


def last_verified_at(record: Reviewable):
    decision = (
        ReviewDecision.objects.for_record(record)
        .filter(action=DecisionAction.VERIFIED)
        .order_by("-at")
        .first()
    )
    return decision.at if decision else None


def contributors_since_verification(record: Reviewable) -> set:
    """Everyone who submitted or edited the record (or its parts) since it was last verified."""
    since = last_verified_at(record)
    decisions = ReviewDecision.objects.for_record(record).exclude(actor=None)
    if since is not None:
        decisions = decisions.filter(at__gt=since)
    # Returning, archiving and restoring save the record too, but they judge the work rather
    # than change it: the history row each one wrote (its actor, its version) is no edit.
    not_edits = set(
        decisions.filter(
            action__in=[DecisionAction.RETURNED, DecisionAction.ARCHIVED, DecisionAction.RESTORED]
        ).values_list("actor_id", "version")
    )
    users: set = set()
    for index, history in enumerate(record.review_history()):  # [0]: the record's own
        rows = history if since is None else history.filter(history_date__gt=since)
        rows = rows.exclude(history_user=None).values_list("history_user_id", "version")
        users.update(user for user, version in rows if index or (user, version) not in not_edits)
    submitted = decisions.filter(action=DecisionAction.SUBMITTED)
    users.update(submitted.values_list("actor_id", flat=True))
    return users


# -- saving --------------------------------------------------------------------------------

#: Fields only their own services change (review, archive, claim status with its evidence rules).
WORKFLOW_FIELDS = frozenset(
    {"review_state", "queued_at", "queued_by", "archived_at", "archived_by", "claim_status"}
)
#: What a change of review state writes (``Reviewable.set_review_state``).
REVIEW_STATE_FIELDS = ["review_state", "queued_at", "queued_by"]


def record_save(
    *,
    record: AuditedModel,
    actor,
    reason: str = "",
    expected_version: int | None = None,
    m2m: dict | None = None,
) -> AuditedModel:
    """Create or update a record as ``actor``.

    Checks visibility and the right to edit, validates, refuses a stale ``expected_version``,
    and sends a verified record (or the verified record this one belongs to) back to review.
    Inside :func:`monitor.write_batch.write_batch` the same checks run, each once per
    distinct value, and the last one at the end of the batch.
    """
    batch = current_batch(actor)
    # In a batch the caller's savepoint (a row's) is the unit undone on a refusal.
    with write_batch_atomic(actor):
        return _record_save(record, actor, reason, expected_version, m2m, batch)


def _record_save(record, actor, reason, expected_version, m2m, batch) -> AuditedModel:
    root = record.review_root()
    if not record._state.adding:
        require_visible(record, actor)
    elif root is not None and not root._state.adding:
        require_visible(root, actor)
    stored = None if record._state.adding else type(record)._base_manager.get(pk=record.pk)
    # The right to edit comes from the record as stored, or a monitor could move another
    # team's case into their own team and edit it; a child moved to another parent needs the
    # right to edit both.
    refusal = edit_refusal(record=record if stored is None else stored, actor=actor)
    if refusal is None and stored is not None and root is not record:
        refusal = edit_refusal(record=record, actor=actor)
    if refusal:
        raise ActionRefused(refusal, code="permission")
    # Review state and archiving change only through their own services, never in a save.
    for field in record._meta.concrete_fields:
        if field.name in WORKFLOW_FIELDS:
            value = field.get_default() if stored is None else getattr(stored, field.attname)
            setattr(record, field.attname, value)
    if stored is not None:
        _keep_withheld_names(record, stored, actor)
    if expected_version is not None and not record._state.adding:
        record.version = expected_version  # the save's version check compares against this
    if record._state.adding and record.created_by_id is None:
        record.created_by = actor
    if batch is None:
        record.full_clean()
    else:
        batch.full_clean(record)
    # Editing a verified record sends it back to review in the same version (one save, one
    # history row); editing a part of one sends its root back.
    reopens = root is record and stored is not None and stored.review_state == ReviewState.VERIFIED
    # Reference data starts in the queue (``ReferenceData``): a new one is submitted by its
    # author, with the decision that names them, as a submission would.
    submits = stored is None and getattr(record, "review_state", None) == ReviewState.SUBMITTED
    if reopens or submits:
        record.set_review_state(ReviewState.SUBMITTED, actor)
    with acting_as(actor, reason=reason or None):
        with one_version(record):
            record.save()
            for name, values in (m2m or {}).items():
                if stored is None:  # a new record has no links to compare with: add them
                    _add_to_new(getattr(record, name), values)
                else:
                    getattr(record, name).set(values)
        if reopens:
            _decide(record, actor, DecisionAction.REOPENED, _("Edited after verification."))
        elif submits:
            notice_after_commit(
                _decide(record, actor, DecisionAction.SUBMITTED, _("Added; waiting for review."))
            )
        elif (
            root is not None
            and root is not record  # the record's own state was read above (``reopens``)
            and not root._state.adding
            and (batch is None or not batch.created_here(root))
        ):
            reopen_if_verified(root, actor)
    # Fail closed: an edit that leaves the record invisible to its own editor is undone.
    if batch is not None:
        batch.saved(record, adding=stored is None)
    elif not is_visible(record, actor):
        raise ActionRefused(
            _("After this change you could no longer see the record; nothing was saved."),
            code="would_hide",
        )
    return record


def _add_to_new(manager, values) -> None:
    """``manager.add(*values)`` for a record inserted just now, without its first query:
    ``add`` reads which of the links already exist, and a new record has none. The rest is
    ``add`` itself (its checks, its m2m_changed signals and their history, one insert).
    Should Django stop asking ``_get_missing_target_ids``, this only reads again."""
    manager._get_missing_target_ids = lambda _source, _target, _db, target_ids: set(target_ids)
    manager.add(*values)


def _keep_withheld_names(record, stored, actor) -> None:
    """A text naming a protected person reached ``actor`` with the name withheld
    (``monitor.redaction``): sent back unchanged it keeps the stored text; changed, it is
    refused, or the name would be lost (or guessed back by trial and error)."""
    scrub = None
    refused = {}
    for field in record._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or field.choices:
            continue
        old, new = getattr(stored, field.attname), getattr(record, field.attname)
        if not old or new == old:
            continue
        scrub = scrub if scrub is not None else text_scrubber(actor)
        if not scrub.hides_in(old):
            continue
        if new == scrub(old):
            setattr(record, field.attname, old)
        else:
            refused[field.name] = _(
                "This text names a person whose identity you may not see, so you cannot "
                "change it. Ask a member of their team or a coordinator cleared for it."
            )
    if refused:
        raise ValidationError(refused)


def reopen_if_verified(root: Reviewable, actor) -> None:
    """Send a verified record back to review after a change to it or to one of its parts."""
    current = type(root)._base_manager.get(pk=root.pk)
    if current.review_state != ReviewState.VERIFIED:
        return
    current.set_review_state(ReviewState.SUBMITTED, actor)
    current.save(update_fields=REVIEW_STATE_FIELDS)
    _decide(current, actor, DecisionAction.REOPENED, _("Edited after verification."))
    if root is not current:
        root.review_state, root.version = current.review_state, current.version


# -- review --------------------------------------------------------------------------------


@transaction.atomic
def review_submit(*, record: Reviewable, actor, comment: str = "") -> ReviewDecision:
    """Send a draft or a returned record to the review queue."""
    record = _locked(record, actor)
    refusal = edit_refusal(record=record, actor=actor)
    if refusal:
        raise ActionRefused(refusal, code="permission")
    if record.review_state not in (ReviewState.DRAFT, ReviewState.RETURNED):
        raise ActionRefused(
            _("Only a draft or a returned record can be submitted; this one is %(state)s.")
            % {"state": record.get_review_state_display()},
            code="state",
        )
    decision = _transition(record, actor, ReviewState.SUBMITTED, DecisionAction.SUBMITTED, comment)
    notice_after_commit(decision)  # the reviewers learn of it by e-mail, with a link
    return decision


@transaction.atomic
def review_verify(
    *, record: Reviewable, actor, comment: str = "", seen: str | None = None
) -> ReviewDecision:
    """Verify a submitted record: a reviewer who neither submitted nor edited it.

    ``seen``: the review fingerprint of what the reviewer looked at (the record and every part
    of its review unit, :meth:`Reviewable.review_fingerprint`); refused when anything
    changed since.
    """
    record = _locked(record, actor)
    _require_reviewer(record, actor)
    _require_seen(record, seen)
    refusal = verify_refusal(record=record, actor=actor)
    if refusal is not None:
        raise refusal
    decision = _transition(record, actor, ReviewState.VERIFIED, DecisionAction.VERIFIED, comment)
    for companion in _companions(record):
        # Each companion passes its own four eyes and blockers; one that does not keeps its
        # state, for another reviewer or a review of its own.
        if actor.pk not in contributors_since_verification(companion) and not (
            companion.verification_blockers()
        ):
            _transition(
                companion, actor, ReviewState.VERIFIED, DecisionAction.VERIFIED, _with(record)
            )
    return decision


def verify_refusal(*, record: Reviewable, actor) -> ActionRefused | None:
    """Why ``actor`` may not verify ``record`` as it stands (a reviewer's permission, its
    state, four eyes, its blockers), or None: :func:`review_verify`'s own checks, asked
    without deciding — a batch verified in the background checks every record first."""
    try:
        _require_reviewer(record, actor)
    except ActionRefused as refusal:
        return refusal
    if actor.pk in contributors_since_verification(record):
        return ActionRefused(
            _("You cannot verify your own work: you submitted or edited this record since "
              "it was last verified. Another reviewer must verify it."),
            code="four_eyes",
        )  # fmt: skip
    blockers = record.verification_blockers()
    if blockers:
        return ActionRefused(" ".join(blockers), code="uncited")
    return None


def return_refusal(*, record: Reviewable, actor) -> ActionRefused | None:
    """Why ``actor`` may not return ``record`` (a reviewer's permission, its state), or None:
    :func:`review_return`'s checks, asked without deciding."""
    try:
        _require_reviewer(record, actor)
    except ActionRefused as refusal:
        return refusal
    return None


def return_comment_refusal(comment: str) -> ActionRefused | None:
    """A return must say what needs fixing: the refusal of one without a comment, or None
    (asked by :func:`review_return`, and by a whole batch's return before any record)."""
    if not (comment or "").strip():
        return ActionRefused(_("Say what needs fixing: a comment is required."), code="comment")
    return None


@transaction.atomic
def review_return(
    *, record: Reviewable, actor, comment: str, seen: str | None = None
) -> ReviewDecision:
    """Return a submitted record to its authors with a comment saying what to fix."""
    refusal = return_comment_refusal(comment)
    if refusal is not None:
        raise refusal
    record = _locked(record, actor)
    _require_reviewer(record, actor)
    _require_seen(record, seen)
    return _transition(record, actor, ReviewState.RETURNED, DecisionAction.RETURNED, comment)


def _companions(record: Reviewable) -> list[Reviewable]:
    """The record's companions (:meth:`Reviewable.review_companions`): shown on its review
    page and verified with it, without queueing on their own; each locked for this
    transaction."""
    return [
        type(companion)._base_manager.select_for_update().get(pk=companion.pk)
        for companion in record.review_companions()
        if companion.review_state != ReviewState.VERIFIED
    ]


def _with(_record: Reviewable) -> str:
    """The comment kept on a companion's decision. It does not name the record it travelled
    with: whoever reads the companion's decisions may not see that record."""
    return _("Decided together with the record it was created in.")


def _require_seen(record: Reviewable, seen: str | None) -> None:
    if seen is not None and seen != record.review_fingerprint():
        raise ActionRefused(
            _(
                "This record or one of its parts changed since you opened it. Nothing was "
                "done: review the current version, then decide."
            ),
            code="changed",
        )


def _kept_in_batch(record: AuditedModel, actor) -> None:
    """A record the actor's write batch created is kept by it as it now stands."""
    batch = current_batch(actor)
    if batch is not None and batch.created_here(record):
        batch.keep_created(record)


@transaction.atomic
def record_archive(*, record: AuditedModel, actor, reason: str = "") -> AuditedModel:
    """Take a record out of normal lists; it stays whole and can be restored."""
    record = _locked(record, actor)
    _require_archivist(actor)
    if record.archived_at is not None:
        raise ActionRefused(_("This record is already archived."), code="state")
    record.archived_at, record.archived_by = timezone.now(), actor
    with acting_as(actor, reason=reason or _("Archived")):
        record.save(update_fields=["archived_at", "archived_by"])
    _kept_in_batch(record, actor)
    if isinstance(record, Reviewable):
        _decide(record, actor, DecisionAction.ARCHIVED, reason)
    return record


@transaction.atomic
def record_restore(*, record: AuditedModel, actor, reason: str = "") -> AuditedModel:
    """Bring an archived record back."""
    record = _locked(record, actor)
    _require_archivist(actor)
    if record.archived_at is None:
        raise ActionRefused(_("This record is not archived."), code="state")
    record.archived_at, record.archived_by = None, None
    with acting_as(actor, reason=reason or _("Restored")):
        record.save(update_fields=["archived_at", "archived_by"])
    _kept_in_batch(record, actor)
    if isinstance(record, Reviewable):
        _decide(record, actor, DecisionAction.RESTORED, reason)
    return record


def _locked(record, actor):
    """The current row, locked for this transaction, if the actor may see it."""
    model = type(record)
    fresh = model._default_manager.all().visible_to(actor).select_for_update().filter(pk=record.pk)
    found = fresh.first()
    if found is None:
        raise NotVisible(f"{model.__name__} not found")
    return found


def _require_reviewer(record: Reviewable, actor) -> None:
    if not actor.has_perm("monitor.verify_record"):
        raise ActionRefused(_("Only reviewers verify or return records."), code="permission")
    if record.review_state != ReviewState.SUBMITTED:
        raise ActionRefused(
            _("Only a submitted record can be reviewed; this one is %(state)s.")
            % {"state": record.get_review_state_display()},
            code="state",
        )


def _require_archivist(actor) -> None:
    if not actor.has_perm("monitor.archive_record"):
        raise ActionRefused(_("Only coordinators archive and restore records."), code="permission")


def _transition(record, actor, state, action, comment):
    record.set_review_state(state, actor)
    with acting_as(actor, reason=f"{action.label}: {comment}" if comment else str(action.label)):
        record.save(update_fields=REVIEW_STATE_FIELDS)
    return _decide(record, actor, action, comment)
