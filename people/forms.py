"""Forms for persons: the person, their name variants, and a quick "new person" by name.

Likely duplicates are shown before saving: a name that the matcher (:mod:`people.matching`)
takes for one a visible person already has (``Шоиширинов`` and ``Shoishirinov``, ``Джумаев``
and ``Jumayev``) stops the save with the list of those persons, until the user confirms these
are different people.
Only names the user may see are compared: a protected person's real name cannot be
confirmed by typing it.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from monitor.approxdate import ApproximateDateFormField
from monitor.models import Place
from monitor.pages.editing import (
    OwnRowsFormSetMixin,
    VersionedForm,
    blame,
    use_team_field,
)
from monitor.services import record_save
from monitor.suggest import use_picker
from people import matching
from people.models import Person, PersonName

DATE_HELP = _("2022-05-18, 2022-05, May 2022, 2022 or c. 2021.")
#: How many likely duplicates a warning lists at most.
DUPLICATES_SHOWN = 10


def likely_duplicates(names, *, user, exclude=None) -> list[Person]:
    """Visible persons with a name like one of ``names`` (:func:`people.matching.
    likely_duplicates`, best first): who a monitor should look at before recording someone
    new."""
    found = matching.likely_duplicates(names, user=user, exclude=exclude, limit=DUPLICATES_SHOWN)
    return [match.person for match in found]


def duplicates_message(found) -> str:
    names = "; ".join(str(person) for person in found)
    return str(
        _(
            "Already recorded with a similar name: %(names)s. If one of them is this person, "
            "use that record; if not, tick “save anyway”."
        )
    ) % {"names": names}


class PersonForm(VersionedForm, forms.ModelForm):
    """Who a person is, and who may see them; their names are the formset below it."""

    birth_date = ApproximateDateFormField(
        label=_("Date of birth"), required=False, help_text=DATE_HELP
    )
    birth_place = forms.ModelChoiceField(
        queryset=Place.objects.none(), label=_("Place of birth"), required=False
    )
    residence = forms.ModelChoiceField(
        queryset=Place.objects.none(), label=_("Residence"), required=False
    )
    confirm_duplicates = forms.BooleanField(
        label=_("These are different people: save anyway"), required=False
    )

    summary_labels = {"confirm_duplicates": _("Likely duplicate")}

    class Meta:
        model = Person
        fields = [
            "gender",
            "birth_date",
            "birth_place",
            "residence",
            "occupation",
            "ethnicity",
            "contact",
            "biography",
            "is_protected",
            "confidentiality",
            "team",
        ]
        widgets = {
            "contact": forms.Textarea(attrs={"rows": 2}),
            "biography": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"team": _("Its members see the person whatever the confidentiality.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        use_picker(self, "birth_place", "place", user=user)
        use_picker(self, "residence", "place", user=user)
        use_team_field(self, user)
        self.duplicates: list[Person] = []


class PersonNameForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = PersonName
        fields = ["full_name", "kind", "script", "language", "is_primary"]
        help_texts = {"script": _("Found from the letters when left empty.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["script"].required = False

    def _get_validation_exclusions(self):
        # The person is set when saving (a new person has no id yet): its uniqueness and
        # one-primary rules are checked across the rows by the formset, then by the service.
        exclude = super()._get_validation_exclusions()
        exclude.add("person")
        return exclude


class BasePersonNameFormSet(OwnRowsFormSetMixin, forms.BaseModelFormSet):
    def __init__(self, *args, person: Person, **kwargs):
        self.person = person
        queryset = (
            PersonName.objects.filter(person=person, archived_at__isnull=True)
            if not person._state.adding
            else PersonName.objects.none()
        )
        kwargs.setdefault("prefix", "names")
        super().__init__(*args, queryset=queryset.order_by("-is_primary", "full_name"), **kwargs)
        for index, form in enumerate(self.forms, start=1):
            form.row_label = _("Name %(number)s") % {"number": index}

    def filled_forms(self) -> list:
        return [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get("full_name")
        ]

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        filled = self.filled_forms()
        if not filled:
            raise ValidationError(_("A person needs at least one name."), code="no_name")
        primaries = [form for form in filled if form.cleaned_data.get("is_primary")]
        if not primaries and len(filled) == 1:
            filled[0].cleaned_data["is_primary"] = True
            filled[0].instance.is_primary = True
        elif len(primaries) != 1:
            raise ValidationError(
                _("Mark exactly one name as the primary name (the one shown everywhere)."),
                code="primary",
            )
        seen: dict[str, object] = {}
        for form in filled:
            name = " ".join(form.cleaned_data["full_name"].split())
            if name.casefold() in seen:
                form.add_error("full_name", _("This name is given twice."))
            seen[name.casefold()] = form

    def save_names(self, *, person: Person, actor, reason: str = "") -> None:
        """Save changed rows, the primary name last (a person has one primary at a time)."""
        changed = [form for form in self.filled_forms() if form.content_changed()]
        changed.sort(key=lambda form: bool(form.cleaned_data.get("is_primary")))
        for form in changed:
            name = form.instance
            name.person = person
            with blame(form):
                record_save(
                    record=name,
                    actor=actor,
                    reason=reason,
                    expected_version=form.expected_version,
                )


PersonNameFormSet = forms.modelformset_factory(
    PersonName,
    form=PersonNameForm,
    formset=BasePersonNameFormSet,
    extra=1,
    can_delete=False,
)
