"""Writes the demo facts through the services a user's edit goes through.

Every record is saved by :func:`~monitor.services.record_save` (permission, ``full_clean()``,
history by the actor), every citation by :func:`~sources.services.citation_add`, every
contested figure by :func:`~cases.services.figure_add`, and the evidence file by the evidence
services. Records are looked up by natural key first (a case's reference, an event's title, a
person's primary name, an organisation's name…), so a second run creates nothing, and a record
a user has edited since is left as it is.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from cases.choices import CasePersonRole, ClaimStatus
from cases.demo.evidence import ensure_demo_evidence
from cases.demo.facts import (
    AllegationFact,
    CaseFact,
    Cite,
    DemoDataError,
    DemoFacts,
    DetentionFact,
    EventFact,
    FollowUpFact,
    OrganizationFact,
    PersonFact,
    PlaceFact,
    SourceFact,
    confidentiality,
)
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    EventFigure,
    FollowUp,
)
from cases.services import figure_add
from monitor.approxdate import ApproximateDate
from monitor.choices import Vocabulary
from monitor.models import Place, ReferenceData, Team, Term
from monitor.services import record_save
from people.models import Affiliation, Organization, Person, PersonName
from sources.models import Citation, EvidenceFile, Source
from sources.services import citation_add

#: The reason on every history row the demo data writes (the services write their own).
REASON = "Demo data from the seed article"


class DemoConflict(Exception):
    """A natural key of the demo data is taken by a record that is not the demo's."""


class Loader:
    """Writes the facts, creating each record only when its natural key is not found."""

    def __init__(self, facts: DemoFacts, actor, created):
        self.facts = facts
        self.actor = actor
        self.created = created  # a Counter: records made per kind
        self.sources: dict[str, Source] = {}
        self.places: dict[str, Place] = {}
        self.organizations: dict[str, Organization] = {}
        self.persons: dict[str, Person] = {}
        self.events: dict[str, Event] = {}
        self.terms: dict[tuple[str, str], Term] = {}
        #: Reference data this run added: it waits for review (``ReferenceData``).
        self.reference: list[ReferenceData] = []

    def load(self, team_members: list) -> None:
        self.team = self._team(team_members)
        for fact in self.facts.sources:
            self._source(fact)
        for fact in self.facts.places:
            self._place(fact)
        for fact in self.facts.organizations:
            self._organization(fact)
        for fact in self.facts.persons:
            self._person(fact)
        for fact in self.facts.events:
            self._event(fact)
        for fact in self.facts.cases:
            self._case(fact)
        for fact in self.facts.sources:
            if fact.evidence:
                made = ensure_demo_evidence(
                    source=self.sources[fact.key],
                    actor=self.actor,
                    fact=fact.evidence,
                    text=self.facts.source_text(fact.key),
                )
                if made:
                    self.created[str(EvidenceFile._meta.verbose_name_plural)] += made

    # -- helpers ---------------------------------------------------------------------------

    def _count(self, model: type[models.Model]) -> None:
        self.created[str(model._meta.verbose_name_plural)] += 1

    def _ensure(self, model: type[models.Model], lookup: dict, m2m: dict | None = None, **values):
        """The record matching ``lookup``, or a new one saved through ``record_save``."""
        record = model._base_manager.filter(**lookup).first()
        if record is not None:
            return record
        return self._create(model, m2m, **lookup, **values)

    def _create(self, model: type[models.Model], m2m: dict | None = None, **values):
        record = model(**values)
        try:
            record_save(record=record, actor=self.actor, m2m=m2m, reason=REASON)
        except ValidationError as exc:
            problems = "; ".join(exc.messages)
            raise DemoDataError(f"{model._meta.verbose_name} “{record}”: {problems}") from exc
        self._count(model)
        if isinstance(record, ReferenceData):
            self.reference.append(record)
        return record

    def _term(self, vocabulary: str, code: str) -> Term:
        key = (vocabulary, code)
        if key not in self.terms:
            term = Term._base_manager.filter(vocabulary=vocabulary, code=code).first()
            if term is None:
                raise LookupError(
                    f"The starter term {vocabulary}/{code} is missing: run `manage.py migrate`."
                )
            self.terms[key] = term
        return self.terms[key]

    def _cite(self, record: models.Model, cite: Cite) -> None:
        excerpt = cite.excerpt
        source = self.sources[excerpt.source]
        exists = Citation._base_manager.filter(
            source=source,
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            field_name=cite.field,
            quote=excerpt.quote,
        ).exists()
        if exists:
            return
        citation_add(
            record=record,
            source=source,
            actor=self.actor,
            field_name=cite.field,
            page=excerpt.page,
            paragraph=excerpt.paragraph,
            timestamp=excerpt.timestamp,
            quote=excerpt.quote,
            credibility=excerpt.credibility,
            note=cite.note,
        )
        self._count(Citation)

    def _cite_all(self, record: models.Model, cites) -> None:
        for cite in cites:
            self._cite(record, cite)

    # -- facts -----------------------------------------------------------------------------

    def _team(self, members: list) -> Team:
        fact = self.facts.team
        team = Team.objects.filter(name=fact.name).first()
        if team is None:
            # Teams are plain reference data: no service, the model's own rules.
            team = Team(name=fact.name, description=fact.description)
            team.full_clean()
            team.save()
            self._count(Team)
        missing = [user for user in members if not team.members.filter(pk=user.pk).exists()]
        if missing:
            # Only when someone is missing: every add() writes a history row, even an empty one.
            team.members.add(*missing)
        return team

    def _source(self, fact: SourceFact) -> Source:
        source = self._ensure(
            Source,
            {"title": fact.title},
            kind=self._term(Vocabulary.SOURCE_KIND, fact.kind),
            published=fact.published or None,
            language=fact.language,
            reliability=fact.reliability,
            confidentiality=confidentiality(fact.confidentiality),
            summary=fact.summary,
            obtained_how=fact.obtained_how,
            team=self.team,
        )
        self.sources[fact.key] = source
        return source

    def _place(self, fact: PlaceFact) -> Place:
        parent = self.places[fact.parent] if fact.parent else None
        place = self._ensure(
            Place,
            {"parent": parent, "name": fact.name},
            kind=fact.kind,
            code=fact.code,
            latitude=fact.latitude or None,
            longitude=fact.longitude or None,
        )
        self.places[fact.name] = place
        return place

    def _organization(self, fact: OrganizationFact) -> Organization:
        organization = self._ensure(
            Organization,
            {"name": fact.name, "archived_at": None},
            kind=fact.kind,
            acronym=fact.acronym,
            parent=self.organizations[fact.parent] if fact.parent else None,
            country=self.places[fact.country] if fact.country else None,
            description=fact.description,
            confidentiality=confidentiality(fact.confidentiality),
        )
        self._cite_all(organization, fact.cites)
        self.organizations[fact.name] = organization
        return organization

    def _person(self, fact: PersonFact) -> Person:
        primary = (
            PersonName._base_manager.filter(
                full_name=fact.key, is_primary=True, archived_at__isnull=True
            )
            .select_related("person")
            .first()
        )
        if primary is not None:
            person = primary.person
        else:
            # A person's natural key is their primary name, saved just below.
            person = self._create(
                Person,
                occupation=fact.occupation,
                ethnicity=fact.ethnicity,
                biography=fact.biography or fact.illustration,
                confidentiality=confidentiality(fact.confidentiality),
                team=self.team,
            )
        for position, name in enumerate(fact.names):
            self._ensure(
                PersonName,
                {"person": person, "full_name": name.full_name},
                given_name=name.given_name,
                family_name=name.family_name,
                kind=name.kind,
                language=name.language,
                is_primary=position == 0,
            )
        if fact.is_protected and not person.is_protected:
            # Protected once recorded, as a team would do it: a protected person's names are
            # not the actor's to see (the coordinator is off the team), so they are written
            # first, and the protection is its own change in the history.
            person.is_protected = True
            record_save(record=person, actor=self.actor, reason=REASON)
        for affiliation in fact.affiliations:
            record = self._ensure(
                Affiliation,
                {
                    "person": person,
                    "organization": self.organizations[affiliation.organization],
                    "role": affiliation.role,
                },
            )
            self._cite_all(record, affiliation.cites)
        self._cite_all(person, fact.cites)
        self.persons[fact.key] = person
        return person

    def _event(self, fact: EventFact) -> Event:
        event = self._ensure(
            Event,
            {"title": fact.title},
            m2m={"places": [self.places[name] for name in fact.places]},
            kind=self._term(Vocabulary.EVENT_TYPE, fact.kind),
            parent=self.events[fact.parent] if fact.parent else None,
            start=fact.start or None,
            end=fact.end or None,
            description=fact.description,
            confidentiality=confidentiality(fact.confidentiality),
            team=self.team,
        )
        for figure in fact.figures:
            excerpt = figure.cite.excerpt
            source = self.sources[excerpt.source]
            exists = EventFigure._base_manager.filter(
                event=event, kind=figure.kind, claimed_by=figure.claimed_by, source=source
            ).exists()
            if not exists:
                # The figure's own service: the figure and the citation of its value.
                figure_add(
                    parent=event,
                    kind=figure.kind,
                    qualifier=figure.qualifier,
                    value=figure.value,
                    claimed_by=figure.claimed_by,
                    source=source,
                    actor=self.actor,
                    note=figure.note,
                    page=excerpt.page,
                    paragraph=excerpt.paragraph,
                    timestamp=excerpt.timestamp,
                    quote=excerpt.quote,
                    credibility=excerpt.credibility,
                )
                self._count(EventFigure)
                self._count(Citation)
        self._cite_all(event, fact.cites)
        self.events[fact.title] = event
        return event

    def _case(self, fact: CaseFact) -> Case:
        existing = Case._base_manager.filter(reference=fact.reference).first()
        if existing is not None and existing.title != fact.title:
            raise DemoConflict(
                f"Case {fact.reference} exists with another title (“{existing.title}”): it is "
                "not the demo's. Load the demo data into a database of its own."
            )
        case = self._ensure(
            Case,
            {"reference": fact.reference},
            m2m={
                "events": [self.events[title] for title in fact.events],
                "places": [self.places[name] for name in fact.places],
            },
            title=fact.title,
            summary=fact.summary,
            case_type=fact.case_type,
            confidentiality=confidentiality(fact.confidentiality),
            team=self.team,
        )
        self._cite_all(case, fact.cites)
        for role, keys in (
            (CasePersonRole.VICTIM, fact.victims),
            (CasePersonRole.WITNESS, fact.witnesses),
        ):
            for key in keys:
                self._ensure(CasePerson, {"case": case, "person": self.persons[key], "role": role})
        for allegation in fact.allegations:
            self._allegation(case, allegation)
        for detention in fact.detentions:
            self._detention(case, detention)
        for followup in fact.followups:
            self._followup(case, followup)
        return case

    def _allegation(self, case: Case, fact: AllegationFact) -> Allegation:
        allegation = self._ensure(
            Allegation,
            {
                "case": case,
                "violation_type": self._term(Vocabulary.VIOLATION_TYPE, fact.violation),
                "victim": self.persons[fact.victim] if fact.victim else None,
                "victim_description": fact.victim_description,
            },
            date=fact.date or None,
            place=self.places[fact.place] if fact.place else None,
            claim_status=ClaimStatus.ALLEGED,
            description=fact.description,
        )
        for perpetrator in fact.perpetrators:
            self._ensure(
                AllegationPerpetrator,
                {
                    "allegation": allegation,
                    "organization": self.organizations[perpetrator.organization],
                },
                role=perpetrator.role,
            )
        self._cite_all(allegation, fact.cites)
        return allegation

    def _detention(self, case: Case, fact: DetentionFact) -> Detention:
        detention = self._ensure(
            Detention,
            {"case": case, "person": self.persons[fact.person]},
            description=fact.description,
        )
        for step_fact in fact.steps:
            step = self._ensure(
                DetentionStep,
                {"detention": detention, "kind": step_fact.kind},
                date=step_fact.date,
                note=step_fact.note,
            )
            self._cite_all(step, step_fact.cites)
        self._cite_all(detention, fact.cites)
        return detention

    def _followup(self, case: Case, fact: FollowUpFact) -> FollowUp:
        sent = ApproximateDate.parse(fact.sent) if fact.sent else None
        followup = self._ensure(
            FollowUp,
            {"case": case, "title": fact.title},
            m2m={"mandates": [self._term(Vocabulary.UN_MANDATE, code) for code in fact.mandates]},
            kind=fact.kind,
            communication_type=(
                self._term(Vocabulary.UN_COMMUNICATION_TYPE, fact.communication_type)
                if fact.communication_type
                else None
            ),
            addressee=self.organizations[fact.addressee] if fact.addressee else None,
            sent=sent,
            due_on=FollowUp.default_due_on(sent) if sent else None,
            owner=self.actor,
            description=fact.description,
        )
        self._cite_all(followup, fact.cites)
        return followup
