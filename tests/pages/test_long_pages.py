"""Long pages tamed (issue 19, point 7): sections fold (<details>, no script), the sources of
a claim fold behind their count, a group case pages its allegations and detentions, and a
source page groups its citations by the record they support."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CitationFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def test_a_group_case_pages_its_allegations_and_detentions(client, reviewer, team):
    case = CaseFactory(team=team)
    for index in range(12):
        AllegationFactory(case=case, victim_description=f"Resident number {index:02d}")
        DetentionFactory(case=case, person=PersonFactory(team=team))
    client.force_login(reviewer)
    url = reverse("case-detail", args=[case.pk])

    first = client.get(url)
    second = client.get(url, {"allegations": 2, "detentions": 2})

    assert len(first.context["allegations"]) == len(first.context["detentions"]) == 10
    assert len(second.context["allegations"]) == len(second.context["detentions"]) == 2
    body = first.content.decode()
    assert "Allegations (12)" in body and "Detentions (12)" in body
    assert "page 1 of 2" in body
    assert 'href="?allegations=2#allegations"' in body
    shown = {
        a.victim_description
        for a in [*first.context["allegations"], *second.context["allegations"]]
    }
    assert len(shown) == 12  # every allegation on one page or the other, none twice


def test_each_page_of_detentions_names_its_own_detainees(client, reviewer, team):
    case = CaseFactory(team=team)
    for index in range(12):
        DetentionFactory(case=case, person=PersonFactory(team=team, name=f"Detainee No{index:02d}"))
    client.force_login(reviewer)
    url = reverse("case-detail", args=[case.pk])

    named = []
    for params in ({}, {"detentions": 2}):
        response = client.get(url, params)
        section = response.content.decode().split('id="detentions"')[1].split('id="groups"')[0]
        on_page = {str(detention.person) for detention in response.context["detentions"]}
        assert set(re.findall(r"Detainee No\d\d", section)) == on_page
        named.append(on_page)
    assert len(named[0]) == 10 and len(named[1]) == 2 and not named[0] & named[1]


def test_sections_fold_and_sources_fold_behind_their_count(client, reviewer, team):
    case = CaseFactory(team=team)
    allegation = AllegationFactory(case=case)
    for _index in range(3):
        CitationFactory(source=SourceFactory(team=team), record=allegation)
    client.force_login(reviewer)

    body = client.get(reverse("case-detail", args=[case.pk])).content.decode()

    for section in ("persons", "allegations", "detentions", "followups"):
        assert f'<details class="section" id="{section}" open>' in body, section
    fold = re.search(
        r'<details class="provenance__fold">\s*<summary[^>]*><strong>([^<]*)</strong>', body
    )
    assert fold is not None and fold.group(1) == "3 sources"


def test_the_source_page_groups_citations_by_the_record_they_support(client, reviewer, team):
    source = SourceFactory(team=team)
    case = CaseFactory(team=team, title="Trial of the Khorog lawyers")
    allegation = AllegationFactory(case=case)
    for page in ("3", "7", "12"):
        CitationFactory(source=source, record=allegation, page=page)
    CitationFactory(source=source, record=case, page="1")
    client.force_login(reviewer)

    response = client.get(reverse("source-detail", args=[source.pk]))

    groups = response.context["supported"]
    assert sorted(len(group["citations"]) for group in groups) == [1, 3]
    body = response.content.decode()
    assert body.count('<tbody class="supported-record">') == 2
    assert "3 citations" in body
