"""Lists: search under any spelling, filters (and their errors), sorting, pagination, CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from monitor.choices import Confidentiality
from monitor.exports import neutralise
from tests.factories import CaseFactory, PersonFactory, PersonNameFactory

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8").removeprefix("\ufeff"))))


def test_cyrillic_search_finds_a_person_recorded_in_latin(client, viewer):
    PersonFactory(name="Imumnazar Shoishirinov", confidentiality=Confidentiality.INTERNAL)
    PersonFactory(name="Somebody Else", confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    response = client.get(reverse("person-list"), {"name": "Шоиширинов"})
    assert response.context["count"] == 1
    assert b"Imumnazar Shoishirinov" in response.content
    assert b"Somebody Else" not in response.content


def test_latin_search_finds_a_person_recorded_in_cyrillic_only(client, viewer):
    person = PersonFactory(name="Нажмиддин Шерхонов", confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    response = client.get(reverse("person-list"), {"name": "Nazhmiddin Sherkhonov"})
    assert [row.pk for row in response.context["rows"]] == [person.pk]


def test_person_list_shows_the_other_spellings(client, viewer):
    person = PersonFactory(name="Tolib Ayombekov", confidentiality=Confidentiality.INTERNAL)
    PersonNameFactory(person=person, full_name="Толиб Аёмбеков")
    client.force_login(viewer)
    response = client.get(reverse("person-list"))
    assert "Толиб Аёмбеков" in response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "params", "field"),
    [
        ("case-list", {"review_state": "bogus"}, "Review state"),
        ("case-list", {"date_from": "sometime in spring"}, "Date from"),
        ("case-list", {"event": "not-an-id"}, "Event"),
        ("event-list", {"date_to": "31/31/2022"}, "Date to"),
        ("source-list", {"reliability": "Z"}, "Reliability"),
        ("followup-list", {"due_before": "next week"}, "Due on or before"),
        ("person-list", {"gender": "robot"}, "Gender"),
    ],
)
def test_invalid_filter_value_shows_a_message_not_an_empty_list(
    client, viewer, url_name, params, field
):
    CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "could not be understood" in html
    assert field in response.context["error"]
    assert "field-error" in html
    assert "No results until the filters are corrected" in html
    # The export refuses the same filter instead of exporting something else.
    export = client.get(reverse(url_name.replace("-list", "-export")), params)
    assert not export["Content-Type"].startswith("text/csv")


def test_cases_sort_by_title_both_ways_and_ignore_unknown_columns(client, viewer):
    for title in ("Bravo", "Alpha", "Charlie"):
        CaseFactory(title=title, confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)

    def titles(sort):
        return [
            case.title for case in client.get(reverse("case-list"), {"sort": sort}).context["rows"]
        ]

    assert titles("title") == ["Alpha", "Bravo", "Charlie"]
    assert titles("-title") == ["Charlie", "Bravo", "Alpha"]
    # Only whitelisted columns sort: anything else (a hidden field) is ignored.
    assert client.get(reverse("case-list"), {"sort": "summary"}).context["sort"] == ""
    assert client.get(reverse("case-list"), {"sort": "team__members__password"}).status_code == 200


def test_sorted_column_header_says_so_to_screen_readers(client, viewer):
    CaseFactory(confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    html = client.get(reverse("case-list"), {"sort": "-title"}).content.decode()
    assert 'aria-sort="descending"' in html


def test_pages_are_stable_and_complete(client, viewer):
    # 30 cases with the same title: only the key tells them apart, and no row is lost or
    # repeated across the two pages.
    made = {
        CaseFactory(title="Same", confidentiality=Confidentiality.INTERNAL).pk for _ in range(30)
    }
    client.force_login(viewer)
    first = client.get(reverse("case-list"), {"sort": "title"})
    second = client.get(reverse("case-list"), {"sort": "title", "page": 2})
    seen = [case.pk for case in first.context["rows"]] + [
        case.pk for case in second.context["rows"]
    ]
    assert first.context["count"] == 30
    assert len(first.context["rows"]) == 25
    assert sorted(seen, key=str) == sorted(made, key=str)
    assert 'aria-current="page"' in second.content.decode()
    assert (
        "sort=title&amp;page=1" in second.content.decode()
        or "page=1&amp;sort=title" in second.content.decode()
    )


def test_export_keeps_the_list_filters(client, viewer):
    CaseFactory(title="Khorog arrests", confidentiality=Confidentiality.INTERNAL)
    CaseFactory(title="Dushanbe trial", confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    page = client.get(reverse("case-list"), {"q": "Khorog"}).content.decode()
    assert f'href="{reverse("case-export")}?q=Khorog"' in page
    rows = _csv(client.get(reverse("case-export"), {"q": "Khorog"}))
    assert [row[1] for row in rows[1:]] == ["Khorog arrests"]


@pytest.mark.parametrize(
    "danger", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_export_neutralises_cells_a_spreadsheet_would_run(client, viewer, danger):
    CaseFactory(title=danger, summary=danger, confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    rows = _csv(client.get(reverse("case-export")))
    header = rows[0]
    row = rows[1]
    assert row[header.index("title")] == "'" + danger
    assert row[header.index("summary")] == "'" + danger


def test_neutralise_leaves_ordinary_text_alone():
    assert neutralise("TJK-2023-0007") == "TJK-2023-0007"
    assert neutralise("Arrested – 3 June") == "Arrested – 3 June"
    assert neutralise(None) == ""
    assert neutralise(7) == "7"
    assert neutralise("-7") == "'-7"


def test_export_is_utf8_with_a_byte_order_mark_and_never_cached(client, viewer):
    PersonFactory(name="Толиб Аёмбеков", confidentiality=Confidentiality.INTERNAL)
    client.force_login(viewer)
    response = client.get(reverse("person-export"))
    body = response.getvalue()  # streamed: read once
    assert body.startswith("\ufeff".encode())
    assert "Толиб Аёмбеков" in body.decode("utf-8")
    assert response["Cache-Control"] == "no-store, private"


def test_followup_list_filters_overdue(client, viewer):
    from tests.factories import FollowUpFactory, FollowUpResponseFactory

    case = CaseFactory(confidentiality=Confidentiality.INTERNAL)
    late = FollowUpFactory(case=case, title="Late letter", sent="2023-05-12")
    answered = FollowUpFactory(case=case, title="Answered letter", sent="2023-05-12")
    FollowUpResponseFactory(followup=answered, kind="full")
    client.force_login(viewer)
    response = client.get(reverse("followup-list"), {"status": "overdue"})
    assert [f.pk for f in response.context["rows"]] == [late.pk]
    assert b"Overdue" in response.content or b"overdue" in response.content
