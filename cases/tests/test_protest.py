"""Protest detentions: places of detention, people counted rather than named, administrative
outcomes and the second code of articles (issue 22)."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import vocabularies_data
from cases.choices import ADMINISTRATIVE_OUTCOMES, CountKind, FacilityKind, StepKind
from cases.counts import (
    counted_groups,
    detained_by_case,
    detained_by_event,
    detained_by_facility,
    detained_total,
    outcome_totals,
)
from cases.models import Detention, DetentionStep, Facility, GroupDetention
from cases.services import DetentionInput, detention_record, figure_add
from monitor.choices import Confidentiality, Vocabulary
from monitor.models import Term
from monitor.services import NotVisible
from tests.conftest import (  # noqa: F401 — fixtures
    monitor_off_team,
    monitor_on_team,
    team,
)
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    FacilityFactory,
    GroupDetentionFactory,
    PersonFactory,
    SourceFactory,
    assert_refused,
)

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cases.migrations.0004_protest_vocabularies")


# -- the two codes of articles -----------------------------------------------------------------


def test_both_codes_are_starter_vocabularies_with_real_article_numbers():
    administrative = Term.objects.of(Vocabulary.ADMINISTRATIVE_ARTICLE)
    assert set(administrative.values_list("code", flat=True)) >= {
        "tjk-coao", "tjk-coao-460", "tjk-coao-478", "tjk-coao-479",
    }  # fmt: skip
    assert administrative.get(code="tjk-coao-478").parent.code == "tjk-coao"
    criminal = Term.objects.of(Vocabulary.CRIMINAL_ARTICLE)
    assert set(criminal.values_list("code", flat=True)) >= {
        "tjk-cc-160", "tjk-cc-188", "tjk-cc-237", "tjk-cc-307-1", "tjk-cc-328",
    }  # fmt: skip
    assert Term.objects.of(Vocabulary.EVENT_TYPE).filter(code="assembly").exists()
    # Every starter term has its history rows, like the others: created (0004), then given its
    # Russian and Tajik labels (0006, through monitor.vocabulary_translations).
    history = administrative.get(code="tjk-coao-460").history.order_by("history_date")
    assert [row.history_type for row in history] == ["+", "~"]


def test_every_term_the_migration_adds_has_russian_and_tajik_labels_in_the_data_module():
    data = {(t.vocabulary, t.code): t for t in vocabularies_data.TERMS}
    for vocabulary, parent, code, english in migration.TERMS:
        labels = data[(vocabulary, code)]
        assert labels.en == english, code
        assert labels.parent == parent, code
    for labels in vocabularies_data.TERMS:
        assert labels.ru and labels.tg, labels.code
        assert labels.ru != labels.en and labels.tg != labels.ru, labels.code
        assert Term.objects.filter(vocabulary=labels.vocabulary, code=labels.code).exists()


def test_the_migration_creates_nothing_twice_and_keeps_a_reworded_term(migrator_apps):
    term = Term.objects.get(vocabulary=Vocabulary.ADMINISTRATIVE_ARTICLE, code="tjk-coao-460")
    term.label = "Petty hooliganism (reworded)"
    term.save()
    before = Term.objects.count()
    migration.add_terms(migrator_apps, None)
    assert Term.objects.count() == before
    term.refresh_from_db()
    assert term.label == "Petty hooliganism (reworded)"


@pytest.fixture
def migrator_apps():
    from django.apps import apps

    return apps


# -- places of detention ------------------------------------------------------------------------


def test_a_facility_is_found_by_any_of_its_names_in_either_script():
    station = FacilityFactory(
        name="Тверское ОВД", other_names="Tverskoe police station\nТверкое", address="ул. 1"
    )
    FacilityFactory(name="SIZO No. 1", kind=FacilityKind.PRETRIAL)
    for typed in ("Тверское", "tverskoe", "Тверкое", "Tverkoe", "OVD"):
        assert list(Facility.objects.matching(typed)) == [station], typed
    assert station.names == ["Тверское ОВД", "Tverskoe police station", "Тверкое"]


def test_facility_coordinates_come_in_pairs_and_a_source_needs_them():
    assert_refused(
        FacilityFactory.build(latitude="37.5", longitude=None),
        "Give both latitude (−90 to 90) and longitude (−180 to 180), or neither.",
    )
    assert_refused(
        FacilityFactory.build(coordinates_source=SourceFactory()),
        "A source of coordinates needs the coordinates.",
    )


# -- counted, unnamed detainees -----------------------------------------------------------------


@pytest.fixture
def rally(team):
    return EventFactory(team=team, title="Khorog rally", assembly_status="not_authorised")


@pytest.fixture
def group(team, rally, monitor_on_team):
    case = CaseFactory(team=team)
    station = FacilityFactory(name="Khorog city police station")
    group = GroupDetentionFactory(case=case, event=rally, facility=station, hours_held=5)
    for value, who in ((25, "Monitors"), (12, "Police")):
        figure_add(
            parent=group,
            value=value,
            claimed_by=who,
            source=SourceFactory(team=team),
            actor=monitor_on_team,
        )
    return group


def test_a_group_counts_the_highest_sourced_figure_and_keeps_the_others(group, monitor_on_team):
    assert group.count() == 25
    assert sorted(f.value for f in group.figures.all()) == [12, 25]
    assert group.named() == 0 and group.unidentified() == 25
    assert group.over_legal_limit  # five hours against the three the law allows


def test_hours_at_the_limit_are_not_over_it(team):
    assert not GroupDetentionFactory(case=CaseFactory(team=team), hours_held=3).over_legal_limit
    detention = DetentionFactory(case=CaseFactory(team=team), hours_held=4)
    assert detention.over_legal_limit


def test_naming_detainees_adjusts_the_unidentified_count_with_history(group, monitor_on_team):
    for _ in range(2):
        detention_record(
            actor=monitor_on_team,
            item=DetentionInput(
                detention=Detention(case=group.case, person=PersonFactory(), group=group)
            ),
        )
    group.refresh_from_db()
    assert (group.named(), group.unidentified(), group.count()) == (2, 23, 25)
    reasons = list(group.history.values_list("history_change_reason", flat=True))
    assert reasons[0] == "Named detainee attached: 2 named, 23 unidentified."
    assert "Named detainee attached: 1 named, 24 unidentified." in reasons


def test_more_named_than_any_figure_counts_the_named(group, monitor_on_team):
    for _ in range(26):
        DetentionFactory(case=group.case, group=group)
    assert group.count() == 26 and group.unidentified() == 0


def test_counted_groups_read_their_count_without_repeating_subqueries(group, monitor_on_team):
    """The figures' subquery is written once in the statement (an annotation naming another
    writes it out again), and each group's count() reads the annotation of its own kind."""
    for _ in range(26):
        DetentionFactory(case=group.case, group=group)
    detained = counted_groups(monitor_on_team)
    assert str(detained.query).count("cases_groupdetentionfigure") == 1
    [counted] = detained.filter(pk=group.pk)
    assert (counted.counted, counted.count(), counted.named()) == (26, 26, 26)
    [charged] = counted_groups(monitor_on_team, CountKind.CRIMINAL_CHARGE).filter(pk=group.pk)
    # ``counted`` there counts charges: count() of the detained does not take it.
    assert charged.counted == 0 and charged.count() == 26


def test_a_detainee_cannot_be_named_from_another_cases_group(group, monitor_on_team, team):
    other_case = CaseFactory(team=team)
    with pytest.raises(ValidationError) as refused:
        detention_record(
            actor=monitor_on_team,
            item=DetentionInput(
                detention=Detention(case=other_case, person=PersonFactory(), group=group)
            ),
        )
    assert "same case" in str(refused.value)
    assert not Detention.objects.filter(case=other_case).exists()
    assert group.history.count() == 1


def test_a_figure_from_a_source_the_monitor_may_not_see_is_refused(group, monitor_off_team):
    hidden = SourceFactory(confidentiality=Confidentiality.STRICT)
    with pytest.raises(NotVisible):
        figure_add(parent=group, value=99, claimed_by="x", source=hidden, actor=monitor_off_team)
    assert group.figures.count() == 2


# -- counts per event, per place of detention, in total ------------------------------------------


def test_counts_per_event_facility_and_in_total(group, rally, team, monitor_on_team):
    station = group.facility
    # A named detention outside any group, held at the same station, counts once more.
    alone = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=alone, held_at=station)
    DetentionStepFactory(detention=alone, kind=StepKind.RELEASED, held_at=station, date="July 2023")
    assert detained_by_event(monitor_on_team) == {rally.pk: 25}
    assert detained_by_facility(monitor_on_team) == {station.pk: 26}
    assert detained_total(monitor_on_team) == 26


def test_case_page_counts_its_groups_and_its_named_detainees_outside_them(
    client, group, team, monitor_on_team
):
    case = group.case
    DetentionFactory(case=case, group=group)  # named from the group: within its 25
    DetentionFactory(case=case)  # outside any group: one more
    client.force_login(monitor_on_team)

    page = client.get(reverse("case-detail", kwargs={"pk": case.pk}))

    assert "Detained: 26 people" in page.content.decode()
    assert detained_by_case(monitor_on_team, [case.pk]) == {case.pk: 26}


def test_a_strict_case_is_not_counted_for_whoever_may_not_see_it(group, rally, monitor_off_team):
    case = group.case
    case.confidentiality = Confidentiality.STRICT
    case.save()
    assert detained_by_event(monitor_off_team) == {}
    assert detained_total(monitor_off_team) == 0
    assert not GroupDetention.objects.visible_to(monitor_off_team).exists()


# -- administrative outcomes, counted apart from sentences ---------------------------------------


def test_administrative_outcomes_are_counted_apart_from_criminal_sentences(
    group, team, monitor_on_team
):
    figure_add(
        parent=group, kind=CountKind.FINED, value=10, claimed_by="Court",
        source=SourceFactory(team=team), actor=monitor_on_team,
    )  # fmt: skip
    figure_add(
        parent=group, kind=CountKind.ADMIN_ARREST, value=3, claimed_by="Court",
        source=SourceFactory(team=team), actor=monitor_on_team,
    )  # fmt: skip
    fined = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=fined, kind=StepKind.FINED, fine_amount=580, fine_currency="TJS")
    sentenced = DetentionFactory(case=CaseFactory(team=team))
    DetentionStepFactory(detention=sentenced, sentenced=True)

    totals = outcome_totals(monitor_on_team)

    by_kind = {kind: people for kind, _label, people in totals.administrative}
    assert [kind for kind, _l, _p in totals.administrative] == list(ADMINISTRATIVE_OUTCOMES)
    assert by_kind[StepKind.FINED] == 11
    assert by_kind[StepKind.ADMIN_ARREST] == 3
    assert totals.administrative_total == 14
    assert totals.sentenced == 1
    assert totals.detained == 27


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": StepKind.FINED}, "A fine needs its amount and currency."),
        ({"kind": StepKind.FINED, "fine_amount": 500}, "A fine needs its amount and currency."),
        (
            {"kind": StepKind.ARRESTED, "fine_amount": 500, "fine_currency": "TJS"},
            "Only a fine carries an amount.",
        ),
        ({"kind": StepKind.ADMIN_ARREST}, "An administrative arrest needs its days."),
        (
            {"kind": StepKind.WARNING, "arrest_days": 10},
            "Only an administrative arrest is counted in days.",
        ),
        (
            {"kind": StepKind.WARNING, "community_work_hours": 10},
            "Only community work is counted in hours.",
        ),
    ],
)
def test_an_administrative_outcome_carries_its_own_measure_only(values, message, team):
    detention = DetentionFactory(case=CaseFactory(team=team))
    assert_refused(DetentionStep(detention=detention, date="May 2022", **values), message)


def test_outcome_measures_read_as_people_write_them(team):
    detention = DetentionFactory(case=CaseFactory(team=team))
    fine = DetentionStepFactory(
        detention=detention, kind=StepKind.FINED, fine_amount=580, fine_currency="TJS"
    )
    arrest = DetentionStepFactory(detention=detention, kind=StepKind.ADMIN_ARREST, arrest_days=10)
    fine.refresh_from_db()
    assert fine.outcome_display == "580.00 TJS"
    assert arrest.outcome_display == "10 days"
