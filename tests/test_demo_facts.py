"""The demo data: every fact of the seed article is there, cited to it, by the demo actor.

The facts come from ``fixtures/demo/``; these tests state what a user must find after
``load_demo``, in the words of the article, independently of how the files spell it.
"""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils.functional import empty

from cases.choices import (
    ClaimStatus,
    FigureKind,
    FigureQualifier,
    FollowUpKind,
    FollowUpStatus,
    StepKind,
)
from cases.demo import ACCOUNT_REASON, REASON, read_facts
from cases.models import Allegation, Case, Detention, Event, FollowUp
from monitor.approxdate import ApproximateDate, Precision
from monitor.choices import Confidentiality, ReviewState, Role
from monitor.models import DecisionAction, ReferenceData, Team
from people.matching import match_persons
from sources.models import Citation, CustodyEvent, EvidenceFile, Source, evidence_storage
from tests.keys import TEST_EVIDENCE_KEY


def the_person(name, *, user):
    """The one person a search surely finds (the matcher's sure matches)."""
    sure = [match.person for match in match_persons(name, user=user) if match.is_sure]
    assert len(sure) == 1, (name, sure)
    return sure[0]


pytestmark = pytest.mark.django_db

#: The reasons the evidence services give in an evidence file's history.
EVIDENCE_REASONS = {"Evidence file uploaded", "Derived copy made"}
#: What the services the loader goes through write in the history of what they make.
SERVICE_REASONS = {"Citation": "Source cited", "EventFigure": "Figure added: "}

SOURCE_TITLE = "Tajikistan to Study France’s Human Rights Freedom, Terrorism Prevention"
UN_LETTER_TITLE = (
    "Letter of eight UN experts on nine convicted journalists, bloggers and civil activists"
)

PASSWORD = "demo-passphrase-for-tests-7319"
FIVE = (
    "Tolib Ayombekov",
    "Nazhmiddin Sherchonov",
    "Imumnazar Shoishirinov",
    "Munavvar Shanbiev",
    "Niyozsho Gulobov",
)


@pytest.fixture
def searcher(demo):
    """The demo coordinator, who may see every demo name."""
    return get_user_model().objects.get(username="coordinator")


@pytest.fixture
def demo_settings(settings):
    settings.DEMO = True
    settings.DEMO_PASSWORD = PASSWORD
    # The demo accounts' hashing is not under test; keep each run fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo loaded once for this module's read-only tests, rolled back at its end.

    Each test still runs in its own savepoint (the ``db`` fixture), so nothing a test does
    leaks into the next; loading once keeps the module from reloading 200 records per test.
    """
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEMO=True,
            DEMO_PASSWORD=PASSWORD,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            # The demo's evidence file: into a temporary folder, never into var/ (the
            # suite's per-test folder is set after this module-wide load).
            EVIDENCE_ROOT=tmp_path_factory.mktemp("demo-evidence"),
            EVIDENCE_KEY=TEST_EVIDENCE_KEY,
        ),
    ):
        evidence_storage._wrapped = empty  # built again under the folder above
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            evidence_storage._wrapped = empty


@pytest.fixture
def demo(_demo_loaded, db):
    return _demo_loaded


@pytest.fixture
def article(demo):
    return Source.objects.get(title=SOURCE_TITLE)


def assert_cited(record, article, *, containing: str, field_name: str | None = None):
    citations = Citation.objects.filter(
        source=article,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        quote__contains=containing,
    )
    if field_name is not None:
        citations = citations.filter(field_name=field_name)
    assert citations.exists(), f"{record!r} has no citation quoting “{containing}”"


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def test_the_article_is_a_public_news_source_of_28_november_2023(article):
    assert article.kind.code == "news-article"
    assert article.published == ApproximateDate(2023, 11, 28)
    assert article.reliability == "C"
    assert article.confidentiality == Confidentiality.PUBLIC


def test_every_excerpt_is_cited_with_its_paragraph_and_every_citation_is_of_the_article(article):
    excerpts = read_facts().excerpts.values()
    cited = set(Citation.objects.values_list("quote", "paragraph"))
    assert len(excerpts) >= 20
    assert {(e.quote, e.paragraph) for e in excerpts} <= cited
    assert not Citation.objects.exclude(source=article).exists()
    assert not Citation.objects.filter(paragraph="").exists()


def test_five_pamiris_arrested_june_2023_and_convicted_without_invented_terms(article):
    case = Case.objects.get(title__startswith="Five Pamiris detained in June 2023")
    assert case.reference == "TJK-2023-0002"
    assert case.team.name == "GBAO documentation team"
    detentions = {str(d.person): d for d in Detention.objects.filter(case=case)}
    assert set(detentions) == set(FIVE)
    for name, detention in detentions.items():
        arrest = detention.arrest_step
        assert arrest.date == ApproximateDate(2023, 6)
        assert arrest.date.precision == Precision.MONTH
        assert detention.current_status == StepKind.ARRESTED
        assert not detention.steps.filter(kind=StepKind.SENTENCED).exists()
        assert "term not stated in the source" in detention.description
        assert_cited(detention, article, containing=name)
        assert_cited(arrest, article, containing="June of this year", field_name="date")
        allegation = Allegation.objects.get(case=case, victim=detention.person)
        assert allegation.violation_type.code == "arbitrary-detention"
        assert allegation.claim_status == ClaimStatus.ALLEGED
        assert_cited(allegation, article, containing="organized criminal group")
        assert_cited(detention.person, article, containing=name)


def test_rushan_blockade_18_may_2022_by_about_200_people_per_the_ministry(article):
    blockade = Event.objects.get(title="Rushan road blockade, 18 May 2022")
    assert blockade.start == ApproximateDate(2022, 5, 18)
    assert blockade.parent.title == "GBAO 2022 crackdown"
    assert [p.name for p in blockade.places.all()] == ["Rushan district"]
    figure = blockade.figures.get()
    assert (figure.kind, figure.qualifier, figure.value) == (
        FigureKind.PARTICIPANTS,
        FigureQualifier.ABOUT,
        200,
    )
    assert figure.claimed_by == "Ministry of Internal Affairs of Tajikistan"
    assert figure.source == article
    assert_cited(figure, article, containing="about 200 people blocked")
    assert_cited(blockade, article, containing="Dushanbe-Khorog highway")


def test_khorog_rallies_of_14_and_16_may_2022(article):
    for day in (14, 16):
        rally = Event.objects.get(title=f"Khorog rally, {day} May 2022")
        assert rally.start == ApproximateDate(2022, 5, day)
        assert rally.kind.code == "protest"
        assert_cited(rally, article, containing="rallies in Khorog on May 14 and 16, 2022")


def test_operation_more_than_40_killed_and_dozens_detained(article):
    operation = Event.objects.get(title="Anti-terrorist operation in GBAO")
    assert operation.start == ApproximateDate(2022, 5, 18)
    killed = operation.figures.get(kind=FigureKind.KILLED)
    assert (killed.qualifier, killed.value, killed.display_value) == (
        FigureQualifier.MORE_THAN,
        40,
        "more than 40",
    )
    assert_cited(killed, article, containing="more than 40 local residents died")
    detained = operation.figures.get(kind=FigureKind.DETAINED)
    assert detained.qualifier == FigureQualifier.DOZENS
    assert str(detained.display_value) == "dozens"
    assert_cited(detained, article, containing="Dozens of people were detained")
    case = Case.objects.get(reference="TJK-2022-0001")
    assert set(case.events.values_list("title", flat=True)) >= {
        "Anti-terrorist operation in GBAO",
        "Rushan road blockade, 18 May 2022",
    }
    assert case.allegations.filter(violation_type__code="right-to-life").exists()


def test_army_authorised_in_gbao_in_2018(article, searcher):
    event = Event.objects.get(title="2018 authorisation of the army in GBAO")
    assert event.start == ApproximateDate(2018)
    assert event.start.precision == Precision.YEAR
    assert_cited(event, article, containing="In 2018, Tajik President Emomali Rahmon")
    rahmon = the_person("Emomali Rahmon", user=searcher)
    assert rahmon.affiliations.get().role == "President"


def test_osce_study_visit_to_paris_20_to_22_november_2023(article):
    visit = Event.objects.get(title="OSCE study visit to Paris, 20–22 November 2023")
    assert (visit.start, visit.end) == (
        ApproximateDate(2023, 11, 20),
        ApproximateDate(2023, 11, 22),
    )
    assert visit.kind.code == "official-visit"
    assert [p.name for p in visit.places.all()] == ["Paris"]
    assert_cited(visit, article, containing="held from 20 to 22 November 2023")


def test_un_letter_of_12_may_2023_is_due_60_days_later_and_overdue(article):
    letter = FollowUp.objects.get(title=UN_LETTER_TITLE)
    assert letter.kind == FollowUpKind.UN_COMMUNICATION
    assert letter.communication_type.code == "JAL"
    assert letter.reference == ""
    assert letter.sent == ApproximateDate(2023, 5, 12)
    assert letter.due_on == datetime.date(2023, 7, 11)
    assert letter.addressee.name == "Government of Tajikistan"
    assert {"sr-human-rights-defenders", "sr-freedom-of-expression"} <= set(
        letter.mandates.values_list("code", flat=True)
    )
    assert not letter.responses.exists()
    assert letter.status() == FollowUpStatus.OVERDUE
    assert letter.status(today=datetime.date(2023, 7, 1)) == FollowUpStatus.AWAITING
    assert_cited(letter, article, containing="The letter dated 12 May 2023", field_name="sent")
    assert_cited(letter, article, containing="nine convicted journalists")


def test_people_and_organisations_named_in_the_article_are_there_and_cited(article, searcher):
    for name in (*FIVE, "Mary Lawlor", "Zafar Safaralizoda", "Jukka Tuononen"):
        person = the_person(name, user=searcher)
        assert_cited(person, article, containing=name.split()[-1])
    tuononen = the_person("Jukka Tuononen", user=searcher)
    assert set(tuononen.affiliations.values_list("role", flat=True)) == {
        "Head of the Politico-Military Department",
        "Officer-in-Charge",
    }


def test_searching_the_cyrillic_spelling_finds_the_latin_name(demo, searcher):
    found = [match.person for match in match_persons("Шоиширинов", user=searcher)]
    assert [str(person) for person in found] == ["Imumnazar Shoishirinov"]
    assert [str(m.person) for m in match_persons("Наҷмиддин", user=searcher)] == [
        "Nazhmiddin Sherchonov"
    ]


def test_every_history_row_of_the_demo_data_names_the_coordinator(demo):
    coordinator = get_user_model().objects.get(username="coordinator")
    reviewer = get_user_model().objects.get(username="reviewer")
    verified = f"{DecisionAction.VERIFIED.label}: {REASON}"
    checked = 0
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if history is None or model._meta.app_label not in {"cases", "people", "sources"}:
            continue
        if not hasattr(history, "all"):
            continue  # a historical many-to-many row: its ``history`` is the parent row
        # Evidence files, citations and figures are written by their own services, whose
        # reasons say what happened; every other row carries the demo's reason.
        service_reason = SERVICE_REASONS.get(model.__name__)
        for row in model.history.all():
            if issubclass(model, ReferenceData) and row.history_user_id == (reviewer.pk):
                # Reference data the coordinator added, verified by the demo reviewer.
                assert row.history_change_reason == verified, model
                assert row.review_state == ReviewState.VERIFIED
                continue
            assert row.history_user_id == coordinator.pk, model
            if model is EvidenceFile:
                assert row.history_change_reason in EVIDENCE_REASONS
            elif service_reason:
                assert row.history_change_reason.startswith(service_reason), model
            else:
                assert row.history_change_reason == REASON, model
            checked += 1
    assert checked > 100
    for model, by in (("Place", {reviewer.pk: verified}), ("Team", {})):
        rows = apps.get_model("monitor", model).history.all()
        assert {(r.history_user_id, r.history_change_reason) for r in rows} == {
            (coordinator.pk, REASON),
            *by.items(),
        }
    accounts = get_user_model().history.filter(history_type="+")
    assert {(r.history_user_id, r.history_change_reason) for r in accounts} == {
        (coordinator.pk, ACCOUNT_REASON)
    }


def test_demo_accounts_one_per_role_with_their_clearance(demo):
    users = get_user_model().objects
    expected = {
        "monitor": (Role.MONITOR, Confidentiality.CONFIDENTIAL),
        "reviewer": (Role.REVIEWER, Confidentiality.CONFIDENTIAL),
        "coordinator": (Role.COORDINATOR, Confidentiality.CONFIDENTIAL),
        "viewer": (Role.VIEWER, Confidentiality.INTERNAL),
    }
    for username, (role, clearance) in expected.items():
        user = users.get(username=username)
        assert user.roles == {role.value}
        assert user.clearance == clearance
        assert user.is_staff and user.is_active and not user.is_superuser
        assert user.check_password(PASSWORD)
    team = Team.objects.get(name="GBAO documentation team")
    assert set(team.members.values_list("username", flat=True)) == {"monitor", "reviewer"}
    assert "Demo accounts created: coordinator, monitor, reviewer, viewer." in demo


# -- provenance and evidence on the demo data (issue 6's "done when") ----------------------------


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_more_than_40_killed_shows_its_source_and_grading(demo, article, client):
    viewer = get_user_model().objects.get(username="viewer")
    operation = Event.objects.get(title="Anti-terrorist operation in GBAO")
    client.force_login(viewer)

    page = client.get(reverse("event-detail", kwargs={"pk": operation.pk}))
    data = _api(viewer).get(f"/api/v1/events/{operation.pk}/").json()

    (killed,) = [s for s in page.context["figures"] if s.kind == FigureKind.KILLED]
    (claim,) = killed.figures
    assert (claim.display_value, claim.source.label, claim.grading) == (
        "more than 40",
        SOURCE_TITLE,
        "C3",
    )
    html = page.content.decode()
    row = html[html.index('<th scope="row">more than 40</th>') :].split("</tr>")[0]
    assert SOURCE_TITLE in row and '<span class="grading">C3</span>' in row
    (figure,) = [f for f in data["figures"] if f["display_value"] == "more than 40"]
    (citation,) = figure["provenance"]["citations"]
    assert citation["source"]["title"] == SOURCE_TITLE
    assert (citation["source"]["reliability"], citation["credibility"]) == ("C", 3)
    assert citation["grading"] == "C3"
    assert "more than 40 local residents died" in citation["quote"]


def test_june_2023_detentions_show_their_source_and_grading(demo, article, client, searcher):
    case = Case.objects.get(reference="TJK-2023-0002")
    client.force_login(searcher)

    page = client.get(reverse("case-detail", kwargs={"pk": case.pk}))
    listed = _api(searcher).get("/api/v1/detentions/", {"case": case.pk}).json()["results"]

    assert len(page.context["detentions"]) == len(listed) == 5
    for detention in page.context["detentions"]:
        (arrest,) = [s for s in detention.timeline if s.kind == StepKind.ARRESTED]
        assert str(arrest.date) == "June 2023"
        (date,) = arrest.provenance.by_field["date"]
        assert (date.source.label, date.grading) == (SOURCE_TITLE, "C3")
        assert {c.grading for c in detention.provenance.citations} == {"C3"}
    for detention in listed:
        (arrest,) = [s for s in detention["steps"] if s["kind"] == StepKind.ARRESTED]
        assert arrest["date"] == "2023-06"
        (date,) = arrest["provenance"]["citations"]
        assert (date["field"], date["grading"]) == ("date", "C3")
        assert date["source"] == {
            "id": str(article.pk),
            "title": SOURCE_TITLE,
            "publisher": article.publisher,
            "reliability": "C",
            "identity_redacted": False,
        }
        # Two sentences of one article: cited twice, still a single source.
        provenance = detention["provenance"]
        assert len(provenance["citations"]) == 2
        assert provenance["single_sourced"] is True
    html = page.content.decode()
    assert html.count('<span class="grading"') >= 15  # 5 × (detention ×2, arrest)


def test_the_demo_evidence_file_has_lived_its_whole_life(demo, article):
    coordinator = get_user_model().objects.get(username="coordinator")
    original = EvidenceFile.objects.get(source=article, derived_from__isnull=True)
    copy = EvidenceFile.objects.get(derived_from=original)

    events = list(CustodyEvent.objects.filter(evidence=original).order_by("at", "pk"))

    assert [e.action for e in events] == ["upload", "derive", "download", "verify"]
    assert {e.actor for e in events} == {coordinator}
    assert {e.sha256_seen for e in events} == {original.sha256}
    assert original.content_type == "image/png" and original.size > 0
    assert not original.is_web_capture
    assert "not a capture of the published page" in original.description.lower()
    assert copy.derivation and copy.sha256 != original.sha256
    assert [e.action for e in copy.custody_events.order_by("at", "pk")] == ["derive", "verify"]


def test_the_custody_log_is_on_the_source_page_for_those_who_may_see_it(demo, article, client):
    import re

    client.force_login(get_user_model().objects.get(username="viewer"))

    page = client.get(reverse("source-detail", kwargs={"pk": article.pk}))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Chain of custody" in html
    # The original first (upload, copy, download, check), then its copy (made, checked).
    assert re.findall(r'data-custody-action="([a-z_]+)"', html) == [
        "upload",
        "derive",
        "download",
        "verify",
        "derive",
        "verify",
    ]
    original = EvidenceFile.objects.get(source=article, derived_from__isnull=True)
    assert original.sha256 in html and "seed-article-excerpt.png" in html
    from tests.pages.test_html_quality import _audit

    assert _audit(html) == []  # headings in order, every table header scoped


def test_no_one_without_a_role_sees_the_custody_log(demo, article, client):
    from django.test import Client

    anonymous = Client().get(reverse("source-detail", kwargs={"pk": article.pk}))
    assert anonymous.status_code in (302, 403, 404)
    assert b"seed-article-excerpt" not in anonymous.content
