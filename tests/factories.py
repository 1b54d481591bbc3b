"""Factories for every model, shared by the whole suite (``from tests.factories import …``).

Audited models refuse ``bulk_create()`` and friends, so every factory goes through
``Model.objects.create()`` (factory_boy's default), which calls ``save()`` and writes a
history row like any user's edit would. Approximate dates are given as people type them
("May 2022", "2022-05-18", "c. 2021").
"""

from __future__ import annotations

import datetime
import functools
import itertools

import factory
import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from factory.django import DjangoModelFactory

from cases.choices import (
    CasePersonRole,
    CaseType,
    ClaimStatus,
    CountKind,
    FacilityKind,
    FigureKind,
    FigureQualifier,
    FollowUpKind,
    PerpetratorRole,
    ResponseKind,
    StepKind,
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
    Facility,
    FollowUp,
    FollowUpResponse,
    GroupDetention,
    GroupDetentionFigure,
)
from monitor.approxdate import ApproximateDate
from monitor.choices import Confidentiality, ReviewState, Vocabulary
from monitor.models import Place, Team, Term, User
from monitor.models.places import PlaceKind
from people.choices import NameKind, OrganizationKind
from people.models import Affiliation, Organization, Person, PersonName
from sources.choices import Credibility, CustodyAction, Reliability
from sources.models import Citation, CustodyEvent, EvidenceFile, Source

#: The password every factory-made user has (for tests that sign in through a form).
PASSWORD = "correct-horse-battery-staple-for-tests"


@functools.cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hashing once keeps a suite of many users fast.
    return make_password(PASSWORD)


# -- monitor ---------------------------------------------------------------------------------


class UserFactory(DjangoModelFactory):
    """A user; ``UserFactory(role=Role.MONITOR)`` puts them in that role's group."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    first_name = ""
    last_name = ""
    clearance = Confidentiality.PUBLIC
    password = factory.LazyFunction(_password_hash)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        # The groups come from a data migration; a missing one must fail loudly here.
        if create and extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.add(*extracted)


class TeamFactory(DjangoModelFactory):
    """A case team; ``TeamFactory(members=[alice, bob])``."""

    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    description = ""

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class TermFactory(DjangoModelFactory):
    """A vocabulary term; codes cannot clash with the seeded starter vocabularies."""

    class Meta:
        model = Term

    vocabulary = Vocabulary.VIOLATION_TYPE
    code = factory.Sequence(lambda n: f"test-term-{n}")
    label = factory.Sequence(lambda n: f"Test term {n}")
    parent = None
    position = 0
    # Reference data set up by a test is taken as verified (new rows otherwise wait in the
    # review queue: tests/test_reference_review.py).
    review_state = ReviewState.VERIFIED


class PlaceFactory(DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Settlement {n}")
    kind = PlaceKind.SETTLEMENT
    parent = None
    review_state = ReviewState.VERIFIED


# -- sources ---------------------------------------------------------------------------------


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report {n}")
    kind = factory.SubFactory(TermFactory, vocabulary=Vocabulary.SOURCE_KIND)
    publisher = "Test Publisher"
    reliability = Reliability.B
    published = "May 2023"
    confidentiality = Confidentiality.CONFIDENTIAL
    team = None


class EvidenceFileFactory(DjangoModelFactory):
    """A stored file with its real SHA-256 and size; ``content=b"…"`` sets the bytes."""

    class Meta:
        model = EvidenceFile
        exclude = ["content"]

    content = b"Statement of a witness, recorded in Khorog."
    source = factory.SubFactory(SourceFactory)
    original_name = factory.Sequence(lambda n: f"statement-{n}.txt")
    content_type = "text/plain"
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.original_name))
    sha256 = factory.LazyAttribute(lambda o: EvidenceFile.hash_file(ContentFile(o.content))[0])
    size = factory.LazyAttribute(lambda o: len(o.content))
    derived_from = None
    derivation = ""


class CustodyEventFactory(DjangoModelFactory):
    class Meta:
        model = CustodyEvent

    evidence = factory.SubFactory(EvidenceFileFactory)
    action = CustodyAction.UPLOAD
    actor = None
    sha256_seen = factory.LazyAttribute(lambda o: o.evidence.sha256)


# -- people ----------------------------------------------------------------------------------

_person_numbers = itertools.count(1)


class PersonFactory(DjangoModelFactory):
    """A person with a primary name: ``PersonFactory(name="Tolib Ayombekov")``.

    ``name=False`` makes a person without any name.
    """

    class Meta:
        model = Person
        skip_postgeneration_save = True

    confidentiality = Confidentiality.CONFIDENTIAL
    team = None

    @factory.post_generation
    def name(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        full_name = extracted or f"Test Person {next(_person_numbers)}"
        PersonName.objects.create(person=self, full_name=full_name, is_primary=True)


class PersonNameFactory(DjangoModelFactory):
    class Meta:
        model = PersonName

    person = factory.SubFactory(PersonFactory, name=False)
    full_name = factory.Sequence(lambda n: f"Name Variant {n}")
    kind = NameKind.TRANSLITERATION
    is_primary = False


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.SECURITY_FORCE
    confidentiality = Confidentiality.PUBLIC
    review_state = ReviewState.VERIFIED


class AffiliationFactory(DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "member"
    since = "2019"
    until = None


# -- cases -----------------------------------------------------------------------------------


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    start = "16 May 2022"
    end = None
    parent = None
    confidentiality = Confidentiality.CONFIDENTIAL
    team = None


class EventFigureFactory(DjangoModelFactory):
    class Meta:
        model = EventFigure

    event = factory.SubFactory(EventFactory)
    kind = FigureKind.KILLED
    qualifier = FigureQualifier.MORE_THAN
    value = 40
    value_max = None
    claimed_by = "UN experts"
    source = factory.SubFactory(SourceFactory)


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"TJK-2024-{n:04d}")
    title = factory.Sequence(lambda n: f"Case {n}")
    case_type = CaseType.INDIVIDUAL
    confidentiality = Confidentiality.CONFIDENTIAL
    team = None


class CasePersonFactory(DjangoModelFactory):
    class Meta:
        model = CasePerson

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)
    role = CasePersonRole.VICTIM


class AllegationFactory(DjangoModelFactory):
    class Meta:
        model = Allegation

    case = factory.SubFactory(CaseFactory)
    victim = factory.SubFactory(PersonFactory)
    victim_description = ""
    violation_type = factory.SubFactory(TermFactory, vocabulary=Vocabulary.VIOLATION_TYPE)
    date = "May 2022"
    claim_status = ClaimStatus.ALLEGED


class AllegationPerpetratorFactory(DjangoModelFactory):
    class Meta:
        model = AllegationPerpetrator

    allegation = factory.SubFactory(AllegationFactory)
    person = None
    organization = factory.SubFactory(OrganizationFactory)
    role = PerpetratorRole.DIRECT


class DetentionFactory(DjangoModelFactory):
    class Meta:
        model = Detention

    case = factory.SubFactory(CaseFactory)
    person = factory.SubFactory(PersonFactory)


class DetentionStepFactory(DjangoModelFactory):
    """A step (an arrest by default); ``DetentionStepFactory(sentenced=True)`` for a term."""

    class Meta:
        model = DetentionStep

    class Params:
        sentenced = factory.Trait(kind=StepKind.SENTENCED, sentence_months=84)

    detention = factory.SubFactory(DetentionFactory)
    kind = StepKind.ARRESTED
    date = "June 2023"
    sentence_months = None
    life_sentence = False


class FacilityFactory(DjangoModelFactory):
    class Meta:
        model = Facility

    name = factory.Sequence(lambda n: f"Police station No. {n}")
    kind = FacilityKind.POLICE_STATION
    review_state = ReviewState.VERIFIED


class GroupDetentionFactory(DjangoModelFactory):
    class Meta:
        model = GroupDetention

    case = factory.SubFactory(CaseFactory)
    event = None
    date = "16 May 2022"
    facility = None


class GroupDetentionFigureFactory(DjangoModelFactory):
    class Meta:
        model = GroupDetentionFigure

    group = factory.SubFactory(GroupDetentionFactory)
    kind = CountKind.DETAINED
    qualifier = FigureQualifier.EXACT
    value = 25
    claimed_by = "Monitors"
    source = factory.SubFactory(SourceFactory)


def _due_on(followup) -> datetime.date | None:
    if not followup.sent:
        return None
    return FollowUp.default_due_on(ApproximateDate.parse(followup.sent).start)


class FollowUpFactory(DjangoModelFactory):
    """A UN communication sent on 12 May 2023, due 60 days later by default."""

    class Meta:
        model = FollowUp

    case = factory.SubFactory(CaseFactory)
    kind = FollowUpKind.UN_COMMUNICATION
    title = factory.Sequence(lambda n: f"Communication {n}")
    sent = "2023-05-12"
    due_on = factory.LazyAttribute(_due_on)


class FollowUpResponseFactory(DjangoModelFactory):
    class Meta:
        model = FollowUpResponse

    followup = factory.SubFactory(FollowUpFactory)
    kind = ResponseKind.ACKNOWLEDGED
    received = "2023-06-01"


class CitationFactory(DjangoModelFactory):
    """A citation of a source for any record (a case by default): ``record=person``."""

    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    record = factory.SubFactory(CaseFactory)
    page = "1"
    credibility = Credibility.PROBABLY_TRUE


#: One factory per audited model, so suite-wide checks can build a row of each.
FACTORIES: dict[type, type[DjangoModelFactory]] = {
    Place: PlaceFactory,
    Term: TermFactory,
    Source: SourceFactory,
    EvidenceFile: EvidenceFileFactory,
    Citation: CitationFactory,
    Person: PersonFactory,
    PersonName: PersonNameFactory,
    Organization: OrganizationFactory,
    Affiliation: AffiliationFactory,
    Event: EventFactory,
    EventFigure: EventFigureFactory,
    Case: CaseFactory,
    CasePerson: CasePersonFactory,
    Allegation: AllegationFactory,
    AllegationPerpetrator: AllegationPerpetratorFactory,
    Detention: DetentionFactory,
    DetentionStep: DetentionStepFactory,
    FollowUp: FollowUpFactory,
    FollowUpResponse: FollowUpResponseFactory,
    Facility: FacilityFactory,
    GroupDetention: GroupDetentionFactory,
    GroupDetentionFigure: GroupDetentionFigureFactory,
}


# -- checking constraints --------------------------------------------------------------------


def assert_refused(
    record,
    message: str,
    *,
    field: str | None = None,
    full_clean: bool = True,
    db_errors: type[Exception] | tuple[type[Exception], ...] = IntegrityError,
):
    """Assert that a bad ``record`` is refused with ``message`` by validation and the database.

    Args:
        record: an unsaved or modified instance that breaks one constraint.
        message: the constraint's ``violation_error_message``.
        field: when a field's own validation (its choices) answers first in ``full_clean()``,
            the field expected to carry the error there.
        full_clean: False for rules ``full_clean()`` repairs rather than refuses (the
            companion columns of an approximate date are recomputed from the date).
        db_errors: what the database raises; PostgreSQL answers a too-long value with a
            DataError before any check runs.
    """
    with pytest.raises(ValidationError) as caught:
        record.validate_constraints()
    assert message in caught.value.messages, caught.value.messages
    if full_clean:
        with pytest.raises(ValidationError) as caught:
            record.full_clean()
        if field is None:
            assert message in caught.value.messages, caught.value.messages
        else:
            assert field in caught.value.message_dict, caught.value.message_dict
    # Straight to the database, as a bulk import or a bug would: the row must not get in.
    with pytest.raises(db_errors), transaction.atomic():
        record.save()


def assert_approximate_date_guarded(record, name: str) -> None:
    """Assert that the database refuses each way the columns of date ``name`` can disagree.

    ``record`` is a saved instance whose date ``name`` is set. ``full_clean()`` recomputes the
    companion columns from the date, so only the constraint check and the database are asked.
    """
    message = f"The {name.replace('_', ' ')} has an inconsistent precision or range."
    start = getattr(record, name).start
    end = getattr(record, f"{name}_end")
    precision = getattr(record, f"{name}_precision")
    corruptions = {
        "last day before first day": {f"{name}_end": start - datetime.timedelta(days=1)},
        "unknown precision": {f"{name}_precision": 9},
        "no precision": {f"{name}_precision": None},
        "no last day": {f"{name}_end": None},
    }
    for label, values in corruptions.items():
        for attname, value in values.items():
            setattr(record, attname, value)
        try:
            assert_refused(record, message, full_clean=False)
        except (AssertionError, pytest.fail.Exception) as exc:
            raise AssertionError(f"{type(record).__name__}.{name}, {label}: {exc}") from exc
        finally:
            setattr(record, f"{name}_end", end)
            setattr(record, f"{name}_precision", precision)
    # A precision without a date is as wrong as a date without one.
    setattr(record, name, None)
    setattr(record, f"{name}_precision", 2)
    assert_refused(record, message, full_clean=False)
