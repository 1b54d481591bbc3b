"""Contested figures stand side by side, each with its source; none overwrites another."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest

from cases.choices import FigureKind, FigureQualifier
from cases.models import EventFigure
from cases.provenance import figures_summary
from cases.services import figure_add
from monitor.choices import Confidentiality
from monitor.services import ActionRefused, NotVisible
from sources.choices import Credibility
from tests.conftest import monitor_off_team, monitor_on_team, team  # noqa: F401 — fixtures
from tests.factories import EventFactory, SourceFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(team):
    return EventFactory(title="Anti-terrorist operation in GBAO", team=team)


@pytest.fixture
def authorities(team):
    return SourceFactory(
        title="Prosecutor-General's statement", publisher="Prosecutor-General", reliability="D",
        team=team,
    )  # fmt: skip


@pytest.fixture
def un_experts(team):
    return SourceFactory(
        title="UN experts' press release", publisher="OHCHR", reliability="B", team=team
    )


def add_authorities_figure(event, authorities, actor):
    return figure_add(
        parent=event,
        kind=FigureKind.KILLED,
        value=10,
        qualifier=FigureQualifier.EXACT,
        claimed_by="the authorities",
        source=authorities,
        as_of="May 2022",
        actor=actor,
        credibility=Credibility.DOUBTFUL,
    )


def test_second_figure_for_the_same_count_leaves_the_first_unchanged(
    event, authorities, un_experts, monitor_on_team
):
    first = add_authorities_figure(event, authorities, monitor_on_team)
    history_before = list(first.history.values_list("history_id", "value", "claimed_by"))

    second = figure_add(
        parent=event,
        kind=FigureKind.KILLED,
        value=40,
        qualifier=FigureQualifier.MORE_THAN,
        claimed_by="UN experts",
        source=un_experts,
        as_of="June 2022",
        actor=monitor_on_team,
    )

    figures = EventFigure.objects.filter(event=event, kind=FigureKind.KILLED)
    assert set(figures) == {first, second}
    stored = EventFigure.objects.get(pk=first.pk)
    assert (stored.value, stored.qualifier, stored.claimed_by, stored.source_id) == (
        10,
        FigureQualifier.EXACT,
        "the authorities",
        authorities.pk,
    )
    assert stored.version == first.version
    assert list(stored.history.values_list("history_id", "value", "claimed_by")) == history_before


def test_summary_shows_the_range_and_who_says_what_with_grading(
    event, authorities, un_experts, monitor_on_team
):
    add_authorities_figure(event, authorities, monitor_on_team)
    figure_add(
        parent=event,
        kind=FigureKind.KILLED,
        value=40,
        qualifier=FigureQualifier.MORE_THAN,
        claimed_by="UN experts",
        source=un_experts,
        actor=monitor_on_team,
        credibility=Credibility.PROBABLY_TRUE,
        page="2",
    )
    figure_add(
        parent=event,
        kind=FigureKind.DETAINED,
        value=24,
        qualifier=FigureQualifier.DOZENS,
        claimed_by="UN experts",
        source=un_experts,
        actor=monitor_on_team,
    )

    summary = figures_summary(event, monitor_on_team)

    assert [s.kind for s in summary] == [FigureKind.KILLED, FigureKind.DETAINED]
    killed = summary[0]
    assert (killed.low, killed.high) == (10, 40)
    assert killed.range_display == "10 – more than 40"
    assert killed.contested is True
    assert [(f.display_value, f.claimed_by, f.source.label, f.grading) for f in killed.figures] == [
        ("10", "the authorities", "Prosecutor-General's statement", "D4"),
        ("more than 40", "UN experts", "UN experts' press release", "B2"),
    ]
    assert str(killed.figures[0].as_of) == "May 2022"
    assert summary[1].range_display == "dozens"


def test_figure_source_is_cited_on_its_value(event, un_experts, monitor_on_team):
    from cases.provenance import provenance_for

    figure = figure_add(
        parent=event,
        kind=FigureKind.INJURED,
        value=7,
        claimed_by="UN experts",
        source=un_experts,
        actor=monitor_on_team,
        quote="at least seven injured",
    )

    (citation,) = provenance_for(figure, monitor_on_team).citations
    assert citation.field_name == "value"
    assert citation.quote == "at least seven injured"


def test_figure_with_a_source_the_actor_cannot_see_is_refused_and_not_stored(
    event, monitor_on_team
):
    hidden = SourceFactory(confidentiality=Confidentiality.STRICT, team=TeamFactory())

    with pytest.raises(NotVisible):
        figure_add(
            parent=event,
            kind=FigureKind.KILLED,
            value=3,
            claimed_by="someone",
            source=hidden,
            actor=monitor_on_team,
        )

    assert not EventFigure.objects.filter(event=event).exists()


def test_monitor_off_team_may_not_add_a_figure(event, un_experts, monitor_off_team):
    un_experts.team = None
    un_experts.save()
    with pytest.raises(ActionRefused):
        figure_add(
            parent=event,
            kind=FigureKind.KILLED,
            value=3,
            claimed_by="someone",
            source=un_experts,
            actor=monitor_off_team,
        )
    assert not EventFigure.objects.filter(event=event).exists()


def test_protected_source_of_a_figure_is_shown_by_its_pseudonym(
    team, monitor_on_team, monitor_off_team
):
    event = EventFactory(team=None)
    witness = SourceFactory(title="Doctor in Khorog", is_protected=True, team=team)
    figure_add(
        parent=event,
        kind=FigureKind.INJURED,
        value=12,
        claimed_by="a doctor at Khorog hospital",
        source=witness,
        actor=monitor_on_team,
    )

    (outsider_view,) = figures_summary(event, monitor_off_team)[0].figures
    (member_view,) = figures_summary(event, monitor_on_team)[0].figures

    assert outsider_view.claimed_by == witness.pseudonym
    assert outsider_view.source.label == witness.pseudonym
    assert member_view.claimed_by == "a doctor at Khorog hospital"


def test_figures_of_a_hidden_event_are_not_visible(monitor_off_team):
    strict = EventFactory(confidentiality=Confidentiality.STRICT, team=TeamFactory())
    with pytest.raises(NotVisible):
        figures_summary(strict, monitor_off_team)
