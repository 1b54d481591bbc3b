"""The admin: every model registered, every page renders, nothing deletable, no N+1 lists.

Several tests need the superuser to see the records created here; they exercise
``visible_to`` through the admin exactly as a user would.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import CasePersonRole, FigureKind, FollowUpKind, ResponseKind, StepKind
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    CalendarFeed,
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
    ReminderLog,
)
from monitor.approxdate import Precision
from monitor.choices import Confidentiality, Role, Vocabulary
from monitor.history import acting_as
from monitor.models import (
    AccessAction,
    AccessLog,
    ApiToken,
    DecisionAction,
    IdempotencyKey,
    Place,
    ReviewDecision,
    SummaryVersion,
    TaskProgress,
    Team,
    Term,
    User,
    WithheldNamesVersion,
)
from monitor.progress import progress_start
from monitor.security.accesslog import record_access
from people.admin import PersonAdmin
from people.choices import OrganizationKind
from people.models import Affiliation, Organization, Person, PersonName
from sources.choices import CustodyAction
from sources.models import Citation, CustodyEvent, EvidenceFile, Source

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("monitor", "sources", "people", "cases")
REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
REGISTRY_IDS = [model._meta.label for model, _ in REGISTRY]


def admin_url(model_or_obj, view: str, *args) -> str:
    opts = model_or_obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "not-a-real-password")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def term(vocabulary: Vocabulary, code: str) -> Term:
    found, _ = Term.objects.get_or_create(
        vocabulary=vocabulary, code=code, defaults={"label": code.replace("-", " ")}
    )
    return found


def make_records(user: User, index: int = 0) -> dict[type, object]:
    """One of everything, linked together as a monitor would record it."""
    records: dict[type, object] = {}
    with acting_as(user):
        country, _ = Place.objects.get_or_create(name="Tajikistan", kind="country", parent=None)
        town = Place(name=f"Khorog {index}", kind="settlement", parent=country)
        town.save()
        team, _ = Team.objects.get_or_create(name="GBAO team")
        source = Source(
            title=f"Article {index}",
            kind=term(Vocabulary.SOURCE_KIND, "test-news-article"),
            publisher="Asia-Plus",
            published="May 2022",
            team=team,
        )
        source.save()
        evidence = EvidenceFile(
            source=source,
            original_name=f"article-{index}.html",
            content_type="text/html",
            size=7,
            sha256=hashlib.sha256(b"article").hexdigest(),
        )
        evidence.file.save("upload", ContentFile(b"article"), save=False)
        evidence.save()
        custody = CustodyEvent(evidence=evidence, action=CustodyAction.UPLOAD, actor=user)
        custody.save()

        person = Person(team=team)
        person.save()
        name = PersonName(person=person, full_name=f"Imumnazar Shoishirinov {index}")
        name.is_primary = True
        name.save()
        organization = Organization(
            name=f"Ministry of Internal Affairs {index}", kind=OrganizationKind.MINISTRY
        )
        organization.save()
        affiliation = Affiliation(person=person, organization=organization, since="2020")
        affiliation.save()

        event = Event(title=f"Rushan road blockade {index}", start="18 May 2022", team=team)
        event.save()
        figure = EventFigure(
            event=event, kind=FigureKind.KILLED, value=40, claimed_by="UN experts", source=source
        )
        figure.save()
        case = Case(reference=f"TJK-2023-{index + 1:04d}", title="Five Pamiris", team=team)
        case.save()
        case_person = CasePerson(case=case, person=person, role=CasePersonRole.VICTIM)
        case_person.save()
        allegation = Allegation(
            case=case,
            victim=person,
            violation_type=term(Vocabulary.VIOLATION_TYPE, "test-arbitrary-detention"),
            date="June 2023",
            place=town,
        )
        allegation.save()
        perpetrator = AllegationPerpetrator(allegation=allegation, organization=organization)
        perpetrator.save()
        detention = Detention(case=case, person=person)
        detention.save()
        step = DetentionStep(detention=detention, kind=StepKind.ARRESTED, date="June 2023")
        step.save()
        followup = FollowUp(
            case=case,
            kind=FollowUpKind.UN_COMMUNICATION,
            title=f"Letter of 12 May 2023 ({index})",
            sent="2023-05-12",
            due_on=datetime.date(2023, 7, 11),
        )
        followup.save()
        response = FollowUpResponse(followup=followup, kind=ResponseKind.NONE)
        response.save()
        citation = Citation(source=source, record=allegation, field_name="date")
        citation.save()
        facility = Facility(name=f"Khorog police station {index}", kind="police_station")
        facility.save()
        group = GroupDetention(case=case, event=event, facility=facility, date="16 May 2022")
        group.save()
        group_figure = GroupDetentionFigure(
            group=group, value=25, claimed_by="Monitors", source=source
        )
        group_figure.save()
    for obj in (
        town,
        team,
        source,
        evidence,
        custody,
        person,
        name,
        organization,
        affiliation,
        event,
        figure,
        case,
        case_person,
        allegation,
        perpetrator,
        detention,
        step,
        followup,
        response,
        citation,
        facility,
        group,
        group_figure,
    ):
        records[type(obj)] = obj
    with acting_as(user):
        decision = ReviewDecision(
            record=case, action=DecisionAction.SUBMITTED, actor=user, version=case.version
        )
        decision.save()
    records[ReviewDecision] = decision
    records[WithheldNamesVersion] = WithheldNamesVersion.objects.get_or_create(pk=1)[0]
    records[SummaryVersion] = SummaryVersion.objects.get_or_create(key=f"summary-{index}")[0]
    records[TaskProgress] = progress_start(owner=user, kind="export", title=f"Export {index}")
    records[ReminderLog] = ReminderLog.objects.create(
        user=user, date=datetime.date(2023, 7, 12) + datetime.timedelta(days=index)
    )
    records[CalendarFeed], _ = CalendarFeed.objects.get_or_create(
        user=user,
        defaults={
            "token_hash": hashlib.sha256(b"test-feed").hexdigest(),
            "rotated_at": user.date_joined,
        },
    )
    token, _secret = ApiToken.issue(user=user, name=f"Partner sync {index}")
    records[ApiToken] = token
    records[IdempotencyKey] = IdempotencyKey.objects.create(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"test-key-{user.pk}-{index}"),
        user=user,
        key=f"retry-{index}",
        fingerprint="0" * 64,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
    )
    # Account security (issue 8): an access-log row, and a failed sign-in's lockout record.
    records[AccessLog] = record_access(AccessAction.SIGN_IN, user=user)
    records[AccessAttempt] = AccessAttempt.objects.create(
        username=user.username, ip_address=f"192.0.2.{index + 1}", failures_since_start=1
    )
    records[Term] = source.kind
    records[User] = user
    records[Group] = Group.objects.get(name=Role.MONITOR)
    return records


@pytest.fixture
def records(superuser):
    return make_records(superuser)


def test_every_model_of_the_project_is_registered():
    missing = [
        model._meta.label
        for app_label in DOMAIN_APPS
        for model in apps.get_app_config(app_label).get_models()
        if model not in admin.site._registry and not model._meta.label.count(".Historical")
    ]
    assert missing == []


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_changelist_and_add_page_render(admin_client, records, model, model_admin):
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    add = admin_client.get(admin_url(model, "add"))
    expected = 200 if model_admin.has_add_permission(_request_as(records[User])) else 403
    assert add.status_code == expected


def _request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


@pytest.mark.parametrize(("model", "model_admin"), REGISTRY, ids=REGISTRY_IDS)
def test_nothing_can_be_deleted_from_the_admin(records, model, model_admin):
    request = _request_as(records[User])
    assert model_admin.has_delete_permission(request) is False
    assert "delete_selected" not in model_admin.get_actions(request)
    for inline in model_admin.get_inline_instances(request):
        assert inline.has_delete_permission(request) is False


def test_delete_url_of_a_case_is_refused_and_the_case_stays(admin_client, records):
    case = records[Case]
    response = admin_client.post(admin_url(case, "delete", case.pk), {"post": "yes"})
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "delete" not in response.url
    assert Case.objects.filter(pk=case.pk).exists()


# -- these need visible_to to let a superuser see the records ---------------------------


@pytest.mark.parametrize("model", [model for model, _ in REGISTRY], ids=REGISTRY_IDS)
def test_superuser_sees_change_page_and_history(admin_client, records, model):
    obj = records[model]
    assert admin_client.get(admin_url(obj, "change", obj.pk)).status_code == 200
    if hasattr(model, "history"):
        assert admin_client.get(admin_url(obj, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", [model for model, _ in REGISTRY], ids=REGISTRY_IDS)
def test_changelist_lists_the_record(admin_client, records, model):
    obj = records[model]
    response = admin_client.get(admin_url(model, "changelist"))
    assert admin_url(obj, "change", obj.pk) in response.content.decode()


def test_cyrillic_search_finds_the_latin_name(admin_client, records):
    response = admin_client.get(admin_url(Person, "changelist"), {"q": "Шоиширинов"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert "Imumnazar Shoishirinov 0" in response.content.decode()


def test_person_autocomplete_finds_the_latin_name_from_cyrillic(admin_client, records):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "cases",
            "model_name": "caseperson",
            "field_name": "person",
            "term": "Шоиширинов",
        },
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Imumnazar Shoishirinov 0"]


def test_hidden_case_answers_404_on_change_and_history_pages(admin_client, superuser):
    # A strict case of a team the superuser is not on is hidden even from them.
    with acting_as(superuser):
        team = Team(name="Strict team")
        team.save()
        case = Case(
            reference="TJK-2024-0099",
            title="Witness file",
            team=team,
            confidentiality=Confidentiality.STRICT,
        )
        case.save()
    assert admin_client.get(admin_url(case, "change", case.pk)).status_code == 404
    assert admin_client.get(admin_url(case, "history", case.pk)).status_code == 404
    version = case.history.get().history_id
    history_form = reverse("admin:cases_case_simple_history", args=[case.pk, version])
    assert admin_client.get(history_form).status_code == 404
    listing = admin_client.get(admin_url(Case, "changelist")).content.decode()
    assert "TJK-2024-0099" not in listing


def test_person_search_runs_on_the_folded_name_key(records):
    # The search wiring alone, without the visibility rules: Cyrillic finds Latin.
    person_admin = admin.site._registry[Person]
    assert isinstance(person_admin, PersonAdmin)
    found, _ = person_admin.get_search_results(
        _request_as(records[User]), Person.objects.all(), "Шоиширинов"
    )
    assert list(found) == [records[Person]]
    found, _ = person_admin.get_search_results(
        _request_as(records[User]), Person.objects.all(), "Gulobov"
    )
    assert list(found) == []


def test_lists_show_approximate_dates_and_derived_status(admin_client, records):
    events = admin_client.get(admin_url(Event, "changelist")).content.decode()
    assert "18 May 2022" in events
    detentions = admin_client.get(admin_url(Detention, "changelist")).content.decode()
    assert str(StepKind.ARRESTED.label) in detentions
    followups = admin_client.get(admin_url(FollowUp, "changelist")).content.decode()
    assert "overdue" in followups
    citations = admin_client.get(admin_url(Citation, "changelist")).content.decode()
    assert admin_url(records[Allegation], "change", records[Allegation].pk) in citations


# A calendar feed is one row per user: its list cannot grow with one user's records.
_GROWING = [
    model
    for model, _ in REGISTRY
    if model._meta.app_label in ("sources", "people", "cases") and model is not CalendarFeed
]


@pytest.mark.parametrize("model", _GROWING, ids=[model._meta.label for model in _GROWING])
def test_changelist_query_count_does_not_grow_with_rows(admin_client, superuser, model):
    url = admin_url(model, "changelist")
    make_records(superuser, 0)
    make_records(superuser, 1)
    admin_client.get(url)  # warm the process-wide caches (content types), as in production
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(url)
    rows_before = response.context["cl"].result_count
    for index in range(2, 8):
        make_records(superuser, index)
    admin_client.get(url)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.context["cl"].result_count > rows_before
    assert len(many) == len(few), [query["sql"] for query in many.captured_queries]


def test_evidence_upload_is_hashed_and_logged(admin_client, records, superuser):
    content = b"court verdict, scanned"
    response = admin_client.post(
        admin_url(EvidenceFile, "add"),
        {
            "source": str(records[Source].pk),
            "file": SimpleUploadedFile("verdict.pdf", content, content_type="application/pdf"),
            "derivation": "",
            "description": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    evidence = EvidenceFile.objects.get(original_name="verdict.pdf")
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.created_by == superuser
    assert evidence.custody_events.get().action == CustodyAction.UPLOAD


# -- independent of the visibility rules -------------------------------------------------


def _inline_management_data(response) -> dict[str, str]:
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def test_approximate_dates_are_typed_as_text_and_saved_with_their_author(admin_client, superuser):
    url = admin_url(Event, "add")
    page = admin_client.get(url)
    field = page.context["adminform"].form.fields["start"]
    assert field.widget.input_type == "text"
    data = {
        "title": "Khorog rally",
        "start": "May 2022",
        "end": "c. 2023",
        "confidentiality": "30",
        "description": "",
        **_inline_management_data(page),
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = Event.objects.get(title="Khorog rally")
    assert str(event.start) == "May 2022"
    assert event.start_precision == Precision.MONTH
    assert str(event.end) == "c. 2023"
    assert event.created_by == superuser
    assert event.history.get().history_user == superuser


def test_coordinator_cannot_grant_superuser_or_edit_a_superuser(client, superuser):
    coordinator = User.objects.create_user("coordinator", password="not-a-real-password")
    coordinator.is_staff = True
    coordinator.save()
    coordinator.groups.add(Group.objects.get(name=Role.COORDINATOR))
    client.force_login(coordinator)
    own = client.get(admin_url(coordinator, "change", coordinator.pk))
    assert own.status_code == 200
    form_fields = own.context["adminform"].form.fields
    assert "is_superuser" not in form_fields
    assert "user_permissions" not in form_fields
    password_url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(password_url).status_code == 403
