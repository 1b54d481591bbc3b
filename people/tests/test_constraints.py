"""Every constraint on persons, their names, organisations and affiliations refuses a bad row."""

from __future__ import annotations

import pytest
from django.apps import apps

from people.folding import fold_name
from people.models import PersonName
from tests.factories import (
    AffiliationFactory,
    OrganizationFactory,
    PersonFactory,
    PersonNameFactory,
    assert_approximate_date_guarded,
    assert_refused,
)

pytestmark = pytest.mark.django_db

COVERED = {
    "people_person_confidentiality_valid",
    "people_person_review_state_valid",
    "people_organization_review_state_valid",
    "people_person_birth_date_approx",
    "people_personname_one_primary",
    "people_personname_unique_variant",
    "people_personname_not_blank",
    "people_organization_unique_name",
    "people_organization_kind_valid",
    "people_organization_not_own_parent",
    "people_organization_confidentiality_valid",
    "people_affiliation_since_approx",
    "people_affiliation_until_approx",
    "people_affiliation_ends_after_start",
    "people_person_not_merged_into_itself",
}


def test_person_confidentiality_99_is_refused():
    person = PersonFactory()
    person.confidentiality = 99
    assert_refused(
        person,
        "Confidentiality must be public, internal, confidential or strict.",
        field="confidentiality",
    )


def test_organization_unknown_review_state_is_refused():
    organization = OrganizationFactory()
    organization.review_state = "approved"
    assert_refused(organization, "Unknown review state.")


def test_person_unknown_review_state_is_refused():
    person = PersonFactory()
    person.review_state = "published"
    assert_refused(person, "Unknown review state.")


def test_person_birth_date_with_inconsistent_columns_is_refused():
    assert_approximate_date_guarded(PersonFactory(birth_date="c. 1985"), "birth_date")


def test_second_primary_name_for_one_person_is_refused():
    person = PersonFactory(name="Tolib Ayombekov")
    second = PersonNameFactory.build(person=person, full_name="Толиб Аёмбеков", is_primary=True)
    assert_refused(second, "A person has exactly one primary name.")


def test_primary_names_of_two_people_do_not_clash():
    PersonFactory(name="Tolib Ayombekov")
    other = PersonFactory(name=False)
    PersonNameFactory.build(
        person=other, full_name="Niyozsho Gulobov", is_primary=True
    ).full_clean()


def test_an_archived_primary_name_leaves_room_for_a_new_one():
    person = PersonFactory(name="Munavvar Shanbiev")
    old = person.names.get()
    old.archived_at = old.created_at
    old.save()
    PersonNameFactory(person=person, full_name="Munavvar Shanbiyev", is_primary=True).full_clean()
    assert person.names.filter(is_primary=True, archived_at__isnull=True).count() == 1


def test_same_name_variant_twice_for_one_person_is_refused():
    person = PersonFactory(name="Nazhmiddin Sherchonov")
    duplicate = PersonNameFactory.build(person=person, full_name="Nazhmiddin Sherchonov")
    assert_refused(duplicate, "This person already has this name.")


def test_same_name_for_two_people_is_allowed():
    PersonFactory(name="Imumnazar Shoishirinov")
    namesake = PersonFactory(name=False)
    PersonNameFactory.build(person=namesake, full_name="Imumnazar Shoishirinov").full_clean()


def test_empty_name_is_refused():
    blank = PersonNameFactory.build(person=PersonFactory(), full_name="")
    # In validation the field's own "cannot be blank" answers first.
    assert_refused(blank, "A name cannot be empty.", field="full_name")


def test_organisation_name_used_twice_is_refused():
    OrganizationFactory(name="State Committee for National Security")
    duplicate = OrganizationFactory.build(name="State Committee for National Security")
    assert_refused(duplicate, "An organisation with this name already exists.")


def test_organisation_of_an_unknown_kind_is_refused():
    assert_refused(
        OrganizationFactory.build(kind="secret_society"),
        "Unknown kind of organisation.",
        field="kind",
    )


def test_organisation_cannot_be_part_of_itself():
    organisation = OrganizationFactory()
    organisation.parent = organisation
    assert_refused(organisation, "An organisation cannot be part of itself.")


def test_organisation_confidentiality_99_is_refused():
    assert_refused(
        OrganizationFactory.build(confidentiality=99),
        "Confidentiality must be public, internal, confidential or strict.",
        field="confidentiality",
    )


@pytest.mark.parametrize("name", ["since", "until"])
def test_affiliation_dates_with_inconsistent_columns_are_refused(name):
    affiliation = AffiliationFactory(since="2015", until="May 2022")
    assert_approximate_date_guarded(affiliation, name)


def test_person_merged_into_themselves_is_refused():
    person = PersonFactory()
    person.merged_into_id = person.pk
    assert_refused(person, "A person cannot be merged into themselves.")


def test_affiliation_ending_before_it_starts_is_refused():
    affiliation = AffiliationFactory.build(
        person=PersonFactory(), organization=OrganizationFactory(), since="2020", until="2019"
    )
    assert_refused(affiliation, "An affiliation cannot end before it starts.")


def test_affiliation_ending_in_the_month_it_starts_is_accepted():
    AffiliationFactory(since="2020-03-15", until="March 2020").full_clean()


def test_person_name_full_clean_passes_for_a_new_name():
    """``folded`` is derived in ``clean()``; validating a new name must not trip over it."""
    name = PersonNameFactory.build(person=PersonFactory(), full_name="  Niyozsho   Gulobov ")
    name.full_clean()
    assert name.full_name == "Niyozsho Gulobov"
    assert name.folded == fold_name("Ниёзшо Гулобов") == "nizsha gulabav"
    assert name.script == "latin"


def test_every_people_constraint_has_a_rejection_case():
    names = {
        constraint.name
        for model in apps.get_app_config("people").get_models()
        for constraint in model._meta.constraints
    }
    assert names == COVERED
    assert PersonName._meta.get_field("folded").db_index
