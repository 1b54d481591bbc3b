"""Type-ahead choices for list filters whose choices grow with the register.

A filter on a person, a case or an event would list every visible record in a ``<select>``:
at 100,000 cases that is megabytes of HTML on every list page. Such a filter is drawn as a
text field instead (:class:`SuggestInput`): without JavaScript it takes the record's id (as
the API does); ``monitor/static/monitor/suggest.js`` turns it into a search box that asks
:func:`suggest_view` for the few records matching what the user types.

The rules are the filter's own: the suggestions come from the same choice queryset the
FilterSet validates against (``visible(Model)``: records the user may see), searched by the
model's QuerySet ``suggest(text, user=…)`` and labelled by :func:`describe_records` (a
protected person the user may not identify is their pseudonym, and their real name finds
nothing). A model is suggestible when its QuerySet has ``suggest``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.utils import flatatt
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from monitor.choices import ReviewState
from monitor.pages.helpers import describe_records

#: How many suggestions one request answers.
SUGGEST_LIMIT = 10
#: Shorter text suggests nothing (one letter would match half the register).
SUGGEST_MIN_LENGTH = 2

#: FilterSet classes by the label of their model ("cases.case"), filled by the list pages.
FILTERSETS: dict[str, type] = {}


def register_filterset(filterset_class: type) -> None:
    FILTERSETS[filterset_class._meta.model._meta.label_lower] = filterset_class


def suggestible(model) -> bool:
    return hasattr(model._default_manager.none(), "suggest")


class SuggestInput(forms.TextInput):
    """A record filter as a text field holding the record's id, with what suggest.js needs:
    the suggestion endpoint and the label of the record chosen (if any)."""

    def __init__(self, *, url: str, model, user, attrs=None):
        super().__init__(attrs)
        self.url, self.model, self.user = url, model, user

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-suggest"] = self.url
        widget_attrs["autocomplete"] = "off"
        widget_attrs.setdefault("inputmode", "search")
        try:
            chosen = uuid.UUID(str(value)) if value not in (None, "") else None
        except ValueError:  # typed by hand: the form says what is wrong with it
            chosen = None
        if chosen is not None:
            refs = describe_records({self.model: {chosen}}, self.user)
            found = next(iter(refs.values()), None)
            if found is not None:
                widget_attrs["data-label"] = found.label
        return context


def make_suggest_widget(form, filterset_class, name: str, request) -> None:
    """Replace the ``<select>`` of ``form[name]`` by a :class:`SuggestInput` when its choices
    are records of a suggestible model."""
    field = form.fields[name]
    queryset = getattr(field, "queryset", None)
    if queryset is None or not suggestible(queryset.model):
        return
    label = filterset_class._meta.model._meta.label_lower
    url = reverse("suggest", kwargs={"model": label, "field": name})
    field.widget = SuggestInput(url=url, model=queryset.model, user=request.user)


def suggestions(filterset_class, name: str, text: str, request) -> list[dict]:
    """The records of filter ``name`` matching ``text``: ``[{"id", "label"}]``."""
    filterset = filterset_class(data={}, request=request)
    field = filterset.form.fields.get(name)
    queryset = getattr(field, "queryset", None)
    if queryset is None or not suggestible(queryset.model):
        raise Http404
    text = text.strip()
    if len(text) < SUGGEST_MIN_LENGTH:
        return []
    model = queryset.model
    pks = list(
        queryset.suggest(text, user=request.user).values_list("pk", flat=True)[:SUGGEST_LIMIT]
    )
    refs = describe_records({model: set(pks)}, request.user)
    return [{"id": str(pk), "label": refs[pk].label} for pk in pks if pk in refs]


@require_safe
def suggest_view(request, model: str, field: str):
    """``GET /suggest/<app.model>/<filter>/?q=…``: JSON ``{"results": [{"id", "label"}]}``."""
    filterset_class = FILTERSETS.get(model)
    if filterset_class is None:
        raise Http404
    results = suggestions(filterset_class, field, request.GET.get("q", ""), request)
    response = JsonResponse({"results": results})
    response["Cache-Control"] = "no-store, private"
    return response


# -- the forms' pickers -----------------------------------------------------------------------
#
# The same type-ahead on the create and edit pages. A form field over records that grow with
# the register (persons, places, organisations, events, facilities, vocabulary terms) is drawn
# by :class:`PickInput`: the records already chosen as chips (checked boxes, so they can be
# taken off without JavaScript) and a text box to add one. Without JavaScript the box takes a
# record's exact name or its id ("; " between several); suggest.js turns it into a search box
# over :func:`pick_view` and, where the user may add records of that kind, offers "Add …" for
# what they typed (:func:`pick_new_view`, which creates the record through its service).
#
# A picker's choices are its source's (:class:`PickSource`): the field's queryset, the
# suggestions and the names typed without JavaScript all come from ``choices(user)``, so a
# record the user may not see can be neither suggested nor named.


@dataclass(frozen=True)
class PickSource:
    """Where a picker takes its records from, how it searches them and how it adds one.

    Attributes:
        name: the key in the address (``/pick/<name>/``).
        choices: the records ``user`` may choose (visible, not archived).
        search: the records of ``choices`` matching typed text, best first.
        exact: the records of ``choices`` called exactly what was typed (without JavaScript).
        create: records a new one called ``name`` as ``actor`` through its service (None:
            nothing is added in place).
        model: the model of the records (for the permission to add one).
    """

    name: str
    model: type
    choices: Callable
    search: Callable
    exact: Callable
    create: Callable | None = None

    def may_create(self, user) -> bool:
        meta = self.model._meta
        return self.create is not None and bool(
            getattr(user, "is_authenticated", False)
            and user.has_perm(f"{meta.app_label}.add_{meta.model_name}")
        )


#: Picker sources by name, filled by the apps whose forms use them.
PICK_SOURCES: dict[str, PickSource] = {}


def register_source(source: PickSource) -> PickSource:
    PICK_SOURCES[source.name] = source
    return source


def text_search(*fields: str):
    """A ``search`` for records found by a word of some text fields."""

    def search(queryset, text: str, user):
        rule = models.Q()
        for name in fields:
            rule |= models.Q(**{f"{name}__icontains": text})
        return queryset.filter(rule)

    return search


def text_exact(*fields: str):
    """An ``exact`` lookup: the records one of ``fields`` names exactly (any case)."""

    def exact(queryset, text: str, user):
        rule = models.Q()
        for name in fields:
            rule |= models.Q(**{f"{name}__iexact": text})
        return queryset.filter(rule)

    return exact


def _as_uuid(token) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(token))
    except ValueError:
        return None


@dataclass(frozen=True)
class Fixed:
    """A picker's choice that is not a record: the ``value`` the form takes, the ``label``
    shown, and the ``keyword`` that chooses it when typed without JavaScript (translated)."""

    value: str
    label: str
    keyword: str


class PickInput(forms.Widget):
    """Chips for the chosen records and a box to add one (see the comment above)."""

    allow_multiple_selected = False

    def __init__(
        self,
        *,
        source: PickSource,
        user,
        multiple: bool = False,
        fixed: tuple[Fixed, ...] = (),
        attrs=None,
    ):
        super().__init__(attrs)
        self.source, self.user = source, user
        self.allow_multiple_selected = multiple
        #: Choices that are not records, always offered first (the citation's "new source
        #: described on this page"), by value.
        self.fixed = {choice.value: choice for choice in fixed}
        self.choices: object = ()

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.choices = self.choices
        return copied

    # -- reading what was sent --------------------------------------------------------------

    def value_from_datadict(self, data, files, name):
        sent = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        tokens = [
            token.strip()
            for value in sent
            if value
            for token in str(value).split(";")
            if token.strip()
        ]
        values = [self._resolve(token) for token in tokens]
        if self.allow_multiple_selected:
            return values
        return values[-1] if values else None

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty box with no chip left is a choice: none

    def _resolve(self, token: str) -> str:
        """A typed name → the id of the one record it names (else the text, which the
        field refuses as a choice it does not know)."""
        if _as_uuid(token) is not None or token in self.fixed:
            return token
        for choice in self.fixed.values():  # typed without JavaScript, in the reader's words
            if token.casefold() == str(choice.keyword).casefold():
                return choice.value
        queryset = getattr(self.choices, "queryset", None)
        if queryset is None:
            return token
        found = list(self.source.exact(queryset, token, self.user).values_list("pk", flat=True)[:2])
        return str(found[0]) if len(found) == 1 else token

    # -- drawing it -------------------------------------------------------------------------

    def format_value(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, (list, tuple)):
            return [str(each) for each in value if each not in (None, "")]
        return [str(value)]

    def chosen(self, values: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
        """The chips (id, label) of ``values`` the field knows, and the rest as typed."""
        iterator = self.choices
        queryset = getattr(iterator, "queryset", None)
        ids = [value for value in values if _as_uuid(value) is not None]
        labels = {}
        if queryset is not None and ids:
            label = iterator.field.label_from_instance
            labels = {str(record.pk): label(record) for record in queryset.filter(pk__in=ids)}
        labels.update({value: str(choice.label) for value, choice in self.fixed.items()})
        chips = [(value, labels[value]) for value in dict.fromkeys(values) if value in labels]
        return chips, [value for value in values if value not in labels]

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        input_id = attrs.get("id") or f"id_{name}"
        disabled = bool(attrs.get("disabled"))
        chips, typed = self.chosen(self.format_value(value))
        source = self.source
        data = {
            "data-pick": reverse("pick", kwargs={"source": source.name}),
            "data-multiple": "1" if self.allow_multiple_selected else "",
            "data-remove-label": _("Remove"),
            "data-new-label": _("Add “%s” as new"),
        }
        if source.may_create(self.user) and not disabled:
            data["data-new"] = reverse("pick-new", kwargs={"source": source.name})
        if self.fixed:
            data["data-fixed"] = json.dumps(
                [{"id": value, "label": str(choice.label)} for value, choice in self.fixed.items()]
            )
        items = format_html_join(
            "",
            '<li class="pick__chip"><label><input type="checkbox" name="{}" value="{}" '
            'checked{}> <span class="pick__label">{}</span></label></li>',
            ((name, pk, " disabled" if disabled else "", label) for pk, label in chips),
        )
        box_attrs = {
            key: val
            for key, val in attrs.items()
            if key not in ("id", "required", "class", "disabled")
        }
        hint = (
            _("Type the exact name or the id; separate several with “;”.")
            if self.allow_multiple_selected
            else _("Type the exact name or the id.")
        )
        for choice in self.fixed.values():
            hint = format_html(
                "{} {}",
                hint,
                _("“%(keyword)s”: %(label)s.") % {"keyword": choice.keyword, "label": choice.label},
            )
        return format_html(
            '<div class="pick" {}><ul class="pick__chips" aria-live="polite">{}</ul>'
            '<input type="text" name="{}" id="{}" value="{}" class="pick__box" '
            'autocomplete="off" inputmode="search"{} {}>'
            '<span class="hint pick__fallback">{}</span></div>',
            flatatt(data),
            items,
            name,
            input_id,
            "; ".join(typed),
            " disabled" if disabled else "",
            flatatt(box_attrs) if box_attrs else "",
            hint,
        )


#: Typed text that names no record the user may choose (without JavaScript).
UNKNOWN_CHOICE = gettext_lazy(
    "Nothing you may choose is called “%(value)s”: pick it from the suggestions."
)


class _PickedChoice:
    """What a picker's field adds to Django's: text that names no record the user may choose
    (typed without JavaScript) is refused with what was typed, as an unknown choice, rather
    than as "not a valid UUID"."""

    def clean(self, value):
        tokens = value if isinstance(value, (list, tuple)) else [value]
        fixed = getattr(self.widget, "fixed", {})
        for token in tokens:
            if token not in (None, "") and _as_uuid(token) is None and token not in fixed:
                raise ValidationError(
                    str(UNKNOWN_CHOICE),
                    code="invalid_choice",
                    params={"value": token},
                )
        # An id is Django's choice to refuse, with its own words: a hidden record's id and a
        # made-up one get the same answer.
        return super().clean(value)


_PICKED_CLASSES: dict[type, type] = {}


def _picked_class(field_class: type) -> type:
    if field_class not in _PICKED_CLASSES:
        name = f"Picked{field_class.__name__}"
        _PICKED_CLASSES[field_class] = type(name, (_PickedChoice, field_class), {})
    return _PICKED_CLASSES[field_class]


def use_picker(form, name: str, source: str, *, user, fixed: tuple[Fixed, ...] = ()) -> None:
    """Draw ``form[name]`` (a record choice, one or several) as a picker over ``source``,
    whose choices become the field's: what is suggested is what the form accepts.

    ``fixed``: choices that are not records (:class:`Fixed`), offered first; the field
    itself must accept them (:class:`sources.forms.CiteSourceField` takes "new")."""
    picker = PICK_SOURCES[source]
    field = form.fields[name]
    multiple = isinstance(field, forms.ModelMultipleChoiceField)
    field.__class__ = _picked_class(type(field))
    field.queryset = picker.choices(user)
    field.widget = PickInput(source=picker, user=user, multiple=multiple, fixed=fixed)
    field.widget.choices = field.choices


def pick_results(picker: PickSource, text: str, user) -> list[dict]:
    """The records of ``picker`` matching ``text``: ``[{"id", "label"}]``, best first, with
    a ``note`` on reference data not verified yet (it may be picked while it waits)."""
    text = text.strip()
    if len(text) < SUGGEST_MIN_LENGTH:
        return []
    found = list(picker.search(picker.choices(user), text, user)[:SUGGEST_LIMIT])
    return [{"id": str(record.pk), "label": str(record), **_note(record)} for record in found]


def _note(record) -> dict:
    from monitor.models import ReferenceData

    if isinstance(record, ReferenceData) and record.review_state != ReviewState.VERIFIED:
        return {"note": _("waiting for review")}
    return {}


def _picker_or_404(source: str) -> PickSource:
    picker = PICK_SOURCES.get(source)
    if picker is None:
        raise Http404
    return picker


@require_safe
def pick_view(request, source: str):
    """``GET /pick/<source>/?q=…``: JSON ``{"results": [{"id", "label"}]}``."""
    picker = _picker_or_404(source)
    response = JsonResponse(
        {"results": pick_results(picker, request.GET.get("q", ""), request.user)}
    )
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
def pick_new_view(request, source: str):
    """``POST /pick/<source>/new/`` with ``name``: the record added through its service,
    ``201 {"id", "label"}``; ``400 {"errors": {"name": [...]}}`` when refused; 403 when the
    user's role may not add records of this kind."""
    from monitor.services import ActionRefused

    picker = _picker_or_404(source)
    if not picker.may_create(request.user):
        return JsonResponse({"errors": {"name": [_("Your role may not add these.")]}}, status=403)
    typed = " ".join(request.POST.get("name", "").split())
    if not typed:
        return JsonResponse({"errors": {"name": [_("Type the name to add.")]}}, status=400)
    try:
        with transaction.atomic():
            record = picker.create(actor=request.user, name=typed)
    except ValidationError as error:
        messages = (
            [m for errors in error.message_dict.values() for m in errors]
            if hasattr(error, "error_dict")
            else error.messages
        )
        return JsonResponse({"errors": {"name": messages}}, status=400)
    except ActionRefused as refusal:
        return JsonResponse({"errors": {"name": [refusal.message]}}, status=403)
    # Labelled as the picker shows it (a new person reads as the user may see them).
    shown = picker.choices(request.user).filter(pk=record.pk).first()
    label = str(shown if shown is not None else record)
    return JsonResponse({"id": str(record.pk), "label": label, **_note(record)}, status=201)


# -- the core's sources: places and the vocabularies --------------------------------------------


def _place_choices(user):
    from monitor.models import Place

    return Place.objects.visible_to(user).filter(archived_at__isnull=True).order_by("name")


def _place_create(*, actor, name: str):
    from monitor.models import Place
    from monitor.models.places import PlaceKind
    from monitor.services import record_save

    # A settlement until a coordinator places it in the tree (the commonest kind typed).
    place = Place(name=name, kind=PlaceKind.SETTLEMENT)
    return record_save(record=place, actor=actor, reason=_("Added from a form"))


def _term_choices(vocabulary: str):
    def choices(user):
        from monitor.models import Term

        return (
            Term.objects.visible_to(user)
            .of(vocabulary)
            .filter(archived_at__isnull=True)
            .order_by("position", "label")
        )

    return choices


def _term_create(vocabulary: str):
    def create(*, actor, name: str):
        from django.utils.text import slugify

        from monitor.models import Term
        from monitor.services import record_save

        base = slugify(name)[:70] or "term"
        code, number = base, 1
        while Term.objects.of(vocabulary).filter(code=code).exists():
            number += 1
            code = f"{base}-{number}"
        term = Term(vocabulary=vocabulary, code=code, label=name)
        return record_save(record=term, actor=actor, reason=_("Added from a form"))

    return create


def _register_core_sources() -> None:
    from monitor.choices import Vocabulary
    from monitor.models import Place, Term

    register_source(
        PickSource(
            name="place",
            model=Place,
            choices=_place_choices,
            search=text_search("name", "code"),
            exact=text_exact("name"),
            create=_place_create,
        )
    )
    term_fields = ("label", "code", "labels__ru", "labels__tg")
    for vocabulary in Vocabulary.values:
        register_source(
            PickSource(
                name=f"term-{vocabulary}",
                model=Term,
                choices=_term_choices(vocabulary),
                search=text_search(*term_fields),
                exact=text_exact(*term_fields),
                create=_term_create(vocabulary),
            )
        )


_register_core_sources()
