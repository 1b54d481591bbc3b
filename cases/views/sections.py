"""What the cases app adds to the pages of the apps below it (``monitor.registry``).

The person page (people) shows the cases, allegations and detentions of a person and the
sources behind their details; the source page (sources) shows the figures it gives. Those
apps cannot import ``cases``: they offer a registry, filled here from ``CasesConfig.ready``.
Everything is read through ``visible_to(user)``, as the page itself reads.
"""

from __future__ import annotations

from django.db.models import Q

from cases.models import Allegation, Case, CasePerson, Detention, EventFigure
from cases.provenance import provenance_for_records
from monitor.selectors import visible_prefetch
from people.views.browse import PERSON_SECTIONS
from sources.views.browse import SOURCE_SECTIONS


def register() -> None:
    PERSON_SECTIONS.register(
        "provenance",
        template="cases/sections/person_provenance.html",
        context=person_provenance,
        slot="identity",
    )
    PERSON_SECTIONS.register(
        "cases",
        template="cases/sections/person_cases.html",
        context=person_cases,
        slot="links",
    )
    SOURCE_SECTIONS.register(
        "figures",
        template="cases/sections/source_figures.html",
        context=source_figures,
        slot="links",
    )


def person_provenance(person, *, user, revealed: bool) -> dict | None:
    """The sources behind the person's details (with the identity only)."""
    if not revealed:
        return None
    return {"provenance": provenance_for_records([person], user).get(person.pk)}


def person_cases(person, *, user, revealed: bool) -> dict:
    """The cases involving the person (with their roles), their allegations as victim and
    their detentions with each one's steps."""
    links = CasePerson.objects.filter(person=person, archived_at__isnull=True)
    as_victim = Allegation.objects.filter(victim=person, archived_at__isnull=True)
    detained = Detention.objects.filter(person=person, archived_at__isnull=True)
    cases = list(
        Case.objects.visible_to(user)
        .filter(
            Q(pk__in=links.values("case_id"))
            | Q(pk__in=as_victim.values("case_id"))
            | Q(pk__in=detained.values("case_id"))
        )
        .order_by("-reference", "pk")
    )
    roles: dict = {}
    for link in links.filter(case__in=[case.pk for case in cases]):
        roles.setdefault(link.case_id, []).append(link.get_role_display())
    for case in cases:
        case.roles = roles.get(case.pk, [])
    allegations = list(
        Allegation.objects.visible_to(user)
        .filter(victim=person, archived_at__isnull=True)
        .select_related("case", "violation_type", "place")
        .order_by("date", "date_precision", "created_at")
    )
    detentions = list(
        Detention.objects.visible_to(user)
        .filter(person=person, archived_at__isnull=True)
        .select_related("case")
        .prefetch_related(
            visible_prefetch(
                Detention,
                "steps",
                user,
                lambda steps: steps.filter(archived_at__isnull=True).select_related(
                    "place", "facility"
                ),
            )
        )
        .order_by("created_at")
    )
    for detention in detentions:
        detention.timeline = detention.ordered_steps()
    return {
        "person": person,
        "cases": cases,
        "allegations": allegations,
        "detentions": detentions,
    }


def source_figures(source, *, user, revealed: bool) -> dict | None:
    """The event figures that give this source as theirs."""
    figures = list(
        EventFigure.objects.visible_to(user)
        .filter(source=source, archived_at__isnull=True)
        .select_related("event")
        .order_by("event__title", "kind", "value")
    )
    return {"figures": figures} if figures else None
