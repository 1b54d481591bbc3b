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

import uuid

from django import forms
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

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
