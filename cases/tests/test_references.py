"""UN communication references: the real formats parse, malformed ones are refused clearly,
and a follow-up stores the normalised form and keeps it consistent with its type."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cases.choices import FollowUpKind
from cases.references import UNReference, country_alpha3, parse_un_reference
from monitor.choices import Vocabulary
from monitor.models import Term
from people.choices import OrganizationKind
from tests.factories import CaseFactory, FollowUpFactory, OrganizationFactory, PlaceFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AL TJK 2/2023", UNReference("AL", "TJK", 2, 2023)),
        ("UA TJK 1/2022", UNReference("UA", "TJK", 1, 2022)),
        ("JAL TJK 3/2023", UNReference("JAL", "TJK", 3, 2023)),
        ("OL TJK 1/2021", UNReference("OL", "TJK", 1, 2021)),
        ("JUA TJK 4/2019", UNReference("JUA", "TJK", 4, 2019)),
        ("JAL RUS 12/2022", UNReference("JAL", "RUS", 12, 2022)),
        ("OL OTH 44/2021", UNReference("OL", "OTH", 44, 2021)),
        # As people paste or type them.
        ("al tjk 2/2023", UNReference("AL", "TJK", 2, 2023)),
        ("  AL   TJK  2/2023 ", UNReference("AL", "TJK", 2, 2023)),
        ("Jal Tjk 3 / 2023", UNReference("JAL", "TJK", 3, 2023)),
        ("AL TJK 02/2023", UNReference("AL", "TJK", 2, 2023)),
    ],
)
def test_real_reference_formats_parse_into_their_parts(text, expected):
    assert parse_un_reference(text) == expected


def test_parsed_reference_prints_in_the_one_stored_form():
    assert parse_un_reference(" jal  tjk 3 / 2023").normalized == "JAL TJK 3/2023"
    assert parse_un_reference("JAL TJK 3/2023").is_joint
    assert not parse_un_reference("AL TJK 3/2023").is_joint


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("AL 2/2023", "it needs the type, the country code and number/year"),
        ("XX TJK 2/2023", "“XX” is not a communication type; use one of AL, UA, OL, JAL, JUA"),
        ("AL TJK 2-2023", "“2-2023” should be the number and the year, as in 2/2023"),
        ("AL TJK 0/2023", "the number must be 1 or more"),
        ("AL TJK 2/23", "the year must have all four digits"),
        ("AL TJX 2/2023", "“TJX” is not an ISO 3166-1 alpha-3 country code"),
        ("AL TJ 2/2023", "“TJ” is not a three-letter country code"),
        ("AL TJK 2/1950", "1950 is not a plausible year"),
        ("AL TJK 2/2023 extra", "it needs the type, the country code and number/year"),
        ("TJK AL 2/2023", "“TJK” is not a communication type"),
    ],
)
def test_malformed_reference_is_refused_with_a_message_naming_the_fault(text, message):
    with pytest.raises(ValueError, match="is not a UN communication reference") as caught:
        parse_un_reference(text)
    assert message in str(caught.value)
    assert text.strip() in str(caught.value)


def test_blank_reference_is_not_parsed_but_explained():
    with pytest.raises(ValueError, match="leave it blank"):
        parse_un_reference("   ")


def test_place_codes_map_to_reference_country_codes():
    assert country_alpha3("TJ") == "TJK"
    assert country_alpha3("TJ-GB") == "TJK"
    assert country_alpha3("FR") == "FRA"
    assert country_alpha3("") is None


# -- on the follow-up ------------------------------------------------------------------------


def _type(code: str) -> Term:
    return Term.objects.get(vocabulary=Vocabulary.UN_COMMUNICATION_TYPE, code=code)


@pytest.mark.django_db
def test_followup_without_a_reference_is_valid():
    followup = FollowUpFactory(reference="", communication_type=_type("JAL"))
    followup.full_clean()


@pytest.mark.django_db
def test_followup_stores_the_normalised_reference():
    followup = FollowUpFactory(reference="  jal tjk 3 / 2023", communication_type=_type("JAL"))
    followup.full_clean()
    assert followup.reference == "JAL TJK 3/2023"


@pytest.mark.django_db
def test_followup_with_a_malformed_reference_is_refused_on_the_reference_field():
    followup = FollowUpFactory.build(case=CaseFactory(), reference="AL TJK 2-2023")
    with pytest.raises(ValidationError) as caught:
        followup.full_clean()
    assert "should be the number and the year" in caught.value.message_dict["reference"][0]


@pytest.mark.django_db
def test_reference_and_communication_type_must_agree():
    followup = FollowUpFactory.build(
        case=CaseFactory(), reference="AL TJK 2/2023", communication_type=_type("JUA")
    )
    with pytest.raises(ValidationError) as caught:
        followup.full_clean()
    assert caught.value.message_dict["reference"] == [
        "The reference AL TJK 2/2023 is of type AL, but the communication type chosen is JUA: "
        "make them agree."
    ]


@pytest.mark.django_db
def test_reference_must_name_the_country_of_the_addressed_state():
    tajikistan = PlaceFactory(name="Tajikistan", code="TJ")
    government = OrganizationFactory(
        name="Government of Tajikistan", kind=OrganizationKind.GOVERNMENT, country=tajikistan
    )
    followup = FollowUpFactory.build(
        case=CaseFactory(), reference="AL RUS 2/2023", addressee=government
    )
    with pytest.raises(ValidationError) as caught:
        followup.full_clean()
    assert (
        "addressed to RUS, but the addressee Government of Tajikistan is in Tajikistan (TJK)"
        in (caught.value.message_dict["reference"][0])
    )
    followup.reference = "AL TJK 2/2023"
    followup.full_clean()


@pytest.mark.django_db
def test_letter_to_authorities_keeps_its_own_registry_number():
    followup = FollowUpFactory.build(
        case=CaseFactory(), kind=FollowUpKind.LETTER, reference="No. 12-3/456", due_on=None
    )
    followup.full_clean()
    assert followup.reference == "No. 12-3/456"


@pytest.mark.django_db
def test_same_un_reference_twice_on_one_case_is_refused():
    first = FollowUpFactory(reference="AL TJK 2/2023")
    second = FollowUpFactory.build(case=first.case, reference="al tjk 2/2023")
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "This case already has a UN communication with this reference." in (
        caught.value.messages
    )
