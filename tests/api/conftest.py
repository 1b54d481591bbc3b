"""Fixtures for the API tests: clients signed in as the personas (tests/conftest.py),
and a small world of records around one team case.

``api`` is a client factory: ``api(user)`` is a DRF test client authenticated as ``user``
(``api(None)`` is anonymous) through ``force_authenticate``, which skips the authentication
classes; ``test_auth.py`` goes through them, with sessions and real tokens.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.choices import CasePersonRole, StepKind
from monitor.choices import Confidentiality, Vocabulary
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EvidenceFileFactory,
    FacilityFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    GroupDetentionFactory,
    OrganizationFactory,
    PersonFactory,
    PersonNameFactory,
    PlaceFactory,
    SourceFactory,
    TermFactory,
)

API = "/api/v1"


@pytest.fixture
def api(db):
    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def world(db, team):
    """One confidential team case with everything it can hold, and the records around it."""
    country = PlaceFactory(name="Tajikistan", kind="country", code="TJ")
    region = PlaceFactory(name="GBAO", kind="region", parent=country)
    town = PlaceFactory(name="Khorog", kind="settlement", parent=region)
    violation = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Arbitrary detention")
    torture = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Torture", parent=violation)
    article = TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307")
    facility = TermFactory(vocabulary=Vocabulary.FACILITY, label="SIZO No. 1")
    source_kind = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, label="NGO report")
    crackdown = EventFactory(title="GBAO 2022 crackdown", start="May 2022", team=team)
    rally = EventFactory(title="Khorog rally", start="2022-05-16", parent=crackdown, team=team)
    victim = PersonFactory(name="Ulfatkhonim Mamadshoeva", team=team)
    PersonNameFactory(person=victim, full_name="Улфатхоним Мамадшоева")
    witness = PersonFactory(name="Secret Witness Name", team=team, is_protected=True)
    police = OrganizationFactory(name="Ministry of Internal Affairs", acronym="MVD")
    case = CaseFactory(reference="TJK-2022-0001", title="Mamadshoeva", team=team)
    case.events.add(rally)
    case.places.add(town)
    CasePersonFactory(case=case, person=victim, role=CasePersonRole.VICTIM)
    CasePersonFactory(case=case, person=witness, role=CasePersonRole.WITNESS)
    allegation = AllegationFactory(
        case=case, victim=victim, violation_type=torture, date="2022-05-18", place=town
    )
    detention = DetentionFactory(case=case, person=victim)
    arrest = DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-05-18")
    sentence = DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date="2022-12", sentence_months=252
    )
    sentence.articles.add(article)
    arrest.facility = facility
    arrest.save()
    source = SourceFactory(title="HRW report", kind=source_kind, team=team, publisher="HRW")
    protected_source = SourceFactory(
        title="Testimony of a neighbour", kind=source_kind, team=team, is_protected=True
    )
    citation = CitationFactory(source=source, record=allegation)
    evidence = EvidenceFileFactory(source=source)
    followup = FollowUpFactory(case=case, addressee=police, title="AL TJK 2/2023")
    response = FollowUpResponseFactory(followup=followup)
    affiliation = AffiliationFactory(person=victim, organization=police)
    station = FacilityFactory(name="Khorog city police station")
    group = GroupDetentionFactory(case=case, event=rally, facility=station)
    return {
        "country": country,
        "region": region,
        "town": town,
        "violation": violation,
        "torture": torture,
        "article": article,
        "facility": facility,
        "source_kind": source_kind,
        "crackdown": crackdown,
        "rally": rally,
        "victim": victim,
        "witness": witness,
        "police": police,
        "case": case,
        "allegation": allegation,
        "detention": detention,
        "arrest": arrest,
        "sentence": sentence,
        "source": source,
        "protected_source": protected_source,
        "citation": citation,
        "evidence": evidence,
        "followup": followup,
        "response": response,
        "affiliation": affiliation,
        "station": station,
        "group": group,
    }


@pytest.fixture
def strict_case(db):
    """A strict case of another team: seen by that team alone."""
    return CaseFactory(
        reference="TJK-2022-0099", title="Strict", confidentiality=Confidentiality.STRICT
    )
