"""Forms for sources: the source with an evidence upload, a quick "new source", citing one.

Forms translate what people type; the rules are the services' (``record_save``,
``citation_add``, ``evidence_upload``). Every choice list holds only what the user may see.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from monitor.approxdate import ApproximateDateFormField
from monitor.choices import Vocabulary
from monitor.models import Term
from monitor.pages.editing import (
    PageForm,
    TreeChoiceField,
    VersionedForm,
    blame,
    use_team_field,
)
from monitor.suggest import Fixed, use_picker
from sources import evidence as filetypes
from sources.choices import Credibility, Reliability, Stance
from sources.models import Citation, Source
from sources.pickers import source_choices
from sources.services import (
    CitationInput,
    NewSource,
    citable_fields,
    source_create_quick,
)

DATE_HELP = _("2022-05-18, 2022-05, May 2022, 2022 or c. 2021.")


visible_sources = source_choices


def source_kinds(user):
    return Term.objects.visible_to(user).of(Vocabulary.SOURCE_KIND).filter(archived_at__isnull=True)


class SourceForm(VersionedForm, forms.ModelForm):
    """A source: where information comes from, how reliable it has proved, who may see it."""

    kind = TreeChoiceField(queryset=Term.objects.none(), label=_("Kind"))
    url = forms.URLField(label=_("URL"), required=False, max_length=2000, assume_scheme="https")
    captured_at = forms.DateTimeField(
        label=_("Web capture taken at"),
        required=False,
        help_text=_("For a captured web page: when it was captured, e.g. 2023-05-12 14:30."),
    )

    class Meta:
        model = Source
        fields = [
            "title",
            "kind",
            "publisher",
            "author",
            "url",
            "language",
            "published",
            "obtained",
            "obtained_how",
            "reliability",
            "summary",
            "derived_from",
            "captured_at",
            "is_protected",
            "confidentiality",
            "team",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "obtained_how": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "published": DATE_HELP,
            "obtained": DATE_HELP,
            "derived_from": _(
                "Sources this one repeats (a news story re-telling a statement): they never "
                "count as independent corroboration of each other."
            ),
            "team": _("Its members see the source whatever its confidentiality."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].queryset = source_kinds(user)
        use_picker(self, "derived_from", "source", user=user)
        if not self.instance._state.adding:
            field = self.fields["derived_from"]
            field.queryset = field.queryset.exclude(pk=self.instance.pk)
        use_team_field(self, user)


class EvidenceUploadForm(PageForm, forms.Form):
    """One file to keep as evidence of the source, checked by its content, not its name."""

    file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_(
            "A document, photo, recording or video. Its type is read from its content; "
            "its SHA-256 is taken as it is stored."
        ),
    )
    description = forms.CharField(
        label=_("What the file is"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_web_capture = forms.BooleanField(
        label=_("This file is a capture of the web page at the source's URL"), required=False
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            # The service checks again; checking here answers before anything is saved.
            try:
                filetypes.check_upload(
                    upload,
                    is_web_capture=bool(data.get("is_web_capture")),
                    max_bytes=settings.EVIDENCE_MAX_BYTES,
                )
            except ValidationError as error:
                messages = getattr(error, "message_dict", {}).get("file") or error.messages
                self.add_error("file", messages)
            upload.seek(0)
        return data


class NewSourceForm(PageForm, forms.Form):
    """A source described on the spot, to cite it on the same page without leaving it."""

    title = forms.CharField(label=_("Title"), required=False, max_length=500)
    kind = TreeChoiceField(queryset=Term.objects.none(), label=_("Kind"), required=False)
    publisher = forms.CharField(label=_("Publisher"), required=False, max_length=300)
    url = forms.URLField(label=_("URL"), required=False, max_length=2000, assume_scheme="https")
    published = ApproximateDateFormField(label=_("Published"), required=False, help_text=DATE_HELP)
    reliability = forms.ChoiceField(
        label=_("Reliability"), choices=Reliability.choices, initial=Reliability.F
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("prefix", "newsource")
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = source_kinds(user)

    @property
    def is_filled(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("title") or data.get("publisher") or data.get("url"))

    def clean(self):
        data = super().clean()
        if self.is_filled:
            if not data.get("title"):
                self.add_error("title", _("Give the new source a title."))
            if not data.get("kind"):
                self.add_error("kind", _("Say what kind of source it is."))
        return data

    def to_input(self) -> NewSource | None:
        """The source described, as the services take it (None: nothing described)."""
        if not self.is_filled:
            return None
        data = self.cleaned_data
        return NewSource(
            title=data["title"],
            kind=data["kind"],
            publisher=data.get("publisher") or "",
            url=data.get("url") or "",
            published=data.get("published"),
            reliability=data.get("reliability") or Reliability.F,
        )

    def save(self, *, actor, team, confidentiality) -> Source | None:
        """Create the source (in the team and at the level of the record citing it)."""
        described = self.to_input()
        if described is None:
            return None
        with blame(self):
            return source_create_quick(
                actor=actor, source=described, team=team, confidentiality=confidentiality
            )


# -- citing a source from a row of another form ------------------------------------------------

#: The value of "the new source described on this page" in a row's source list.
NEW_SOURCE = "new"
#: A citation's field names → the row form's field names, for errors from the service.
CITATION_FIELDS = {
    "source": "cite_source",
    "page": "cite_page",
    "timestamp": "cite_timestamp",
    "quote": "cite_quote",
    "credibility": "cite_credibility",
    "stance": "cite_stance",
    "field_name": "cite_field",
}


class SourceChoices:
    """What a page's rows may cite: the sources the user may see (found as they type, never
    listed whole: a register holds tens of thousands), and the new source described on the
    page where it offers one."""

    def __init__(self, user, *, allow_new: bool = True):
        self.user = user
        self.allow_new = allow_new

    def fixed(self) -> tuple[Fixed, ...]:
        if not self.allow_new:
            return ()
        return (
            Fixed(
                value=NEW_SOURCE,
                label=_("New source (described below on this page)"),
                # Translators: typed in a "Cite a source" box to cite the new source.
                keyword=pgettext_lazy("typed to cite the new source", "new"),
            ),
        )


class CiteSourceField(forms.ModelChoiceField):
    """A source the user may cite, or "new" (the source described on the same page)."""

    def __init__(self, *args, allow_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_new = allow_new

    def clean(self, value):
        if self.allow_new and value == NEW_SOURCE:
            return NEW_SOURCE
        return super().clean(value)


def add_citation_fields(form, sources: SourceChoices) -> None:
    """Give a row form the fields to cite one more source for its record."""
    form.fields["cite_source"] = CiteSourceField(
        queryset=Source.objects.none(),
        label=_("Cite a source"),
        required=False,
        allow_new=sources.allow_new,
    )
    use_picker(form, "cite_source", "source", user=sources.user, fixed=sources.fixed())
    form.fields["cite_page"] = forms.CharField(label=_("Page"), required=False, max_length=40)
    form.fields["cite_timestamp"] = forms.CharField(
        label=_("Timestamp"),
        required=False,
        max_length=40,
        help_text=_("In audio or video, e.g. 12:31."),
    )
    form.fields["cite_quote"] = forms.CharField(
        label=_("Quote"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    form.fields["cite_credibility"] = forms.TypedChoiceField(
        label=_("Credibility of this information"),
        choices=Credibility.choices,
        coerce=int,
        initial=Credibility.CANNOT_JUDGE,
    )
    form.fields["cite_stance"] = forms.ChoiceField(
        label=_("The source"),
        choices=Stance.choices,
        initial=Stance.SUPPORTS,
        help_text=_("A source that contests the claim makes it disputed."),
    )
    fields = citable_fields(form._meta.model)
    form.fields["cite_field"] = forms.ChoiceField(
        label=_("What it supports"),
        choices=[("", _("the whole record")), *fields.items()],
        required=False,
    )
    form.citation_sources = sources


CITATION_FIELD_NAMES = ("cite_source", "cite_page", "cite_timestamp", "cite_quote")


def clean_citation(form) -> None:
    """A locator or a quote without a source is a citation of nothing: say so."""
    data = form.cleaned_data
    if not data.get("cite_source") and any(data.get(name) for name in CITATION_FIELD_NAMES[1:]):
        form.add_error("cite_source", _("Choose the source this page or quote comes from."))


def wants_new_source(form) -> bool:
    return getattr(form, "cleaned_data", {}).get("cite_source") == NEW_SOURCE


def citation_input(form) -> CitationInput | None:
    """The citation a row asks for, as the services take it (None: none asked for)."""
    data = form.cleaned_data
    choice = data.get("cite_source")
    if not choice:
        return None
    return CitationInput(
        source=None if choice == NEW_SOURCE else choice,
        page=data.get("cite_page") or "",
        timestamp=data.get("cite_timestamp") or "",
        quote=data.get("cite_quote") or "",
        credibility=data.get("cite_credibility") or Credibility.CANNOT_JUDGE,
        stance=data.get("cite_stance") or Stance.SUPPORTS,
        field_name=data.get("cite_field") or "",
    )


def citations_by_record(records, user) -> dict:
    """The visible citations of ``records`` (any one model), keyed by record id."""
    from django.contrib.contenttypes.models import ContentType

    records = [record for record in records if record is not None and record.pk]
    if not records:
        return {}
    content_type = ContentType.objects.get_for_model(type(records[0]))
    found: dict = {}
    citations = (
        Citation.objects.visible_to(user)
        .filter(
            content_type=content_type,
            object_id__in=[r.pk for r in records],
            archived_at__isnull=True,
        )
        .select_related("source")
        .order_by("created_at")
    )
    for citation in citations:
        found.setdefault(citation.object_id, []).append(citation)
    return found
