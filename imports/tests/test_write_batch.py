"""The write batch an import's chunk runs in (``monitor.write_batch``): the rules of
``record_save`` still hold inside it, the last of them checked at the batch's end."""

# ruff: noqa: F401, F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import Event
from imports.tests.conftest import coordinator, monitor_off_team, monitor_on_team, team
from monitor.choices import Confidentiality
from monitor.services import ActionRefused, record_save
from monitor.write_batch import BatchRefused, write_batch

pytestmark = pytest.mark.django_db


def hidden_event() -> Event:
    """An event its own author could not see once saved (strict, in no team)."""
    return Event(title="Rally", confidentiality=Confidentiality.STRICT)


def test_a_save_that_would_hide_the_record_is_refused_at_the_batch_end(coordinator):
    with pytest.raises(ActionRefused) as refused:
        record_save(record=hidden_event(), actor=coordinator)
    assert refused.value.code == "would_hide"
    with pytest.raises(BatchRefused), transaction.atomic(), write_batch(coordinator):
        record_save(record=hidden_event(), actor=coordinator)
    assert not Event.objects.exists()


def test_inside_a_batch_a_monitor_still_cannot_edit_another_teams_record(
    monitor_on_team, monitor_off_team, team
):
    event = record_save(record=Event(title="Rally", team=team), actor=monitor_on_team)
    event.title = "Changed"
    with pytest.raises(ActionRefused), transaction.atomic(), write_batch(monitor_off_team):
        record_save(record=event, actor=monitor_off_team)
    event.refresh_from_db()
    assert event.title == "Rally"


# -- check and unique constraints inside a batch ---------------------------------------------------


def _step_variants():
    """Steps of every shape the step constraints tell apart: kinds with and without a term,
    a fine, days, hours, dates present, missing, half-set or reversed."""
    import datetime

    from cases.choices import StepKind
    from cases.models import DetentionStep

    day = datetime.date(2023, 5, 12)
    shapes = [
        {"kind": StepKind.ARRESTED},
        {"kind": StepKind.SENTENCED},
        {"kind": StepKind.SENTENCED, "sentence_months": 84},
        {"kind": StepKind.SENTENCED, "sentence_months": 0},
        {"kind": StepKind.SENTENCED, "life_sentence": True},
        {"kind": StepKind.SENTENCED, "life_sentence": True, "sentence_months": 12},
        {"kind": StepKind.ARRESTED, "sentence_months": 12},
        {"kind": StepKind.FINED},
        {"kind": StepKind.FINED, "fine_amount": 500, "fine_currency": "TJS"},
        {"kind": StepKind.FINED, "fine_amount": 500, "fine_currency": ""},
        {"kind": StepKind.ARRESTED, "fine_amount": 500},
        {"kind": StepKind.ADMIN_ARREST, "arrest_days": 15},
        {"kind": StepKind.ADMIN_ARREST},
        {"kind": StepKind.ARRESTED, "arrest_days": 3},
        {"kind": StepKind.COMMUNITY_WORK, "community_work_hours": 40},
        {"kind": StepKind.ARRESTED, "community_work_hours": 40},
        {"kind": "nonsense"},
        {"kind": StepKind.ARRESTED, "claim_status": "nonsense"},
    ]
    for shape in shapes:
        yield DetentionStep(**shape)
    step = DetentionStep(kind=StepKind.ARRESTED, date="май 2023")
    yield step
    reversed_dates = DetentionStep(kind=StepKind.ARRESTED, date="12.05.2023")
    reversed_dates.date_end = day - datetime.timedelta(days=3)
    yield reversed_dates
    half = DetentionStep(kind=StepKind.ARRESTED)
    half.date_precision = 1
    yield half
    wrong_precision = DetentionStep(kind=StepKind.ARRESTED, date="12.05.2023")
    wrong_precision.date_precision = 7
    yield wrong_precision


def test_a_check_constraint_read_in_python_agrees_with_the_database():
    """Where the batch reads a condition itself and finds it holds, the database agrees
    (a condition read as failing, or not read, is asked of the database anyway)."""
    from django.core.exceptions import ValidationError
    from django.db import models

    from monitor.write_batch import _holds

    read = 0
    for step in _step_variants():
        for model_class, constraints in step.get_constraints():
            for constraint in constraints:
                if not isinstance(constraint, models.CheckConstraint):
                    continue
                here = _holds(constraint.condition, model_class, step)
                try:
                    constraint.validate(model_class, step)
                    database = True
                except ValidationError:
                    database = False
                if here is not False:
                    read += 1
                assert (here is not False) <= database, (constraint.name, step.__dict__)
                if here is False and database:
                    pytest.fail(f"{constraint.name}: read as failing, the database passes it")
    assert read > 100  # the step's conditions are read here, not skipped


def test_inside_a_batch_a_broken_check_constraint_is_still_refused_with_its_message(
    monitor_on_team, team
):
    from cases.choices import StepKind
    from cases.models import Case, Detention, DetentionStep
    from people.models import Person

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        case = record_save(
            record=Case(title="A", reference="TJK-2023-0001", team=team), actor=monitor_on_team
        )
        person = record_save(record=Person(team=team), actor=monitor_on_team)
        detention = record_save(record=Detention(case=case, person=person), actor=monitor_on_team)
        with pytest.raises(ValidationError) as refused, transaction.atomic(), batch.part():
            record_save(
                record=DetentionStep(detention=detention, kind=StepKind.SENTENCED),
                actor=monitor_on_team,
            )
    assert "sentence" in " ".join(refused.value.messages).lower()


def test_inside_a_batch_a_new_persons_second_primary_name_is_still_refused(monitor_on_team, team):
    """The unique constraints of a new record's parts are compared within the batch: a
    second primary name of a person created in it is refused as outside one."""
    from people.models import Person, PersonName

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        person = record_save(record=Person(team=team), actor=monitor_on_team)
        record_save(
            record=PersonName(person=person, full_name="Икром Каримов", is_primary=True),
            actor=monitor_on_team,
        )
        record_save(
            record=PersonName(person=person, full_name="Ikrom Karimov"), actor=monitor_on_team
        )
        with pytest.raises(ValidationError), transaction.atomic(), batch.part():
            record_save(
                record=PersonName(person=person, full_name="Ikrom K.", is_primary=True),
                actor=monitor_on_team,
            )
        with pytest.raises(ValidationError), transaction.atomic(), batch.part():
            record_save(
                record=PersonName(person=person, full_name="Ikrom Karimov"),
                actor=monitor_on_team,
            )
        assert batch.uniques  # compared in the batch, not asked of the database


# -- savepoints: one per row inside a batch, one per service outside ---------------------------


def _refused_case(team, person):
    """A case whose one detention's arrest step breaks a check constraint (a sentence
    without its length): the service refuses it after the case and detention are saved."""
    from cases.choices import StepKind
    from cases.models import Case, Detention, DetentionStep
    from cases.services import DetentionInput, StepInput

    step = StepInput(step=DetentionStep(kind=StepKind.SENTENCED))
    return Case(title="Refused", reference="TJK-2023-0009", team=team), [
        DetentionInput(detention=Detention(person=person), steps=[step])
    ]


def _savepoints(queries) -> int:
    """The savepoints opened, but Django's own around the query of a check constraint."""
    sql = [query["sql"] for query in queries.captured_queries]
    return sum(
        text.startswith("SAVEPOINT") and not following.startswith('SELECT 1 AS "_check"')
        for text, following in zip(sql, [*sql[1:], ""], strict=True)
    )


def test_a_refused_service_called_alone_keeps_its_savepoint_and_its_caller_carries_on(
    monitor_on_team, team
):
    """Outside a batch every service is its own savepoint: a caller that catches the
    refusal goes on in its transaction, with nothing of the refused call kept."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case, Detention
    from cases.services import case_record
    from people.models import Person

    with transaction.atomic():
        person = record_save(record=Person(team=team), actor=monitor_on_team)
        case, detentions = _refused_case(team, person)
        with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError):
            case_record(actor=monitor_on_team, case=case, detentions=detentions)
        assert _savepoints(queries) >= 4  # the case, its detention, its steps, the step
        assert not Case.objects.exists() and not Detention.objects.exists()
        # The transaction is usable: the caller records something else.
        record_save(record=Event(title="Rally", team=team), actor=monitor_on_team)
    assert Event.objects.count() == 1


def test_inside_a_batch_a_refused_service_is_undone_by_its_callers_one_savepoint(
    monitor_on_team, team
):
    """Inside the actor's batch the services open no savepoint of their own: the caller's
    (an import row's) undoes the whole refused call, and the batch goes on."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case, Detention, DetentionStep
    from cases.services import case_record
    from people.models import Person

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        person = record_save(record=Person(team=team), actor=monitor_on_team)
        case, detentions = _refused_case(team, person)
        with (
            CaptureQueriesContext(connection) as queries,
            pytest.raises(ValidationError),
            transaction.atomic(),
            batch.part(),
        ):
            case_record(actor=monitor_on_team, case=case, detentions=detentions)
        assert _savepoints(queries) == 1  # the row's, nothing nested
        assert not Case.objects.exists() and not Detention.objects.exists()
        assert not DetentionStep.objects.exists()
        record_save(record=Event(title="Rally", team=team), actor=monitor_on_team)
    assert Event.objects.count() == 1
    assert Person.objects.count() == 1


# -- what a record created in the batch holds: read from the batch, not the database ---------


def _new_detention(actor, team, reference: str = "TJK-2023-0011"):
    from cases.models import Case, Detention
    from people.models import Person

    person = record_save(record=Person(team=team), actor=actor)
    case = record_save(record=Case(title="Held", reference=reference, team=team), actor=actor)
    return person, case, record_save(record=Detention(case=case, person=person), actor=actor)


def _steps(actor, detention, *steps):
    from cases.models import DetentionStep
    from cases.services import StepInput, detention_steps_record

    return detention_steps_record(
        actor=actor,
        detention=detention,
        steps=[StepInput(step=DetentionStep(kind=kind, date=date)) for kind, date in steps],
    )


def _order_refusals(actor, team, batched: bool) -> list:
    """The refusals of the step order rule met by recording, on two new detentions, steps
    across several calls: the arrest, a charge before it, a charge after it; a charge, then
    an arrest after it."""
    import contextlib

    from cases.choices import StepKind
    from monitor.services import PartErrors

    said = []
    with transaction.atomic(), write_batch(actor) if batched else contextlib.nullcontext() as batch:
        part = batch.part if batched else contextlib.nullcontext
        number = 21 if batched else 31
        _person, _case, first = _new_detention(actor, team, f"TJK-2023-00{number}")
        _person, _case, second = _new_detention(actor, team, f"TJK-2023-00{number + 1}")
        for detention, steps in (
            (first, [(StepKind.ARRESTED, "June 2023"), (StepKind.CHARGED, "2023-05-02"),
                     (StepKind.CHARGED, "2023-07-01"), (StepKind.ARRESTED, "2023-08")]),
            (second, [(StepKind.CHARGED, "2023-07-01"), (StepKind.ARRESTED, "2023-08")]),
        ):  # fmt: skip
            for step in steps:
                try:
                    with transaction.atomic(), part():
                        _steps(actor, detention, step)
                except PartErrors as refused:
                    said.append(refused.parts[0].error.message_dict["date"])
                else:
                    said.append("kept")
    return said


def test_inside_a_batch_the_steps_of_a_new_detention_keep_their_order_rule(monitor_on_team, team):
    """The order rule of a detention created in the batch reads its steps from the batch
    (every step of it was saved there): the same refusals, in the same words, as outside a
    batch, across several calls."""
    batched = _order_refusals(monitor_on_team, team, batched=True)
    assert batched == _order_refusals(monitor_on_team, team, batched=False)
    assert batched == [
        "kept",
        ["This step (2 May 2023) is dated before the arrest (June 2023)."],
        "kept",
        "kept",  # a second arrest, after the first: the first is the one that counts
        "kept",
        [
            "The arrest (August 2023) cannot come after steps already recorded for this "
            "detention: charged (1 July 2023). Correct their dates first, or date the arrest "
            "earlier."
        ],
    ]


def test_inside_a_batch_the_steps_of_a_new_detention_are_not_read_again(
    monitor_on_team, team, django_assert_num_queries
):
    """What the batch holds of a new detention's steps is what the database holds (a refused
    step forgotten), and the rule asks the database nothing about them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.choices import StepKind
    from cases.models import DetentionStep
    from monitor.services import PartErrors

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        _person, _case, detention = _new_detention(monitor_on_team, team)
        _steps(monitor_on_team, detention, (StepKind.ARRESTED, "June 2023"))
        with pytest.raises(PartErrors), transaction.atomic(), batch.part():
            _steps(monitor_on_team, detention, (StepKind.CHARGED, "2023-05-02"))
        with CaptureQueriesContext(connection) as queries:
            _steps(monitor_on_team, detention, (StepKind.RELEASED, "2023-09"))
        made = batch.created_children(DetentionStep, "detention", detention)
        assert len(made) == 2
        assert {step.pk for step in made} == set(
            DetentionStep.objects.filter(detention=detention).values_list("pk", flat=True)
        )
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if 'FROM "cases_detentionstep"' in sql]


def test_inside_a_batch_a_step_its_service_undid_is_forgotten_by_the_batch(monitor_on_team, team):
    """Several steps at once: each in a savepoint of its own, and a step refused after its
    save (its citation names no source) is forgotten by the batch with its savepoint."""
    from cases.choices import StepKind
    from cases.models import DetentionStep
    from cases.services import StepInput, detention_steps_record
    from monitor.services import PartErrors
    from sources.services import CitationInput

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        _person, _case, detention = _new_detention(monitor_on_team, team)
        steps = [
            StepInput(step=DetentionStep(kind=StepKind.ARRESTED, date="June 2023")),
            StepInput(
                step=DetentionStep(kind=StepKind.CHARGED, date="July 2023"),
                citation=CitationInput(source=None),  # no new source described: refused
            ),
        ]
        with pytest.raises(PartErrors), transaction.atomic(), batch.part():
            detention_steps_record(actor=monitor_on_team, detention=detention, steps=steps)
        assert batch.created_children(DetentionStep, "detention", detention) == []
        _steps(monitor_on_team, detention, (StepKind.ARRESTED, "June 2023"))
        (kept,) = batch.created_children(DetentionStep, "detention", detention)
        assert DetentionStep.objects.get(detention=detention).pk == kept.pk


def test_inside_a_batch_a_new_cases_person_is_linked_once(monitor_on_team, team):
    """A new case's links to its persons are read from the batch: the victim of an
    allegation who is also the detained person is one link, as outside a batch."""
    from cases.models import CasePerson
    from cases.services import case_person_link

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        person, case, _detention = _new_detention(monitor_on_team, team)
        first = case_person_link(case=case, person=person, actor=monitor_on_team)
        again = case_person_link(case=case, person=person, actor=monitor_on_team)
        assert again.pk == first.pk
        assert batch.created_children(CasePerson, "case", case) == [first]
    assert CasePerson.objects.filter(case=case, person=person).count() == 1


def test_a_batch_reads_a_record_it_did_not_create_from_the_database(monitor_on_team, team):
    """A detention recorded before the batch: its steps may have been added by anyone, so
    the batch knows nothing of them and the rule reads them."""
    from cases.choices import StepKind
    from cases.models import DetentionStep

    with transaction.atomic():
        _person, _case, detention = _new_detention(monitor_on_team, team)
        _steps(monitor_on_team, detention, (StepKind.ARRESTED, "June 2023"))
    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        assert batch.created_children(DetentionStep, "detention", detention) is None
        with pytest.raises(ValidationError), transaction.atomic(), batch.part():
            _steps(monitor_on_team, detention, (StepKind.CHARGED, "2023-05-02"))


# -- a new record's unique field, left to its unique index --------------------------------------


def test_inside_a_batch_a_new_case_s_taken_reference_is_refused_by_its_index_unread(
    monitor_on_team, monitor_off_team, team
):
    """Outside a batch a taken reference is found by a query and refused by name; inside
    one no query looks for it (one a case saved) — the unique index refuses the insert,
    and the batch's caller redoes the work without a batch (the importer, below)."""
    from django.db import IntegrityError, connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case

    record_save(record=Case(title="Theirs", reference="TJK-2023-0001"), actor=monitor_off_team)
    looked_up = '"cases_case"."reference" ='  # validate_unique's query, on either database
    with CaptureQueriesContext(connection) as alone, pytest.raises(ValidationError) as refused:
        record_save(
            record=Case(title="A", reference="TJK-2023-0001", team=team), actor=monitor_on_team
        )
    assert "reference" in refused.value.message_dict
    assert [q for q in alone.captured_queries if looked_up in q["sql"]]
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        transaction.atomic(),
        write_batch(monitor_on_team),
    ):
        record_save(
            record=Case(title="B", reference="TJK-2023-0002", team=team),
            actor=monitor_on_team,
        )
        record_save(
            record=Case(title="C", reference="TJK-2023-0001", team=team),
            actor=monitor_on_team,
        )
    assert not [q for q in queries.captured_queries if looked_up in q["sql"]]
    assert list(Case.objects.values_list("title", flat=True)) == ["Theirs"]


def test_an_import_row_naming_a_taken_reference_fails_alone_with_its_reason(
    monitor_on_team, monitor_off_team, team, vocabulary
):
    """The row's case reference belongs to a case the importer cannot see: the chunk's
    insert is refused by the index, the chunk recorded again row by row, and that row
    fails saying why, as without a batch; the rows around it are recorded once."""
    from cases.models import Case
    from imports import services
    from imports.choices import RowOutcome
    from imports.tests.conftest import csv_bytes, upload
    from imports.tests.test_flow import MAPPING, run
    from monitor.choices import Confidentiality
    from tests.factories import CaseFactory, TeamFactory

    theirs = CaseFactory(team=TeamFactory(), reference="TJK-2023-0042",
                         confidentiality=Confidentiality.STRICT)  # fmt: skip
    assert not Case.objects.visible_to(monitor_on_team).filter(pk=theirs.pk).exists()
    headers = ["ФИО", "Дата задержания", "Город", "Номер дела"]
    outcomes = {}
    for batched, names in (
        (True, ("Икром Каримов", "Толиб Аёмбеков", "Рустам Джумаев")),
        (False, ("Далер Имомали", "Фаррух Ширинов", "Зафар Сафаров")),
    ):
        rows = [
            [names[0], "12.05.2023", "Хорог", ""],
            [names[1], "13.05.2023", "Хорог", "TJK-2023-0042"],
            [names[2], "14.05.2023", "Хорог", ""],
        ]  # fmt: skip
        job = services.import_upload(
            actor=monitor_on_team, team=team,
            uploaded_file=upload(csv_bytes(rows, headers=headers), name=f"{batched}.csv"),
        )  # fmt: skip
        mapping = {"person_name": "ФИО", "arrest_date": "Дата задержания", "place": "Город",
                   "case_reference": "Номер дела"}  # fmt: skip
        if batched:
            job = run(job, monitor_on_team, mapping=mapping)
        else:
            services.import_map(job=job, actor=monitor_on_team, mapping=mapping)
            services.import_start(job=job, actor=monitor_on_team)
            services.import_run(job_id=job.pk, batched=False)
        outcomes[batched] = list(job.rows.order_by("number").values_list("outcome", "error"))
    assert outcomes[True] == outcomes[False]
    assert [outcome for outcome, _error in outcomes[True]] == [
        RowOutcome.CREATED, RowOutcome.FAILED, RowOutcome.CREATED]  # fmt: skip
    assert "reference" in outcomes[True][1][1].lower()


# -- links to records seen visible ------------------------------------------------------------


def test_inside_a_batch_a_link_to_a_record_seen_visible_is_not_looked_up(monitor_on_team, team):
    """A person the batch saw visible (read in its transaction: it exists) is linked
    without another query; outside a batch, or before it is seen, the link is checked."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case, Detention
    from monitor.services import is_visible
    from tests.factories import PersonFactory

    person, seen_person = PersonFactory(team=team), PersonFactory(team=team)

    def person_reads(queries) -> int:
        return sum('FROM "people_person"' in q["sql"] for q in queries.captured_queries)

    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        case = record_save(
            record=Case(title="A", reference="TJK-2023-0001", team=team), actor=monitor_on_team
        )
        with CaptureQueriesContext(connection) as unseen:
            record_save(record=Detention(case=case, person=person), actor=monitor_on_team)
        assert person_reads(unseen) == 1  # the link's check
        assert not batch.knows_visible(seen_person)
        assert is_visible(seen_person, monitor_on_team)
        with CaptureQueriesContext(connection) as seen:
            record_save(record=Detention(case=case, person=seen_person), actor=monitor_on_team)
        assert person_reads(seen) == 0


def test_the_importer_s_match_is_seen_visible_by_its_batch_only(
    monitor_on_team, monitor_off_team, team
):
    """The person a name matched was read through ``visible_persons``, the rule
    ``is_visible`` asks: the importer's batch takes it as seen; another actor's batch
    (and a person not matched) is not told."""
    from imports.matching import Lookups
    from tests.factories import PersonFactory

    person = PersonFactory(team=team, name="Мухаммадчон Рахимов")
    other = PersonFactory(team=team, name="Толиб Аёмбеков")
    with transaction.atomic(), write_batch(monitor_on_team) as batch:
        assert Lookups(actor=monitor_on_team).person("Muhammadjon Rahimov").person == person
        assert batch.knows_visible(person) and not batch.knows_visible(other)
    with transaction.atomic(), write_batch(monitor_off_team) as batch:
        assert Lookups(actor=monitor_on_team).person("Muhammadjon Rahimov").person == person
        assert not batch.knows_visible(person)
