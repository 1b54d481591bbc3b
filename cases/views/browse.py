"""The pages of cases, events and follow-ups: lists (with CSV export) and detail pages.

Every record comes from ``visible_to(request.user)``; a record the user may not see answers
404 (its existence is not revealed). A linked record the user may not see (a victim, an
addressee, a parent event) is prefetched through ``visible_to`` too, so it reads as None and
the page says "not shown" instead of naming it.

Archived records: lists leave them out unless the "archived" filter asks for them; their
detail pages stay reachable by whoever may see them, with an "archived" banner, so links
and citations made before archiving keep working (nothing is lost, and nothing is hidden
from those who may read it).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views.decorators.http import require_safe

from cases.choices import CasePersonRole, FollowUpStatus, StepKind
from cases.counts import detained_at_events, detained_by_case
from cases.deadlines import expected_release
from cases.filtersets import (
    AllegationFilterSet,
    CaseFilterSet,
    DetentionFilterSet,
    EventFilterSet,
    FollowUpFilterSet,
)
from cases.models import (
    Allegation,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    FollowUp,
    FollowUpResponse,
)
from cases.models.protest import ADMINISTRATIVE_CUSTODY_LIMIT_HOURS
from cases.provenance import (
    figures_summary,
    provenance_for_records,
)
from cases.tables import (
    AllegationTable,
    CaseTable,
    DetentionTable,
    EventTable,
    FollowUpTable,
)
from cases.views.protest import groups_shown
from monitor.choices import ReviewState
from monitor.pages.editing import may_edit
from monitor.pages.helpers import decisions_for, history_entries, latest_return
from monitor.pages.listing import ListPage, format_date
from monitor.selectors import visible_prefetch
from people.selectors import (
    attach_persons,
    linked_person,
    organization_prefetch,
    person_prefetch,
    visible_organizations,
    visible_persons,
)

# -- lists -------------------------------------------------------------------------------------


class CaseListPage(ListPage):
    model = Case
    filterset_class = CaseFilterSet
    template_name = "cases/case_list.html"
    search_label = _("Search cases")
    search_help = _("Words in the reference, title or summary.")
    export_url_name = "case-export"
    noun = ("case", "cases")
    count_text = ngettext_lazy("%(count)d case", "%(count)d cases", "count")
    checkbox_filters = ("review_state", "case_type", "confidentiality")
    table = CaseTable

    def get_queryset(self, request):
        user = request.user
        return (
            Case.objects.visible_to(user)
            .select_related("team")
            .prefetch_related(visible_prefetch(Case, "events", user), "places")
        )


class EventListPage(ListPage):
    model = Event
    filterset_class = EventFilterSet
    template_name = "cases/event_list.html"
    search_label = _("Search events")
    search_help = _("Words in the title.")
    export_url_name = "event-export"
    noun = ("event", "events")
    count_text = ngettext_lazy("%(count)d event", "%(count)d events", "count")
    checkbox_filters = ("review_state", "confidentiality")
    filter_labels = {"within": _("Within event"), "parent": _("Directly part of")}
    table = EventTable

    def get_queryset(self, request):
        user = request.user
        return (
            Event.objects.visible_to(user)
            .select_related("kind")
            .prefetch_related(
                visible_prefetch(Event, "parent", user),
                "places",
                visible_prefetch(Event, "tags", user),
            )
        )

    def prepare_rows(self, rows, request):
        self.table(request).count_detained(rows)
        return rows

    def summary_context(self, request, queryset):
        return {"detained_total": detained_at_events(request.user, queryset)}


class FollowUpListPage(ListPage):
    model = FollowUp
    filterset_class = FollowUpFilterSet
    template_name = "cases/followup_list.html"
    search_param = "reference"
    search_label = _("Search by reference")
    search_help = _("Part of the reference, e.g. AL TJK 2/2023.")
    export_url_name = "followup-export"
    noun = ("follow-up", "follow-ups")
    count_text = ngettext_lazy("%(count)d follow-up", "%(count)d follow-ups", "count")
    checkbox_filters = ("kind", "status")
    filter_labels = {"due_before": _("Due on or before"), "due_after": _("Due on or after")}
    table = FollowUpTable

    def get_queryset(self, request):
        user = request.user
        return (
            FollowUp.objects.visible_to(user)
            .with_status(timezone.localdate())
            .select_related("case", "owner", "communication_type")
            .prefetch_related(organization_prefetch("addressee", user))
        )

    def prepare_rows(self, rows, request):
        for followup in rows:
            followup.status_label = FollowUpStatus(followup.current_status).label
        return rows


class AllegationListPage(ListPage):
    """Allegations of the cases the reader sees; victims and perpetrators as they may see
    them (a hidden person is left out, a protected one shows the pseudonym)."""

    model = Allegation
    filterset_class = AllegationFilterSet
    template_name = "monitor/table_list.html"
    search_param = ""
    export_url_name = "allegation-export"
    noun = ("allegation", "allegations")
    count_text = ngettext_lazy("%(count)d allegation", "%(count)d allegations", "count")
    checkbox_filters = ("claim_status",)
    table = AllegationTable

    def get_queryset(self, request):
        user = request.user

        def perpetrators(links):
            return links.filter(archived_at__isnull=True).prefetch_related(
                person_prefetch("person", user), organization_prefetch("organization", user)
            )

        return (
            Allegation.objects.visible_to(user)
            .select_related("case", "violation_type", "place")
            .prefetch_related(
                person_prefetch("victim", user),
                visible_prefetch(
                    Allegation, "perpetrators", user, perpetrators, to_attr="perpetrator_links"
                ),
            )
        )

    def prepare_rows(self, rows, request):
        table = self.table(request)
        for allegation in rows:
            allegation.visible_perpetrators = [
                f"{who} ({link.get_role_display()})"
                for link in allegation.perpetrator_links
                if (who := link.person or link.organization) is not None
            ]
            allegation.cells = table.page_cells(allegation)
            allegation.page_url = reverse("case-detail", kwargs={"pk": allegation.case_id})
        return rows


class DetentionListPage(ListPage):
    """Detentions of the cases the reader sees, with the current status and every step; the
    person as the reader may see them."""

    model = Detention
    filterset_class = DetentionFilterSet
    template_name = "monitor/table_list.html"
    search_param = ""
    export_url_name = "detention-export"
    noun = ("detention", "detentions")
    count_text = ngettext_lazy("%(count)d detention", "%(count)d detentions", "count")
    checkbox_filters = ("status",)
    table = DetentionTable

    def get_queryset(self, request):
        user = request.user
        return (
            Detention.objects.visible_to(user)
            .with_status()
            .select_related("case")
            .prefetch_related(
                person_prefetch("person", user),
                _steps_prefetch(user),
            )
        )

    def prepare_rows(self, rows, request):
        table = self.table(request)
        for detention in rows:
            steps = detention.ordered_steps()
            kind = detention.current_status
            detention.status_label = StepKind(kind).label if kind else ""
            detention.status_date = steps[-1].date if steps else None
            detention.step_texts = [
                " ".join(
                    part
                    for part in (
                        format_date(step.date),
                        str(step.get_kind_display()),
                        step.outcome_display,
                        step.facility.shown_label if step.facility else "",
                    )
                    if part
                )
                for step in steps
            ]
            detention.cells = table.page_cells(detention)
            detention.page_url = reverse("case-detail", kwargs={"pk": detention.case_id})
        return rows


case_list = require_safe(CaseListPage().list_view)
case_export = require_safe(CaseListPage().export_view)
event_list = require_safe(EventListPage().list_view)
event_export = require_safe(EventListPage().export_view)
followup_list = require_safe(FollowUpListPage().list_view)
followup_export = require_safe(FollowUpListPage().export_view)
allegation_list = require_safe(AllegationListPage().list_view)
allegation_export = require_safe(AllegationListPage().export_view)
detention_list = require_safe(DetentionListPage().list_view)
detention_export = require_safe(DetentionListPage().export_view)


# -- detail pages ------------------------------------------------------------------------------


def _steps_prefetch(user):
    """A detention's current steps, through DetentionStep.visible_to."""
    return visible_prefetch(
        Detention,
        "steps",
        user,
        lambda steps: (
            steps.filter(archived_at__isnull=True)
            .select_related("place", "facility", "held_at")
            .prefetch_related(
                "articles",
                "administrative_articles",
                organization_prefetch("authority", user),
            )
        ),
    )


def _attach_provenance(records, user) -> None:
    """Set ``record.provenance`` on each record (one batch for all of them)."""
    provenance = provenance_for_records(records, user)
    for record in records:
        record.provenance = provenance.get(record.pk)


@require_safe
def case_detail(request, pk):
    user = request.user
    case = get_object_or_404(
        Case.objects.visible_to(user).select_related("team", "created_by"), pk=pk
    )
    today = timezone.localdate()
    links = CasePerson.objects.visible_to(user).filter(case=case, archived_at__isnull=True)
    # The page shows a link's person, role and note: its dates are not parsed for 150 links.
    case_persons = list(links.order_by("role", "created_at").only("role", "note", "person"))
    # The persons chosen by a subquery rather than prefetched: Django 5.2 prefetches a link
    # with a tuple IN, each of a case's 150 persons' ids compiled as a Value in a Tuple.
    attach_persons(case_persons, user, among=links)
    allegations = _page_of(
        request,
        "allegations",
        Allegation.objects.filter(case=case, archived_at__isnull=True)
        .select_related("violation_type", "place")
        .prefetch_related(
            person_prefetch("victim", user),
            visible_prefetch(
                Allegation,
                "perpetrators",
                user,
                lambda links: (
                    links.filter(archived_at__isnull=True)
                    .prefetch_related(
                        person_prefetch("person", user), organization_prefetch("organization", user)
                    )
                    .order_by("role", "created_at")
                ),
            ),
        )
        .order_by("date", "date_precision", "created_at", "pk"),
    )
    detentions = _page_of(
        request,
        "detentions",
        Detention.objects.filter(case=case, archived_at__isnull=True)
        .prefetch_related(_steps_prefetch(user))
        .order_by("created_at", "pk"),
    )
    # The detainees of this page's detentions only (at most PARTS_PER_PAGE ids), not of
    # every detention of the case: the bench's case read 100 persons to show 10.
    attach_persons(
        detentions, user, among=Detention.objects.filter(pk__in=[d.pk for d in detentions])
    )
    group_detentions = groups_shown(user, case=case)
    followups = list(
        FollowUp.objects.filter(case=case, archived_at__isnull=True)
        .with_status(today)
        .select_related("owner")
        .prefetch_related(organization_prefetch("addressee", user))
        .order_by("due_on", "created_at")
    )
    steps = []
    for detention in detentions:
        detention.timeline = detention.ordered_steps()
        detention.release = expected_release(detention)
        detention.status_label = (
            StepKind(detention.timeline[-1].kind).label if detention.timeline else ""
        )
        steps += detention.timeline
    for followup in followups:
        followup.status_label = FollowUpStatus(followup.current_status).label
    # Each role's label translated once: get_role_display() translates every role's label at
    # each call (a case of 150 persons: a thousand translations), a lazy label at each use.
    roles = {role: str(label) for role, label in CasePersonRole.choices}
    for link in case_persons:
        link.role_label = roles.get(link.role, link.role)
    _attach_provenance([case, *allegations, *detentions, *steps], user)
    decisions = decisions_for(case)
    context = {
        "case": case,
        # Claim statuses are set from the page by those who may edit the case.
        "can_edit": may_edit(case, user) is None,
        "case_persons": case_persons,
        "events": list(Event.objects.visible_to(user).filter(cases=case).order_by("start")),
        "places": list(case.places.all()),
        "tags": list(case.tags.all()),
        "allegations": allegations,
        "allegation_page": allegations.page,
        "detentions": detentions,
        "detention_page": detentions.page,
        "group_detentions": group_detentions,
        "detained_total": detained_by_case(user, [case.pk], groups=group_detentions).get(
            case.pk, 0
        ),
        "custody_limit": ADMINISTRATIVE_CUSTODY_LIMIT_HOURS,
        "followups": followups,
        "decisions": decisions,
        "returned": latest_return(decisions) if case.review_state == ReviewState.RETURNED else None,
        "history": history_entries(case.review_history(), user=user),
        "step_order": [str(kind.label) for kind in StepKind],
    }
    return render(request, "cases/case_detail.html", context)


#: A case's allegations and detentions shown on one page of the case: a group case (a mass
#: arrest) holds dozens, and its page would otherwise run to tens of thousands of pixels.
PARTS_PER_PAGE = 10


class _Page(list):
    """One page of a case's parts, with its :class:`~django.core.paginator.Page`."""

    page = None


def _page_of(request, name: str, queryset) -> _Page:
    """The page of ``queryset`` that the ``name`` parameter asks for (the first by default)."""
    page = Paginator(queryset, PARTS_PER_PAGE).get_page(request.GET.get(name))
    rows = _Page(page.object_list)
    rows.page = page
    return rows


@require_safe
def event_detail(request, pk):
    user = request.user
    event = get_object_or_404(
        Event.objects.visible_to(user)
        .select_related("kind", "team")
        .prefetch_related(
            visible_prefetch(Event, "parent", user),
            "places",
            visible_prefetch(Event, "tags", user),
        ),
        pk=pk,
    )
    children = list(
        Event.objects.visible_to(user)
        .filter(parent=event)
        .select_related("kind")
        .order_by("start", "start_precision", "title", "pk")
    )
    cases = list(Case.objects.visible_to(user).filter(events=event).order_by("-reference", "pk"))
    figures = figures_summary(event, user)
    allegations = list(
        Allegation.objects.visible_to(user)
        .filter(case__in=[case.pk for case in cases], archived_at__isnull=True, date__isnull=False)
        .select_related("violation_type", "case", "place")
        .prefetch_related(person_prefetch("victim", user))
    )
    arrests = list(
        DetentionStep.objects.visible_to(user)
        .filter(
            detention__case__in=[case.pk for case in cases],
            kind=StepKind.ARRESTED,
            archived_at__isnull=True,
            detention__archived_at__isnull=True,
        )
        .select_related("detention__case", "place")
        .prefetch_related(person_prefetch("detention__person", user))
    )
    group_detentions = groups_shown(user, event=event)
    _attach_provenance([event], user)
    timeline = _event_timeline(event, children, allegations, arrests)
    decisions = decisions_for(event)
    context = {
        "event": event,
        "can_edit": may_edit(event, user) is None,
        "children": children,
        "cases": cases,
        "figures": figures,
        "group_detentions": group_detentions,
        "detained_total": sum(group.count() for group in group_detentions),
        "custody_limit": ADMINISTRATIVE_CUSTODY_LIMIT_HOURS,
        "organiser_persons": list(
            visible_persons(user).filter(organised_events=event, archived_at__isnull=True)
        ),
        "organiser_organizations": list(
            visible_organizations(user).filter(organised_events=event, archived_at__isnull=True)
        ),
        "timeline": timeline,
        "decisions": decisions,
        "returned": latest_return(decisions)
        if event.review_state == ReviewState.RETURNED
        else None,
        "history": history_entries(event.review_history(), user=user),
    }
    return render(request, "cases/event_detail.html", context)


def _event_timeline(event, children, allegations, arrests) -> list[dict]:
    """What happened, in order: the event, its parts, and what its cases document."""
    items = []
    if event.start:
        items.append({"date": event.start, "kind": _("start"), "label": event.title})
    for child in children:
        if child.start:
            items.append(
                {"date": child.start, "kind": _("part of this event"), "label": child.title,
                 "url_name": "event-detail", "pk": child.pk}
            )  # fmt: skip
    for allegation in allegations:
        victim = str(allegation.victim) if allegation.victim else allegation.victim_description
        items.append(
            {
                "date": allegation.date,
                "kind": allegation.violation_type.shown_label,
                "label": victim or _("victim not shown"),
                "case": allegation.case,
            }
        )
    for step in arrests:
        person = linked_person(step.detention)  # None: hidden from the reader
        items.append(
            {
                "date": step.date,
                "kind": step.get_kind_display(),
                "label": str(person) if person else _("person not shown"),
                "case": step.detention.case,
            }
        )
    if event.end:
        items.append({"date": event.end, "kind": _("end"), "label": event.title})
    return sorted(items, key=lambda item: item["date"].sort_key())


@require_safe
def followup_detail(request, pk):
    user = request.user
    today = timezone.localdate()
    followup = get_object_or_404(
        FollowUp.objects.visible_to(user)
        .with_status(today)
        .select_related("case", "owner", "communication_type")
        .prefetch_related(
            organization_prefetch("addressee", user),
            organization_prefetch("court", user),
            organization_prefetch("other_addressees", user),
            person_prefetch("persons", user),
            "mandates",
        ),
        pk=pk,
    )
    responses = list(
        FollowUpResponse.objects.filter(followup=followup, archived_at__isnull=True)
        .prefetch_related(visible_prefetch(FollowUpResponse, "document", user))
        .order_by("received", "created_at")
    )
    _attach_provenance([followup], user)
    status = FollowUpStatus(followup.current_status)
    context = {
        "followup": followup,
        "responses": responses,
        "status": status,
        "status_label": status.label,
        "overdue": status == FollowUpStatus.OVERDUE,
        "days_late": (today - followup.due_on).days
        if status == FollowUpStatus.OVERDUE and followup.due_on
        else None,
        "history": history_entries(
            [
                FollowUp.history.filter(id=followup.pk),
                FollowUpResponse.history.filter(followup_id=followup.pk),
            ],
            user=user,
        ),
    }
    return render(request, "cases/followup_detail.html", context)


def visible_organizations_for(user):
    return visible_organizations(user)
