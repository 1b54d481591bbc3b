"""The detainee register: rows, redaction, status, filters, counts, exports, query counts."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from cases.choices import StepKind
from monitor.choices import Confidentiality, ReviewState, Vocabulary
from monitor.models import AccessLog, DecisionAction, ReviewDecision
from tests.factories import (
    CaseFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    OrganizationFactory,
    PersonFactory,
    PlaceFactory,
    SourceFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "Zeravshan Hiddenov"
PROTECTED_NAME = "Farrukh Qalandarov"
PUBLIC_NAME = "Tolib Ayombekov"
URL = "/register/"


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8").removeprefix("\ufeff"))))


@pytest.fixture
def register_world(team):
    return build_register_world(team)


def build_register_world(team):
    """A strict detention on the team (hidden from everyone off it), an internal detention of
    a protected person of the team (seen by every role, identified by the team only), and an
    internal detention of a public person, sentenced, with two independent sources."""
    internal = {"confidentiality": Confidentiality.INTERNAL}
    strict_case = CaseFactory(
        confidentiality=Confidentiality.STRICT, team=team, reference="TJK-2023-0901"
    )
    hidden = DetentionFactory(
        case=strict_case,
        person=PersonFactory(name=HIDDEN_NAME, confidentiality=Confidentiality.STRICT, team=team),
    )
    DetentionStepFactory(detention=hidden, kind=StepKind.ARRESTED, date="2023-05-18")

    case = CaseFactory(reference="TJK-2022-0001", review_state=ReviewState.VERIFIED, **internal)
    protected_person = PersonFactory(name=PROTECTED_NAME, is_protected=True, team=team, **internal)
    protected = DetentionFactory(case=case, person=protected_person)
    DetentionStepFactory(detention=protected, kind=StepKind.ARRESTED, date="May 2022")
    DetentionStepFactory(detention=protected, kind=StepKind.RELEASED, date="2022-08-01")

    other_case = CaseFactory(reference="TJK-2022-0002", **internal)
    public = DetentionFactory(case=other_case, person=PersonFactory(name=PUBLIC_NAME, **internal))
    khorog = PlaceFactory(name="Khorog")
    facility = TermFactory(vocabulary=Vocabulary.FACILITY, label="SIZO No. 1 Dushanbe")
    article = TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307 (extremism)")
    court = OrganizationFactory(name="Supreme Court of Tajikistan")
    arrest = DetentionStepFactory(
        detention=public, kind=StepKind.ARRESTED, date="2022-05-20", place=khorog
    )
    sentence = DetentionStepFactory(
        detention=public,
        kind=StepKind.SENTENCED,
        date="2022-10-05",
        sentence_months=90,
        facility=facility,
        authority=court,
    )
    sentence.articles.add(article)
    for publisher in ("HRW", "Amnesty International"):
        CitationFactory(source=SourceFactory(publisher=publisher, **internal), record=arrest)
    return {
        "hidden": hidden,
        "protected": protected,
        "public": public,
        "case": case,
        "khorog": khorog,
        "article": article,
        "facility": facility,
    }


def _rows(response) -> dict[str, object]:
    return {row.case_reference: row for row in response.context["rows"]}


@pytest.mark.parametrize("persona", ["monitor_off_team", "viewer", "coordinator"])
def test_hidden_detentions_are_never_listed_and_protected_persons_never_named(
    client, personas, register_world, persona
):
    client.force_login(personas[persona])
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert HIDDEN_NAME not in page and "TJK-2023-0901" not in page
    assert PROTECTED_NAME not in page
    rows = _rows(response)
    assert set(rows) == {"TJK-2022-0001", "TJK-2022-0002"}
    assert rows["TJK-2022-0001"].person == register_world["protected"].person.pseudonym
    assert rows["TJK-2022-0002"].person == PUBLIC_NAME
    for export in ("register-export", "register-export-xlsx"):
        body = client.get(reverse(export))
        assert body.status_code == 200
        text = body.getvalue() if export == "register-export" else _xlsx_text(body)
        assert HIDDEN_NAME.encode() not in _bytes(text)
        assert PROTECTED_NAME.encode() not in _bytes(text)


def _bytes(value) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _xlsx_text(response) -> str:
    return "\n".join(str(cell) for row in _xlsx_rows(response) for cell in row)


def test_the_team_sees_the_protected_persons_name_and_its_strict_detention(
    client, monitor_on_team, register_world
):
    client.force_login(monitor_on_team)
    rows = _rows(client.get(URL))
    assert rows["TJK-2022-0001"].person == PROTECTED_NAME
    assert rows["TJK-2023-0901"].person == HIDDEN_NAME


def test_anonymous_visitor_is_sent_to_sign_in_and_sees_no_row(client, register_world):
    for name in ("register-list", "register-export", "register-export-xlsx"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_user_without_a_role_gets_an_empty_register(client, no_role_user, register_world):
    client.force_login(no_role_user)
    response = client.get(URL)
    assert response.context["count"] == 0
    assert PUBLIC_NAME not in response.content.decode()


def test_a_row_derives_status_sentence_release_custody_and_sources_from_the_steps(
    client, viewer, register_world
):
    client.force_login(viewer)
    rows = _rows(client.get(URL))
    public = rows["TJK-2022-0002"]
    assert public.status == StepKind.SENTENCED
    assert public.sentence == "7 years 6 months"
    assert (public.sentence_years, public.sentence_rest_months) == (7, 6)
    assert str(public.expected_release) == "5 April 2030"
    assert public.facility == "SIZO No. 1 Dushanbe"
    assert public.authority == "Supreme Court of Tajikistan"
    assert public.articles == ["Art. 307 (extremism)"]
    assert public.arrest_place == "Khorog"
    assert public.days_in_custody == (datetime.date.today() - datetime.date(2022, 5, 20)).days
    assert (public.independent_sources, public.single_sourced) == (2, False)
    released = rows["TJK-2022-0001"]
    assert released.status == StepKind.RELEASED
    # Arrested "May 2022" (first possible day 1 May), released 1 August: c. 92 days.
    assert (released.days_in_custody, released.days_display) == (92, "c. 92")
    assert released.expected_release is None
    assert (released.independent_sources, released.single_sourced) == (0, True)


def test_last_verified_is_the_latest_verification_of_the_case(
    client, viewer, reviewer, register_world
):
    ReviewDecision.objects.create(
        content_type_id=_case_type(),
        object_id=register_world["case"].pk,
        action=DecisionAction.VERIFIED,
        actor=reviewer,
        version=1,
    )
    client.force_login(viewer)
    row = _rows(client.get(URL))["TJK-2022-0001"]
    assert row.last_verified is not None
    assert _rows(client.get(URL))["TJK-2022-0002"].last_verified is None


def _case_type():
    from django.contrib.contenttypes.models import ContentType

    from cases.models import Case

    return ContentType.objects.get_for_model(Case).pk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "sentenced"}, {"TJK-2022-0002"}),
        ({"status": ["released", "sentenced"]}, {"TJK-2022-0001", "TJK-2022-0002"}),
        ({"arrest_year": "2022"}, {"TJK-2022-0001", "TJK-2022-0002"}),
        ({"arrest_year": "2023"}, set()),
        ({"verified": "true"}, {"TJK-2022-0001"}),
    ],
)
def test_filters_narrow_the_register(client, viewer, register_world, params, expected):
    client.force_login(viewer)
    assert set(_rows(client.get(URL, params))) == expected


def test_filters_by_article_facility_place_and_event(client, viewer, register_world):
    event = EventFactory(confidentiality=Confidentiality.INTERNAL)
    register_world["case"].events.add(event)
    client.force_login(viewer)
    for params, expected in (
        ({"article": register_world["article"].pk}, {"TJK-2022-0002"}),
        ({"facility": register_world["facility"].pk}, {"TJK-2022-0002"}),
        ({"place": register_world["khorog"].pk}, {"TJK-2022-0002"}),
        ({"event": event.pk}, {"TJK-2022-0001"}),
    ):
        assert set(_rows(client.get(URL, params))) == expected, params


def test_a_hidden_event_as_filter_is_refused_like_one_that_does_not_exist(
    client, viewer, register_world, team
):
    secret = EventFactory(confidentiality=Confidentiality.STRICT, team=team)
    client.force_login(viewer)
    response = client.get(URL, {"event": secret.pk})
    assert response.context["rows"] == []
    assert "could not be understood" in response.context["error"]


def test_a_bad_year_shows_a_message_and_lists_nothing(client, viewer, register_world):
    client.force_login(viewer)
    response = client.get(URL, {"arrest_year": "twenty"})
    assert response.context["error"]
    assert response.context["rows"] == []
    assert b"Year of arrest" in response.content


def test_changes_since_lists_what_was_recorded_or_changed_and_says_which(
    client, viewer, register_world
):
    old = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    from cases.models import Detention, DetentionStep

    # Backdate every row, then change one step of one detention.
    for model in (Detention, DetentionStep):
        for record in model.objects.all():
            # Straight to the table: the test sets the clock back, it changes nothing.
            model.objects.filter(pk=record.pk)._update(
                [(model._meta.get_field(name), None, old) for name in ("updated_at", "created_at")]
            )
    step = register_world["public"].steps.get(kind=StepKind.SENTENCED)
    step.note = "Appeal lodged"
    step.save()
    client.force_login(viewer)
    response = client.get(URL, {"changed_since": "2025-01-01"})
    rows = _rows(response)
    assert set(rows) == {"TJK-2022-0002"}
    assert rows["TJK-2022-0002"].change == "changed"
    assert '<th scope="col">Change</th>' in response.content.decode()
    lines = _csv(client.get(reverse("register-export"), {"changed_since": "2025-01-01"}))
    assert lines[0][-1] == "Change" and lines[1][-1] == "changed"


def test_counts_cover_every_filtered_row_and_the_chart_counts_arrests_by_year(
    client, viewer, register_world
):
    client.force_login(viewer)
    counts = client.get(URL, {"page_size": 1}).context["counts"]
    assert counts.total == 2
    assert {(t.key, t.count) for t in counts.by_status} == {("released", 1), ("sentenced", 1)}
    assert [(t.label, t.count) for t in counts.by_article] == [("Art. 307 (extremism)", 1)]
    assert [(t.label, t.count) for t in counts.by_year] == [("2022", 2)]
    response = client.get(URL)
    assert "<svg" in response.content.decode()
    assert "Detentions by year of arrest" in response.content.decode()


def test_csv_and_xlsx_have_the_same_columns_as_the_page(client, viewer, register_world):
    from cases.register import COLUMNS

    client.force_login(viewer)
    page = client.get(URL)
    headers = [str(h["label"]) for h in page.context["headers"]]
    lines = _csv(client.get(reverse("register-export")))
    workbook = _xlsx_rows(client.get(reverse("register-export-xlsx")))
    assert headers == lines[0] == list(workbook[0]) == [str(c.label) for c in COLUMNS]
    public_csv = next(line for line in lines if PUBLIC_NAME in line)
    public_xlsx = next(row for row in workbook if PUBLIC_NAME in row)
    assert public_csv[headers.index("Sentence (years)")] == "7"
    assert public_xlsx[headers.index("Sentence (years)")] == 7  # a number stays a number
    assert public_xlsx[headers.index("Single-sourced")] == "no"


def test_a_formula_typed_as_a_name_is_exported_as_text(client, viewer):
    person = PersonFactory(name='=HYPERLINK("http://x")', confidentiality=Confidentiality.INTERNAL)
    detention = DetentionFactory(
        case=CaseFactory(confidentiality=Confidentiality.INTERNAL), person=person
    )
    DetentionStepFactory(detention=detention)
    client.force_login(viewer)
    lines = _csv(client.get(reverse("register-export")))
    assert lines[1][0] == '\'=HYPERLINK("http://x")'
    workbook = _xlsx_rows(client.get(reverse("register-export-xlsx")))
    assert workbook[1][0] == '\'=HYPERLINK("http://x")'


def test_every_export_is_recorded_in_the_access_log(client, viewer, register_world):
    client.force_login(viewer)
    before = AccessLog.objects.filter(action="export").count()
    client.get(reverse("register-export"), {"status": "sentenced"})
    client.get(reverse("register-export-xlsx"))
    assert AccessLog.objects.filter(action="export").count() == before + 2


def _queries(client, params=None) -> int:
    """Queries of one request, counted as they run (``CaptureQueriesContext`` reads the
    bounded query log by length, which miscounts once the factories have filled it)."""
    client.get(URL, params or {})
    run = []

    def count(execute, sql, *args):
        run.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(run)


def _detentions(team, count):
    source = SourceFactory(confidentiality=Confidentiality.INTERNAL)
    for index in range(count):
        person = PersonFactory(team=team, is_protected=index % 2 == 0)
        detention = DetentionFactory(
            case=CaseFactory(confidentiality=Confidentiality.INTERNAL, team=team), person=person
        )
        arrest = DetentionStepFactory(
            detention=detention,
            place=PlaceFactory(),
            authority=OrganizationFactory(),
            facility=TermFactory(vocabulary=Vocabulary.FACILITY),
        )
        arrest.articles.add(TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE))
        DetentionStepFactory(detention=detention, sentenced=True, date="2024")
        CitationFactory(source=source, record=arrest)
        CitationFactory(
            source=SourceFactory(confidentiality=Confidentiality.INTERNAL), record=detention
        )


@pytest.mark.parametrize("persona", ["viewer", "monitor_on_team"])
def test_the_register_runs_as_many_queries_for_20_rows_as_for_2(client, personas, team, persona):
    client.force_login(personas[persona])
    _detentions(team, 2)
    few = _queries(client)
    _detentions(team, 18)
    assert _queries(client) == few
    assert _queries(client, {"changed_since": "2020-01-01", "status": "sentenced"}) <= few + 2


def test_case_csv_lists_victims_violations_detention_status_and_sentence(
    client, viewer, register_world
):
    from tests.factories import AllegationFactory

    AllegationFactory(
        case=register_world["case"],
        victim=register_world["protected"].person,
        violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Torture"),
    )
    client.force_login(viewer)
    text = client.get(reverse("case-export")).getvalue().decode("utf-8")  # streamed: read once
    assert PROTECTED_NAME not in text
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    header = lines[0]
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in lines[1:]}
    pseudonym = register_world["protected"].person.pseudonym
    assert rows["TJK-2022-0001"]["victims"] == pseudonym
    assert rows["TJK-2022-0001"]["violations"] == "Torture"
    assert rows["TJK-2022-0001"]["detention status"] == f"{pseudonym}: released"
    assert rows["TJK-2022-0002"]["sentence"] == f"{PUBLIC_NAME}: 7 years 6 months"
    assert "TJK-2023-0901" not in rows
