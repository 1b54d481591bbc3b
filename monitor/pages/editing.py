"""What every create and edit page shares: version fields, refusals, saving in one go.

A page is a main form and, often, formsets of child rows (a case with its allegations and
detentions). Saving it follows the same path everywhere:

1. Every form is validated; choice lists hold only records the user may see, so a hidden
   record cannot even be named.
2. Everything is written in one transaction, each record through its service with the
   acting user (``record_save``, ``citation_add``, ``evidence_upload``…). A service that
   refuses (a rule, a stale version, a field the database checks) aborts the whole save:
   nothing is written.
3. On a refusal the forms are built again from what the user sent and the refusal is shown
   next to the field it concerns (or at the top), so the input is on the page to re-apply.
   Building them again matters: the aborted save left half-saved instances behind (new rows
   with an id that the rollback took away).

Who may open a page: a record the user may not see answers 404 (its existence is not
revealed); a record they see but may not edit answers 403 with the reason, which is not a
secret (their role, the team, an archived record). See :func:`refused`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitor.access import has_role
from monitor.choices import ReviewState, Role
from monitor.models import DecisionAction, ReviewDecision, StaleEdit, Team
from monitor.services import ActionRefused, NotVisible, edit_refusal, review_submit

# -- forms ------------------------------------------------------------------------------------


class PageForm:
    """What every form of the pages shares.

    Labels without Django's trailing colon: "Date", not "Date:" (what screen readers say).
    A choice of several records is a picker (``monitor.suggest.use_picker``): chips with
    their own remove buttons, never a list that needs Ctrl-click.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VersionedForm(PageForm, forms.Form):
    """Carries the version a record was read at, for optimistic concurrency.

    The services compare it with the stored version when saving and refuse a stale edit
    (:class:`~monitor.models.StaleEdit`) instead of overwriting someone else's change.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and not instance._state.adding:
            self.fields["version"].initial = instance.version

    def content_changed(self) -> bool:
        """Whether the record itself needs saving: new, or a field of it changed.

        The version alone does not count: when only it differs, everything the user sent
        is what is stored already, and saving would change nothing.
        """
        instance = getattr(self, "instance", None)
        if instance is not None and instance._state.adding:
            return True
        fields = set(getattr(getattr(self, "_meta", None), "fields", None) or ())
        return bool((set(self.changed_data) & fields) - {"version"})

    @property
    def expected_version(self) -> int | None:
        """The version the user edited (None for a new record)."""
        instance = getattr(self, "instance", None)
        if instance is None or instance._state.adding:
            return None
        version = self.cleaned_data.get("version")
        # A tampered or missing version is treated as the oldest possible: refused if stale.
        return version if version else 0


class OwnRowsFormSetMixin:
    """A model formset whose rows can be named only among its own rows.

    Django gives each row's hidden ``id`` field the whole table as choices: the id of another
    record's row — one the user may not even see — passes, and the row is then saved as a
    new one, while a made-up id is refused. The answers would tell which ids exist. Here a
    row's id must be one of the formset's own rows (its queryset, through ``visible_to``
    where the formset uses it), or it is refused exactly like an id that does not exist.
    """

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields[self.model._meta.pk.name].queryset = self.get_queryset()


class TreeChoiceIterator(forms.models.ModelChoiceIterator):
    """Terms (or places) depth first, each child under its parent."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        records = list(self.queryset)
        children: dict = {}
        for record in records:
            children.setdefault(record.parent_id, []).append(record)
        ids = {record.pk for record in records}
        roots = [r for r in records if r.parent_id is None or r.parent_id not in ids]

        def walk(nodes, depth):
            for node in nodes:
                node.tree_depth = depth
                yield self.choice(node)
                yield from walk(children.get(node.pk, []), depth + 1)

        yield from walk(roots, 0)


class TreeChoiceMixin:
    iterator = TreeChoiceIterator

    def label_from_instance(self, obj) -> str:
        depth = getattr(obj, "tree_depth", 0)
        return ("— " * depth) + str(obj)


class TreeChoiceField(TreeChoiceMixin, forms.ModelChoiceField):
    """A choice of one term of a vocabulary tree, children indented under their parent."""


class TreeMultipleChoiceField(TreeChoiceMixin, forms.ModelMultipleChoiceField):
    """A choice of several terms of a vocabulary tree."""


def team_choices(user, current: Team | None = None):
    """The teams ``user`` may put a record in: their own (any team for a coordinator)."""
    if getattr(user, "is_superuser", False) or (has_role(user) and user.has_role(Role.COORDINATOR)):
        teams = Team.objects.all()
    else:
        teams = Team.objects.filter(members=user) if has_role(user) else Team.objects.none()
    if current is not None:
        teams = teams | Team.objects.filter(pk=current.pk)
    return teams.distinct().order_by("name")


def use_team_field(form, user) -> None:
    """A reviewed record's ``team`` field: the teams ``user`` may put it in (keeping the one
    it is in), and for a new record their own team when they are in exactly one."""
    current = form.instance.team if form.instance.team_id else None
    form.fields["team"].queryset = team_choices(user, current)
    if form.instance._state.adding and not form.is_bound:
        form.initial["team"] = form.initial.get("team") or default_team(user)


def default_team(user) -> Team | None:
    """The user's team when they are in exactly one: new records go there by default."""
    if not has_role(user):
        return None
    teams = list(Team.objects.filter(members=user)[:2])
    return teams[0] if len(teams) == 1 else None


# -- errors -----------------------------------------------------------------------------------


class FormError(Exception):
    """A service refused what one form asked for: the error belongs next to its fields."""

    def __init__(self, key: str, error: ValidationError, rename: dict[str, str] | None = None):
        super().__init__(str(error))
        self.key = key
        self.error = error
        self.rename = rename or {}


class FormErrors(Exception):
    """Several forms' refusals at once (each step of a submission that breaks a rule)."""

    def __init__(self, errors: list[FormError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def form_key(form) -> str:
    return form.prefix or ""


@contextlib.contextmanager
def blame(form, rename: dict[str, str] | None = None) -> Iterator[None]:
    """Attribute a refusal raised inside the block to ``form`` (``rename`` maps the model's
    field names to the form's, e.g. a citation's ``page`` to ``cite_page``).

    A stale edit is not the form's fault: it goes to the top of the page. A related record
    that is not visible (chosen before it was hidden) reads as a bad choice, without saying
    more.
    """
    try:
        yield
    except StaleEdit:
        raise
    except ValidationError as error:
        raise FormError(form_key(form), error, rename) from error
    except NotVisible as error:
        raise FormError(
            form_key(form), ValidationError(_("Choose a record from the list.")), rename
        ) from error


def apply_error(form, error: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Show ``error`` on ``form``: next to each field it names, else at the top of the form."""
    rename = rename or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = rename.get(name, name)
        if target in form.fields and target != NON_FIELD_ERRORS:
            form.add_error(target, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            label = name.replace("_", " ")
            form.add_error(None, [f"{label.capitalize()}: {m}" for e in errors for m in e])


@dataclass
class SummaryItem:
    """One line of the error summary at the top of a page."""

    message: str
    href: str = ""


@dataclass
class Outcome:
    """What a save that failed left to show: page-level problems and per-form errors."""

    problems: list[str] = field(default_factory=list)
    form_errors: list[FormError] = field(default_factory=list)
    stale: bool = False


def run_save(save, *args, **kwargs) -> tuple[object | None, Outcome | None]:
    """Run ``save`` in one transaction; on any refusal roll everything back.

    Returns ``(result, None)`` on success, ``(None, outcome)`` when the save was refused.
    ``NotVisible`` for the page's own record is not caught: it is a 404.
    """
    outcome = Outcome()
    try:
        with transaction.atomic():
            return save(*args, **kwargs), None
    except FormError as error:
        outcome.form_errors.append(error)
    except FormErrors as errors:
        outcome.form_errors.extend(errors.errors)
    except StaleEdit as error:
        outcome.stale = True
        outcome.problems.extend(error.messages)
    except ActionRefused as refusal:
        outcome.problems.append(refusal.message)
    except ValidationError as error:
        outcome.problems.extend(error.messages)
    except IntegrityError:
        # Checked before saving, so only a save at the same moment gets here (two new cases
        # taking the same next reference): the transaction is undone, the page says so.
        outcome.problems.append(
            _(
                "Someone saved a record with the same values at the same moment. Nothing was "
                "saved: save again."
            )
        )
    return None, outcome


def apply_outcome(outcome: Outcome, all_forms: Iterable) -> None:
    """Put the errors of a refused save back on the freshly built forms."""
    by_key = {form_key(form): form for form in all_forms}
    for error in outcome.form_errors:
        form = by_key.get(error.key)
        if form is None:  # pragma: no cover — every blamed form is on the page
            outcome.problems.extend(error.error.messages)
            continue
        apply_error(form, error.error, error.rename)


def error_summary(entries: Iterable[tuple[str, object]], problems: Iterable[str] = ()):
    """The list at the top of a page: each problem, linked to its field.

    ``entries`` pairs a label ("Allegation 2") with a form or formset.
    """
    items = [SummaryItem(message) for message in problems]
    for label, thing in entries:
        if isinstance(thing, forms.BaseFormSet):
            items.extend(SummaryItem(f"{label}: {m}") for m in thing.non_form_errors())
            for form in thing.forms:
                items.extend(_form_items(getattr(form, "row_label", label), form))
        else:
            items.extend(_form_items(label, thing))
    return items


def _form_items(label: str, form) -> list[SummaryItem]:
    if not form.is_bound or not form.errors:
        return []
    items = []
    prefix = f"{label}: " if label else ""
    for message in form.non_field_errors():
        items.append(SummaryItem(f"{prefix}{message}", f"#{form_anchor(form)}"))
    # A form may name a field differently in the summary ("Likely duplicate" rather than the
    # label of the box that confirms it is not one).
    names = getattr(form, "summary_labels", {})
    for bound in form:
        for message in bound.errors:
            label = names.get(bound.name, bound.label)
            items.append(SummaryItem(f"{prefix}{label}: {message}", f"#{bound.auto_id}"))
    return items


def form_anchor(form) -> str:
    return f"form-{form.prefix}" if form.prefix else "form-main"


# -- pages ------------------------------------------------------------------------------------


def refused(request: HttpRequest, message: str, *, back: str = "") -> HttpResponse:
    """The answer to a user who sees a record but may not change it: 403, with why."""
    return render(request, "forms/refused.html", {"message": message, "back": back}, status=403)


def may_edit(record, user) -> str | None:
    """Why ``user`` may not edit ``record`` (None: they may); anonymous users may not."""
    if user is None or isinstance(user, AnonymousUser):
        return _("Sign in to edit.")
    return edit_refusal(record=record, actor=user)


def visible_or_404(model, user, pk):
    """The record with id ``pk`` if ``user`` may see it; a 404 otherwise."""
    try:
        return model._default_manager.all().visible_to(user).get(pk=pk)
    except (ObjectDoesNotExist, ValidationError) as error:
        raise Http404(f"{model.__name__} not found") from error


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` address if it stays on this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@dataclass(frozen=True)
class ReviewInfo:
    """Where a record stands in review, for the banner above its form."""

    state: str
    state_label: str
    returned: ReviewDecision | None
    can_submit: bool


def review_info(record, user) -> ReviewInfo | None:
    """The review banner of a saved reviewed record; None for a new one."""
    if record is None or record._state.adding or not hasattr(record, "review_state"):
        return None
    returned = None
    if record.review_state == ReviewState.RETURNED:
        returned = (
            ReviewDecision.objects.for_record(record)
            .filter(action=DecisionAction.RETURNED)
            .select_related("actor")
            .order_by("-at")
            .first()
        )
    can_submit = record.review_state in (ReviewState.DRAFT, ReviewState.RETURNED) and (
        may_edit(record, user) is None
    )
    return ReviewInfo(
        state=record.review_state,
        state_label=record.get_review_state_display(),
        returned=returned,
        can_submit=can_submit,
    )


def submit_for_review(request: HttpRequest, model, pk, *, done_url: str) -> HttpResponse:
    """POST only: send a draft or returned record to the review queue.

    Hidden → 404; a role or team that may not submit → 403 with why; a record in the wrong
    state (already submitted) → back to the page with the reason.
    """
    from django.contrib import messages
    from django.shortcuts import redirect

    if request.method != "POST":
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["POST"])
    record = visible_or_404(model, request.user, pk)
    try:
        submitted = _submit(request, record)
    except NotVisible as error:
        raise Http404(f"{model.__name__} not found") from error
    except ActionRefused as refusal:
        if refusal.code == "permission":
            return refused(request, refusal.message, back=done_url)
        messages.error(request, refusal.message)
        return redirect(safe_next(request, done_url))
    messages.success(request, submitted)
    return redirect(safe_next(request, done_url))


def _submit(request: HttpRequest, record) -> str:
    """Submit ``record`` as the signed-in user (the one service); the message saying so."""
    review_submit(record=record, actor=request.user, comment=request.POST.get("comment", ""))
    return _("%(record)s was submitted for review.") % {"record": capfirst(str(record))}


class ReasonForm(PageForm, forms.Form):
    """The optional "why" kept with the change in the record's history."""

    change_reason = forms.CharField(
        label=gettext_lazy("What changed and why"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Optional; kept in the history with your name."),
    )


class EditPage:
    """A create or edit page: builds its forms, validates them, saves them in one go.

    Subclasses set ``template_name`` and implement :meth:`build` (set ``self.forms``, a dict
    of forms and formsets), :meth:`save` (called inside one transaction, returns the saved
    record) and :meth:`success_url`. See the module docstring for the path a save takes.
    """

    template_name = ""

    def __init__(self, request: HttpRequest, record=None):
        self.request = request
        self.user = request.user
        self.record = record
        self.forms: dict = {}
        self.problems: list[str] = []

    # -- to implement ---------------------------------------------------------------------

    def build(self, data=None, files=None) -> None:
        raise NotImplementedError

    def save(self):
        raise NotImplementedError

    def success_url(self, record) -> str:
        raise NotImplementedError

    def success_message(self, record) -> str:
        return _("%(record)s was saved.") % {"record": capfirst(str(record))}

    def summary_entries(self) -> list[tuple[str, object]]:
        return [("", form) for form in self.forms.values()]

    def extra_context(self) -> dict:
        return {}

    def cross_check(self) -> None:
        """Checks across forms, after each form validated (add errors to the forms)."""

    # -- what follows a save (the pressed button's ``then``) --------------------------------

    #: Whether the page offers "Save and submit for review" (pages of reviewed records).
    offers_submit = False

    def submit_offered(self) -> bool:
        """ "Save and submit for review" beside Save: on a page of a reviewed record that is
        new, a draft, returned or verified (a save reopens it) — not one already waiting."""
        if not self.offers_submit:
            return False
        reviewed = self.reviewed_record(self.record) if self.record is not None else None
        return reviewed is None or reviewed.review_state != ReviewState.SUBMITTED

    def reviewed_record(self, record):
        """What "Save and submit for review" sends to the queue: the review unit the saved
        record belongs to (the case of a detention's steps); None where nothing is reviewed."""
        return record if hasattr(record, "review_state") else None

    def submitted_url(self, record) -> str:
        """Where the user lands once the save and the submission both went through."""
        return self.success_url(record)

    def then_url(self, record, then: str) -> str | None:
        """Where another button than Save leads after the save (``then`` is its value);
        None: the usual :meth:`success_url`. Pages with more buttons extend it."""
        return None

    def after_save(self, record) -> str:
        """The address after a successful save, following the button that was pressed.

        ``then=submit`` ("Save and submit for review") submits :meth:`reviewed_record`
        through the same service as the "Submit for review" button; a refusal (a state that
        cannot be submitted) leaves the save done and says why on the saved page.
        """
        from django.contrib import messages

        then = self.request.POST.get("then", "")
        if then == "submit":
            reviewed = self.reviewed_record(record)
            if reviewed is not None:
                try:
                    messages.success(self.request, _submit(self.request, reviewed))
                except ActionRefused as refusal:
                    messages.error(self.request, refusal.message)
                    return self.success_url(record)
                return self.submitted_url(record)
        return self.then_url(record, then) or self.success_url(record)

    # -- the path of a request --------------------------------------------------------------

    def all_forms(self) -> list:
        found = []
        for thing in self.forms.values():
            if isinstance(thing, forms.BaseFormSet):
                found.extend(thing.forms)
            else:
                found.append(thing)
        return found

    def is_valid(self) -> bool:
        # Every form is validated (not stopping at the first) so every error shows at once.
        results = [thing.is_valid() for thing in self.forms.values()]
        if all(results):
            self.cross_check()
            results = [not _has_errors(thing) for thing in self.forms.values()]
        return all(results)

    def handle(self) -> HttpResponse:
        from django.contrib import messages
        from django.shortcuts import redirect

        request = self.request
        status = 200
        if request.method == "POST":
            self.build(request.POST, request.FILES)
            if self.is_valid():
                record, outcome = run_save(self.save)
                if outcome is None:
                    messages.success(request, self.success_message(record))
                    return redirect(self.after_save(record))
                # Nothing was written: show what was sent again, with why it was refused.
                self.build(request.POST, request.FILES)
                self.is_valid()
                apply_outcome(outcome, self.all_forms())
                self.problems = outcome.problems
                status = 409 if outcome.stale else 400
            else:
                status = 400
        else:
            self.build()
        return render(request, self.template_name, self.context(), status=status)

    def context(self) -> dict:
        return {
            "page": self,
            "record": self.record,
            "forms": self.forms,
            "summary": error_summary(self.summary_entries(), self.problems),
            "review": review_info(self.record, self.user),
            **self.forms,
            **self.extra_context(),
        }


def _has_errors(thing) -> bool:
    if isinstance(thing, forms.BaseFormSet):
        return bool(thing.non_form_errors()) or any(form.errors for form in thing.forms)
    return bool(thing.errors)
