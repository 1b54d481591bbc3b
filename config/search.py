"""One search box for everything (issue 19, point 6): cases, persons, events, sources and
follow-ups in one ranked result page, within what the user may see.

Part of the project's wiring (``config``, like the dashboard), because it reads every app.
It has no search rule of its own: each kind is found by its list's FilterSet (``q``, the one
rule of that list: a case by its reference, title, summary, its victims' and detainees' names
through the name matcher, its allegations and quotes) and persons by the name matcher itself
(``people.matching``, every spelling, only the names the user may see), all through
``visible_to``. A protected person shows its pseudonym to a user not cleared for who it is.

A match only among records the user may not see leaves no trace: the page is the same as for
a query that matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.filtersets import CaseFilterSet, EventFilterSet, names_withheld_name
from cases.models import Case, Event, FollowUp
from monitor.access import has_role
from monitor.labels import labelled, safe_label, visible
from people import matching
from people.models import Person
from sources.filtersets import SourceFilterSet
from sources.models import Source

#: At most this many results of each kind: the page's size is bounded whatever the data's.
PER_KIND = 15
MAX_QUERY = 200


@dataclass(frozen=True)
class Hit:
    """One result: what it is, how it is named to this reader, and how well it matched."""

    kind: str
    label: str
    url: str
    score: float
    why: str = ""


def _score(query: str, *texts: str) -> float:
    """How well a record's own words (reference, title) meet the query: whole, start, part;
    a record found by something else (a victim's name, a quote) ranks below."""
    wanted = query.casefold()
    words = [text.casefold() for text in texts if text]
    if wanted in words:
        return 1.0
    if any(text.startswith(wanted) for text in words):
        return 0.9
    if any(wanted in text for text in words):
        return 0.8
    return 0.6


@dataclass(frozen=True)
class Kind:
    """A kind of record found through its list's own search (its FilterSet's ``q``)."""

    model: type
    filterset: type
    page: str  # the URL name of its page
    words: tuple[str, ...]  # the fields a query ranks best in

    def __call__(self, request, query) -> list[Hit]:
        rows = self.filterset(
            data={"q": query}, queryset=visible(self.model, request.user), request=request
        ).qs
        return [
            Hit(
                capfirst(self.model._meta.verbose_name),
                safe_label(record),
                reverse(self.page, args=[record.pk]),
                _score(query, *(getattr(record, name) for name in self.words)),
            )
            for record in labelled(rows, request.user)[:PER_KIND]
        ]


_cases = Kind(Case, CaseFilterSet, "case-detail", ("reference", "title"))
_events = Kind(Event, EventFilterSet, "event-detail", ("title",))
_sources = Kind(Source, SourceFilterSet, "source-detail", ("title",))


def _followups(request, query) -> list[Hit]:
    words = Q(title__icontains=query) | Q(reference__icontains=query)
    rows = visible(FollowUp, request.user).filter(words, archived_at__isnull=True)
    return [
        Hit(
            capfirst(FollowUp._meta.verbose_name),
            followup.title,
            reverse("followup-detail", args=[followup.pk]),
            _score(query, followup.reference, followup.title),
        )
        for followup in rows.order_by("-created_at")[:PER_KIND]
    ]


def _persons(request, query) -> list[Hit]:
    persons = labelled(visible(Person, request.user), request.user)
    found = matching.match_persons(query, user=request.user, limit=PER_KIND, queryset=persons)
    hits = []
    for match in found:
        shown = safe_label(match.person)
        # The name that matched, when it is not the one shown (another spelling or script);
        # never for a person whose identity the reader may not know.
        why = (
            _("as “%(name)s”") % {"name": match.variant}
            if match.variant
            and match.variant != shown
            and getattr(match.person, "identity_shown", False)
            else ""
        )
        hits.append(
            Hit(
                capfirst(Person._meta.verbose_name),
                shown,
                reverse("person-detail", args=[match.person.pk]),
                match.score,
                why,
            )
        )
    return hits


#: Every kind the box looks for, in the order a tie is shown.
KINDS = (_cases, _persons, _events, _sources, _followups)
#: The kinds found by the names the user may see only (the name matcher), for a query that
#: names a protected person the user may not identify: a match in free text (a title, a
#: summary) would confirm who that person is.
BY_NAME_ONLY = (_cases, _persons)


def search_everything(request, query: str) -> list[Hit]:
    """Every kind's results in one list, best first (a tie keeps the kinds' order)."""
    kinds = BY_NAME_ONLY if names_withheld_name(request.user, query) else KINDS
    hits = [hit for kind in kinds for hit in kind(request, query)]
    return sorted(hits, key=lambda hit: -hit.score)


@require_safe
def search(request):
    """The header's search box: one ranked result page."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    hits = search_everything(request, query) if query and has_role(request.user) else []
    return render(
        request,
        "search.html",
        {"page_title": _("Search"), "query": query, "search_query": query, "hits": hits},
    )
