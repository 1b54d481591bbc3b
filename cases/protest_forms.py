"""Forms for protest detentions: a place of detention, and a group detention with its figures
and the detainees named from it.

Forms translate; the rules are the services' (``record_save``, ``figure_add``,
``figure_edit``), the same ones the API calls. Every choice list holds only what the user may
see.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import BaseRowFormSet, keep_hidden_choice, organizations, places, row_formset
from cases.models import Detention, Event, Facility, GroupDetention, GroupDetentionFigure
from monitor.models import Place
from monitor.pages.editing import TreeChoiceField, VersionedForm
from people.selectors import attach_persons
from sources.forms import visible_sources
from sources.models import Source


class FacilityForm(VersionedForm, forms.ModelForm):
    """A police station, a holding facility, a pre-trial centre, a colony."""

    place = TreeChoiceField(queryset=Place.objects.none(), label=_("Settlement"), required=False)

    class Meta:
        model = Facility
        fields = [
            "name",
            "kind",
            "other_names",
            "address",
            "place",
            "latitude",
            "longitude",
            "coordinates_source",
            "authority",
            "note",
        ]
        widgets = {
            "other_names": forms.Textarea(attrs={"rows": 3}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["place"].queryset = places(user)
        self.fields["coordinates_source"].queryset = visible_sources(user)
        self.fields["authority"].queryset = organizations(user)
        keep_hidden_choice(self, "coordinates_source")
        keep_hidden_choice(self, "authority")


class GroupDetentionForm(VersionedForm, forms.ModelForm):
    """People detained together: when, where, where they were taken, how long they were held —
    and which detentions of the case name some of them."""

    place = TreeChoiceField(
        queryset=Place.objects.none(), label=_("Place of arrest"), required=False
    )
    detainees = forms.TypedMultipleChoiceField(
        label=_("Detainees named so far"),
        required=False,
        coerce=str,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_(
            "Detentions of this case counted in this group: the number still unidentified "
            "goes down by one for each."
        ),
    )

    class Meta:
        model = GroupDetention
        fields = ["event", "date", "place", "facility", "hours_held", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        group = self.instance
        self.fields["event"].queryset = Event.objects.visible_to(user).filter(
            archived_at__isnull=True
        )
        self.fields["place"].queryset = places(user)
        self.fields["facility"].queryset = Facility.objects.visible_to(user).filter(
            archived_at__isnull=True
        )
        keep_hidden_choice(self, "event")
        # The case's detentions, each named as the user may see its detainee (a pseudonym, or
        # "someone you may not see"), in one query however many there are.
        among = Detention.objects.visible_to(user).filter(case=group.case, archived_at__isnull=True)
        self.candidates = {str(d.pk): d for d in among.order_by("created_at")}
        attach_persons(list(self.candidates.values()), user, among=among)
        hidden = _("(someone you may not see)")
        self.fields["detainees"].choices = [
            (pk, str(d.person) if d.person else str(hidden)) for pk, d in self.candidates.items()
        ]
        if not group._state.adding and not self.is_bound:
            self.initial["detainees"] = [
                pk for pk, d in self.candidates.items() if d.group_id == group.pk
            ]

    def detainee_changes(self) -> tuple[list[Detention], list[Detention]]:
        """The detentions to attach to the group, and those to take out of it."""
        chosen = set(self.cleaned_data.get("detainees") or [])
        group = self.instance
        attach = [d for pk, d in self.candidates.items() if pk in chosen and d.group_id != group.pk]
        detach = [
            d
            for pk, d in self.candidates.items()
            if pk not in chosen and group.pk is not None and d.group_id == group.pk
        ]
        return attach, detach


class FigureRowForm(VersionedForm, forms.ModelForm):
    """One party's figure for the group, with its source; a figure's source never changes
    (a figure from another source is another figure)."""

    class Meta:
        model = GroupDetentionFigure
        fields = [
            "kind",
            "qualifier",
            "value",
            "value_max",
            "claimed_by",
            "source",
            "as_of",
            "note",
        ]
        widgets = {"note": forms.TextInput()}

    def __init__(self, *args, user, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["source"]
        if self.is_new:
            field.queryset = visible_sources(user)
            return
        field.queryset = Source.objects.visible_to(user)
        keep_hidden_choice(self, "source")
        field.disabled = True
        field.help_text = _("A figure from another source is another figure: add it below.")

    @property
    def is_new(self) -> bool:
        return self.instance._state.adding

    def figure_values(self) -> dict:
        """What the figure services take: the model's fields, as cleaned."""
        return {name: self.cleaned_data.get(name) for name in self._meta.fields}

    def changes(self) -> dict:
        """The corrected fields of an existing figure (never its source)."""
        return {
            name: self.cleaned_data.get(name)
            for name in self.changed_data
            if name in self._meta.fields and name != "source"
        }


class FigureFormSet(BaseRowFormSet):
    row_label = _("Figure %(number)s")
    parent_field = "group"


FigureRows = row_formset(GroupDetentionFigure, FigureRowForm, FigureFormSet, extra=2)
