"""Every constraint of the core models refuses a bad row, in validation and in the database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.apps import apps

from monitor.choices import Vocabulary
from monitor.models import Place
from tests.factories import PlaceFactory, TermFactory, UserFactory, assert_refused

pytestmark = pytest.mark.django_db

#: Constraints the cases below exercise; the last test checks none is left out.
COVERED = {
    "monitor_user_clearance_valid",
    "monitor_place_unique_name_in_parent",
    "monitor_place_kind_valid",
    "monitor_place_coordinates_valid",
    "monitor_place_not_own_parent",
    "monitor_term_unique_code",
    "monitor_term_vocabulary_valid",
    "monitor_term_not_own_parent",
    "monitor_progress_done_within_total",
    "monitor_place_review_state_valid",
    "monitor_term_review_state_valid",
}


@pytest.mark.parametrize("factory", [PlaceFactory, TermFactory])
def test_reference_data_in_an_unknown_review_state_is_refused(factory):
    record = factory()
    record.review_state = "approved"
    assert_refused(record, "Unknown review state.")


def test_user_clearance_outside_the_four_levels_is_refused():
    user = UserFactory.build(username="odd-clearance", clearance=99)
    assert_refused(
        user, "Clearance must be public, internal, confidential or strict.", field="clearance"
    )


def test_place_with_a_second_part_of_the_same_name_is_refused():
    gbao = PlaceFactory(name="Gorno-Badakhshan", kind="region")
    PlaceFactory(name="Khorog", parent=gbao)
    duplicate = PlaceFactory.build(name="Khorog", parent=gbao)
    assert_refused(duplicate, "This place already has a part with this name.")


def test_same_settlement_name_under_two_regions_is_allowed():
    first, second = PlaceFactory(kind="region"), PlaceFactory(kind="region")
    PlaceFactory(name="Vanj", parent=first)
    PlaceFactory.build(name="Vanj", parent=second).full_clean()


def test_place_of_an_unknown_kind_is_refused():
    assert_refused(PlaceFactory.build(kind="planet"), "Unknown kind of place.", field="kind")


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal("91"), Decimal("71.5")),
        (Decimal("-90.5"), Decimal("71.5")),
        (Decimal("37.49"), Decimal("180.5")),
        (Decimal("37.49"), Decimal("-181")),
        (Decimal("37.49"), None),
        (None, Decimal("71.55")),
    ],
)
def test_place_coordinates_out_of_range_or_half_given_are_refused(latitude, longitude):
    place = PlaceFactory.build(name="Khorog", latitude=latitude, longitude=longitude)
    assert_refused(place, "Give both latitude (−90 to 90) and longitude (−180 to 180), or neither.")


def test_place_with_valid_coordinates_is_accepted():
    place = PlaceFactory(name="Khorog", latitude=Decimal("37.4897"), longitude=Decimal("71.5531"))
    place.full_clean()
    assert Place.objects.get(pk=place.pk).latitude == Decimal("37.489700")


def test_place_cannot_be_part_of_itself():
    place = PlaceFactory()
    place.parent = place
    assert_refused(place, "A place cannot be part of itself.")


def test_term_code_used_twice_in_one_vocabulary_is_refused():
    TermFactory(vocabulary=Vocabulary.TAG, code="test-gbao")
    duplicate = TermFactory.build(vocabulary=Vocabulary.TAG, code="test-gbao")
    assert_refused(duplicate, "This vocabulary already has a term with this code.")


def test_same_term_code_in_two_vocabularies_is_allowed():
    TermFactory(vocabulary=Vocabulary.TAG, code="test-shared")
    TermFactory.build(vocabulary=Vocabulary.EVENT_TYPE, code="test-shared").full_clean()


def test_term_of_an_unknown_vocabulary_is_refused():
    assert_refused(
        TermFactory.build(vocabulary="horoscopes"), "Unknown vocabulary.", field="vocabulary"
    )


def test_term_cannot_be_its_own_parent():
    term = TermFactory()
    term.parent = term
    assert_refused(term, "A term cannot be its own parent.")


def test_full_clean_recomputes_approximate_date_companions_from_the_date():
    """The companion columns are derived data: validation repairs them, it never trusts them."""
    from tests.factories import AllegationFactory

    allegation = AllegationFactory(date="May 2022")
    allegation.date_end = datetime.date(2022, 4, 1)
    allegation.full_clean()
    assert allegation.date_end == datetime.date(2022, 5, 31)


def test_task_progress_with_more_steps_done_than_in_all_is_refused():
    from monitor.models import TaskProgress

    progress = TaskProgress(kind="export", title="Cases", owner=UserFactory(), total=3, done=4)
    assert_refused(progress, "Constraint “monitor_progress_done_within_total” is violated.")


def test_every_core_constraint_has_a_rejection_case():
    # Review decisions are tested with the review workflow, where their rules live.
    # The access log's, with the account-security tests (tests/security/test_access_log.py).
    tested_elsewhere = {"ReviewDecision", "AccessLog"}
    names = {
        constraint.name
        for model in apps.get_app_config("monitor").get_models()
        if model.__name__ not in tested_elsewhere
        for constraint in model._meta.constraints
    }
    assert names == COVERED
