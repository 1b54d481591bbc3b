"""Who sees what: ``Model.objects.visible_to(user)`` for every persona and every model.

docs/architecture.md, the trust rules: public < internal < confidential < strict; a user sees a
record at or below their clearance; a team member sees their team's cases whatever the level;
strict records are seen by their team alone; child records follow their parents; a user with
no role (or no account, or a disabled one) sees nothing.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

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
from imports.models import ImportJob, MappingTemplate
from monitor.access import reveals_identity
from monitor.choices import Confidentiality, Role
from monitor.models import Place, ReviewDecision, TaskProgress, Term, User
from monitor.roles import domain_models
from monitor.services import record_save, review_submit
from people.models import Affiliation, Organization, Person, PersonName
from sources.models import Citation, CustodyEvent, EvidenceFile, Source
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    CustodyEventFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    EvidenceFileFactory,
    FacilityFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    OrganizationFactory,
    PersonFactory,
    PersonNameFactory,
    PlaceFactory,
    SourceFactory,
    TermFactory,
    UserFactory,
)

PUBLIC = Confidentiality.PUBLIC
INTERNAL = Confidentiality.INTERNAL
CONFIDENTIAL = Confidentiality.CONFIDENTIAL
STRICT = Confidentiality.STRICT

#: The cases app's records that hang off a case (they carry no level of their own).
CASE_CHILDREN = (
    Allegation,
    AllegationPerpetrator,
    Detention,
    DetentionStep,
    FollowUp,
    FollowUpResponse,
    CasePerson,
    Citation,
)


# -- personas beyond the shared ones ---------------------------------------------------------


@pytest.fixture
def inactive_monitor(db, team):
    """A monitor on the team whose account has been disabled."""
    return UserFactory(
        username="ivan-inactive", role=Role.MONITOR, clearance=CONFIDENTIAL, teams=[team]
    )


@pytest.fixture
def inactive_user(inactive_monitor):
    inactive_monitor.is_active = False
    inactive_monitor.save()
    return User.objects.get(pk=inactive_monitor.pk)


@pytest.fixture
def outsider(db):
    """A monitor off the team whose clearance stops at internal."""
    return UserFactory(username="olga-outsider", role=Role.MONITOR, clearance=INTERNAL)


@pytest.fixture
def strict_cleared_off_team(db):
    """A reviewer cleared for strict records but in no team."""
    return UserFactory(username="sami-strict", role=Role.REVIEWER, clearance=STRICT)


@pytest.fixture
def superuser_off_team(db):
    return UserFactory(username="root-admin", is_superuser=True, is_staff=True)


@pytest.fixture
def everyone(personas, inactive_user, outsider, strict_cleared_off_team, superuser_off_team):
    """Every persona by name, the anonymous visitor and the disabled account included."""
    return {
        **personas,
        "anonymous": AnonymousUser(),
        "inactive_user": inactive_user,
        "outsider": outsider,
        "strict_cleared_off_team": strict_cleared_off_team,
        "superuser_off_team": superuser_off_team,
    }


# -- a world of records ----------------------------------------------------------------------


def build_world(*, team, level) -> dict[type, object]:
    """One record of every domain model, all at ``level`` and (where they have one) in
    ``team``, linked the way real work links them."""
    source = SourceFactory(team=team, confidentiality=level)
    evidence = EvidenceFileFactory(source=source)
    person = PersonFactory(team=team, confidentiality=level, name="Test Victim")
    organization = OrganizationFactory(confidentiality=level)
    event = EventFactory(team=team, confidentiality=level)
    case = CaseFactory(team=team, confidentiality=level)
    allegation = AllegationFactory(case=case, victim=person)
    detention = DetentionFactory(case=case, person=person)
    followup = FollowUpFactory(case=case)
    group = GroupDetentionFactory(case=case, event=event)
    return {
        Case: case,
        Allegation: allegation,
        AllegationPerpetrator: AllegationPerpetratorFactory(
            allegation=allegation, organization=organization
        ),
        Detention: detention,
        DetentionStep: DetentionStepFactory(detention=detention),
        FollowUp: followup,
        FollowUpResponse: FollowUpResponseFactory(followup=followup),
        CasePerson: CasePersonFactory(case=case, person=person),
        Citation: CitationFactory(source=source, record=allegation),
        Event: event,
        EventFigure: EventFigureFactory(event=event, source=source),
        GroupDetention: group,
        GroupDetentionFigure: GroupDetentionFigureFactory(group=group, source=source),
        Source: source,
        EvidenceFile: evidence,
        CustodyEvent: CustodyEventFactory(evidence=evidence),
        Person: person,
        PersonName: person.names.get(),
        Organization: organization,
        Affiliation: AffiliationFactory(person=person, organization=organization),
    }


def sees(user, record) -> bool:
    return type(record).objects.visible_to(user).filter(pk=record.pk).exists()


def test_the_world_holds_every_domain_model(team):
    """The matrices below cover every model monitors write (plus the custody log)."""
    world = build_world(team=team, level=CONFIDENTIAL)
    domain = set(domain_models()) | {CustodyEvent}
    assert domain - set(world) == set()


# -- a confidential team case: the personas matrix -------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("monitor_on_team", True),
        # Confidential clearance reads confidential records of any team.
        ("monitor_off_team", True),
        ("reviewer", True),
        ("coordinator", True),
        ("viewer", False),
        ("no_role_user", False),
        ("anonymous", False),
        ("inactive_user", False),
        ("outsider", False),
    ],
)
def test_confidential_team_records_personas_matrix(team, everyone, persona, expected):
    world = build_world(team=team, level=CONFIDENTIAL)
    user = everyone[persona]
    wrong = [model.__name__ for model, record in world.items() if sees(user, record) != expected]
    assert wrong == [], f"{persona} {'misses' if expected else 'sees'} {wrong}"


def test_team_member_with_low_clearance_sees_team_case_and_its_children(team):
    viewer_on_team = UserFactory(role=Role.VIEWER, clearance=PUBLIC, teams=[team])
    world = build_world(team=team, level=CONFIDENTIAL)
    for model in (Case, Allegation, Detention, DetentionStep, FollowUp, FollowUpResponse):
        assert sees(viewer_on_team, world[model]), model.__name__
    # An organisation has no team: only clearance opens it.
    assert not sees(viewer_on_team, world[Organization])


# -- clearance ordering ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clearance", "seen_levels"),
    [
        (PUBLIC, {PUBLIC}),
        (INTERNAL, {PUBLIC, INTERNAL}),
        (CONFIDENTIAL, {PUBLIC, INTERNAL, CONFIDENTIAL}),
        # Strict records are for their team alone, whatever the clearance.
        (STRICT, {PUBLIC, INTERNAL, CONFIDENTIAL}),
    ],
)
@pytest.mark.parametrize(
    "factory", [CaseFactory, EventFactory, PersonFactory, SourceFactory, OrganizationFactory]
)
def test_clearance_reads_records_at_or_below_it_outside_teams(db, factory, clearance, seen_levels):
    user = UserFactory(role=Role.VIEWER, clearance=clearance)
    records = {level: factory(confidentiality=level) for level in Confidentiality.values}
    seen = {level for level, record in records.items() if sees(user, record)}
    assert seen == seen_levels


def test_internal_viewer_sees_internal_and_public_cases_not_confidential(viewer):
    public, internal, confidential = (
        CaseFactory(confidentiality=level) for level in (PUBLIC, INTERNAL, CONFIDENTIAL)
    )
    assert set(Case.objects.visible_to(viewer)) == {public, internal}
    assert confidential not in Case.objects.visible_to(viewer)


# -- strict cases ----------------------------------------------------------------------------


@pytest.fixture
def strict_world(team):
    return build_world(team=team, level=STRICT)


@pytest.mark.parametrize("persona", ["monitor_on_team", "reviewer"])
def test_strict_case_seen_by_its_team(strict_world, everyone, persona):
    for model in (Case, *CASE_CHILDREN):
        assert sees(everyone[persona], strict_world[model]), model.__name__


@pytest.mark.parametrize(
    "persona",
    [
        "coordinator",
        "superuser_off_team",
        "strict_cleared_off_team",
        "monitor_off_team",
        "viewer",
        "no_role_user",
        "anonymous",
        "inactive_user",
    ],
)
def test_strict_case_hidden_from_everyone_off_its_team(strict_world, everyone, persona):
    user = everyone[persona]
    for model in (Case, *CASE_CHILDREN):
        assert not sees(user, strict_world[model]), model.__name__


def test_superuser_on_the_team_sees_strict_case(team, strict_world, superuser_off_team):
    team.members.add(superuser_off_team)
    assert sees(User.objects.get(pk=superuser_off_team.pk), strict_world[Case])


def test_coordinator_added_to_the_team_then_sees_strict_case(team, strict_world, coordinator):
    assert not sees(coordinator, strict_world[Case])
    team.members.add(coordinator)
    assert sees(User.objects.get(pk=coordinator.pk), strict_world[Case])


def test_removing_a_monitor_from_the_team_hides_strict_case_on_next_query(
    team, strict_world, monitor_on_team
):
    assert sees(monitor_on_team, strict_world[Case])
    team.members.remove(monitor_on_team)
    fresh = User.objects.get(pk=monitor_on_team.pk)
    for model in (Case, *CASE_CHILDREN):
        assert not sees(fresh, strict_world[model]), model.__name__


def test_removing_a_low_clearance_member_hides_confidential_case(team, viewer):
    team.members.add(viewer)
    case = CaseFactory(team=team, confidentiality=CONFIDENTIAL)
    assert sees(User.objects.get(pk=viewer.pk), case)
    team.members.remove(viewer)
    assert not sees(User.objects.get(pk=viewer.pk), case)


# -- children follow their parents -----------------------------------------------------------


def test_case_children_follow_their_case_when_its_level_changes(team, viewer, coordinator):
    world = build_world(team=None, level=CONFIDENTIAL)
    # Let the viewer see the sources and persons the children also hang on, so only the case
    # decides what they see.
    for model in (Source, Person, Organization):
        record = world[model]
        record.confidentiality = INTERNAL
        record_save(record=record, actor=coordinator)
    case = world[Case]
    for model in CASE_CHILDREN:
        assert not sees(viewer, world[model]), f"{model.__name__} seen through a hidden case"

    case.confidentiality = INTERNAL
    record_save(record=case, actor=coordinator)
    for model in CASE_CHILDREN:
        assert sees(viewer, world[model]), f"{model.__name__} hidden though its case is seen"


def test_evidence_files_and_custody_events_follow_their_source(viewer, coordinator):
    source = SourceFactory(confidentiality=CONFIDENTIAL)
    evidence = EvidenceFileFactory(source=source)
    custody = CustodyEventFactory(evidence=evidence)
    assert not sees(viewer, evidence)
    assert not sees(viewer, custody)

    source.confidentiality = INTERNAL
    record_save(record=source, actor=coordinator)
    assert sees(viewer, evidence)
    assert sees(viewer, custody)


@pytest.mark.parametrize(
    ("record_level", "source_level", "seen"),
    [
        (INTERNAL, INTERNAL, True),
        (INTERNAL, CONFIDENTIAL, False),  # the source is hidden
        (CONFIDENTIAL, INTERNAL, False),  # the cited record is hidden
    ],
)
@pytest.mark.parametrize("record_factory", [CaseFactory, PersonFactory, EventFactory])
def test_citation_needs_both_its_source_and_the_cited_record_visible(
    viewer, record_factory, record_level, source_level, seen
):
    citation = CitationFactory(
        record=record_factory(confidentiality=record_level),
        source=SourceFactory(confidentiality=source_level),
    )
    assert sees(viewer, citation) is seen


def test_citation_of_an_allegation_follows_the_allegation_case(viewer):
    allegation = AllegationFactory(
        case=CaseFactory(confidentiality=CONFIDENTIAL),
        victim=PersonFactory(confidentiality=INTERNAL),
    )
    citation = CitationFactory(record=allegation, source=SourceFactory(confidentiality=INTERNAL))
    assert not sees(viewer, citation)


@pytest.mark.parametrize(
    ("event_level", "source_level", "seen"),
    [
        (INTERNAL, INTERNAL, True),
        (INTERNAL, CONFIDENTIAL, False),
        (CONFIDENTIAL, INTERNAL, False),
    ],
)
def test_event_figure_needs_both_its_event_and_its_source_visible(
    viewer, event_level, source_level, seen
):
    figure = EventFigureFactory(
        event=EventFactory(confidentiality=event_level),
        source=SourceFactory(confidentiality=source_level),
    )
    assert sees(viewer, figure) is seen


def test_affiliation_needs_both_person_and_organisation_visible(viewer):
    seen_person = PersonFactory(confidentiality=INTERNAL)
    hidden_org = OrganizationFactory(confidentiality=CONFIDENTIAL)
    assert not sees(viewer, AffiliationFactory(person=seen_person, organization=hidden_org))
    seen_org = OrganizationFactory(confidentiality=INTERNAL)
    assert sees(viewer, AffiliationFactory(person=seen_person, organization=seen_org))


def test_case_person_link_hidden_when_the_case_is_hidden(viewer):
    link = CasePersonFactory(
        case=CaseFactory(confidentiality=STRICT), person=PersonFactory(confidentiality=PUBLIC)
    )
    assert sees(viewer, link.person)
    assert not sees(viewer, link)


# -- protected persons -----------------------------------------------------------------------


@pytest.fixture
def protected_person(team):
    """A witness at internal level (most users see the row), identity protected."""
    person = PersonFactory(
        team=team, confidentiality=INTERNAL, is_protected=True, name="Real Witness Name"
    )
    PersonNameFactory(person=person, full_name="Реальное Имя Свидетеля")
    return person


@pytest.mark.parametrize(
    "persona", ["viewer", "monitor_off_team", "coordinator", "outsider", "superuser_off_team"]
)
def test_protected_person_names_hidden_from_users_without_strict_clearance_off_team(
    protected_person, everyone, persona
):
    user = everyone[persona]
    assert sees(user, protected_person), "the person row itself stays visible"
    assert not PersonName.objects.visible_to(user).filter(person=protected_person).exists()
    assert not PersonName.objects.visible_to(user).filter(full_name__icontains="Witness").exists()
    assert reveals_identity(user, protected_person) is False
    assert protected_person.pseudonym.startswith("Witness W-")


@pytest.mark.parametrize("persona", ["monitor_on_team", "reviewer", "strict_cleared_off_team"])
def test_protected_person_names_shown_to_team_and_strict_clearance(
    protected_person, everyone, persona
):
    user = everyone[persona]
    names = PersonName.objects.visible_to(user).filter(person=protected_person)
    assert set(names.values_list("full_name", flat=True)) == {
        "Real Witness Name",
        "Реальное Имя Свидетеля",
    }
    assert reveals_identity(user, protected_person) is True


@pytest.mark.parametrize("persona", ["no_role_user", "anonymous", "inactive_user"])
def test_protected_identity_never_revealed_without_a_role(protected_person, everyone, persona):
    assert reveals_identity(everyone[persona], protected_person) is False


def test_unprotected_person_names_visible_to_whoever_sees_the_person(viewer):
    person = PersonFactory(confidentiality=INTERNAL, name="Ulfatkhonim Mamadshoeva")
    names = PersonName.objects.visible_to(viewer).filter(person=person)
    assert list(names.values_list("full_name", flat=True)) == ["Ulfatkhonim Mamadshoeva"]
    assert reveals_identity(viewer, person) is True


def test_names_of_a_hidden_person_are_hidden(viewer):
    person = PersonFactory(confidentiality=CONFIDENTIAL, name="Hidden Person")
    assert not PersonName.objects.visible_to(viewer).filter(person=person).exists()


# -- no role, no account, a disabled account: nothing anywhere -------------------------------


def models_with_visible_to() -> list[type]:
    return [
        model for model in apps.get_models() if hasattr(model._default_manager.all(), "visible_to")
    ]


@pytest.fixture
def public_world(team, monitor_on_team, viewer):
    """Every model at public level, a vocabulary term, a place, a review decision, and the
    progress of a job the viewer started (its owner's alone: tests/test_progress.py)."""
    from monitor.progress import progress_start

    world = build_world(team=None, level=PUBLIC)
    world[TaskProgress] = progress_start(owner=viewer, kind="export", title="An export")
    world[Term] = TermFactory()
    world[Place] = PlaceFactory()
    world[Facility] = FacilityFactory()
    case = world[Case]
    case.team = team
    record_save(record=case, actor=monitor_on_team)
    world[ReviewDecision] = review_submit(record=case, actor=monitor_on_team)
    # An import of a public file, and a saved mapping (imports/).
    evidence = world[EvidenceFile]
    world[ImportJob] = ImportJob.objects.create(
        created_by=monitor_on_team, team=None, confidentiality=PUBLIC, source=evidence.source,
        evidence=evidence, file_name="public.csv", file_format="csv",
        encoding="utf-8", delimiter=",", headers=["Name"],
        rows_total=1,
    )  # fmt: skip
    world[MappingTemplate] = MappingTemplate.objects.create(
        name="Lists", kind="detentions", mapping={"person_name": "Name"},
        created_by=monitor_on_team,
    )  # fmt: skip
    return world


def test_every_model_with_visible_to_is_in_the_public_world(public_world):
    assert set(models_with_visible_to()) - set(public_world) == set()


def test_viewer_sees_a_row_of_every_model_in_the_public_world(public_world, viewer):
    hidden = [
        model.__name__
        for model in models_with_visible_to()
        if not sees(viewer, public_world[model])
    ]
    assert hidden == []


@pytest.mark.parametrize("persona", ["no_role_user", "anonymous", "inactive_user"])
def test_user_without_role_sees_nothing_in_any_model(public_world, everyone, persona):
    user = everyone[persona]
    seen = [
        model.__name__
        for model in models_with_visible_to()
        if model._default_manager.all().visible_to(user).exists()
    ]
    assert seen == []


@pytest.mark.parametrize("model", [Term, Place])
def test_terms_and_places_need_a_role(db, everyone, model):
    record = {Term: TermFactory, Place: PlaceFactory}[model]()
    for persona in ("viewer", "monitor_on_team", "coordinator"):
        assert sees(everyone[persona], record), persona
    for persona in ("no_role_user", "anonymous", "inactive_user"):
        assert not model.objects.visible_to(everyone[persona]).exists(), persona
