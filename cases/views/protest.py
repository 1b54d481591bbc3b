"""Places of detention: their list (with how many people were taken to each), its CSV export,
and a page for each, with the group detentions taken there."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from cases.counts import counted_groups, detained_by_facility, detained_overview
from cases.filtersets import FacilityFilterSet
from cases.models import Facility, GroupDetention
from cases.models.protest import ADMINISTRATIVE_CUSTODY_LIMIT_HOURS
from cases.statistics import detention_statistics_csv
from cases.tables import FacilityTable
from monitor.exports import log_export
from monitor.pages.helpers import history_entries
from monitor.pages.listing import ListPage
from monitor.redaction import annotate
from monitor.selectors import visible_prefetch


def identity_annotated(user):
    """For a prefetch of sources: each knows whether ``user`` may identify it."""
    return lambda sources: annotate(sources, user)


def facilities_shown(user):
    """Places of detention as the pages show them: with their settlement, and the authority
    and the coordinates' source through their own visible_to."""
    return (
        Facility.objects.visible_to(user)
        .select_related("place")
        .prefetch_related(
            visible_prefetch(Facility, "authority", user),
            visible_prefetch(Facility, "coordinates_source", user, identity_annotated(user)),
        )
    )


def groups_shown(user, **where) -> list[GroupDetention]:
    """The group detentions a page lists (a case's, an event's, a facility's), each counted
    (cases.counts), with its case, and its event and facility through their visible_to."""
    return list(
        counted_groups(user)
        .filter(**where)
        .select_related("case")
        .prefetch_related(
            visible_prefetch(GroupDetention, "event", user),
            visible_prefetch(GroupDetention, "facility", user),
        )
        .order_by("date", "date_precision", "created_at", "pk")
    )


class FacilityListPage(ListPage):
    model = Facility
    filterset_class = FacilityFilterSet
    template_name = "cases/facility_list.html"
    search_label = _("Search places of detention")
    search_help = _("Words in a name, in any script or spelling.")
    export_url_name = "facility-export"
    noun = ("place of detention", "places of detention")
    checkbox_filters = ("kind",)
    table = FacilityTable

    def get_queryset(self, request):
        return facilities_shown(request.user)

    def prepare_rows(self, rows, request):
        table = self.table(request)
        counts = detained_by_facility(request.user, [row.pk for row in rows])
        for facility in rows:
            facility.detained_count = counts.get(facility.pk, 0)
            facility.cells = table.page_cells(facility)
            facility.page_url = reverse("facility-detail", kwargs={"pk": facility.pk})
        return rows

    def extra_context(self, request):
        return {"page_title": str(_("Places of detention"))}


facility_list = require_safe(FacilityListPage().list_view)
facility_export = require_safe(FacilityListPage().export_view)


@require_safe
def facility_detail(request, pk):
    user = request.user
    facility = get_object_or_404(facilities_shown(user), pk=pk)
    groups = groups_shown(user, facility=facility)
    context = {
        "facility": facility,
        "groups": groups,
        "detained": detained_by_facility(user, [facility.pk]).get(facility.pk, 0),
        "custody_limit": ADMINISTRATIVE_CUSTODY_LIMIT_HOURS,
        "history": history_entries([facility.history.all()], user=user),
    }
    return render(request, "cases/facility_detail.html", context)


# -- statistics ------------------------------------------------------------------------------


@require_safe
def detention_statistics_page(request):
    return render(
        request,
        "cases/detention_statistics.html",
        {"overview": detained_overview(request.user)},
    )


@require_safe
def detention_statistics_export(request):
    overview = detained_overview(request.user)
    response = HttpResponse(
        "\ufeff" + detention_statistics_csv(overview), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="detention-statistics.csv"'
    response["Cache-Control"] = "no-store, private"
    log_export(
        request,
        what="detention statistics",
        filters=[],
        rows=len(overview.outcomes.administrative) + len(overview.by_facility) + 4,
    )
    return response
