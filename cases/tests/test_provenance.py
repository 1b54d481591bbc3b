"""Each claim shows its provenance: which sources, their grading, the locator, per field,
and whether it rests on a single source."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.provenance import assess_independence, provenance_for, provenance_for_records
from monitor.choices import Confidentiality, Role
from monitor.services import NotVisible
from sources.choices import Credibility, Reliability, Stance
from sources.services import citation_add
from tests.conftest import monitor_off_team, monitor_on_team, team  # noqa: F401 — fixtures
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    SourceFactory,
    TeamFactory,
    UserFactory,
)
from tests.keys import TEST_EVIDENCE_KEY

pytestmark = pytest.mark.django_db

#: The demo's one source (fixtures/demo/sources.yaml).
ARTICLE_TITLE = "Tajikistan to Study France’s Human Rights Freedom, Terrorism Prevention"


@pytest.fixture
def allegation(team):
    return AllegationFactory(case=CaseFactory(team=team))


def test_provenance_lists_source_grading_locator_and_quote_per_field(
    allegation, team, monitor_on_team
):
    court = SourceFactory(title="Verdict", publisher="Khorog court", reliability="A", team=team)
    news = SourceFactory(title="Report", publisher="Asia-Plus", reliability="C", team=team)
    citation_add(
        record=allegation,
        source=court,
        actor=monitor_on_team,
        field_name="date",
        page="4",
        paragraph="12",
        quote="detained on 3 June 2023",
        credibility=Credibility.CONFIRMED,
    )
    citation_add(
        record=allegation,
        source=news,
        actor=monitor_on_team,
        timestamp="12:31",
        credibility=Credibility.POSSIBLY_TRUE,
    )

    provenance = provenance_for(allegation, monitor_on_team)

    by_field = provenance.by_field
    assert set(by_field) == {"date", ""}
    (date,) = by_field["date"]
    assert date.source.label == "Verdict"
    assert date.source.publisher == "Khorog court"
    assert date.reliability == Reliability.A
    assert date.credibility == Credibility.CONFIRMED
    assert date.grading == "A1"
    assert date.locator == "p. 4, ¶ 12"
    assert date.quote == "detained on 3 June 2023"
    assert date.field_label == "date"
    (whole,) = by_field[""]
    assert whole.grading == "C3"
    assert whole.locator == "12:31"
    assert provenance.single_sourced is False


def test_claim_with_one_source_is_single_sourced(allegation, team, monitor_on_team):
    citation_add(record=allegation, source=SourceFactory(team=team), actor=monitor_on_team)
    assert provenance_for(allegation, monitor_on_team).single_sourced is True


def test_claim_with_two_sources_of_one_publisher_is_single_sourced(
    allegation, team, monitor_on_team
):
    for title in ("One", "Two"):
        citation_add(
            record=allegation,
            source=SourceFactory(title=title, publisher="Asia-Plus", team=team),
            actor=monitor_on_team,
        )
    provenance = provenance_for(allegation, monitor_on_team)
    assert provenance.single_sourced is True
    assert provenance.independence.count == 1


def test_contesting_citations_are_listed_apart_and_do_not_support(
    allegation, team, monitor_on_team
):
    citation_add(record=allegation, source=SourceFactory(team=team), actor=monitor_on_team)
    citation_add(
        record=allegation,
        source=SourceFactory(team=team, publisher="Ministry"),
        actor=monitor_on_team,
        stance=Stance.CONTESTS,
    )
    provenance = provenance_for(allegation, monitor_on_team)
    assert len(provenance.supporting) == 1
    assert len(provenance.contesting) == 1
    assert provenance.single_sourced is True


def test_protected_source_shows_its_pseudonym_and_no_publisher_to_an_outsider(
    team, monitor_on_team, monitor_off_team
):
    claim = AllegationFactory(case=CaseFactory(team=None))
    witness = SourceFactory(
        title="Statement of G. N.", publisher="Pamir relatives", is_protected=True, team=team
    )
    citation_add(record=claim, source=witness, actor=monitor_on_team, quote="they took him")

    (outsider_view,) = provenance_for(claim, monitor_off_team).citations
    (member_view,) = provenance_for(claim, monitor_on_team).citations

    assert outsider_view.source.label == witness.pseudonym
    assert outsider_view.source.publisher == ""
    assert "Statement of G. N." not in str(outsider_view)
    assert member_view.source.label == "Statement of G. N."


def test_citation_of_a_source_the_user_cannot_see_is_left_out(team, monitor_on_team):
    claim = AllegationFactory(case=CaseFactory(team=None))
    other_team = TeamFactory()
    insider = UserFactory(
        role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[other_team]
    )
    strict = SourceFactory(confidentiality=Confidentiality.STRICT, team=other_team)
    citation_add(record=claim, source=strict, actor=insider)

    assert provenance_for(claim, monitor_on_team).citations == ()
    assert len(provenance_for(claim, insider).citations) == 1


def test_provenance_of_a_hidden_claim_is_not_visible(monitor_off_team):
    claim = AllegationFactory(
        case=CaseFactory(confidentiality=Confidentiality.STRICT, team=TeamFactory())
    )
    with pytest.raises(NotVisible):
        provenance_for(claim, monitor_off_team)


def test_provenance_queries_do_not_grow_with_citations_or_claims(team, monitor_on_team):
    def claims_with(count: int):
        claims = [AllegationFactory(case=CaseFactory(team=team)) for _ in range(count)]
        for claim in claims:
            for n in range(count):
                source = SourceFactory(team=team, publisher=f"Publisher {n}")
                source.derived_from.add(SourceFactory(team=team))
                citation_add(record=claim, source=source, actor=monitor_on_team)
        return claims

    def queries(claims) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = provenance_for_records(claims, monitor_on_team)
        assert all(len(p.citations) == len(claims) for p in result.values())
        return len(captured)

    provenance_for_records([], monitor_on_team)  # warm the content-type cache
    assert queries(claims_with(2)) == queries(claims_with(6))


def test_provenance_of_a_case_and_its_claims_is_read_in_the_queries_of_one_kind(
    team, monitor_on_team
):
    """A case page asks the provenance of the case, its allegations, detentions and steps in
    one batch: each record gets its own citations, for the queries of one kind of record."""
    case = CaseFactory(team=team)
    allegation = AllegationFactory(case=case)
    detention = DetentionFactory(case=case)
    step = DetentionStepFactory(detention=detention)
    titles = {}
    for record in (case, allegation, detention, step):
        titles[record.pk] = set()
        for n in range(2):
            source = SourceFactory(team=team, title=f"{type(record).__name__} source {n}")
            citation_add(record=record, source=source, actor=monitor_on_team)
            titles[record.pk].add(source.title)

    provenance_for_records([], monitor_on_team)  # warm the content-type cache
    with CaptureQueriesContext(connection) as one_kind:
        provenance_for_records([allegation], monitor_on_team)
    with CaptureQueriesContext(connection) as four_kinds:
        found = provenance_for_records([case, allegation, detention, step], monitor_on_team)

    assert len(four_kinds) == len(one_kind)
    assert {pk: {c.source.label for c in p.citations} for pk, p in found.items()} == titles


def test_independence_names_the_dependence(team, monitor_on_team):
    release = SourceFactory(title="Press release", team=team)
    story = SourceFactory(title="Story", team=team)
    story.derived_from.add(release)

    independence = assess_independence([release, story], monitor_on_team)

    assert independence.count == 1
    assert [d.reason for d in independence.dependences] == ["“Story” repeats “Press release”."]


def test_independence_by_publisher_groups_and_derived_pairs_finds_what_every_pair_would(
    team, monitor_on_team
):
    """Sources of one publisher are taken as a group and only pairs with a derived source are
    asked: the independent sources, the reasons and the named dependences are what asking
    every pair (``_pair_reason``) and choosing greedily finds."""
    import itertools

    from cases.provenance import _Identities, _pair_reason, _publisher_key, derivation_ancestors

    original = SourceFactory(title="Original", publisher="Wire", team=team)
    hidden_original = SourceFactory(title="Uncited", publisher="Someone", team=team)
    sources = [
        SourceFactory(title=f"NGO {n}", publisher=" Rights  NGO " if n % 2 else "rights ngo")
        for n in range(6)
    ] + [SourceFactory(title=f"Outlet {n}", publisher=f"Outlet {n}", team=team) for n in range(5)]
    sources += [original, SourceFactory(title="No publisher", publisher="", team=team)]
    sources += [SourceFactory(title="Pair A", publisher="Pair", team=team)]
    sources += [SourceFactory(title="Pair B", publisher="Pair", team=team)]
    sources[7].derived_from.add(original)  # an outlet repeats the wire
    sources[8].derived_from.add(hidden_original)  # two outlets share an uncited original
    sources[9].derived_from.add(hidden_original)
    sources[1].derived_from.add(original)  # one NGO report repeats the wire too
    sources[3].derived_from.add(sources[2])  # and another repeats one of the NGO's own
    sources[14].derived_from.add(sources[13])  # one publisher, and one repeats the other

    independence = assess_independence(sources, monitor_on_team)

    # Every pair asked, then the greedy choice, fewest dependences first.
    identities = _Identities(monitor_on_team)
    refs = {s.pk: identities.ref(s) for s in sources}
    keys = {s.pk: _publisher_key(s.publisher) for s in sources}
    ancestors = derivation_ancestors(refs)
    originals = {hidden_original.pk: "“Uncited”", original.pk: "“Original”"}
    pairs = [
        (a.pk, b.pk, reason)
        for a, b in itertools.combinations(sources, 2)
        if (reason := _pair_reason(a.pk, b.pk, refs, keys, ancestors, originals))
    ]
    dependent = {s.pk: set() for s in sources}
    for a, b, _reason in pairs:
        dependent[a].add(b)
        dependent[b].add(a)
    chosen = []
    for pk in sorted(refs, key=lambda pk: (len(dependent[pk]), refs[pk].label)):
        if not dependent[pk] & set(chosen):
            chosen.append(pk)

    assert independence.independent == tuple(refs[pk] for pk in chosen)
    named = [(refs[a], refs[b], reason) for a, b, reason in pairs if reason != "publisher"]
    assert [(d.first, d.second, d.reason) for d in independence.dependences] == named
    assert "“NGO 3” repeats “NGO 2”." in independence.reasons
    assert "“Pair B” repeats “Pair A”." in independence.reasons
    assert any("both repeat “Uncited”" in r for r in independence.reasons)
    # Pair A and B are one publisher's, but their one pair is a repetition: no publisher
    # sentence for them; the six NGO reports are one sentence.
    assert not any("Pair" in r and "from" in r for r in independence.reasons)
    assert independence.reasons[0].startswith("“NGO 0”, “NGO 1”, “NGO 2”")
    # No publisher, Outlet 0 and 4; Outlet 1 (not the original); Outlet 2 (not 3); one NGO
    # report; Pair A or B.
    assert independence.count == 7


# -- the demo data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for this module's read-only tests, rolled back at its end."""
    from django.core.management import call_command
    from django.db import transaction
    from django.test import override_settings
    from django.utils.functional import empty

    from sources.models import evidence_storage

    with (
        django_db_blocker.unblock(),
        override_settings(
            DEMO=True,
            DEMO_PASSWORD="demo-passphrase-for-provenance-tests",
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            # The demo's evidence file: into a temporary folder, never into var/ (the
            # suite's per-test folder is set after this module-wide load).
            EVIDENCE_ROOT=tmp_path_factory.mktemp("demo-evidence"),
            EVIDENCE_KEY=TEST_EVIDENCE_KEY,
        ),
    ):
        evidence_storage._wrapped = empty  # built again under the folder above
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            evidence_storage._wrapped = empty


@pytest.fixture
def demo_coordinator(_demo, db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="coordinator")


def test_demo_more_than_40_killed_shows_its_source_and_grading(demo_coordinator):
    from cases.choices import FigureKind
    from cases.models import EventFigure
    from cases.provenance import figures_summary

    figure = EventFigure.objects.get(kind=FigureKind.KILLED, value=40)
    (killed,) = [
        s for s in figures_summary(figure.event, demo_coordinator) if s.kind == FigureKind.KILLED
    ]

    (claim,) = killed.figures
    assert claim.display_value == "more than 40"
    assert claim.source.label == ARTICLE_TITLE
    assert claim.grading[0] in Reliability.values
    assert claim.credibility is not None


def test_demo_june_2023_detentions_show_their_source_and_grading(demo_coordinator):
    from cases.choices import StepKind
    from cases.models import DetentionStep

    arrests = [
        step
        for step in DetentionStep.objects.filter(kind=StepKind.ARRESTED)
        if str(step.date) == "June 2023"
    ]
    assert len(arrests) == 5
    for step, provenance in provenance_for_records(arrests, demo_coordinator).items():
        (date,) = provenance.by_field["date"]
        assert date.source.label == ARTICLE_TITLE, step
        assert len(date.grading) == 2
