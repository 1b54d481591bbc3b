"""Create and edit a person with their name variants, submit them for review.

Who may do what (tested in ``tests/forms``): a person the user may not see answers 404; one
they see but may not edit answers 403 with the reason; a protected person whose identity the
user is not cleared for cannot be edited (the form would show their names).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from monitor.access import reveals_identity
from monitor.pages.editing import (
    EditPage,
    FormError,
    ReasonForm,
    blame,
    form_key,
    may_edit,
    refused,
    safe_next,
    submit_for_review,
    visible_or_404,
)
from monitor.services import PartError, record_save
from people import services as people_services
from people.forms import PersonForm, PersonNameFormSet, duplicates_message, likely_duplicates
from people.models import Person


class PersonPage(EditPage):
    template_name = "people/person_form.html"
    offers_submit = True

    def build(self, data=None, files=None) -> None:
        record = self.record or Person()
        self.forms = {
            "form": PersonForm(data, instance=record, user=self.user),
            "names": PersonNameFormSet(data, person=record),
            "reason_form": ReasonForm(data, prefix="history"),
        }

    def summary_entries(self):
        return [
            ("", self.forms["form"]),
            (_("Names"), self.forms["names"]),
            ("", self.forms["reason_form"]),
        ]

    def cross_check(self) -> None:
        """Likely duplicates, before anything is saved (until the user says to go on)."""
        form, names = self.forms["form"], self.forms["names"]
        if form.cleaned_data.get("confirm_duplicates"):
            return
        typed = [f.cleaned_data["full_name"] for f in names.filled_forms() if f.content_changed()]
        if not typed:
            return
        exclude = None if self.record is None else self.record
        form.duplicates = likely_duplicates(typed, user=self.user, exclude=exclude)
        if form.duplicates:
            form.add_error("confirm_duplicates", duplicates_message(form.duplicates))

    def save(self) -> Person:
        form, names = self.forms["form"], self.forms["names"]
        reason = self.forms["reason_form"].cleaned_data.get("change_reason", "")
        person = form.instance
        if self.record is None:
            # A new person with their names: the person service, as the API and the admin.
            filled = names.filled_forms()
            with blame(form):
                try:
                    return people_services.person_create(
                        actor=self.user,
                        person=person,
                        names=[row.instance for row in filled],
                        reason=reason,
                    )
                except PartError as error:
                    if error.index is None:
                        raise error.error from error
                    raise FormError(form_key(filled[error.index]), error.error) from error
        if form.content_changed():
            with blame(form):
                person = record_save(
                    record=person,
                    actor=self.user,
                    reason=reason,
                    expected_version=form.expected_version,
                )
        names.save_names(person=person, actor=self.user, reason=reason)
        return person

    def success_url(self, record) -> str:
        return safe_next(self.request, reverse("person-edit", args=[record.pk]))

    def extra_context(self) -> dict:
        return {
            "next": safe_next(self.request, ""),
            "cancel_url": reverse("person-detail", args=[self.record.pk])
            if self.record
            else reverse("person-list"),
        }


@require_http_methods(["GET", "POST"])
def person_create(request):
    """A new person; ``?next=`` brings the user back where they came from after saving."""
    refusal = may_edit(Person(), request.user)
    if refusal:
        return refused(request, refusal, back=reverse("person-list"))
    return PersonPage(request).handle()


@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = visible_or_404(Person, request.user, pk)
    refusal = may_edit(person, request.user)
    if refusal is None and not reveals_identity(request.user, person):
        refusal = _("This person's identity is protected and you are not cleared for it.")
    if refusal:
        return refused(request, refusal, back=reverse("person-detail", args=[person.pk]))
    return PersonPage(request, person).handle()


@require_POST
def person_submit(request, pk):
    return submit_for_review(request, Person, pk, done_url=reverse("person-detail", args=[pk]))
