"""Every constraint on sources, evidence files, custody events and citations refuses a bad row."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import DataError, IntegrityError

from sources.models import CustodyEvent
from tests.factories import (
    CitationFactory,
    CustodyEventFactory,
    EvidenceFileFactory,
    SourceFactory,
    assert_approximate_date_guarded,
    assert_refused,
)

pytestmark = pytest.mark.django_db

COVERED = {
    "sources_source_reliability_a_to_f",
    "sources_source_confidentiality_valid",
    "sources_source_review_state_valid",
    "sources_source_published_approx",
    "sources_source_obtained_approx",
    "sources_evidence_sha256_length",
    "sources_evidence_derivation_described",
    "sources_evidence_not_derived_from_itself",
    "sources_custody_action_valid",
    "sources_citation_credibility_1_to_6",
    "sources_citation_stance_valid",
}


@pytest.mark.parametrize("grade", ["G", "a", "Z"])
def test_source_reliability_outside_a_to_f_is_refused(grade):
    source = SourceFactory.build(kind=SourceFactory().kind, reliability=grade)
    assert_refused(source, "Reliability must be a grade from A to F.", field="reliability")


@pytest.mark.parametrize("grade", ["A", "F"])
def test_source_reliability_a_to_f_is_accepted(grade):
    SourceFactory(reliability=grade).full_clean()


def test_source_confidentiality_99_is_refused():
    source = SourceFactory()
    source.confidentiality = 99
    assert_refused(
        source,
        "Confidentiality must be public, internal, confidential or strict.",
        field="confidentiality",
    )


def test_source_unknown_review_state_is_refused():
    source = SourceFactory()
    source.review_state = "approved"
    # review_state is not editable, so the field skips its own choices check: the constraint
    # is what answers, in validation as in the database.
    assert_refused(source, "Unknown review state.")


@pytest.mark.parametrize("name", ["published", "obtained"])
def test_source_dates_with_inconsistent_columns_are_refused(name):
    source = SourceFactory(published="12 May 2023", obtained="c. 2023")
    assert_approximate_date_guarded(source, name)


@pytest.mark.parametrize(
    ("digest", "field"),
    [
        ("abc123", None),
        ("0" * 63, None),
        # Too long or empty: the field's own length and blank checks answer first.
        ("0" * 65, "sha256"),
        ("", "sha256"),
    ],
)
def test_evidence_sha256_that_is_not_64_characters_is_refused(digest, field):
    evidence = EvidenceFileFactory.build(source=SourceFactory(), sha256=digest)
    assert_refused(
        evidence,
        "A SHA-256 digest has 64 hexadecimal characters.",
        field=field,
        db_errors=(IntegrityError, DataError),
    )


def test_evidence_sha256_is_the_digest_of_the_stored_bytes():
    evidence = EvidenceFileFactory(content=b"abc")
    evidence.full_clean()
    assert evidence.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert evidence.size == 3
    with evidence.file.open("rb") as stored:
        assert stored.read() == b"abc"


def test_derived_evidence_file_without_a_derivation_description_is_refused():
    original = EvidenceFileFactory()
    copy = EvidenceFileFactory.build(source=original.source, derived_from=original, derivation="")
    assert_refused(copy, "A derived copy must say how it was derived.")


def test_derived_evidence_file_that_says_how_is_accepted():
    original = EvidenceFileFactory()
    copy = EvidenceFileFactory(
        source=original.source, derived_from=original, derivation="location metadata removed"
    )
    copy.full_clean()
    assert list(original.derivatives.all()) == [copy]


def test_evidence_file_cannot_be_derived_from_itself():
    evidence = EvidenceFileFactory(derivation="cropped")
    evidence.derived_from = evidence
    assert_refused(evidence, "A file cannot be derived from itself.")


def test_custody_event_with_an_unknown_action_is_refused():
    event = CustodyEventFactory.build(evidence=EvidenceFileFactory(), action="shredded")
    assert_refused(event, "Unknown custody action.", field="action")
    assert not CustodyEvent.objects.exists()


@pytest.mark.parametrize("grade", [0, 7])
def test_citation_credibility_outside_1_to_6_is_refused(grade):
    citation = CitationFactory()
    citation.credibility = grade
    assert_refused(citation, "Credibility must be a grade from 1 to 6.", field="credibility")


@pytest.mark.parametrize("grade", [1, 6])
def test_citation_credibility_1_to_6_is_accepted(grade):
    CitationFactory(credibility=grade).full_clean()


def test_citation_with_an_unknown_stance_is_refused():
    citation = CitationFactory()
    citation.stance = "neutral"
    assert_refused(citation, "A citation supports or contests its claim.", field="stance")


def test_every_sources_constraint_has_a_rejection_case():
    names = {
        constraint.name
        for model in apps.get_app_config("sources").get_models()
        for constraint in model._meta.constraints
    }
    assert names == COVERED
