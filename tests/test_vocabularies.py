"""The starter vocabularies a fresh database begins with (data migration monitor/0002)."""

from __future__ import annotations

import pytest
from django.apps import apps as global_apps
from django.core.validators import validate_slug

from cases.choices import ResponseKind, StepKind
from monitor.choices import Vocabulary
from monitor.models import Term
from monitor.vocabularies import (
    HISTORY_REASON,
    STARTER_VOCABULARIES,
    iter_starter_terms,
    sync_starter_vocabularies,
)
from monitor.vocabulary_translations import HISTORY_REASON as TRANSLATIONS_REASON

pytestmark = pytest.mark.django_db


def codes(vocabulary: str) -> set[str]:
    return set(Term.objects.of(vocabulary).values_list("code", flat=True))


def test_every_vocabulary_of_the_issue_is_seeded():
    for vocabulary in Vocabulary:
        if vocabulary == Vocabulary.TAG:  # tags are each team's own: they start empty
            continue
        assert Term.objects.of(vocabulary).exists(), vocabulary


def test_violation_types_cover_the_huridocs_categories_with_children():
    roots = dict(
        Term.objects.of(Vocabulary.VIOLATION_TYPE).filter(parent=None).values_list("code", "label")
    )
    for code in (
        "right-to-life",
        "arbitrary-detention",
        "enforced-disappearance",
        "torture-ill-treatment",
        "fair-trial",
        "freedom-of-expression",
        "assembly-association",
        "reprisals-relatives",
        "freedom-of-religion",
        "discrimination",
        "property-home",
        "movement-transnational",
    ):
        assert code in roots
        assert Term.objects.filter(parent__code=code, vocabulary="violation_type").count() >= 2
    killing = Term.objects.of(Vocabulary.VIOLATION_TYPE).get(code="extrajudicial-killing")
    assert killing.parent.code == "right-to-life"
    assert Term.objects.of(Vocabulary.VIOLATION_TYPE).filter(code="death-in-custody").exists()


def test_detention_step_and_response_kinds_are_the_fixed_values():
    assert codes(Vocabulary.DETENTION_STEP_KIND) == set(StepKind.values)
    assert codes(Vocabulary.RESPONSE_KIND) == set(ResponseKind.values)


def test_facilities_are_types_with_known_facilities_beneath():
    types = set(
        Term.objects.of(Vocabulary.FACILITY).filter(parent=None).values_list("code", flat=True)
    )
    assert {
        "police-station",
        "pretrial-centre",
        "prison-colony",
        "security-service",
        "psychiatric",
        "unknown-facility",
    } <= types
    sizo = Term.objects.of(Vocabulary.FACILITY).get(code="tjk-sizo-1-dushanbe")
    assert sizo.parent.code == "pretrial-centre"


def test_un_communication_types_have_their_standard_labels():
    labels = dict(Term.objects.of(Vocabulary.UN_COMMUNICATION_TYPE).values_list("code", "label"))
    assert labels == {
        "AL": "Allegation letter",
        "UA": "Urgent appeal",
        "OL": "Other letter",
        "JAL": "Joint allegation letter",
        "JUA": "Joint urgent appeal",
    }


def test_un_mandates_include_those_the_issue_names():
    assert {
        "sr-human-rights-defenders",
        "sr-freedom-of-expression",
        "sr-independence-of-judges-and-lawyers",
        "sr-minority-issues",
        "sr-counter-terrorism",
        "sr-torture",
        "wg-arbitrary-detention",
        "wg-enforced-disappearances",
        "sr-assembly-and-association",
        "sr-extrajudicial-executions",
        "sr-freedom-of-religion",
        "other-mandate",
    } <= codes(Vocabulary.UN_MANDATE)


def test_source_kinds_event_types_and_criminal_articles():
    assert {
        "testimony",
        "court-record",
        "news-article",
        "ngo-report",
        "un-document",
        "official-statement",
        "social-media",
        "other",
    } <= codes(Vocabulary.SOURCE_KIND)
    assert {
        "protest",
        "security-operation",
        "trial",
        "mass-arrest",
        "official-visit",
        "armed-clash",
        "other",
    } <= codes(Vocabulary.EVENT_TYPE)
    article = Term.objects.of(Vocabulary.CRIMINAL_ARTICLE).get(code="tjk-cc-187")
    assert article.label == "Art. 187 CC RT — Organisation of a criminal community"
    assert article.parent.code == "tjk-cc"
    assert {"tjk-cc-179", "tjk-cc-195", "tjk-cc-237", "tjk-cc-307-1"} <= codes(
        Vocabulary.CRIMINAL_ARTICLE
    )


def test_every_starter_term_has_its_creation_in_the_history():
    starters = list(iter_starter_terms())
    assert Term.objects.count() >= len(starters)
    for vocabulary, starter, _parent, _position in starters:
        term = Term.objects.get(vocabulary=vocabulary, code=starter.code)
        # Newest first: the creation, then the labels in Russian and Tajik (issue 16).
        rows = list(term.history.all())
        assert [row.history_type for row in rows] == ["~", "+"], starter.code
        assert rows[1].history_change_reason == HISTORY_REASON
        assert rows[1].label == term.label
        assert rows[0].history_change_reason == TRANSLATIONS_REASON
        assert rows[0].labels == term.labels and set(term.labels) == {"ru", "tg"}


def test_starter_data_is_well_formed():
    seen = set()
    for vocabulary, starter, _parent, _position in iter_starter_terms():
        assert vocabulary in Vocabulary.values
        validate_slug(starter.code)
        assert len(starter.code) <= 80 and len(starter.label) <= 200
        assert (vocabulary, starter.code) not in seen, starter.code
        seen.add((vocabulary, starter.code))
    assert Vocabulary.TAG not in STARTER_VOCABULARIES


def test_running_the_sync_again_creates_nothing_and_keeps_a_coordinators_wording():
    torture = Term.objects.get(vocabulary=Vocabulary.VIOLATION_TYPE, code="torture")
    torture.label = "Torture (reworded by a coordinator)"
    torture.save()
    terms, history = Term.objects.count(), Term.history.count()

    sync_starter_vocabularies(global_apps, None)

    assert (Term.objects.count(), Term.history.count()) == (terms, history)
    torture.refresh_from_db()
    assert torture.label == "Torture (reworded by a coordinator)"
