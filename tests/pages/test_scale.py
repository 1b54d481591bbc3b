"""Pages that must not grow with the register (issue 14): the same queries at two sizes, no
choice list of every record, exports that stream.

The benchmark (``make bench``) measures the time; these tests pin what a test can hold
without a clock: query counts at 3 and at 30 records, what the page draws, and the stream.
"""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import CasePersonRole, StepKind
from cases.models import CasePerson
from monitor.choices import Confidentiality
from monitor.exports import CsvColumn, chunked, csv_lines
from tests.factories import (
    CaseFactory,
    CasePersonFactory,
    DetentionFactory,
    DetentionStepFactory,
    PersonFactory,
    PersonNameFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def _queries(client, url, params=None) -> tuple[int, bytes]:
    client.get(url, params or {})  # warm the per-process caches (content types…)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
        body = response.getvalue()
    assert response.status_code == 200, url
    return len(context.captured_queries), body


def _cases(team, count: int) -> list:
    """Cases each with a named victim who is detained and sentenced (an expected release)."""
    made = []
    for index in range(count):
        case = CaseFactory(team=team, title=f"Scale case {index}")
        person = PersonFactory(team=team, name=f"Scale Person{index:03d}")
        CasePersonFactory(case=case, person=person, role=CasePersonRole.VICTIM)
        detention = DetentionFactory(case=case, person=person)
        DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2022-05-18")
        DetentionStepFactory(
            detention=detention, kind=StepKind.SENTENCED, date="2022-12", sentence_months=84
        )
        made.append(case)
    return made


# -- the case list: a type-ahead, not a select of every person -----------------------------------


def test_case_list_runs_the_same_queries_for_3_and_30_cases_and_lists_no_person(
    client, team, monitor_on_team
):
    client.force_login(monitor_on_team)
    _cases(team, 3)
    few, _ = _queries(client, reverse("case-list"))
    _cases(team, 27)
    many, html = _queries(client, reverse("case-list"))
    assert many == few
    text = html.decode()
    # The person filter is a text field for the type-ahead, with no <option> per person.
    assert 'name="person"' in text and "data-suggest=" in text
    assert "Scale Person" not in text
    assert "monitor/suggest.js" in text


def test_person_filter_without_javascript_takes_the_id_and_labels_it(client, team, monitor_on_team):
    client.force_login(monitor_on_team)
    first, _second = _cases(team, 2)
    person = CasePerson.objects.get(case=first).person
    response = client.get(reverse("case-list"), {"person": str(person.pk)})
    assert response.status_code == 200
    assert [row.pk for row in response.context["rows"]] == [first.pk]
    assert 'data-label="Scale Person000"' in response.content.decode()


def test_person_filter_refuses_a_hidden_persons_id_like_an_unknown_one(
    client, team, monitor_off_team
):
    strict = PersonFactory(team=team, confidentiality=Confidentiality.STRICT, name="Hidden One")
    client.force_login(monitor_off_team)
    for value in (str(strict.pk), str(uuid.uuid4()), "not an id"):
        response = client.get(reverse("case-list"), {"person": value})
        assert response.status_code == 200
        assert response.context["rows"] == []
        assert response.context["error"]
    assert "Hidden One" not in response.content.decode()


# -- the suggestion endpoint ---------------------------------------------------------------------


def _suggest(client, text: str, model="cases.case", field="person"):
    return client.get(reverse("suggest", kwargs={"model": model, "field": field}), {"q": text})


def test_suggestions_find_a_person_in_either_script(client, team, monitor_on_team):
    person = PersonFactory(team=team, name="Tolib Ayombekov")
    PersonNameFactory(person=person, full_name="Толиб Аёмбеков")
    client.force_login(monitor_on_team)
    for text in ("Ayombekov", "Аёмбеков", "ayombek"):
        response = _suggest(client, text)
        assert response.status_code == 200
        assert response.json() == {"results": [{"id": str(person.pk), "label": "Tolib Ayombekov"}]}
    assert response["Cache-Control"] == "no-store, private"


def test_suggestions_hold_only_what_the_user_may_see(client, team, monitor_off_team, viewer):
    PersonFactory(team=team, confidentiality=Confidentiality.STRICT, name="Strict Karimov")
    protected = PersonFactory(
        team=team,
        confidentiality=Confidentiality.INTERNAL,
        is_protected=True,
        name="Secret Karimova",
    )
    # The off-team monitor sees neither the strict person nor the protected one's real name.
    client.force_login(monitor_off_team)
    assert _suggest(client, "Karimov").json() == {"results": []}
    # The viewer may see the protected person, but only by their pseudonym.
    client.force_login(viewer)
    assert _suggest(client, "Secret").json() == {"results": []}
    # Another filter of another list: cases, by reference or title, among the visible ones.
    case = CaseFactory(team=team, title="Karimov case", confidentiality=Confidentiality.INTERNAL)
    CaseFactory(team=team, title="Karimov strict", confidentiality=Confidentiality.STRICT)
    cases = _suggest(client, "Karimov", field="case", model="cases.detention").json()
    assert [item["id"] for item in cases["results"]] == [str(case.pk)]
    assert protected.pseudonym not in str(cases)


def test_suggestions_need_a_session_and_a_known_filter(client, monitor_on_team):
    response = _suggest(client, "Karimov")
    assert response.status_code == 302  # to sign in, like every page
    client.force_login(monitor_on_team)
    assert _suggest(client, "Karimov", model="monitor.user").status_code == 404
    assert _suggest(client, "Karimov", field="review_state").status_code == 404
    assert _suggest(client, "K").json() == {"results": []}  # one letter suggests nothing


def test_suggestions_run_the_same_queries_for_3_and_30_matches(client, team, monitor_on_team):
    client.force_login(monitor_on_team)
    _cases(team, 3)
    url = reverse("suggest", kwargs={"model": "cases.case", "field": "person"})
    few, body = _queries(client, url, {"q": "Scale"})
    assert body.count(b'"id"') == 3
    _cases(team, 27)
    many, body = _queries(client, url, {"q": "Scale"})
    assert body.count(b'"id"') == 10  # at most ten
    assert many <= few  # the name search stops in stages once it has enough


# -- the dashboard -------------------------------------------------------------------------------


def test_dashboard_runs_the_same_queries_for_3_and_30_sentenced_detentions(
    client, team, monitor_on_team
):
    client.force_login(monitor_on_team)
    _cases(team, 3)
    few, _ = _queries(client, reverse("dashboard"))
    _cases(team, 27)
    other = TeamFactory()
    _cases(other, 3)
    many, _ = _queries(client, reverse("dashboard"))
    assert many == few
    assert many <= 25


def test_a_reviewer_s_dashboard_runs_at_most_25_queries_at_two_sizes(client, team, reviewer):
    """The bench's user: a reviewer, so the queue's count too; drafts, returned records and
    follow-ups due or overdue on both sides of today."""
    from monitor.services import review_return, review_submit
    from tests.factories import FollowUpFactory

    def work(count):
        for case in _cases(team, count):
            FollowUpFactory(case=case, sent="2019-12-01", due_on="2020-01-01")  # overdue
            FollowUpFactory(case=case, due_on=str(timezone.localdate()))  # due today
        for case in _cases(team, count):
            review_submit(record=case, actor=reviewer)
        for case in _cases(team, count):
            review_submit(record=case, actor=reviewer)
            review_return(record=case, actor=reviewer, comment="Sources?")

    client.force_login(reviewer)
    work(2)
    few, body = _queries(client, reverse("dashboard"))
    assert body.count(b"Sources?") >= 1  # the returned records are listed, with why
    work(10)
    many, _ = _queries(client, reverse("dashboard"))
    # Never more with more records. (Fewer is possible: the recent changes are labelled with
    # one query per kind of record among them, and at two records persons and follow-ups are
    # among the latest changes, at ten only cases.)
    assert many <= few
    assert many <= 25


# -- CSV exports stream --------------------------------------------------------------------------


def test_csv_stream_sends_the_header_before_reading_any_row():
    pulled = []

    def rows():
        for number in range(5):
            pulled.append(number)
            yield number

    prepared = []
    columns = [
        CsvColumn("n", lambda n: n, prepare=lambda chunk: prepared.append(list(chunk))),
        CsvColumn("formula", lambda n: f"=SUM({n})"),
    ]
    stream = csv_lines(columns, chunked(rows(), size=2))
    assert next(stream) == "\ufeffn,formula\r\n"
    assert pulled == []  # nothing read yet: the first bytes leave at once
    rest = "".join(stream)
    assert prepared == [[0, 1], [2, 3], [4]]  # one lookup per chunk, not per row
    assert list(csv.reader(io.StringIO(rest))) == [[str(n), f"'=SUM({n})"] for n in range(5)]


def test_a_stream_s_first_chunk_is_small_and_the_next_ones_full():
    """The first rows of a large export leave within a second; the rest in full chunks, so
    the queries per row stay few."""
    assert [len(c) for c in chunked(range(12), 5, first=2)] == [2, 5, 5]
    assert [len(c) for c in chunked(range(12), 5)] == [5, 5, 2]
    assert list(chunked([], 5, first=2)) == []


def test_case_export_streams_every_visible_case_once(client, team, monitor_off_team, reviewer):
    _cases(team, 3)
    CaseFactory(team=team, title="Strict case", confidentiality=Confidentiality.STRICT)
    client.force_login(monitor_off_team)
    response = client.get(reverse("case-export"))
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode().removeprefix("\ufeff"))))
    assert sorted(row["title"] for row in rows) == [f"Scale case {n}" for n in range(3)]
    assert "Strict case" not in response.getvalue().decode()
