"""Create and edit places of detention and group detentions (with their figures and the
detainees named from them).

Every write goes through the services the API calls — ``record_save`` for the record,
``figure_add`` / ``figure_edit`` for its figures, ``record_save`` for each detention named
from the group — as the signed-in user, in one transaction per page
(:mod:`monitor.pages.editing`): a refusal anywhere saves nothing.

Who may do what (tested in ``tests/forms/test_protest_forms.py``): a group detention whose
case the user may not see answers 404; one they see but may not edit (a viewer, another
team's monitor) answers 403 with the reason. Places of detention are reference data, kept
by those whose role may add them (coordinators; the API refuses monitors alike).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.models import Case, Event, Facility, GroupDetention
from cases.protest_forms import FacilityForm, FigureRows, GroupDetentionForm
from cases.services import figure_add, figure_edit
from monitor.pages.editing import (
    EditPage,
    ReasonForm,
    blame,
    may_edit,
    refused,
    visible_or_404,
)
from monitor.services import record_save

# -- places of detention ----------------------------------------------------------------------


class FacilityPage(EditPage):
    template_name = "cases/facility_form.html"

    def build(self, data=None, files=None) -> None:
        self.forms = {
            "form": FacilityForm(data, instance=self.record or Facility(), user=self.user),
            "reason_form": ReasonForm(data, prefix="history"),
        }

    def save(self) -> Facility:
        form = self.forms["form"]
        if not form.content_changed():
            return form.instance
        reason = self.forms["reason_form"].cleaned_data.get("change_reason", "")
        with blame(form):
            return record_save(
                record=form.instance,
                actor=self.user,
                reason=reason or (_("Place of detention added") if self.record is None else ""),
                expected_version=form.expected_version,
            )

    def success_url(self, record) -> str:
        return reverse("facility-detail", args=[record.pk])

    def extra_context(self) -> dict:
        return {
            "cancel_url": reverse("facility-detail", args=[self.record.pk])
            if self.record
            else reverse("facility-list")
        }


@require_http_methods(["GET", "POST"])
def facility_create(request):
    refusal = may_edit(Facility(), request.user)
    if refusal:
        return refused(request, refusal, back=reverse("facility-list"))
    return FacilityPage(request).handle()


@require_http_methods(["GET", "POST"])
def facility_edit(request, pk):
    facility = visible_or_404(Facility, request.user, pk)
    refusal = may_edit(facility, request.user)
    if refusal:
        return refused(request, refusal, back=reverse("facility-detail", args=[facility.pk]))
    return FacilityPage(request, facility).handle()


# -- group detentions -------------------------------------------------------------------------


class GroupDetentionPage(EditPage):
    template_name = "cases/groupdetention_form.html"

    def __init__(self, request, case: Case, group: GroupDetention | None = None, event=None):
        super().__init__(request, group)
        self.case = case
        self.event = event

    def build(self, data=None, files=None) -> None:
        group = self.record or GroupDetention(case=self.case, event=self.event)
        self.forms = {
            "form": GroupDetentionForm(data, instance=group, user=self.user),
            "figures": FigureRows(
                data, parent=group, user=self.user, sources=None, prefix="figures"
            ),
            "reason_form": ReasonForm(data, prefix="history"),
        }

    def summary_entries(self):
        return [
            ("", self.forms["form"]),
            (_("Figures"), self.forms["figures"]),
            ("", self.forms["reason_form"]),
        ]

    def save(self) -> GroupDetention:
        form = self.forms["form"]
        reason = self.forms["reason_form"].cleaned_data.get("change_reason", "")
        group = form.instance
        if form.content_changed():
            with blame(form):
                group = record_save(
                    record=group,
                    actor=self.user,
                    reason=reason or (_("Group detention recorded") if self.record is None else ""),
                    expected_version=form.expected_version,
                )
        for row in self.forms["figures"].rows_to_save():
            with blame(row):
                if row.is_new:
                    figure_add(parent=group, actor=self.user, **row.figure_values())
                else:
                    figure_edit(
                        figure=row.instance,
                        actor=self.user,
                        changes=row.changes(),
                        reason=reason,
                        expected_version=row.expected_version,
                    )
        # Named later: each detention attached (or taken out) is a change in its own history,
        # and the group's count of the unidentified follows (GroupDetention.unidentified).
        attach, detach = form.detainee_changes()
        for detention, value, why in [
            *((d, group, _("Named from the group detention")) for d in attach),
            *((d, None, _("No longer counted in the group detention")) for d in detach),
        ]:
            detention.group = value
            with blame(form, rename={"group": "detainees"}):
                record_save(record=detention, actor=self.user, reason=reason or why)
        return group

    def success_url(self, record) -> str:
        return reverse("groupdetention-edit", args=[record.pk])

    def success_message(self, record) -> str:
        return _("The group detention was saved.")

    def extra_context(self) -> dict:
        group = self.record
        return {
            "case": self.case,
            "group": group,
            "more_sources_url": reverse("source-create"),
            "cancel_url": reverse("case-detail", args=[self.case.pk]),
        }


@require_http_methods(["GET", "POST"])
def groupdetention_create(request):
    """A new group detention in the case given as ``?case=<id>`` (at ``?event=<id>``)."""
    user = request.user
    case = visible_or_404(Case, user, request.GET.get("case") or "")
    event = None
    if request.GET.get("event"):
        event = visible_or_404(Event, user, request.GET["event"])
    refusal = may_edit(GroupDetention(case=case), user)
    if refusal:
        return refused(request, refusal, back=reverse("case-detail", args=[case.pk]))
    return GroupDetentionPage(request, case, event=event).handle()


@require_http_methods(["GET", "POST"])
def groupdetention_edit(request, pk):
    group = visible_or_404(GroupDetention, request.user, pk)
    refusal = may_edit(group, request.user)
    if refusal:
        return refused(request, refusal, back=reverse("case-detail", args=[group.case_id]))
    return GroupDetentionPage(request, group.case, group).handle()
