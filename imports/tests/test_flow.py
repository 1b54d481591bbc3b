"""Upload → map → preview → run → report → review, through the services (the page and the API
call the same): provenance, history, idempotency, updates, the review batch."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest

from cases.models import Case, Detention, DetentionStep
from imports import services
from imports.choices import JobStatus, OnError, RowOutcome
from imports.models import ImportRow
from imports.tasks import import_run_task
from imports.tests.conftest import (
    HEADERS,
    coordinator,
    csv_bytes,
    monitor_off_team,
    monitor_on_team,
    person_name,
    reviewer,
    rows,
    team,
    upload,
    viewer,
    vocabulary,
)
from monitor.approxdate import ApproximateDate
from monitor.choices import ReviewState
from monitor.services import ActionRefused, record_save
from people.models import PersonName
from sources.models import Citation, CustodyEvent
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

MAPPING = {
    "person_name": "ФИО",
    "birth_year": "Год рождения",
    "arrest_date": "Дата задержания",
    "place": "Город",
    "facility": "СИЗО",
    "articles": "Статья",
    "notes": "Примечание",
}


def run(job, actor, *, on_error=OnError.SKIP, mapping=MAPPING):
    services.import_map(job=job, actor=actor, mapping=mapping, on_error=on_error)
    services.import_start(job=job, actor=actor)
    import_run_task.call(str(job.pk))  # the task, run in this process
    job.refresh_from_db()
    return job


def test_rows_become_draft_cases_citing_the_uploaded_file_with_row_numbers(
    monitor_on_team, team, vocabulary
):
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(3))), team=team
    )
    assert job.headers == HEADERS
    assert job.mapping["person_name"] == "ФИО"  # guessed from the column name
    assert job.source.title == "Import: list.csv"
    assert job.evidence.sha256 and job.evidence.wrapped_key  # hashed, encrypted at rest
    assert CustodyEvent.objects.filter(evidence=job.evidence, action="upload").exists()
    job = run(job, monitor_on_team)
    assert job.status == JobStatus.DONE
    assert (job.rows_done, job.rows_failed) == (3, 0)
    cases = Case.objects.filter(pk__in=job.rows.values("case"))
    assert cases.count() == 3
    assert set(cases.values_list("review_state", flat=True)) == {ReviewState.DRAFT}
    row = job.rows.get(number=2)
    detention = Detention.objects.get(case=row.case)
    assert str(detention.person) == person_name(0)
    arrest = DetentionStep.objects.get(detention=detention)
    assert arrest.date.isoformat() == "2023-05-12"
    assert arrest.facility == vocabulary["facility"]
    assert list(arrest.articles.all()) == [vocabulary["article"]]
    assert detention.person.birth_date.year == 1985
    citation = Citation.objects.get(object_id=detention.pk, source=job.source)
    assert citation.page == "row 2"
    history = row.case.history.earliest("history_date")
    assert history.history_change_reason == "imported from list.csv row 2"
    assert history.history_user == monitor_on_team


def test_the_same_file_again_creates_nothing(monitor_on_team, team, vocabulary):
    content = csv_bytes(rows(4))
    first = run(
        services.import_upload(actor=monitor_on_team, uploaded_file=upload(content), team=team),
        monitor_on_team,
    )
    cases = Case.objects.count()
    second = services.import_upload(actor=monitor_on_team, uploaded_file=upload(content), team=team)
    assert second.evidence == first.evidence  # the file is not stored twice
    second = run(second, monitor_on_team)
    assert Case.objects.count() == cases
    assert services.outcome_counts(second)[RowOutcome.SKIPPED] == 4


def test_an_existing_person_written_the_same_way_is_matched_not_duplicated(
    monitor_on_team, team, vocabulary
):
    person = PersonFactory(team=team, name=person_name(0))
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(1))), team=team
    )
    preview = services.import_preview(job=job, actor=monitor_on_team)
    assert "existing person" in " ".join(preview.plans[0].matches.values())
    job = run(job, monitor_on_team)
    assert Detention.objects.get(case=job.rows.get().case).person == person
    assert PersonName.objects.filter(full_name=person_name(0)).count() == 1


def test_preview_shows_errors_and_matches_and_writes_nothing(monitor_on_team, team, vocabulary):
    bad = [
        ['=HYPERLINK("http://evil","Click")', "1985", "12.05.2023", "Хорог", "", "", ""],
        ["Петров Пётр", "1985", "31.02.2023", "Неизвестный город", "ИВС-9", "", ""],
        ["Сидоров Сидор", "1985", "май 2023", "Хорог", "СИЗО №1", "", ""],
        ["Козлов Коля", "1985", "2022", "Хорог", "", "", ""],
    ]
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(bad)), team=team
    )
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    before = Case.objects.count()
    plans = services.import_preview(job=job, actor=monitor_on_team).plans
    assert "formula" in plans[0].error_text()
    assert "31.02.2023" in plans[1].error_text()
    assert "proposed" in " ".join(plans[1].matches.values())  # unknown place and facility
    assert plans[2].ok and plans[2].parsed["arrest"].isoformat() == "2023-05"
    assert plans[3].ok and plans[3].parsed["arrest"].isoformat() == "2022"
    assert Case.objects.count() == before


def test_good_rows_are_imported_and_failed_rows_come_back_as_a_csv_to_fix(
    monitor_on_team, team, vocabulary
):
    data = rows(5)
    data[1][2] = "not a date"
    data[3][0] = '=HYPERLINK("x")'
    job = run(
        services.import_upload(
            actor=monitor_on_team, uploaded_file=upload(csv_bytes(data)), team=team
        ),
        monitor_on_team,
    )
    assert job.status == JobStatus.DONE
    assert job.rows_failed == 2
    text = services.failed_rows_csv(job=job, actor=monitor_on_team)
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 3
    assert "'=HYPERLINK" in text  # neutralised: a spreadsheet shows it, never runs it
    # Fixed, the two rows go in; the three good ones are not imported twice.
    data[1][2] = "13.05.2023"
    data[3][0] = "Hyperlink Person"
    again = run(services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(data), "fixed.csv"), team=team),
        monitor_on_team)  # fmt: skip
    counts = services.outcome_counts(again)
    assert (counts[RowOutcome.CREATED], counts[RowOutcome.SKIPPED]) == (2, 3)


def test_stop_at_first_error_records_nothing(monitor_on_team, team, vocabulary):
    data = rows(4)
    data[2][2] = "never"
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(data)), team=team
    )
    before = Case.objects.count()
    job = run(job, monitor_on_team, on_error=OnError.STOP)
    assert job.status == JobStatus.FAILED
    assert "row 4" in job.message
    assert Case.objects.count() == before


def test_external_id_updates_and_a_hand_edit_is_reported_not_overwritten(
    monitor_on_team, team, vocabulary
):
    headers = [*HEADERS, "ID"]
    mapping = {**MAPPING, "external_id": "ID"}
    first = [[*rows(1)[0], "X-1"]]
    job = run(services.import_upload(actor=monitor_on_team, team=team,
              uploaded_file=upload(csv_bytes(first, headers=headers))), monitor_on_team,
              mapping=mapping)  # fmt: skip
    case = job.rows.get().case
    changed = [[*rows(1)[0][:6], "новое примечание", "X-1"]]
    job2 = run(services.import_upload(actor=monitor_on_team, team=team,
               uploaded_file=upload(csv_bytes(changed, headers=headers), "v2.csv")),
               monitor_on_team, mapping=mapping)  # fmt: skip
    assert job2.rows.get().outcome == RowOutcome.UPDATED
    case.refresh_from_db()
    assert "новое примечание" in case.summary
    # A hand edit since: the next import reports it and leaves it.
    case.summary = "edited by hand"
    record_save(record=case, actor=monitor_on_team, reason="by hand")
    third = [[*rows(1)[0][:6], "третье", "X-1"]]
    job3 = run(services.import_upload(actor=monitor_on_team, team=team,
               uploaded_file=upload(csv_bytes(third, headers=headers), "v3.csv")),
               monitor_on_team, mapping=mapping)  # fmt: skip
    assert job3.rows.get().outcome == RowOutcome.CONFLICT
    case.refresh_from_db()
    assert case.summary == "edited by hand"


def test_the_batch_is_submitted_by_the_importer_and_verified_by_another_reviewer(
    monitor_on_team, reviewer, team, vocabulary
):
    job = run(services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(3))), team=team),
        monitor_on_team)  # fmt: skip
    records = services.batch_records(job=job, actor=reviewer)
    assert len(records) == 6  # three cases, three new persons
    with pytest.raises(ActionRefused):
        services.batch_verify(job=job, actor=reviewer)  # nothing submitted yet
    assert services.batch_submit(job=job, actor=monitor_on_team) == 6
    with pytest.raises(ActionRefused) as refused:
        services.batch_verify(job=job, actor=monitor_on_team)
    assert refused.value.code in ("four_eyes", "permission")
    assert services.batch_verify(job=job, actor=reviewer) == 6
    states = {r.review_state for r in services.batch_records(job=job, actor=reviewer)}
    assert states == {ReviewState.VERIFIED}


def test_a_reviewer_returns_the_whole_batch_with_a_comment(
    monitor_on_team, reviewer, team, vocabulary
):
    job = run(services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(2))), team=team),
        monitor_on_team)  # fmt: skip
    services.batch_submit(job=job, actor=monitor_on_team)
    with pytest.raises(ActionRefused):
        services.batch_return(job=job, actor=reviewer, comment="")
    assert services.batch_return(job=job, actor=reviewer, comment="check the dates") == 4
    states = {r.review_state for r in services.batch_records(job=job, actor=reviewer)}
    assert states == {ReviewState.RETURNED}


def test_cancel_stops_between_chunks_and_resume_finishes_without_doubles(
    monitor_on_team, team, vocabulary, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(7))), team=team
    )
    services.import_map(job=job, actor=monitor_on_team, mapping=MAPPING)
    services.import_start(job=job, actor=monitor_on_team)
    original = services._run_chunk
    calls = []

    def cancel_after_first(job_, chunk, lookups, clock, **options):
        result = original(job_, chunk, lookups, clock, **options)
        calls.append(len(chunk))
        if len(calls) == 1:
            services.import_cancel(job=job_, actor=monitor_on_team)
        return result

    monkeypatch.setattr(services, "_run_chunk", cancel_after_first)
    import_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.rows_done == 2
    monkeypatch.setattr(services, "_run_chunk", original)
    services.import_resume(job=job, actor=monitor_on_team)
    import_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.rows_done == 7
    assert ImportRow.objects.filter(job=job).count() == 7
    assert Case.objects.filter(pk__in=job.rows.values("case")).count() == 7


def test_others_cannot_see_or_run_the_import(
    monitor_on_team, monitor_off_team, viewer, reviewer, team, vocabulary
):
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(rows(1))), team=team
    )
    # The viewer's clearance is below the job's source (confidential): the job is hidden.
    assert not services.ImportJob.objects.visible_to(viewer).filter(pk=job.pk).exists()
    for other in (reviewer, monitor_off_team):  # they see it, but did not upload it
        with pytest.raises(ActionRefused):
            services.import_start(job=job, actor=other)
        with pytest.raises(ActionRefused):
            services.import_map(job=job, actor=other, mapping=MAPPING)
    with pytest.raises(ActionRefused):
        services.import_upload(actor=viewer, uploaded_file=upload(csv_bytes(rows(1))))


def test_an_update_row_changes_the_sentence_and_the_release_through_the_steps(
    monitor_on_team, team, vocabulary
):
    headers = [*HEADERS, "ID", "Приговор", "Дата приговора", "Освобождён"]
    mapping = {**MAPPING, "external_id": "ID", "sentence": "Приговор",
               "sentence_date": "Дата приговора", "release_date": "Освобождён"}  # fmt: skip

    def imported(sentence: str, release: str, name: str):
        cells = [[*rows(1)[0], "X-7", sentence, "20.11.2023", release]]
        uploaded = upload(csv_bytes(cells, headers=headers), name)
        job = services.import_upload(actor=monitor_on_team, team=team, uploaded_file=uploaded)
        return run(job, monitor_on_team, mapping=mapping).rows.get()

    first = imported("7 лет", "", "v1.csv")
    assert first.outcome == RowOutcome.CREATED, first.error
    detention = Detention.objects.get(case=first.case)
    steps = DetentionStep.objects.filter(detention=detention)
    assert steps.get(kind="sentenced").sentence_months == 84
    assert not steps.filter(kind="released").exists()

    second = imported("5 лет", "01.06.2024", "v2.csv")
    assert (second.outcome, second.case) == (RowOutcome.UPDATED, first.case)
    sentenced = steps.get(kind="sentenced")
    assert sentenced.sentence_months == 60
    assert str(steps.get(kind="released").date) == str(ApproximateDate.parse("01.06.2024"))
    latest = sentenced.history.order_by("-history_date").first()
    assert latest.history_change_reason == "imported from v2.csv row 2"
    assert latest.history_user == monitor_on_team

    # A sentence corrected by hand since: the next import reports it and leaves it.
    sentenced.sentence_months = 48
    record_save(record=sentenced, actor=monitor_on_team, reason="by hand")
    third = imported("6 лет", "01.06.2024", "v3.csv")
    assert third.outcome == RowOutcome.CONFLICT
    assert "changed by hand" in third.error
    assert steps.get(kind="sentenced").sentence_months == 48


def test_a_release_before_the_arrest_in_an_update_row_is_refused_and_changes_nothing(
    monitor_on_team, team, vocabulary
):
    headers = [*HEADERS, "ID", "Освобождён"]
    mapping = {**MAPPING, "external_id": "ID", "release_date": "Освобождён"}
    first = [[*rows(1)[0], "X-8", ""]]
    job = run(services.import_upload(actor=monitor_on_team, team=team,
              uploaded_file=upload(csv_bytes(first, headers=headers))), monitor_on_team,
              mapping=mapping)  # fmt: skip
    case = job.rows.get().case
    early = [[*rows(1)[0][:6], "другое", "X-8", "01.01.2020"]]
    early[0][2] = ""  # no arrest date in the row: the steps' own order rule refuses it
    job2 = run(services.import_upload(actor=monitor_on_team, team=team,
               uploaded_file=upload(csv_bytes(early, headers=headers), "v2.csv")),
               monitor_on_team, mapping=mapping)  # fmt: skip
    row = job2.rows.get()
    assert row.outcome == RowOutcome.FAILED
    assert "before the arrest" in row.error
    assert not DetentionStep.objects.filter(detention__case=case, kind="released").exists()


def test_a_name_spelt_another_way_finds_the_person_through_the_name_matcher(
    monitor_on_team, team, vocabulary
):
    person = PersonFactory(team=team, name="Мухаммадчон Рахимов")
    record_save(record=PersonName(person=person, full_name="Mukhammadzhon Rakhimov",
                                  kind="transliteration"), actor=monitor_on_team)  # fmt: skip
    cells = [["Muhammadjon Rahimov", "1985", "12.05.2023", "Хорог", "СИЗО №1", "307", ""]]
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(cells)), team=team
    )
    preview = services.import_preview(job=job, actor=monitor_on_team)
    matched = " ".join(preview.plans[0].matches.values())
    assert "existing person “Мухаммадчон Рахимов”" in matched
    assert "Mukhammadzhon Rakhimov" in matched or "Мухаммадчон Рахимов" in matched
    job = run(job, monitor_on_team)
    row = job.rows.get()
    assert (row.outcome, row.person_is_new) == (RowOutcome.CREATED, False)
    assert Detention.objects.get(case=row.case).person == person


def test_a_later_row_finds_the_person_an_earlier_row_of_its_chunk_recorded(
    monitor_on_team, team, vocabulary
):
    """The names are read once per chunk (SQLite): a person a row records is added to
    them, so a later row of the chunk finds it by another spelling, as a row after the
    chunk does from the database."""
    first = ["Рустам Джумаев", "1985", "12.05.2023", "Хорог", "СИЗО №1", "307", ""]
    again = ["Rustam Jumayev", "1985", "13.05.2023", "Хорог", "СИЗО №1", "307", ""]
    others = [[person_name(n), "1985", "12.05.2023", "Хорог", "СИЗО №1", "307", ""]
              for n in range(services.CHUNK_ROWS)]  # fmt: skip
    cells = [first, again, *others, [*again[:2], "14.05.2023", *again[3:]]]
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(cells)), team=team
    )
    job = run(job, monitor_on_team)
    found = list(job.rows.order_by("number").values_list("person_id", "person_is_new"))
    person = found[0][0]
    assert found[0] == (person, True)
    assert found[1] == (person, False)  # the same chunk
    assert found[-1] == (person, False)  # the next chunk: read from the database
    assert all(new for _person, new in found[2:-1])


def test_a_name_only_alike_records_a_new_person_and_says_whom_it_looks_like(
    monitor_on_team, team, vocabulary
):
    PersonFactory(team=team, name="Рахимов Далер")
    cells = [["Рахимова Дилором", "1985", "12.05.2023", "Хорог", "СИЗО №1", "307", ""]]
    job = services.import_upload(
        actor=monitor_on_team, uploaded_file=upload(csv_bytes(cells)), team=team
    )
    preview = services.import_preview(job=job, actor=monitor_on_team)
    assert "new person" in " ".join(preview.plans[0].matches.values())
    assert run(job, monitor_on_team).rows.get().person_is_new


#: Database queries a detention row costs (person matched, new person with its name, case,
#: detention, arrest step with its article, citation; their history rows are inserted in
#: bulk per chunk): pinned between 20 and 200 rows, so a change that reads per row what a
#: run already knows shows here.
#: 11.0 on SQLite, 10.9 on PostgreSQL (a new case's reference left to its unique index);
#: 12.2 and 12.0 with chunks of 200 rows, the names read at once on both; 12.6 and 12.5
#: with chunks of 50 and PostgreSQL's names searched in two statements a chunk; was 17
#: (PostgreSQL's staged name search a row), 20, 24, 41, 76.
QUERIES_PER_ROW = 12


def _queries_to_import(actor, team, count: int, start: int) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    job = services.import_upload(
        actor=actor, team=team, uploaded_file=upload(csv_bytes(rows(count, start=start)))
    )
    services.import_map(job=job, actor=actor, mapping=MAPPING)
    services.import_start(job=job, actor=actor)
    with CaptureQueriesContext(connection) as queries:
        import_run_task.call(str(job.pk))
    job.refresh_from_db()
    assert services.outcome_counts(job)[RowOutcome.CREATED] == count
    savepoints = sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)
    return len(queries), savepoints


def test_the_queries_of_a_run_grow_by_a_constant_per_row(monitor_on_team, team, vocabulary):
    twenty, twenty_savepoints = _queries_to_import(monitor_on_team, team, 20, start=0)
    two_hundred, savepoints = _queries_to_import(monitor_on_team, team, 200, start=100)
    per_row = (two_hundred - twenty) / 180
    print(f"queries: 20 rows {twenty}, 200 rows {two_hundred}, {per_row:.1f} a row")
    assert per_row <= QUERIES_PER_ROW
    # One savepoint a row (the row's own; and the chunk's, in this test's transaction): the
    # services a row goes through open none in a batch (they opened 8 a row before).
    assert savepoints - twenty_savepoints <= 180 + 180 // services.CHUNK_ROWS + 1
