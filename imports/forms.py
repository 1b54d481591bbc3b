"""Page forms of imports: they translate what a person typed; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.choices import ImportKind, OnError
from imports.fields import fields_of
from imports.matching import VOCABULARY_OF
from monitor.choices import Confidentiality
from monitor.models import Place, Term


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        help_text=_("The first row names the columns; each following row is one record."),
    )
    kind = forms.ChoiceField(label=_("Each row is"), choices=ImportKind.choices)
    team = forms.ChoiceField(label=_("Team"), required=False)
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality of what is imported"),
        choices=Confidentiality.choices,
        coerce=int,
        initial=Confidentiality.CONFIDENTIAL,
    )
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV)"),
        required=False,
        choices=[
            ("", _("detect")),
            ("utf-8", "UTF-8"),
            ("utf-8-sig", _("UTF-8 with BOM")),
            ("cp1251", _("cp1251 (Excel, Russian locale)")),
        ],
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter (CSV)"),
        required=False,
        choices=[("", _("detect")), (",", ","), (";", ";"), ("\t", _("tab")), ("|", "|")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.teams = {str(team.pk): team for team in user.teams.all()}
        self.fields["team"].choices = [("", _("no team"))] + [
            (pk, team.name) for pk, team in self.teams.items()
        ]
        if len(self.teams) == 1:
            self.fields["team"].initial = next(iter(self.teams))

    def clean_team(self):
        return self.teams.get(self.cleaned_data.get("team") or "")


class MappingForm(forms.Form):
    """One choice of column per field, what to do on an error, an optional template name,
    and, for each value not in a vocabulary yet, a term to map it to."""

    on_error = forms.ChoiceField(label=_("On an error"), choices=OnError.choices)
    template_name = forms.CharField(
        label=_("Save this mapping as a template named"), required=False, max_length=200
    )

    def __init__(self, *args, job, proposals=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        columns = [("", _("— not in this file —"))] + [(h, h) for h in job.headers]
        self.field_codes = []
        for f in fields_of(job.kind):
            name = f"map_{f.code}"
            self.fields[name] = forms.ChoiceField(
                label=f.label, choices=columns, required=False,
                initial=job.mapping.get(f.code, ""),
            )  # fmt: skip
            self.field_codes.append((f.code, name))
        self.fields["on_error"].initial = job.on_error
        self.value_fields = []
        for code, values in (proposals or {}).items():
            choices = _targets(code)
            for position, value in enumerate(sorted(values)):
                name = f"value_{code}_{position}"
                self.fields[name] = forms.ChoiceField(
                    label=f"{value}", choices=choices, required=False,
                    initial=job.value_map.get(code, {}).get(value, ""),
                )  # fmt: skip
                self.value_fields.append((code, value, name))

    def mapping(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(name, "") for code, name in self.field_codes}

    def value_map(self) -> dict:
        found = dict(self.job.value_map)
        for code, value, name in self.value_fields:
            target = self.cleaned_data.get(name)
            if target:
                found.setdefault(code, {})[value] = target
        return found

    def mapping_fields(self):
        return [self[name] for _code, name in self.field_codes]

    def value_map_fields(self):
        return [(code, self[name]) for code, _value, name in self.value_fields]


def _targets(code: str) -> list[tuple[str, str]]:
    keep = [("", _("propose as new (a coordinator adds it)"))]
    if code in ("place", "places"):
        return keep + [(str(p.pk), p.name) for p in Place.objects.filter(archived_at__isnull=True)]
    vocabulary = VOCABULARY_OF.get(code)
    terms = Term.objects.of(vocabulary).filter(archived_at__isnull=True) if vocabulary else []
    return keep + [(str(t.pk), t.label) for t in terms]


class KindForm(forms.Form):
    kind = forms.ChoiceField(label=_("Each row is"), choices=ImportKind.choices)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)
