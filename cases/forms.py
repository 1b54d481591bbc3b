"""Forms for cases and what they hold: allegations, detentions and their steps, follow-ups.

Forms translate; the rules are the services' (``record_save``, ``citation_add``, the
follow-up services). Every choice list holds only what the user may see. A row that points
at a record the user may not see (a victim on another team's strict file) keeps it, shown
as "someone you may not see", and the choice cannot be changed: dropping it silently would
change the case without anyone deciding so.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cases.choices import ClaimStatus, FollowUpKind, PerpetratorRole
from cases.models import (
    Allegation,
    Case,
    Detention,
    DetentionStep,
    Event,
    EventFigure,
    FollowUp,
    FollowUpResponse,
)
from cases.services import (
    AllegationInput,
    DetentionInput,
    StepInput,
    case_reference_check,
    case_reference_normalize,
)
from monitor.approxdate import ApproximateDateFormField
from monitor.choices import Vocabulary
from monitor.lazytext import interpolated_lazy
from monitor.models import Place, Term, User
from monitor.pages.editing import (
    OwnRowsFormSetMixin,
    PageForm,
    TreeChoiceField,
    VersionedForm,
    use_team_field,
)
from monitor.suggest import use_picker
from people.models import Organization
from sources.choices import Credibility
from sources.forms import add_citation_fields, citation_input, clean_citation
from sources.models import Source

DATE_HELP = _("2022-05-18, 2022-05, May 2022, 2022 or c. 2021.")


def terms(user, vocabulary: Vocabulary):
    return Term.objects.visible_to(user).of(vocabulary).filter(archived_at__isnull=True)


def places(user):
    return Place.objects.visible_to(user).filter(archived_at__isnull=True)


def organizations(user):
    return Organization.objects.visible_to(user).filter(archived_at__isnull=True)


def keep_hidden_choice(form, name: str) -> None:
    """An existing row pointing at a record the user may not see keeps it, unnamed."""
    instance = form.instance
    value = getattr(instance, f"{name}_id", None)
    if instance._state.adding or value is None:
        return
    field = form.fields[name]
    if field.queryset.filter(pk=value).exists():
        return
    field.queryset = field.queryset.model._base_manager.filter(pk=value)
    field.disabled = True
    field.required = False
    field.label_from_instance = lambda obj: str(_("(someone or something you may not see)"))
    field.help_text = _("Kept as it is: you may not see or change this choice.")


# -- the case ----------------------------------------------------------------------------------


class CaseForm(VersionedForm, forms.ModelForm):
    """The case itself: reference, title, summary, what it is about, who may see it."""

    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=20,
        help_text=interpolated_lazy(
            _("Leave empty for the next free reference, e.g. %(example)s."),
            example="TJK-2023-0007",
        ),
    )
    events = forms.ModelMultipleChoiceField(
        queryset=Event.objects.none(), label=_("Events"), required=False
    )
    places = forms.ModelMultipleChoiceField(
        queryset=Place.objects.none(), label=_("Places"), required=False
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Term.objects.none(), label=_("Tags"), required=False
    )

    class Meta:
        model = Case
        fields = [
            "reference",
            "title",
            "summary",
            "language",
            "case_type",
            "events",
            "places",
            "tags",
            "confidentiality",
            "team",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"team": _("Its members see the case whatever its confidentiality.")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        use_picker(self, "events", "event", user=user)
        use_picker(self, "places", "place", user=user)
        use_picker(self, "tags", f"term-{Vocabulary.TAG}", user=user)
        use_team_field(self, user)
        if not self.instance._state.adding:
            self.fields["reference"].disabled = True
            self.fields["reference"].help_text = ""

    def clean_reference(self) -> str:
        # Left empty, the service numbers it; typed, it is checked by the service's rule.
        reference = case_reference_normalize(self.cleaned_data.get("reference"))
        if reference and self.instance._state.adding:
            try:
                case_reference_check(reference)
            except ValidationError as error:
                raise ValidationError(error.message_dict["reference"]) from error
        return reference

    def hidden_related(self, name: str) -> list:
        """Linked records of a many-to-many the user may not see: kept on saving."""
        if self.instance._state.adding:
            return []
        visible = self.fields[name].queryset.values("pk")
        return list(getattr(self.instance, name).exclude(pk__in=visible))


# -- rows: allegations and detentions --------------------------------------------------------


class RowForm(VersionedForm, forms.ModelForm):
    """A child row (an allegation, a detention, a step) with "cite a source" fields."""

    def __init__(self, *args, user, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        add_citation_fields(self, sources)
        self.citations: list = []

    def clean(self):
        data = super().clean()
        clean_citation(self)
        return data

    @property
    def is_new(self) -> bool:
        """A row for a record not saved yet (its id exists already: ids are UUIDs)."""
        return self.instance._state.adding


class NewPersonMixin:
    """A person field that can instead name someone new ("…or a new person")."""

    person_field = "person"
    summary_labels = {"new_person": _("New person"), "confirm_new_person": _("New person")}

    def add_new_person_fields(self) -> None:
        self.fields[self.person_field].required = False
        self.fields["new_person"] = forms.CharField(
            label=_("…or a new person (full name)"),
            required=False,
            max_length=300,
            help_text=_("Recorded as a new person with this name, seen like the case."),
        )
        self.fields["confirm_new_person"] = forms.BooleanField(
            label=_("This is someone new: record them anyway"), required=False
        )

    def clean_new_person_choice(self, *, required: bool) -> None:
        field = self.fields[self.person_field]
        data = self.cleaned_data
        chosen = data.get(self.person_field)
        typed = " ".join((data.get("new_person") or "").split())
        data["new_person"] = typed
        if field.disabled:
            if typed:
                self.add_error("new_person", _("The person of this row cannot be changed."))
        elif chosen and typed:
            self.add_error(
                "new_person", _("Choose a person from the list or type a new name, not both.")
            )
        elif required and not chosen and not typed:
            self.add_error(self.person_field, _("Choose the person, or type a new person's name."))

    def _get_validation_exclusions(self):
        # A new person is created when saving: the model's "who" rules wait until then.
        exclude = super()._get_validation_exclusions()
        if getattr(self, "cleaned_data", {}).get("new_person"):
            exclude.add(self.person_field)
        return exclude


class AllegationForm(NewPersonMixin, RowForm):
    person_field = "victim"

    violation_type = TreeChoiceField(queryset=Term.objects.none(), label=_("Violation"))
    place = forms.ModelChoiceField(queryset=Place.objects.none(), label=_("Place"), required=False)
    perpetrator = forms.ModelChoiceField(
        queryset=Organization.objects.none(),
        label=_("Alleged perpetrator (organisation)"),
        required=False,
    )
    perpetrator_role = forms.ChoiceField(
        label=_("Their role"), choices=PerpetratorRole.choices, initial=PerpetratorRole.DIRECT
    )

    class Meta:
        model = Allegation
        fields = [
            "victim",
            "victim_description",
            "violation_type",
            "date",
            "place",
            "description",
            "language",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"date": DATE_HELP}

    def __init__(self, *args, user, sources, **kwargs):
        super().__init__(*args, user=user, sources=sources, **kwargs)
        use_picker(self, "victim", "person", user=user)
        self.fields["violation_type"].queryset = terms(user, Vocabulary.VIOLATION_TYPE)
        use_picker(self, "place", "place", user=user)
        use_picker(self, "perpetrator", "organization", user=user)
        keep_hidden_choice(self, "victim")
        if not self.instance._state.adding:
            self.show_saved_perpetrator()
        self.add_new_person_fields()

    def show_saved_perpetrator(self) -> None:
        """The organisation saved as perpetrator is the field's value (the first one, with
        its role), so the form shows what is saved and saving it again adds nothing."""
        saved = (
            self.instance.perpetrators.filter(
                archived_at__isnull=True,
                organization__in=self.fields["perpetrator"].queryset.values("pk"),
            )
            .order_by("created_at")
            .first()
        )
        if saved is not None:
            self.initial["perpetrator"] = saved.organization_id
            self.initial["perpetrator_role"] = saved.role

    def clean(self):
        data = super().clean()
        self.clean_new_person_choice(required=False)
        return data

    def to_input(self) -> AllegationInput:
        """The row as the case service takes it."""
        data = self.cleaned_data
        return AllegationInput(
            allegation=self.instance,
            new_victim=data.get("new_person") or "",
            perpetrator=data.get("perpetrator"),
            perpetrator_role=data.get("perpetrator_role") or PerpetratorRole.DIRECT,
            citation=citation_input(self),
            expected_version=self.expected_version,
            changed=self.content_changed(),
        )


class DetentionForm(NewPersonMixin, RowForm):
    person_field = "person"

    arrested_on = ApproximateDateFormField(
        label=_("Arrested on"), required=False, help_text=DATE_HELP
    )
    held_at = forms.ModelChoiceField(
        queryset=Term.objects.none(), label=_("Held at (facility)"), required=False
    )

    class Meta:
        model = Detention
        fields = ["person", "description"]
        labels = {"person": _("Detained person")}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, sources, **kwargs):
        super().__init__(*args, user=user, sources=sources, **kwargs)
        use_picker(self, "person", "person", user=user)
        keep_hidden_choice(self, "person")
        self.add_new_person_fields()
        if self.instance._state.adding:
            use_picker(self, "held_at", f"term-{Vocabulary.FACILITY}", user=user)
        else:
            # Steps of a recorded detention are kept on its own page.
            del self.fields["arrested_on"], self.fields["held_at"]

    def clean(self):
        data = super().clean()
        self.clean_new_person_choice(required=True)
        return data

    def to_input(self) -> DetentionInput:
        """The row as the case service takes it (the arrest only for a new detention)."""
        data = self.cleaned_data
        return DetentionInput(
            detention=self.instance,
            new_person=data.get("new_person") or "",
            arrested_on=data.get("arrested_on"),
            held_at=data.get("held_at"),
            citation=citation_input(self),
            expected_version=self.expected_version,
            changed=self.content_changed(),
        )


class SentenceWidget(forms.MultiWidget):
    """A sentence typed as it is pronounced: years and months (stored in months)."""

    def __init__(self, attrs=None):
        number = {"min": 0, "inputmode": "numeric", "class": "input--short"}
        super().__init__(
            [
                forms.NumberInput(attrs={**number, "max": 99}),
                forms.NumberInput(attrs={**number, "max": 11}),
            ],
            attrs,
        )

    def decompress(self, value):
        if value in (None, ""):
            return [None, None]
        years, months = divmod(int(value), 12)
        return [years, months]

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, list) else self.decompress(value)
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = attrs.pop("id", None)
        words = (_("years"), _("months"))
        parts = []
        for index, (widget, word) in enumerate(zip(self.widgets, words, strict=True)):
            sub_attrs = dict(attrs, **({"id": f"{base_id}_{index}"} if base_id else {}))
            sub_attrs["aria-label"] = word
            sub = widget.render(f"{name}_{index}", values[index], sub_attrs, renderer)
            parts.append(format_html('<span class="sentence__part">{} {}</span>', sub, word))
        return format_html(
            '<span class="sentence">{}</span>', format_html_join(" ", "{}", ((p,) for p in parts))
        )


class SentenceField(forms.MultiValueField):
    """Years and months → months (the model's ``sentence_months``); both empty → none."""

    widget = SentenceWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("require_all_fields", False)
        kwargs.setdefault("required", False)
        super().__init__(
            fields=(
                forms.IntegerField(min_value=0, max_value=99, required=False),
                forms.IntegerField(min_value=0, max_value=11, required=False),
            ),
            **kwargs,
        )

    def compress(self, data_list):
        years, months = [*data_list, None, None][:2]
        if years in (None, "") and months in (None, ""):
            return None
        return int(years or 0) * 12 + int(months or 0)


class DetentionStepForm(RowForm):
    facility = forms.ModelChoiceField(
        queryset=Term.objects.none(), label=_("Facility"), required=False
    )
    place = forms.ModelChoiceField(queryset=Place.objects.none(), label=_("Place"), required=False)
    articles = forms.ModelMultipleChoiceField(
        queryset=Term.objects.none(), label=_("Criminal-code articles"), required=False
    )
    administrative_articles = forms.ModelMultipleChoiceField(
        queryset=Term.objects.none(), label=_("Administrative-code articles"), required=False
    )
    sentence_months = SentenceField(
        label=_("Sentence"), help_text=_("For a sentence or an appeal: years and months.")
    )

    class Meta:
        model = DetentionStep
        fields = [
            "kind",
            "date",
            "place",
            "facility",
            "held_at",
            "authority",
            "articles",
            "administrative_articles",
            "sentence_months",
            "life_sentence",
            "fine_amount",
            "fine_currency",
            "arrest_days",
            "community_work_hours",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "date": DATE_HELP,
            "fine_amount": _("For a fine: the amount, with its currency (TJS)."),
            "arrest_days": _("For an administrative arrest: how many days."),
        }

    def __init__(self, *args, user, sources, **kwargs):
        super().__init__(*args, user=user, sources=sources, **kwargs)
        use_picker(self, "facility", f"term-{Vocabulary.FACILITY}", user=user)
        use_picker(self, "place", "place", user=user)
        use_picker(self, "articles", f"term-{Vocabulary.CRIMINAL_ARTICLE}", user=user)
        use_picker(
            self, "administrative_articles", f"term-{Vocabulary.ADMINISTRATIVE_ARTICLE}", user=user
        )
        use_picker(self, "held_at", "facility", user=user)
        use_picker(self, "authority", "court", user=user)
        keep_hidden_choice(self, "authority")

    def to_input(self) -> StepInput:
        """The row as the steps service takes it."""
        return StepInput(
            step=self.instance,
            articles=list(self.cleaned_data.get("articles") or []),
            administrative_articles=list(self.cleaned_data.get("administrative_articles") or []),
            citation=citation_input(self),
            expected_version=self.expected_version,
            changed=self.content_changed(),
        )


class BaseRowFormSet(OwnRowsFormSetMixin, forms.BaseModelFormSet):
    """Rows of one kind under a parent (a case's allegations, a detention's steps)."""

    row_label = _("Row %(number)s")
    parent_field = ""

    def __init__(self, *args, parent, user, sources, prefix, **kwargs):
        self.parent = parent
        model = self.model
        if parent._state.adding:
            queryset = model.objects.none()
        else:
            queryset = model.objects.visible_to(user).filter(
                **{self.parent_field: parent}, archived_at__isnull=True
            )
        super().__init__(
            *args,
            queryset=queryset.order_by("created_at"),
            prefix=prefix,
            form_kwargs={"user": user, "sources": sources},
            **kwargs,
        )
        for number, form in enumerate(self.forms, start=1):
            form.row_label = self.row_label % {"number": number}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance._state.adding and not self.parent._state.adding:
            setattr(form.instance, self.parent_field, self.parent)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        form.row_label = self.row_label % {"number": "__num__"}
        return form

    def rows_to_save(self) -> list:
        """Rows with something to save: changed existing rows, filled new ones."""
        return [form for form in self.forms if form.cleaned_data and form.has_changed()]


class AllegationFormSet(BaseRowFormSet):
    row_label = _("Allegation %(number)s")
    parent_field = "case"


class DetentionFormSet(BaseRowFormSet):
    row_label = _("Detention %(number)s")
    parent_field = "case"


class StepFormSet(BaseRowFormSet):
    row_label = _("Step %(number)s")
    parent_field = "detention"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.parent._state.adding:
            self.queryset = self.queryset.order_by("date", "date_precision", "created_at")


def row_formset(model, form, formset, extra: int = 1):
    return forms.modelformset_factory(
        model, form=form, formset=formset, extra=extra, can_delete=False
    )


AllegationRows = row_formset(Allegation, AllegationForm, AllegationFormSet)
DetentionRows = row_formset(Detention, DetentionForm, DetentionFormSet)
StepRows = row_formset(DetentionStep, DetentionStepForm, StepFormSet, extra=2)

# -- follow-ups --------------------------------------------------------------------------------


class LinksForm:
    """A model form whose many-to-many links (``M2M``) the services save: each as chosen,
    with the linked records the user may not see kept (dropping them silently would change
    the record without anyone deciding so)."""

    M2M: tuple[str, ...] = ()

    def m2m_values(self) -> dict:
        values = {}
        for name in self.M2M:
            chosen = list(self.cleaned_data.get(name) or [])
            if not self.instance._state.adding:
                visible = self.fields[name].queryset.values("pk")
                chosen += list(getattr(self.instance, name).exclude(pk__in=visible))
            values[name] = chosen
        return values


class FollowUpForm(LinksForm, VersionedForm, forms.ModelForm):
    """A UN communication, a letter, a hearing, an appeal or a visit about a case."""

    communication_type = forms.ModelChoiceField(
        queryset=Term.objects.none(), label=_("UN communication type"), required=False
    )
    mandates = forms.ModelMultipleChoiceField(
        queryset=Term.objects.none(), label=_("Mandates"), required=False
    )
    due_on = forms.DateField(
        label=_("Response due"),
        required=False,
        help_text=interpolated_lazy(
            _(
                "YYYY-MM-DD. Leave empty for a UN communication: it is due %(days)s days after "
                "it was sent."
            ),
            days=settings.UN_RESPONSE_DAYS,
        ),
    )
    made_public_on = forms.DateField(
        label=_("Made public on"), required=False, help_text=_("YYYY-MM-DD.")
    )
    public_url = forms.URLField(
        label=_("Public link"), required=False, max_length=2000, assume_scheme="https"
    )

    class Meta:
        model = FollowUp
        fields = [
            "kind",
            "title",
            "description",
            "communication_type",
            "reference",
            "mandates",
            "addressee",
            "other_addressees",
            "persons",
            "sent",
            "occurs",
            "court",
            "due_on",
            "made_public_on",
            "public_url",
            "owner",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"sent": DATE_HELP, "occurs": DATE_HELP}

    #: The fields passed to the follow-up services as many-to-many values.
    M2M = ("mandates", "other_addressees", "persons")

    def __init__(self, *args, user, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.case = user, case
        self.fields["communication_type"].queryset = terms(user, Vocabulary.UN_COMMUNICATION_TYPE)
        use_picker(self, "mandates", f"term-{Vocabulary.UN_MANDATE}", user=user)
        for name in ("addressee", "other_addressees"):
            use_picker(self, name, "organization", user=user)
        use_picker(self, "court", "court", user=user)
        use_picker(self, "persons", "person", user=user)
        self.fields["owner"].queryset = owner_choices(user, current=self.instance.owner_id)
        keep_hidden_choice(self, "addressee")
        keep_hidden_choice(self, "court")
        if self.instance._state.adding and not self.is_bound:
            self.initial["owner"] = self.initial.get("owner") or user.pk
            self.initial["kind"] = self.initial.get("kind") or FollowUpKind.UN_COMMUNICATION

    def _get_validation_exclusions(self):
        # The services set the due date (the UN default) and check it with the rest.
        exclude = super()._get_validation_exclusions()
        exclude.add("due_on")
        return exclude

    def service_fields(self) -> dict:
        """The editable fields, as the follow-up services take them."""
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in self._meta.fields
            if name not in self.M2M and name not in ("kind", "title")
        }
        for name in ("description", "reference", "public_url"):
            fields[name] = fields.get(name) or ""
        return fields


def owner_choices(user, current=None):
    """Who may own a follow-up: the user and the members of their teams (the service checks
    that the owner can see the case)."""
    from django.db.models import Q

    rule = Q(pk=user.pk) | Q(teams__in=user.teams.all())
    if current:
        rule |= Q(pk=current)
    return User.objects.filter(rule, is_active=True).distinct().order_by("username")


class FollowUpResponseForm(PageForm, forms.ModelForm):
    """An answer to a follow-up (or its recorded absence)."""

    document = forms.ModelChoiceField(
        queryset=Source.objects.none(), label=_("Document (a source)"), required=False
    )

    class Meta:
        model = FollowUpResponse
        fields = ["kind", "received", "summary", "document"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"received": DATE_HELP}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self, "document", "source", user=user)

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.add("followup")
        return exclude


# -- events ------------------------------------------------------------------------------------


class EventForm(LinksForm, VersionedForm, forms.ModelForm):
    """An event — a rally, an operation, a trial, a mass arrest — as the event service takes it
    (``record_save``, as the API does): a draft of the user's team that enters review."""

    kind = TreeChoiceField(queryset=Term.objects.none(), label=_("Kind"), required=False)
    start = ApproximateDateFormField(label=_("Start"), required=False, help_text=DATE_HELP)
    end = ApproximateDateFormField(label=_("End"), required=False, help_text=DATE_HELP)

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "parent",
            "start",
            "end",
            "places",
            "description",
            "assembly_status",
            "organiser_persons",
            "organiser_organizations",
            "tags",
            "confidentiality",
            "team",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"team": _("Its members see the event whatever its confidentiality.")}

    #: The many-to-many fields, saved with the event by the service.
    M2M = ("places", "organiser_persons", "organiser_organizations", "tags")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].queryset = terms(user, Vocabulary.EVENT_TYPE)
        use_picker(self, "parent", "event", user=user)
        if not self.instance._state.adding:
            parent = self.fields["parent"]
            parent.queryset = parent.queryset.exclude(pk=self.instance.pk)
        use_picker(self, "places", "place", user=user)
        use_picker(self, "organiser_persons", "person", user=user)
        use_picker(self, "organiser_organizations", "organization", user=user)
        use_picker(self, "tags", f"term-{Vocabulary.TAG}", user=user)
        keep_hidden_choice(self, "parent")
        use_team_field(self, user)


# -- claim status, contested figures ------------------------------------------------------------


class ClaimStatusForm(PageForm, forms.Form):
    """A claim's status (corroborated, disputed, refuted…): ``claim_set_status`` decides
    whether the evidence and the four-eyes rule allow it, as for the API."""

    status = forms.ChoiceField(label=_("Claim status"), choices=ClaimStatus.choices)
    comment = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=500,
        help_text=_("Kept in the history with your name."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class FigureForm(PageForm, forms.ModelForm):
    """One party's figure for an event ("more than 40 killed, say UN experts"), with the
    source that gives it: ``figure_add``, as for the API."""

    source = forms.ModelChoiceField(queryset=Source.objects.none(), label=_("Source"))
    as_of = ApproximateDateFormField(label=_("As of"), required=False, help_text=DATE_HELP)
    page = forms.CharField(label=_("Page"), required=False, max_length=40)
    quote = forms.CharField(
        label=_("Quote"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    credibility = forms.TypedChoiceField(
        label=_("Credibility of this information"),
        choices=Credibility.choices,
        coerce=int,
        initial=Credibility.CANNOT_JUDGE,
    )

    class Meta:
        model = EventFigure
        fields = ["kind", "qualifier", "value", "value_max", "claimed_by", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        use_picker(self, "source", "source", user=user)

    def _get_validation_exclusions(self):
        # The figure's event, source and date are the service's to set and check.
        exclude = super()._get_validation_exclusions()
        exclude.update({"event", "source", "as_of"})
        return exclude
