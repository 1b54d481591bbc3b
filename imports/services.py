"""Workflows of an import: upload, map, preview, run (in the background), cancel, resume,
and the review of what it recorded as one batch.

Each function is keyword-only, takes the acting user explicitly and raises what
:mod:`monitor.services` raises (:class:`ActionRefused` with a message for the user,
:class:`NotVisible`) or :class:`imports.reading.UnreadableFile`. Pages, the API and the
``import_file`` command call these; none of them reads a spreadsheet or writes a row itself.

Rows are recorded only through the services of the apps (``imports.rows``). A run commits
its rows a chunk at a time, each chunk with the job's progress, so a worker restarted
halfway resumes where the last committed chunk ended and never records a row twice.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, Event
from imports.choices import ImportKind, JobStatus, OnError, RowOutcome
from imports.fields import fields_of, suggest_mapping
from imports.matching import Lookups
from imports.models import ImportJob, ImportRow, MappingTemplate
from imports.reading import DELIMITERS, Table, UnreadableFile, check_size, read_table, rows_to_csv
from imports.rows import (
    RowPlan,
    RowRefused,
    outcome_row,
    person_names,
    plan_row,
    record_row,
    row_values,
)
from monitor import collector
from monitor.access import has_role
from monitor.choices import Confidentiality, ReviewState, Vocabulary
from monitor.exports import neutralise
from monitor.models import TaskProgress, Term
from monitor.progress import Tracker, progress_attach, progress_start
from monitor.services import (
    ActionRefused,
    NotVisible,
    return_comment_refusal,
    return_refusal,
    review_return,
    review_submit,
    review_verify,
    verify_refusal,
)
from monitor.write_batch import BatchRefused, WriteBatch, write_batch
from people.models import Person
from sources.models import EvidenceFile
from sources.services import (
    NewSource,
    evidence_open_for_download,
    evidence_upload,
    source_create_quick,
)

#: Rows committed together (with the job's progress): what a restart may have to redo. 200,
#: not 50: what a chunk does once (the job locked, the names read, each model's visibility
#: checked, its history inserted) is shared by more rows — 10,000-row bench, SQLite 108.6 →
#: 131.7 rows/s, PostgreSQL 74.7 → 80.4; memory still flat (146 / 154 / 160 MB).
CHUNK_ROWS = 200
#: Rows a preview shows.
PREVIEW_ROWS = 20


def may_import(user) -> bool:
    """Importing records cases and events: whoever may add both (not a viewer)."""
    return has_role(user) and user.has_perm("cases.add_case") and user.has_perm("cases.add_event")


def _require_importer(actor) -> None:
    if not may_import(actor):
        raise ActionRefused(_("Only monitors, reviewers and coordinators import."), "permission")


def _require_owner(job: ImportJob, actor) -> None:
    if job.created_by_id != actor.pk:
        raise ActionRefused(
            _("Only the person who uploaded this file maps and runs its import."), "permission"
        )


def visible_job(*, pk, actor) -> ImportJob:
    job = ImportJob.objects.visible_to(actor).select_related("source", "team").filter(pk=pk)
    found = job.first()
    if found is None:
        raise NotVisible("Import not found")
    return found


# -- upload ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _spooled(uploaded) -> Iterator[str]:
    """The upload as a file on disk (openpyxl and the CSV reader read a path), removed after."""
    handle = tempfile.NamedTemporaryFile(prefix="monitor-import-", delete=False)  # noqa: SIM115
    try:
        with handle:
            uploaded.seek(0)
            shutil.copyfileobj(uploaded, handle, 1024 * 1024)
        yield handle.name
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)


def _source_kind() -> Term:
    terms = Term.objects.of(Vocabulary.SOURCE_KIND)
    return terms.filter(code="other").first() or terms.first()


def _size(uploaded) -> int:
    size = getattr(uploaded, "size", None)
    if size is None:
        uploaded.seek(0, os.SEEK_END)
        size = uploaded.tell()
        uploaded.seek(0)
    return size


@transaction.atomic
def import_upload(
    *,
    actor,
    uploaded_file,
    team=None,
    confidentiality: int = Confidentiality.CONFIDENTIAL,
    encoding: str = "",
    delimiter: str = "",
    kind: str = ImportKind.DETENTIONS,
) -> ImportJob:
    """Check a spreadsheet whole, then keep it as the evidence of a source "Import: <name>"
    and open an import job for it, with a first mapping guessed from its column names.

    The same file uploaded again (same SHA-256, a source the actor sees) reuses its source
    and evidence: nothing new is stored, and its rows, imported before, will be skipped.

    Raises:
        UnreadableFile: the file is not a spreadsheet Monitor can read; nothing is stored.
        ActionRefused: the actor may not import, or not into ``team``.
    """
    _require_importer(actor)
    if team is not None and not actor.teams.filter(pk=team.pk).exists():
        raise ActionRefused(_("Choose one of your teams."), "permission")
    if encoding and encoding not in ("utf-8", "utf-8-sig", "cp1251"):
        raise UnreadableFile(_("Choose UTF-8 or cp1251."), "encoding")
    if delimiter and delimiter not in DELIMITERS:
        raise UnreadableFile(_("Choose a comma, a semicolon, a tab or a bar."), "delimiter")
    name = os.path.basename(getattr(uploaded_file, "name", "") or "import.csv")[:200]
    size = _size(uploaded_file)
    check_size(size)
    with _spooled(uploaded_file) as path:
        table = read_table(path, size=size, encoding=encoding, delimiter=delimiter)
        sha256 = _sha256(path)
    evidence = (
        EvidenceFile.objects.visible_to(actor)
        .filter(sha256=sha256, archived_at__isnull=True, source__title__startswith="Import: ")
        .select_related("source")
        .first()
    )
    if evidence is None:
        source = source_create_quick(
            actor=actor,
            source=NewSource(title=f"Import: {name}", kind=_source_kind()),
            team=team,
            confidentiality=confidentiality,
            reason=_("Spreadsheet uploaded for import"),
        )
        uploaded_file.seek(0)
        evidence = evidence_upload(
            source=source,
            uploaded_file=uploaded_file,
            actor=actor,
            description=_("The spreadsheet as uploaded for import."),
        )
    else:
        source = evidence.source
    job = ImportJob.objects.create(
        created_by=actor,
        team=source.team,
        confidentiality=source.confidentiality,
        source=source,
        evidence=evidence,
        file_name=name,
        file_format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        headers=table.headers,
        rows_total=table.rows_total,
        kind=kind,
    )
    template = _template_for(job, actor)
    job.mapping = template.mapping if template else suggest_mapping(kind, table.headers)
    job.value_map = template.value_map if template else {}
    job.save(update_fields=["mapping", "value_map"])
    return job


def _sha256(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _template_for(job: ImportJob, actor) -> MappingTemplate | None:
    """A saved mapping of the same kind whose every column is in this file."""
    headers = set(job.headers)
    for template in MappingTemplate.objects.visible_to(actor).filter(kind=job.kind):
        if template.mapping and set(template.mapping.values()) <= headers:
            return template
    return None


# -- mapping and preview -----------------------------------------------------------------------


@transaction.atomic
def import_map(
    *,
    job: ImportJob,
    actor,
    mapping: dict[str, str],
    kind: str | None = None,
    value_map: dict | None = None,
    on_error: str | None = None,
    template_name: str = "",
) -> ImportJob:
    """Set which column feeds which field (and, optionally, save it as a named template).

    Raises:
        ActionRefused: the mapping names an unknown field or column, leaves a required field
            unmapped, or the job is running or done (code ``mapping`` or ``state``).
    """
    job = _locked_job(job, actor)
    _require_owner(job, actor)
    if job.status not in (JobStatus.UPLOADED, JobStatus.FAILED, JobStatus.CANCELLED):
        raise ActionRefused(_("This import has run; upload the file again to map it anew."),
                            "state")  # fmt: skip
    kind = kind or job.kind
    if kind not in ImportKind.values:
        raise ActionRefused(_("Choose what a row is."), "mapping")
    mapping = {code: header for code, header in (mapping or {}).items() if header}
    problems = mapping_problems(kind, job.headers, mapping)
    if problems:
        raise ActionRefused(" ".join(problems), "mapping")
    job.kind, job.mapping = kind, mapping
    if value_map is not None:
        job.value_map = _checked_value_map(value_map, actor)
    if on_error:
        if on_error not in OnError.values:
            raise ActionRefused(_("Choose what to do on an error."), "mapping")
        job.on_error = on_error
    job.save(update_fields=["kind", "mapping", "value_map", "on_error"])
    if template_name.strip():
        template_save(
            actor=actor, name=template_name, kind=kind, mapping=mapping,
            value_map=job.value_map, team=job.team,
        )  # fmt: skip
    return job


def mapping_problems(kind: str, headers: list[str], mapping: dict[str, str]) -> list[str]:
    fields = {f.code: f for f in fields_of(kind)}
    problems = [
        _("“%(field)s” is not a field of this kind of import.") % {"field": code}
        for code in mapping
        if code not in fields
    ]
    problems += [
        _("The file has no column “%(column)s”.") % {"column": header}
        for header in mapping.values()
        if header not in headers
    ]
    problems += [
        _("Choose the column for “%(field)s”: it is required.") % {"field": f.label}
        for f in fields.values()
        if f.required and f.code not in mapping
    ]
    return problems


def _checked_value_map(value_map: dict, actor) -> dict:
    """``{field: {value as written: term or place id}}``, ids checked to exist."""
    clean: dict[str, dict[str, str]] = {}
    for code, values in (value_map or {}).items():
        if not isinstance(values, dict):
            raise ActionRefused(_("Map each value to a term."), "mapping")
        for text, target in values.items():
            if target:
                clean.setdefault(str(code), {})[str(text)] = str(target)
    return clean


@transaction.atomic
def template_save(*, actor, name: str, kind: str, mapping: dict, value_map=None, team=None):
    """Save a mapping under a name (replacing the actor's own template of that name)."""
    _require_importer(actor)
    name = name.strip()[:200]
    if not name:
        raise ActionRefused(_("Name the template."), "mapping")
    template = MappingTemplate.objects.filter(created_by=actor, name=name).first()
    template = template or MappingTemplate(created_by=actor, name=name)
    template.kind, template.mapping, template.value_map = kind, mapping, value_map or {}
    template.team = team
    template.save()
    return template


@contextlib.contextmanager
def open_table(job: ImportJob) -> Iterator[Table]:
    """The job's spreadsheet, read back from its evidence file (checked against its hash;
    the read is in the chain of custody), as a :class:`Table`."""
    download = evidence_open_for_download(evidence=job.evidence, actor=job.created_by)
    handle = tempfile.NamedTemporaryFile(prefix="monitor-import-", delete=False)  # noqa: SIM115
    try:
        with handle, download.file as stored:
            shutil.copyfileobj(File(stored), handle, 1024 * 1024)
        yield Table(
            path=handle.name,
            format=job.file_format,
            encoding=job.encoding,
            delimiter=job.delimiter,
            headers=job.headers,
            rows_total=job.rows_total,
        )
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)


@dataclass
class Preview:
    plans: list[RowPlan]
    headers: list[str]
    proposals: dict[str, dict[str, int]]


def import_preview(*, job: ImportJob, actor, rows: int = PREVIEW_ROWS) -> Preview:
    """The first ``rows`` rows exactly as they would be recorded; nothing is written."""
    job = visible_job(pk=job.pk, actor=actor)
    lookups = Lookups(actor=job.created_by, value_map=job.value_map)
    plans: list[RowPlan] = []
    proposals: dict[str, dict[str, int]] = {}
    with open_table(job) as table:
        for number, cells in table.rows():
            plan = plan_row(job=job, number=number, cells=cells, lookups=lookups)
            _count_proposals(proposals, plan)
            plans.append(plan)
            if len(plans) >= rows:
                break
    return Preview(plans=plans, headers=job.headers, proposals=proposals)


def _count_proposals(proposals: dict, plan: RowPlan) -> None:
    for code, values in plan.proposals.items():
        for value in values:
            proposals.setdefault(code, {})
            proposals[code][value] = proposals[code].get(value, 0) + 1


# -- the run -----------------------------------------------------------------------------------


def _locked_job(job: ImportJob, actor) -> ImportJob:
    found = ImportJob.objects.visible_to(actor).select_for_update().filter(pk=job.pk).first()
    if found is None:
        raise NotVisible("Import not found")
    return found


def import_start(*, job: ImportJob, actor) -> ImportJob:
    """Queue the run (background work); the page and the API then follow its progress."""
    with transaction.atomic():
        job = _locked_job(job, actor)
        _require_owner(job, actor)
        if job.status not in (JobStatus.UPLOADED, JobStatus.FAILED, JobStatus.CANCELLED):
            raise ActionRefused(
                _("This import is %(status)s.") % {"status": job.get_status_display()}, "state"
            )
        problems = mapping_problems(job.kind, job.headers, job.mapping)
        if problems:
            raise ActionRefused(" ".join(problems), "mapping")
        job.status, job.cancel_requested, job.message = JobStatus.QUEUED, False, ""
        job.save(update_fields=["status", "cancel_requested", "message"])
        transaction.on_commit(lambda: _enqueue(job))
    return job


def _enqueue(job: ImportJob) -> None:
    from imports.tasks import import_run_task

    import_run_task.enqueue(str(job.pk))


def import_cancel(*, job: ImportJob, actor) -> ImportJob:
    """Ask the run to stop after the chunk it is on; what is committed stays (and is listed)."""
    with transaction.atomic():
        job = _locked_job(job, actor)
        _require_owner(job, actor)
        if job.status == JobStatus.QUEUED:
            job.status, job.finished_at = JobStatus.CANCELLED, timezone.now()
        elif job.status != JobStatus.RUNNING:
            raise ActionRefused(_("This import is not running."), "state")
        job.cancel_requested = True
        job.save(update_fields=["status", "finished_at", "cancel_requested"])
    return job


def import_resume(*, job: ImportJob, actor) -> ImportJob:
    """Run a cancelled or interrupted import on from its last committed row."""
    with transaction.atomic():
        job = _locked_job(job, actor)
        _require_owner(job, actor)
        interrupted = job.status in (JobStatus.RUNNING, JobStatus.QUEUED) and job.is_stale()
        if not (interrupted or job.status == JobStatus.CANCELLED):
            raise ActionRefused(
                _("Only a cancelled import, or one whose run stopped (a restart), resumes."),
                "state",
            )
        job.status, job.cancel_requested, job.finished_at = JobStatus.QUEUED, False, None
        job.save(update_fields=["status", "cancel_requested", "finished_at"])
        transaction.on_commit(lambda: _enqueue(job))
    return job


class _Done:
    """The rows imported before that a chunk's rows may repeat: those of the same content
    (by fingerprint) among the visible jobs of the kind, read once per chunk, and the rows
    of this chunk as they are recorded."""

    def __init__(self, actor, kind: str, fingerprints: set[str]):
        self.actor, self.kind = actor, kind
        self.same: dict[str, ImportRow] = {}
        self.keyed: dict[str, ImportRow] = {}
        for row in self._done().filter(fingerprint__in=fingerprints).order_by("id"):
            self.same[row.fingerprint] = row  # the latest wins

    def _done(self):
        return ImportRow.objects.filter(
            job__in=ImportJob.objects.visible_to(self.actor).filter(kind=self.kind),
            outcome__in=(RowOutcome.CREATED, RowOutcome.UPDATED, RowOutcome.SKIPPED),
        )

    def add(self, row: ImportRow) -> None:
        """``row`` was recorded in this chunk (it is inserted with the chunk's others)."""
        if row.outcome in (RowOutcome.CREATED, RowOutcome.UPDATED, RowOutcome.SKIPPED):
            self.same[row.fingerprint] = row
            if row.outcome != RowOutcome.SKIPPED and row.external_key.startswith("id:"):
                self.keyed[row.external_key] = row

    def previous(self, plan: RowPlan):
        """The row imported before with this row's content, or with its external id."""
        same = self.same.get(plan.fingerprint(self.kind))
        if same is not None:
            return same, True
        key = plan.external_key
        if key.startswith("id:"):
            if key in self.keyed:
                return self.keyed[key], False
            earlier = self._done().filter(external_key=key).exclude(outcome=RowOutcome.SKIPPED)
            return earlier.order_by("-id").first(), False
        return None, False


def _part(batch: WriteBatch | None):
    return batch.part() if batch is not None else contextlib.nullcontext()


def _record(job: ImportJob, plan: RowPlan, lookups: Lookups, done: _Done, batch=None) -> ImportRow:
    """Record one row in its own savepoint; a refusal undoes the row only."""
    if not plan.ok:
        return outcome_row(job, plan, None, error=plan.error_text())
    previous, same = done.previous(plan)
    if same:
        return ImportRow(
            job=job, number=plan.number, fingerprint=previous.fingerprint,
            external_key=previous.external_key, outcome=RowOutcome.SKIPPED, cells=plan.cells,
            case_id=previous.case_id, event_id=previous.event_id,
            person_id=previous.person_id, record_version=previous.record_version,
        )  # fmt: skip
    if previous is not None and batch is not None:
        batch.flush_history()  # an update reads the history of what it changes
    try:
        with transaction.atomic(), _part(batch):
            recorded = record_row(job=job, plan=plan, lookups=lookups, previous=previous)
    except RowRefused as refusal:
        if "reference" in refusal.message:
            lookups.reference_taken()  # numbered meanwhile by someone else: count again
        return outcome_row(job, plan, None, error=refusal.message, outcome=refusal.outcome)
    except IntegrityError as error:
        if batch is not None:
            # A unique index the batch leaves to the database (a new case's reference taken
            # meanwhile, or named by the file): the chunk is recorded again row by row, where
            # the check runs first and the row says why it failed.
            raise BatchRefused(str(error)) from error
        return outcome_row(job, plan, None, error=str(error))  # a constraint not foreseen
    return outcome_row(job, plan, recorded)


def import_run(*, job_id, clock=time.monotonic, batched: bool = True) -> ImportJob:
    """The run itself (the task calls it): every row not yet done, a chunk per transaction.

    Stops at the end, on a cancel (checked between chunks), or — when the job says so — at
    the first row that fails: the run is then marked failed and the rows before it stay
    recorded, as the report says. ``batched=False`` records every row one by one, as a
    chunk the batch refuses is recorded (what the batch must write the same as).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return job
        job.status, job.heartbeat_at = JobStatus.RUNNING, timezone.now()
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
    done = set(job.rows.values_list("number", flat=True))
    lookups = Lookups(actor=job.created_by, value_map=job.value_map)
    chunk: list[tuple[int, list[str]]] = []
    stopped = ""
    with open_table(job) as table:
        if job.on_error == OnError.STOP and not done:
            stopped = _first_errors(job, table, lookups)
        rows = ((n, cells) for n, cells in table.rows() if n not in done)
        while not stopped:
            chunk = [row for _i, row in zip(range(CHUNK_ROWS), rows, strict=False)]
            if not chunk:
                break
            stopped = _run_chunk(job, chunk, lookups, clock, batched=batched)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if stopped == "cancelled":
            job.status = JobStatus.CANCELLED
            job.message = _("Cancelled after %(done)s of %(total)s rows.") % {
                "done": job.rows_done, "total": job.rows_total}  # fmt: skip
        elif stopped:
            job.status, job.message = JobStatus.FAILED, stopped
        else:
            job.status = JobStatus.DONE
        job.finished_at = timezone.now()
        job.proposals = _proposals(job)
        job.save(update_fields=["status", "message", "finished_at", "proposals"])
    return job


def _first_errors(job: ImportJob, table: Table, lookups: Lookups, most: int = 5) -> str:
    """Stop-at-first-error runs read every row before writing any: a row whose values are
    wrong stops the run with nothing recorded."""
    errors = []
    for number, cells in table.rows():
        plan = plan_row(job=job, number=number, cells=cells, lookups=lookups)
        if not plan.ok:
            errors.append(_("row %(row)s: %(error)s") % {"row": number, "error": plan.error_text()})
            if len(errors) >= most:
                break
    if not errors:
        return ""
    return _("Nothing was imported: %(errors)s") % {"errors": "; ".join(errors)}


def _run_chunk(job: ImportJob, chunk, lookups: Lookups, clock, *, batched: bool = True) -> str:
    """Record a chunk and the progress in one transaction; say why the run stops, if it does.

    The chunk's rows are written in one :func:`write_batch` (each rule checked once per
    distinct value); if a check the batch defers to its end fails, the chunk is undone and
    recorded again row by row, so the refusal lands on its row."""
    # With the garbage collector paused: a chunk's records, history rows and name candidates
    # all live until it commits, and sweeps over them freed nothing (8 % of the import's CPU
    # on SQLite, 19 % on PostgreSQL in the 10,000-row bench).
    with collector.paused():
        if not batched:
            return _run_chunk_once(job, chunk, lookups, clock, batched=False)
        try:
            return _run_chunk_once(job, chunk, lookups, clock, batched=True)
        except BatchRefused:
            lookups.forget_run()
            return _run_chunk_once(job, chunk, lookups, clock, batched=False)


def _run_chunk_once(job: ImportJob, chunk, lookups: Lookups, clock, *, batched: bool) -> str:
    started = clock()
    stopped = ""
    with (
        transaction.atomic(),
        write_batch(job.created_by) if batched else contextlib.nullcontext() as batch,
    ):
        fresh = ImportJob.objects.select_for_update().get(pk=job.pk)
        if fresh.cancel_requested:
            return "cancelled"
        lookups.forget_names()  # the register as it stands now: read once for the chunk
        lookups.expect_names(person_names(job, [cells for _number, cells in chunk]))
        rows = []
        done = _Done(job.created_by, job.kind, {
            RowPlan(number=number, cells=cells, values=row_values(job, cells)).fingerprint(job.kind)
            for number, cells in chunk
        })  # fmt: skip
        for number, cells in chunk:
            # Planned row by row: a name matches the persons the rows before it recorded.
            plan = plan_row(job=job, number=number, cells=cells, lookups=lookups)
            row = _record(job, plan, lookups, done, batch)
            done.add(row)  # a later row of the same content is then skipped
            rows.append(row)
            if row.outcome in (RowOutcome.FAILED, RowOutcome.CONFLICT) and (
                job.on_error == OnError.STOP
            ):
                stopped = _("Stopped at row %(row)s: %(error)s") % {
                    "row": number, "error": row.error}  # fmt: skip
                break
        ImportRow.objects.bulk_create(rows)
        fresh.rows_done = min(fresh.rows_done + len(rows), fresh.rows_total)
        fresh.rows_failed += sum(
            row.outcome in (RowOutcome.FAILED, RowOutcome.CONFLICT) for row in rows
        )
        fresh.seconds_running += clock() - started
        fresh.heartbeat_at = timezone.now()
        fresh.save(update_fields=["rows_done", "rows_failed", "seconds_running", "heartbeat_at"])
    job.rows_done, job.rows_failed = fresh.rows_done, fresh.rows_failed
    return stopped


def _proposals(job: ImportJob) -> dict:
    """Values of the file that are not terms or places yet, with how many rows name them:
    a coordinator adds them (or the next import maps them to existing ones)."""
    from imports.matching import VOCABULARY_OF

    lookups = Lookups(actor=job.created_by, value_map=job.value_map)
    index = {header: position for position, header in enumerate(job.headers)}
    found: dict[str, dict[str, int]] = {}
    columns = {
        code: index[header]
        for code, header in job.mapping.items()
        if header in index and (code in VOCABULARY_OF or code in ("place", "places"))
    }
    if not columns:
        return {}
    for cells in job.rows.values_list("cells", flat=True).iterator():
        for code, position in columns.items():
            text = cells[position] if position < len(cells) else ""
            for value in filter(None, (v.strip() for v in text.replace(",", ";").split(";"))):
                known = (
                    lookups.place(value, code)
                    if code in ("place", "places")
                    else lookups.term(VOCABULARY_OF[code], value, code)
                )
                if known is None:
                    found.setdefault(code, {})
                    found[code][value] = found[code].get(value, 0) + 1
    return found


# -- the report --------------------------------------------------------------------------------


def outcome_counts(job: ImportJob) -> dict[str, int]:
    counts = dict.fromkeys(RowOutcome.values, 0)
    for row in job.rows.values("outcome").annotate(n=models.Count("id")):
        counts[row["outcome"]] = row["n"]
    return counts


def failed_rows_csv(*, job: ImportJob, actor) -> str:
    """The rows that failed, as the file had them, with the reason in a last column: fix them
    and import this file again. Cells are neutralised (a formula is shown, not run)."""
    job = visible_job(pk=job.pk, actor=actor)
    failed = job.rows.filter(outcome__in=(RowOutcome.FAILED, RowOutcome.CONFLICT))
    headers = [*job.headers, _("Import error (row %(n)s)") % {"n": "N"}]
    rows = (
        [neutralise(cell) for cell in row.cells]
        + [""] * (len(job.headers) - len(row.cells))
        + [neutralise(_("row %(n)s: %(error)s") % {"n": row.number, "error": row.error})]
        for row in failed.order_by("number").iterator()
    )
    return "\ufeff" + rows_to_csv(headers, rows)


# -- the review batch --------------------------------------------------------------------------


def batch_records(*, job: ImportJob, actor) -> list:
    """The reviewed records the import created and the actor may see: cases, events, new
    persons — its review batch."""
    job = visible_job(pk=job.pk, actor=actor)
    rows = job.rows.filter(outcome__in=(RowOutcome.CREATED, RowOutcome.UPDATED))
    cases = Case.objects.visible_to(actor).filter(pk__in=rows.exclude(case=None).values("case"))
    events = Event.objects.visible_to(actor).filter(pk__in=rows.exclude(event=None).values("event"))
    persons = Person.objects.visible_to(actor).filter(
        pk__in=rows.filter(person_is_new=True).exclude(person=None).values("person")
    )
    return [*cases.order_by("reference"), *events.order_by("title"), *persons]


def batch_sample(*, job: ImportJob, actor, size: int = 10, seed: int | None = None) -> list:
    records = batch_records(job=job, actor=actor)
    if len(records) <= size:
        return records
    return random.Random(seed).sample(records, size)  # noqa: S311 - a sample, not a secret


def batch_counts(records) -> dict[str, int]:
    counts = dict.fromkeys(ReviewState.values, 0)
    for record in records:
        counts[record.review_state] += 1
    return counts


#: Records "send the batch to review" submits per transaction: each chunk commits on its own,
#: so a large batch never holds the database's write lock for the whole of it (SQLite makes
#: every other writer wait meanwhile, then fail: "database table is locked").
SUBMIT_CHUNK = 100
#: Progress rows of a batch sent to review in the background.
SUBMIT_KIND = "import-submit"
_SUBMITTABLE = (ReviewState.DRAFT, ReviewState.RETURNED)


def _drafts(job: ImportJob, actor) -> list:
    return [r for r in batch_records(job=job, actor=actor) if r.review_state in _SUBMITTABLE]


def _still_submittable(records: list) -> list:
    """``records`` whose state, read now, is still draft or returned (one query per model):
    a record sent meanwhile (by hand, by an earlier chunk's companion) is left out."""
    by_model: dict[type, list] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record.pk)
    fresh = set()
    for model, pks in by_model.items():
        rows = model._base_manager.filter(pk__in=pks, review_state__in=_SUBMITTABLE)
        fresh |= {(model, pk) for pk in rows.values_list("pk", flat=True)}
    return [record for record in records if (type(record), record.pk) in fresh]


def batch_submit(*, job: ImportJob, actor, comment: str = "", tracker=None) -> int:
    """Send every draft (or returned) record of the batch to review: the importer's step.

    :data:`SUBMIT_CHUNK` records per transaction, each chunk committed before the next: a
    batch of thousands of records never holds the database for the whole of it, and a run
    stopped halfway (a cancel, a restart) leaves the records sent so far in review and the
    rest drafts, to be sent by sending the batch again. Each record goes through
    :func:`monitor.services.review_submit` (its own checks, its notice to reviewers). A
    record refused is left as it is and reported — to ``tracker`` (a background run) as
    an error, else, once the others are sent, as :class:`ActionRefused`. Returns how many
    records were sent.
    """
    job = visible_job(pk=job.pk, actor=actor)
    _require_owner(job, actor)
    drafts = _drafts(job, actor)
    if tracker is not None:
        tracker.begin(len(drafts))
    count, refusals = 0, []
    for start in range(0, len(drafts), SUBMIT_CHUNK):
        if tracker is not None:
            tracker.check_stop()
        chunk = drafts[start : start + SUBMIT_CHUNK]
        with transaction.atomic():
            for record in _still_submittable(chunk):
                try:
                    review_submit(record=record, actor=actor, comment=comment)
                except ActionRefused as refusal:
                    message = _("%(record)s: %(reason)s") % {"record": record, "reason": refusal}
                    refusals.append(message)
                    if tracker is not None:
                        tracker.error(message)
                    continue
                count += 1
        if tracker is not None:
            tracker.advance(len(chunk))
    if refusals and tracker is None:
        raise ActionRefused(
            _("%(n)s records sent to review; not sent: %(refused)s")
            % {"n": count, "refused": "; ".join(refusals[:5])},
            "refused",
        )
    return count


@dataclass
class Sending:
    """What "send the batch to review" did: sent ``count`` records at once, or started
    sending them in the background (``progress``, the job's progress row)."""

    count: int = 0
    progress: TaskProgress | None = None


def batch_send_to_review(*, job: ImportJob, actor, comment: str = "") -> Sending:
    """The page's and the API's "send the batch to review": a batch of at most
    ``settings.IMPORT_SUBMIT_BACKGROUND_RECORDS`` drafts is sent in the request
    (:func:`batch_submit`); a larger one is background work with a progress bar
    (:func:`imports.tasks.batch_submit_task`, the same function, chunk by chunk), as the run.

    Raises:
        ActionRefused: not the importer, or a sending of this batch is already under way.
    """
    job = visible_job(pk=job.pk, actor=actor)
    _require_owner(job, actor)
    drafts = len(_drafts(job, actor))
    if drafts <= settings.IMPORT_SUBMIT_BACKGROUND_RECORDS:
        return Sending(count=batch_submit(job=job, actor=actor, comment=comment))
    progress = _start_in_background(
        job=job,
        actor=actor,
        kind=SUBMIT_KIND,
        title=_("Sending to review: %(file)s") % {"file": job.file_name},
        params={"comment": comment},
        already=_("This batch is being sent to review already."),
    )
    return Sending(progress=progress)


def _start_in_background(*, job, actor, kind: str, title: str, params: dict, already: str):
    """A batch's background work of ``kind`` (:data:`SUBMIT_KIND`, :data:`DECIDE_KIND`),
    queued after the commit — refused (``already``) while the actor's last one still runs."""
    running = _batch_progress(job, actor, kind)
    if running is not None and not running.is_finished:
        raise ActionRefused(already, "state")
    progress = progress_start(
        owner=actor, kind=kind, title=title, params={"job": str(job.pk), **params}
    )
    transaction.on_commit(lambda: _enqueue_batch_work(progress))
    return progress


def _enqueue_batch_work(progress: TaskProgress) -> None:
    from imports.tasks import batch_decide_task, batch_submit_task

    task = batch_submit_task if progress.kind == SUBMIT_KIND else batch_decide_task
    progress_attach(progress, task.enqueue(str(progress.pk)))


def _batch_progress(job: ImportJob, actor, kind: str) -> TaskProgress | None:
    """The latest background work of ``kind`` on this batch that ``actor`` started (the
    progress of a job is its owner's only)."""
    return (
        TaskProgress.objects.visible_to(actor)
        .filter(kind=kind, params__job=str(job.pk))
        .order_by("-created_at")
        .first()
    )


def batch_sending(*, job: ImportJob, actor) -> TaskProgress | None:
    """The latest background sending of this batch to review that ``actor`` started."""
    return _batch_progress(job, actor, SUBMIT_KIND)


def batch_submit_run(*, progress_id) -> dict:
    """The background sending itself (the task calls it): as its owner, with its comment."""
    with Tracker(progress_id) as tracker:
        params = tracker.progress.params
        job = ImportJob.objects.get(pk=params["job"])
        count = batch_submit(
            job=job, actor=tracker.progress.owner, comment=params.get("comment", ""),
            tracker=tracker,
        )  # fmt: skip
        tracker.finish(result={"count": count})
    return {"count": count}


#: Progress rows of a batch verified or returned in the background.
DECIDE_KIND = "import-decide"


@dataclass(frozen=True)
class _Decision:
    """One of the batch's two decisions: how to take it for one record, and how to ask
    whether it would be refused (the same service's checks, without deciding)."""

    code: str
    decide: Callable
    refusal: Callable
    title: str


_DECISIONS = {
    decision.code: decision
    for decision in (
        _Decision(
            "verify", review_verify, verify_refusal, gettext_lazy("Verifying the batch: %(file)s")
        ),
        _Decision(
            "return", review_return, return_refusal, gettext_lazy("Returning the batch: %(file)s")
        ),
    )
}


def _decision(action: str) -> _Decision:
    try:
        return _DECISIONS[action]
    except KeyError:
        raise ActionRefused(_("Unknown action."), "action") from None


def _waiting(job: ImportJob, actor) -> list:
    records = [
        record
        for record in batch_records(job=job, actor=actor)
        if record.review_state == ReviewState.SUBMITTED
    ]
    if not records:
        raise ActionRefused(_("Nothing in this batch is waiting for review."), "state")
    return records


def _nothing_decided(record, refusal: ActionRefused) -> ActionRefused:
    return ActionRefused(
        _("Nothing was decided: %(record)s — %(reason)s") % {"record": record, "reason": refusal},
        getattr(refusal, "code", "refused"),
    )


def _require_decidable(job: ImportJob, actor, decision: _Decision, comment: str) -> None:
    """What refuses the whole batch whatever its records: the importer verifying their own
    batch (four eyes), a return without a comment."""
    if decision.code == "verify" and job.created_by_id == actor.pk:
        raise ActionRefused(
            _("You imported this batch, so you cannot verify it: another reviewer must."),
            "four_eyes",
        )
    if decision.code == "return" and (refusal := return_comment_refusal(comment)):
        raise refusal


def _decide_all(job: ImportJob, actor, decision: _Decision, comment: str) -> int:
    """Decide every waiting record in the caller's transaction: the first refusal undoes
    them all (raised)."""
    records = _waiting(job, actor)
    for record in records:
        record.refresh_from_db(fields=["review_state"])
        if record.review_state != ReviewState.SUBMITTED:
            continue  # decided with the case it was created in (a companion: a new person)
        try:
            decision.decide(record=record, actor=actor, comment=comment)
        except ActionRefused as refusal:
            raise _nothing_decided(record, refusal) from refusal
    return len(records)


@transaction.atomic
def batch_verify(*, job: ImportJob, actor, comment: str = "") -> int:
    """Verify the whole batch, or nothing: four eyes hold for every record (the importer
    cannot verify what they imported)."""
    job = visible_job(pk=job.pk, actor=actor)
    decision = _decision("verify")
    _require_decidable(job, actor, decision, comment)
    return _decide_all(job, actor, decision, comment)


@transaction.atomic
def batch_return(*, job: ImportJob, actor, comment: str) -> int:
    """Return the whole batch to the importer, with what to fix."""
    job = visible_job(pk=job.pk, actor=actor)
    decision = _decision("return")
    _require_decidable(job, actor, decision, comment)
    return _decide_all(job, actor, decision, comment)


@dataclass
class Deciding:
    """What "verify / return the whole batch" did: decided ``count`` records at once, or
    started deciding them in the background (``progress``)."""

    count: int = 0
    progress: TaskProgress | None = None


def batch_decide(*, job: ImportJob, actor, action: str, comment: str = "") -> Deciding:
    """The page's and the API's "verify (or return) the whole batch": a batch of at most
    ``settings.IMPORT_SUBMIT_BACKGROUND_RECORDS`` waiting records is decided in the request,
    all or nothing (:func:`batch_verify`, :func:`batch_return`); a larger one is background
    work with a progress bar (:func:`batch_decide_run`): every record is checked first and
    nothing is decided if one would be refused, then the records are decided a chunk per
    transaction.

    Raises:
        ActionRefused: the batch cannot be decided so (four eyes, no comment, nothing
            waiting), or a decision of this batch is already under way.
    """
    job = visible_job(pk=job.pk, actor=actor)
    decision = _decision(action)
    _require_decidable(job, actor, decision, comment)
    waiting = len(_waiting(job, actor))
    if waiting <= settings.IMPORT_SUBMIT_BACKGROUND_RECORDS:
        take = batch_verify if decision.code == "verify" else batch_return
        return Deciding(count=take(job=job, actor=actor, comment=comment))
    progress = _start_in_background(
        job=job,
        actor=actor,
        kind=DECIDE_KIND,
        title=decision.title % {"file": job.file_name},
        params={"action": decision.code, "comment": comment},
        already=_("This batch is being decided already."),
    )
    return Deciding(progress=progress)


def batch_deciding(*, job: ImportJob, actor) -> TaskProgress | None:
    """The latest background decision of this batch that ``actor`` started."""
    return _batch_progress(job, actor, DECIDE_KIND)


def batch_decide_run(*, progress_id) -> dict:
    """The background decision itself (the task calls it), as its owner, with its comment.

    First every waiting record is checked with the service's own checks
    (:func:`monitor.services.verify_refusal`, :func:`~monitor.services.return_refusal`):
    one refused, and the job ends failed having decided nothing, saying which and why. Then
    :data:`SUBMIT_CHUNK` records per transaction are decided through the service itself;
    a record changed meanwhile so that the service refuses it is left as it is and reported
    as an error of the job, and a stop leaves the records decided so far decided.
    """
    with Tracker(progress_id) as tracker:
        params = tracker.progress.params
        actor = tracker.progress.owner
        job = visible_job(pk=params["job"], actor=actor)
        decision = _decision(params.get("action", ""))
        comment = params.get("comment", "")
        try:
            _require_decidable(job, actor, decision, comment)
            records = _waiting(job, actor)
        except ActionRefused as refusal:
            tracker.fail(str(refusal))
            return {"count": 0}
        tracker.begin(len(records))  # checked, then (the bar again from 0) decided
        for start in range(0, len(records), SUBMIT_CHUNK):
            tracker.check_stop()
            for record in records[start : start + SUBMIT_CHUNK]:
                refusal = decision.refusal(record=record, actor=actor)
                if refusal is not None:
                    tracker.fail(str(_nothing_decided(record, refusal)))
                    return {"count": 0}
            tracker.advance(len(records[start : start + SUBMIT_CHUNK]))
        tracker.begin(len(records))
        count = 0
        for start in range(0, len(records), SUBMIT_CHUNK):
            tracker.check_stop()
            chunk = records[start : start + SUBMIT_CHUNK]
            with transaction.atomic():
                for record in chunk:
                    record.refresh_from_db(fields=["review_state"])
                    if record.review_state == ReviewState.SUBMITTED:
                        try:
                            decision.decide(record=record, actor=actor, comment=comment)
                        except ActionRefused as refusal:
                            message = _("%(record)s: %(reason)s")
                            tracker.error(message % {"record": record, "reason": refusal})
                            continue
                    # else decided meanwhile: with the case it was created in (a companion)
                    count += 1
            tracker.advance(len(chunk))
        tracker.finish(result={"count": count})
    return {"count": count}


def clamp_confidentiality(value) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        return Confidentiality.CONFIDENTIAL
    return value if value in Confidentiality.values else Confidentiality.CONFIDENTIAL


def settings_limits() -> dict[str, int]:
    return {"max_bytes": settings.IMPORT_MAX_BYTES, "max_rows": settings.IMPORT_MAX_ROWS}
