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

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cases.choices import FollowUpStatus, StepKind
from cases.deadlines import expected_release
from cases.filtersets import CaseFilterSet, EventFilterSet, FollowUpFilterSet
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    FollowUp,
    FollowUpResponse,
)
from cases.provenance import (
    attach_provenance,
    case_claims_single_sourced,
    figures_summary,
    provenance_for_records,
    single_sourced_text,
    sources_text,
)
from monitor.choices import ReviewState
from monitor.exports import CsvColumn
from monitor.listing import Column, ListPage, format_date
from monitor.page_helpers import (
    decisions_for,
    history_entries,
    latest_return,
    organization_prefetch,
    person_prefetch,
    visible_persons,
)
from sources.models import Source

# -- lists -------------------------------------------------------------------------------------


def _absolute(request, name: str, pk) -> str:
    from django.urls import reverse

    return request.build_absolute_uri(reverse(name, kwargs={"pk": pk}))


def _provenance_columns(request) -> list[CsvColumn]:
    """The sources of each exported record and whether it is single-sourced.

    The same provenance as the detail pages, under the same rules (a source the user may not
    see is left out; a protected one they may not identify shows its pseudonym), looked up
    once for every row of the export.
    """

    def prepare(rows):
        attach_provenance(rows, request.user)

    return [
        CsvColumn("sources", lambda r: sources_text(r.provenance), prepare),
        CsvColumn("single-sourced", lambda r: single_sourced_text(r.provenance), prepare),
    ]


class CaseListPage(ListPage):
    model = Case
    filterset_class = CaseFilterSet
    template_name = "cases/case_list.html"
    search_label = _("Search cases")
    search_help = _("Words in the reference, title or summary.")
    export_url_name = "case-export"
    noun = ("case", "cases")
    checkbox_filters = ("review_state", "case_type", "confidentiality")
    columns = (
        Column("reference", _("Reference"), sort="reference"),
        Column("title", _("Title"), sort="title"),
        Column("type", _("Type")),
        Column("review_state", _("Review"), sort="review_state"),
        Column("confidentiality", _("Confidentiality"), sort="confidentiality"),
        Column("updated", _("Updated"), sort="updated_at"),
    )

    def get_queryset(self, request):
        user = request.user
        return (
            Case.objects.visible_to(user)
            .select_related("team")
            .prefetch_related(Prefetch("events", queryset=Event.objects.visible_to(user)), "places")
        )

    def csv_columns(self, request):
        return [
            CsvColumn("reference", lambda c: c.reference),
            CsvColumn("title", lambda c: c.title),
            CsvColumn("type", lambda c: c.get_case_type_display()),
            CsvColumn("review state", lambda c: c.get_review_state_display()),
            CsvColumn("confidentiality", lambda c: c.get_confidentiality_display()),
            CsvColumn("team", lambda c: c.team.name if c.team else ""),
            CsvColumn("events", lambda c: "; ".join(e.title for e in c.events.all())),
            CsvColumn("places", lambda c: "; ".join(p.name for p in c.places.all())),
            CsvColumn("summary", lambda c: c.summary),
            *_provenance_columns(request),
            CsvColumn(
                "single-sourced claims",
                lambda c: "{} of {}".format(*c.claims_single_sourced),
                lambda rows: self._count_single_sourced(rows, request.user),
            ),
            *self._people_columns(request),
            CsvColumn("created", lambda c: format_date(c.created_at)),
            CsvColumn("updated", lambda c: format_date(c.updated_at)),
            CsvColumn("archived", lambda c: format_date(c.archived_at)),
            CsvColumn("link", lambda c: _absolute(request, "case-detail", c.pk)),
        ]

    @staticmethod
    def _people_columns(request) -> list[CsvColumn]:
        """Victims, violations, and each detention's status and sentence, named as the
        register names people (pseudonyms where the reader may not identify them)."""

        def prepare(rows):
            _attach_people(rows, request.user)

        return [
            CsvColumn("victims", lambda c: "; ".join(c.export_victims), prepare),
            CsvColumn("violations", lambda c: "; ".join(c.export_violations), prepare),
            CsvColumn(
                "detention status",
                lambda c: "; ".join(f"{r.person}: {r.status_label}" for r in c.export_detentions),
                prepare,
            ),
            CsvColumn(
                "sentence",
                lambda c: "; ".join(
                    f"{r.person}: {r.sentence}" for r in c.export_detentions if r.sentence
                ),
                prepare,
            ),
        ]

    @staticmethod
    def _count_single_sourced(rows, user) -> None:
        counts = case_claims_single_sourced(rows, user)
        for case in rows:
            case.claims_single_sourced = counts.get(case.pk, (0, 0))


def _attach_people(cases, user) -> None:
    """Set ``export_victims``, ``export_violations`` and ``export_detentions`` (register rows)
    on each case: a fixed number of queries for the whole export."""
    from collections import defaultdict

    from cases.naming import linked_person, person_display_name
    from cases.register import build_rows, register_queryset
    from monitor.access import team_ids_of

    pks = [case.pk for case in cases]
    team_ids = team_ids_of(user)
    victims, violations, detentions = defaultdict(list), defaultdict(list), defaultdict(list)
    allegations = (
        Allegation.objects.visible_to(user)
        .filter(case__in=pks, archived_at__isnull=True)
        .select_related("violation_type")
        .prefetch_related(person_prefetch("victim", user))
        .order_by("date", "created_at")
    )
    for allegation in allegations:
        violations[allegation.case_id].append(allegation.violation_type.label)
        if allegation.victim_id:
            name, _revealed = person_display_name(
                linked_person(allegation, "victim"), allegation.victim_id, user, team_ids=team_ids
            )
            victims[allegation.case_id].append(name)
        elif allegation.victim_description:
            victims[allegation.case_id].append(allegation.victim_description)
    queryset = register_queryset(user).filter(case__in=pks, archived_at__isnull=True)
    for row in build_rows(queryset, user):
        detentions[row.case_id].append(row)
    for case in cases:
        case.export_victims = list(dict.fromkeys(victims[case.pk]))
        case.export_violations = list(dict.fromkeys(violations[case.pk]))
        case.export_detentions = detentions[case.pk]


class EventListPage(ListPage):
    model = Event
    filterset_class = EventFilterSet
    template_name = "cases/event_list.html"
    search_label = _("Search events")
    search_help = _("Words in the title.")
    export_url_name = "event-export"
    noun = ("event", "events")
    checkbox_filters = ("review_state", "confidentiality")
    filter_labels = {"within": _("Within event"), "parent": _("Directly part of")}
    columns = (
        Column("title", _("Title"), sort="title"),
        Column("dates", _("When"), sort="start"),
        Column("kind", _("Kind")),
        Column("parent", _("Part of")),
        Column("places", _("Places")),
        Column("review_state", _("Review"), sort="review_state"),
    )

    def sort_options(self):
        options = super().sort_options()
        options["dates"] = "start"
        return options

    def get_queryset(self, request):
        user = request.user
        return (
            Event.objects.visible_to(user)
            .select_related("kind")
            .prefetch_related(Prefetch("parent", queryset=Event.objects.visible_to(user)), "places")
        )

    def csv_columns(self, request):
        return [
            CsvColumn("title", lambda e: e.title),
            CsvColumn("start", lambda e: format_date(e.start)),
            CsvColumn("end", lambda e: format_date(e.end)),
            CsvColumn("kind", lambda e: e.kind.label if e.kind else ""),
            CsvColumn("part of", lambda e: e.parent.title if e.parent else ""),
            CsvColumn("places", lambda e: "; ".join(p.name for p in e.places.all())),
            CsvColumn("review state", lambda e: e.get_review_state_display()),
            CsvColumn("confidentiality", lambda e: e.get_confidentiality_display()),
            CsvColumn("description", lambda e: e.description),
            *_provenance_columns(request),
            CsvColumn("archived", lambda e: format_date(e.archived_at)),
            CsvColumn("link", lambda e: _absolute(request, "event-detail", e.pk)),
        ]


class FollowUpListPage(ListPage):
    model = FollowUp
    filterset_class = FollowUpFilterSet
    template_name = "cases/followup_list.html"
    search_param = "reference"
    search_label = _("Search by reference")
    search_help = _("Part of the reference, e.g. AL TJK 2/2023.")
    export_url_name = "followup-export"
    noun = ("follow-up", "follow-ups")
    checkbox_filters = ("kind", "status")
    filter_labels = {"due_before": _("Due on or before"), "due_after": _("Due on or after")}
    columns = (
        Column("title", _("Title"), sort="title"),
        Column("case", _("Case"), sort="case__reference"),
        Column("kind", _("Kind"), sort="kind"),
        Column("sent", _("Sent"), sort="sent"),
        Column("due", _("Response due"), sort="due_on"),
        Column("status", _("Status"), sort="current_status"),
        Column("owner", _("Owner")),
    )

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

    def csv_columns(self, request):
        return [
            CsvColumn("title", lambda f: f.title),
            CsvColumn("case", lambda f: f.case.reference),
            CsvColumn("kind", lambda f: f.get_kind_display()),
            CsvColumn("reference", lambda f: f.reference),
            CsvColumn("addressee", lambda f: str(f.addressee) if f.addressee else ""),
            CsvColumn("sent", lambda f: format_date(f.sent)),
            CsvColumn("takes place", lambda f: format_date(f.occurs)),
            CsvColumn("response due", lambda f: format_date(f.due_on)),
            CsvColumn("status", lambda f: f.status_label),
            CsvColumn("owner", lambda f: str(f.owner) if f.owner else ""),
            *_provenance_columns(request),
            CsvColumn("archived", lambda f: format_date(f.archived_at)),
            CsvColumn("link", lambda f: _absolute(request, "followup-detail", f.pk)),
        ]


case_list = require_safe(CaseListPage().list_view)
case_export = require_safe(CaseListPage().export_view)
event_list = require_safe(EventListPage().list_view)
event_export = require_safe(EventListPage().export_view)
followup_list = require_safe(FollowUpListPage().list_view)
followup_export = require_safe(FollowUpListPage().export_view)


# -- detail pages ------------------------------------------------------------------------------


def _steps_queryset(user):
    return (
        DetentionStep.objects.filter(archived_at__isnull=True)
        .select_related("place", "facility")
        .prefetch_related("articles", organization_prefetch("authority", user))
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
    case_persons = list(
        CasePerson.objects.visible_to(user)
        .filter(case=case, archived_at__isnull=True)
        .prefetch_related(person_prefetch("person", user))
        .order_by("role", "created_at")
    )
    allegations = list(
        Allegation.objects.filter(case=case, archived_at__isnull=True)
        .select_related("violation_type", "place")
        .prefetch_related(
            person_prefetch("victim", user),
            Prefetch(
                "perpetrators",
                queryset=AllegationPerpetrator.objects.filter(archived_at__isnull=True)
                .prefetch_related(
                    person_prefetch("person", user), organization_prefetch("organization", user)
                )
                .order_by("role", "created_at"),
            ),
        )
        .order_by("date", "date_precision", "created_at")
    )
    detentions = list(
        Detention.objects.filter(case=case, archived_at__isnull=True)
        .prefetch_related(
            person_prefetch("person", user), Prefetch("steps", queryset=_steps_queryset(user))
        )
        .order_by("created_at")
    )
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
    _attach_provenance([case, *allegations, *detentions, *steps], user)
    decisions = decisions_for(case)
    context = {
        "case": case,
        "case_persons": case_persons,
        "events": list(Event.objects.visible_to(user).filter(cases=case).order_by("start")),
        "places": list(case.places.all()),
        "tags": list(case.tags.all()),
        "allegations": allegations,
        "detentions": detentions,
        "followups": followups,
        "decisions": decisions,
        "returned": latest_return(decisions) if case.review_state == ReviewState.RETURNED else None,
        "history": history_entries(case.review_history()),
        "step_order": [str(kind.label) for kind in StepKind],
    }
    return render(request, "cases/case_detail.html", context)


@require_safe
def event_detail(request, pk):
    user = request.user
    event = get_object_or_404(
        Event.objects.visible_to(user)
        .select_related("kind", "team")
        .prefetch_related(Prefetch("parent", queryset=Event.objects.visible_to(user)), "places"),
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
    _attach_provenance([event], user)
    timeline = _event_timeline(event, children, allegations, arrests)
    decisions = decisions_for(event)
    context = {
        "event": event,
        "children": children,
        "cases": cases,
        "figures": figures,
        "timeline": timeline,
        "decisions": decisions,
        "returned": latest_return(decisions)
        if event.review_state == ReviewState.RETURNED
        else None,
        "history": history_entries(event.review_history()),
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
                "kind": allegation.violation_type.label,
                "label": victim or _("victim not shown"),
                "case": allegation.case,
            }
        )
    for step in arrests:
        person = step.detention.person
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
            Prefetch("other_addressees", queryset=visible_organizations_for(user)),
            Prefetch("persons", queryset=visible_persons(user)),
            "mandates",
        ),
        pk=pk,
    )
    responses = list(
        FollowUpResponse.objects.filter(followup=followup, archived_at__isnull=True)
        .prefetch_related(Prefetch("document", queryset=Source.objects.visible_to(user)))
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
            ]
        ),
    }
    return render(request, "cases/followup_detail.html", context)


def visible_organizations_for(user):
    from monitor.page_helpers import visible_organizations

    return visible_organizations(user)
