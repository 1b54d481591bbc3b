"""The forms behind every admin change page of an audited record.

They carry the version the form was opened at and ask the services' rules in ``clean()``,
so a stale edit or a refusal comes back on the form with the user's input kept; and they
keep links to records the user may not see instead of silently dropping them. See
:mod:`monitor.admin.base` for the pages that use them.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from monitor.admin_history import NOT_VISIBLE
from monitor.models.base import StaleEdit
from monitor.services import edit_refusal

#: Form fields that are not the record's: the version it was opened at, why it changes.
FORM_ONLY_FIELDS = ("change_reason", "expected_version")


class KeptLinkWidget(forms.Widget):
    """Stands where a link to a record the user may not see is: says so, names nothing."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<div class="readonly">{}</div>', NOT_VISIBLE)


class KeptLinkField(forms.Field):
    """A link to a record the user may not see, kept exactly as it is.

    Without it the choice list (visible records only) would not hold the linked record: the
    form would show the field empty and a save would silently unlink it.
    """

    widget = KeptLinkWidget

    def __init__(self, linked, **kwargs):
        super().__init__(required=False, disabled=True, **kwargs)
        self.linked = linked

    def clean(self, value):
        return self.linked


class VersionedFormMixin(forms.Form):
    """What every audited form carries: the version it was opened at (a hidden field, for
    optimistic concurrency), and the links its user may not see, kept untouched."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_links: dict[str, list] = {}
        if not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version
            self._keep_hidden_links()

    def _keep_hidden_links(self) -> None:
        instance = self.instance
        for name, field in list(self.fields.items()):
            if not isinstance(field, forms.ModelChoiceField):
                continue
            try:
                model_field = instance._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, forms.ModelMultipleChoiceField):
                if not model_field.many_to_many:
                    continue
                linked = set(getattr(instance, name).values_list("pk", flat=True))
                visible = set(field.queryset.filter(pk__in=linked).values_list("pk", flat=True))
                if linked - visible:
                    self._kept_links[name] = list(
                        model_field.related_model._base_manager.filter(pk__in=linked - visible)
                    )
                    self.initial[name] = sorted(visible, key=str)  # what the widget shows
            elif model_field.many_to_one:
                value = getattr(instance, model_field.attname, None)
                if value is not None and not field.queryset.filter(pk=value).exists():
                    self.fields[name] = KeptLinkField(
                        getattr(instance, name), label=field.label, help_text=field.help_text
                    )

    def clean(self):
        cleaned = super().clean()
        # Many-to-many: what the user chose among what they see, plus what they cannot see.
        for name, hidden in self._kept_links.items():
            if name in cleaned:
                cleaned[name] = [*cleaned[name], *hidden]
        return cleaned

    @cached_property
    def changed_data(self):
        # The version and the reason are about the edit, not the record: an untouched inline
        # row opened at an older version has not "changed" and is not saved.
        return [name for name in super().changed_data if name not in FORM_ONLY_FIELDS]

    def check_version(self, stored) -> None:
        """Refuse an edit based on a version someone has since replaced (StaleEdit)."""
        posted = self.cleaned_data.get("expected_version")
        if posted is None:
            self.add_error(
                None,
                _(
                    "This form does not say which version of the record you edited; reload "
                    "the page and apply your changes again."
                ),
            )
        elif posted != stored.version:
            self.add_error(None, StaleEdit(stored, posted))


class AuditedModelForm(VersionedFormMixin, forms.ModelForm):
    """The change form of an audited record.

    Its ``clean`` asks the services' own rules before anything is written — the version, the
    right to edit — so a refusal comes back on the form with the input kept. The service
    checks again when it saves (the last guard, against races); see
    :meth:`AuditedAdmin.changeform_view` for what happens when that guard answers.
    """

    change_reason = forms.CharField(
        label=_("Reason for change"),
        required=False,
        max_length=300,
        help_text=_("Optional; kept in the record's history with your change."),
        widget=forms.TextInput(attrs={"size": 60}),
    )

    #: The request this form answers; set by :meth:`AuditedAdmin.get_form`.
    admin_request = None

    def _post_clean(self):
        super()._post_clean()
        request = self.admin_request
        if request is None:
            return
        # A save the service refused on the first try: shown, and nothing is saved.
        for message in getattr(request, "_monitor_refusals", ()):
            self.add_error(None, message)
        if self._errors:
            return
        self.check_with_services(request.user)

    def check_with_services(self, user) -> None:
        instance = self.instance
        try:
            if instance._state.adding:
                refusal = edit_refusal(record=instance, actor=user)
            else:
                stored = type(instance)._base_manager.get(pk=instance.pk)
                self.check_version(stored)
                # As record_save does: the right comes from the record as stored, and a
                # child moved to another parent needs the right to edit that one too.
                refusal = edit_refusal(record=stored, actor=user)
                if refusal is None and instance.review_root() is not instance:
                    refusal = edit_refusal(record=instance, actor=user)
        except ObjectDoesNotExist:
            return  # an incomplete record (no parent chosen): its field errors say so
        if refusal:
            self.add_error(None, refusal)


class AuditedInlineForm(VersionedFormMixin, forms.ModelForm):
    """An inline row: its own version is checked; the parent form carries the reason."""

    def _post_clean(self):
        super()._post_clean()
        if self._errors or self.instance._state.adding or not self.has_changed():
            return
        stored = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
        if stored is not None:
            self.check_version(stored)
