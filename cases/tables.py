"""The cases app's lists: each one's page columns and CSV export (``monitor.tables``)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from cases.counts import detained_by_event, detained_by_facility
from cases.models import Allegation
from cases.naming import linked_person, person_display_name
from cases.provenance import (
    attach_provenance,
    case_claims_single_sourced,
    single_sourced_text,
    sources_text,
)
from cases.register import build_rows, register_queryset
from monitor.access import team_ids_of
from monitor.pages.listing import format_date
from monitor.tables import Field, Table
from people.selectors import person_prefetch


def _names(records) -> str:
    return "; ".join(str(record) for record in records)


class ProvenanceTable(Table):
    def provenance(self) -> list[Field]:
        """The sources of each row and whether it is single-sourced: the same provenance as
        the detail pages, under the same rules (a source the user may not see is left out; a
        protected one they may not identify shows its pseudonym), looked up once for every
        row."""

        def prepare(rows):
            attach_provenance(rows, self.user)

        return [
            Field("sources", lambda row: sources_text(row.provenance), prepare=prepare),
            Field(
                "single-sourced",
                lambda row: single_sourced_text(row.provenance),
                prepare=prepare,
            ),
        ]


class CaseTable(ProvenanceTable):
    def fields(self):
        return [
            Field("reference", lambda c: c.reference, label=_("Reference"), sort="reference"),
            Field("title", lambda c: c.title, label=_("Title"), sort="title"),
            Field("type", lambda c: c.get_case_type_display(), label=_("Type")),
            self.review_state(label=_("Review"), key="review_state", sort="review_state"),
            self.confidentiality(label=_("Confidentiality"), sort="confidentiality"),
            Field("team", lambda c: c.team.name if c.team else ""),
            Field("events", lambda c: "; ".join(e.title for e in c.events.all())),
            Field("places", lambda c: "; ".join(p.name for p in c.places.all())),
            Field("summary", lambda c: c.summary),
            Field("language", lambda c: c.language),
            *self.provenance(),
            Field(
                "single-sourced claims",
                lambda c: "{} of {}".format(*c.claims_single_sourced),
                prepare=self._count_single_sourced,
            ),
            *self.people(),
            Field("created", lambda c: format_date(c.created_at)),
            Field(
                "updated",
                lambda c: format_date(c.updated_at),
                label=_("Updated"),
                sort="updated_at",
            ),
            self.archived(),
            self.link("case-detail"),
        ]

    def people(self) -> list[Field]:
        """Victims, violations, and each detention's status and sentence, named as the
        register names people (pseudonyms where the reader may not identify them)."""

        def prepare(rows):
            attach_people(rows, self.user)

        return [
            Field("victims", lambda c: "; ".join(c.export_victims), prepare=prepare),
            Field("violations", lambda c: "; ".join(c.export_violations), prepare=prepare),
            Field(
                "detention status",
                lambda c: "; ".join(f"{r.person}: {r.status_label}" for r in c.export_detentions),
                prepare=prepare,
            ),
            Field(
                "sentence",
                lambda c: "; ".join(
                    f"{r.person}: {r.sentence}" for r in c.export_detentions if r.sentence
                ),
                prepare=prepare,
            ),
        ]

    def _count_single_sourced(self, rows) -> None:
        counts = case_claims_single_sourced(rows, self.user)
        for case in rows:
            case.claims_single_sourced = counts.get(case.pk, (0, 0))


class EventTable(ProvenanceTable):
    def fields(self):
        return [
            Field("title", lambda e: e.title, label=_("Title"), sort="title"),
            Field(
                "start", lambda e: format_date(e.start), label=_("When"), key="dates", sort="start"
            ),
            Field("end", lambda e: format_date(e.end)),
            Field("kind", lambda e: e.kind.shown_label if e.kind else "", label=_("Kind")),
            Field(
                "part of",
                lambda e: e.parent.title if e.parent else "",
                label=_("Part of"),
                key="parent",
            ),
            Field("places", lambda e: "; ".join(p.name for p in e.places.all()), label=_("Places")),
            Field(
                "detained",
                lambda e: e.detained_count,
                label=_("Detained"),
                numeric=True,
                prepare=self.count_detained,
            ),
            self.review_state(label=_("Review"), key="review_state", sort="review_state"),
            self.confidentiality(),
            Field(
                "authorisation",
                lambda e: e.get_assembly_status_display() if e.assembly_status else "",
            ),
            Field("tags", lambda e: "; ".join(t.label for t in e.tags.all())),
            Field("description", lambda e: e.description),
            *self.provenance(),
            self.archived(),
            self.link("event-detail"),
        ]

    def count_detained(self, rows) -> None:
        """People detained at each event (cases.counts), one query for every row."""
        counts = detained_by_event(self.user, [row.pk for row in rows])
        for row in rows:
            row.detained_count = counts.get(row.pk, 0)


class FacilityTable(Table):
    """Places of detention, with how many people were taken to each."""

    def fields(self):
        return [
            Field("name", lambda f: f.name, label=_("Name"), sort="name"),
            Field("kind", lambda f: f.get_kind_display(), label=_("Kind"), sort="kind"),
            Field("other names", lambda f: "; ".join(f.names[1:]), label=_("Other names")),
            Field("address", lambda f: f.address),
            Field("place", lambda f: f.place.name if f.place else "", label=_("Place")),
            Field("latitude", lambda f: "" if f.latitude is None else str(f.latitude)),
            Field("longitude", lambda f: "" if f.longitude is None else str(f.longitude)),
            Field(
                "coordinates source",
                lambda f: str(f.coordinates_source) if f.coordinates_source else "",
            ),
            Field("run by", lambda f: str(f.authority) if f.authority else "", label=_("Run by")),
            Field(
                "detained",
                lambda f: f.detained_count,
                label=_("People taken there"),
                numeric=True,
                prepare=self.count_detained,
            ),
            self.archived(),
            self.link("facility-detail"),
        ]

    def count_detained(self, rows) -> None:
        counts = detained_by_facility(self.user, [row.pk for row in rows])
        for row in rows:
            row.detained_count = counts.get(row.pk, 0)


class FollowUpTable(ProvenanceTable):
    def fields(self):
        return [
            Field("title", lambda f: f.title, label=_("Title"), sort="title"),
            Field("case", lambda f: f.case.reference, label=_("Case"), sort="case__reference"),
            Field("kind", lambda f: f.get_kind_display(), label=_("Kind"), sort="kind"),
            Field("reference", lambda f: f.reference),
            Field("addressee", lambda f: str(f.addressee) if f.addressee else ""),
            Field("sent", lambda f: format_date(f.sent), label=_("Sent"), sort="sent"),
            Field("takes place", lambda f: format_date(f.occurs)),
            Field(
                "response due",
                lambda f: format_date(f.due_on),
                label=_("Response due"),
                key="due",
                sort="due_on",
            ),
            Field("status", lambda f: f.status_label, label=_("Status"), sort="current_status"),
            Field("owner", lambda f: str(f.owner) if f.owner else "", label=_("Owner")),
            *self.provenance(),
            self.archived(),
            self.link("followup-detail"),
        ]


class AllegationTable(ProvenanceTable):
    """Allegations: the victim as the reader may see them (a hidden person is left blank, a
    protected one they may not identify shows the pseudonym), perpetrators likewise."""

    def fields(self):
        return [
            Field("case", lambda a: a.case.reference, label=_("Case"), sort="case__reference"),
            Field("date", lambda a: format_date(a.date), label=_("Date"), sort="date"),
            Field(
                "violation",
                lambda a: a.violation_type.shown_label,
                label=_("Violation"),
                sort="violation_type__label",
            ),
            Field("victim", lambda a: str(a.victim) if a.victim else "", label=_("Victim")),
            Field("victim description", lambda a: a.victim_description),
            Field("perpetrators", lambda a: _names(a.visible_perpetrators)),
            Field("place", lambda a: a.place.name if a.place else "", label=_("Place")),
            Field(
                "claim status",
                lambda a: a.get_claim_status_display(),
                label=_("Claim status"),
                key="claim_status",
                sort="claim_status",
            ),
            Field("description", lambda a: a.description),
            Field("language", lambda a: a.language),
            *self.provenance(),
            self.archived(),
            Field("link", lambda a: self.link("case-detail").value(a.case)),
        ]


class DetentionTable(ProvenanceTable):
    """Detentions: the person as the reader may see them, the current status and the steps."""

    def fields(self):
        return [
            Field("case", lambda d: d.case.reference, label=_("Case"), sort="case__reference"),
            Field("person", lambda d: str(d.person) if d.person else "", label=_("Person")),
            Field("status", lambda d: d.status_label, label=_("Current status")),
            Field("since", lambda d: format_date(d.status_date), label=_("Since")),
            Field("steps", lambda d: "; ".join(d.step_texts)),
            Field("description", lambda d: d.description),
            *self.provenance(),
            self.archived(),
            Field("link", lambda d: self.link("case-detail").value(d.case)),
        ]


def attach_people(cases, user) -> None:
    """Set ``export_victims``, ``export_violations`` and ``export_detentions`` (register rows)
    on each case: a fixed number of queries for the whole export."""
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
        violations[allegation.case_id].append(allegation.violation_type.shown_label)
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
