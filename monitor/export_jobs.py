"""Exports too large to make while a person waits: a background task, a progress bar, a file.

A list page's CSV or XLSX export (:meth:`monitor.pages.listing.ListPage._export`) holding more than
``settings.EXPORT_BACKGROUND_ROWS`` rows (5,000 unless set) is not made in the request: the
page calls :func:`export_enqueue`, which records what was asked (the list, its filters and
sort, the address it was asked at) on a :class:`~monitor.models.TaskProgress` row and
enqueues :data:`export_list`; the person is sent to the progress page
(:mod:`monitor.progress`). The task makes the same file the direct export would — the same
page, FilterSet, ``visible_to(owner)``, table and row writer
(:func:`monitor.exports.csv_chunks` / :func:`monitor.exports.write_xlsx`) — batch by
batch, reporting its progress and stopping when asked.

The finished file waits, encrypted with a data key of its own (:mod:`monitor.at_rest`), in
``settings.EXPORT_DIR`` (outside the web root) until it expires (``settings.EXPORT_TTL_HOURS``,
24 unless set). :func:`export_download` gives it:

* to the person who asked for it, and nobody else (anyone else: 404);
* only while their access is what it was when the file was made: the same clearance, teams,
  roles and active account (:func:`access_fingerprint`), and every exported record still
  visible to them. Otherwise the download is refused and the file removed — the list can be
  exported again, as they now see it;
* never after it expired (410; the file is removed).

Making the file is logged in the access log like a direct export, and so is each download.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import json
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpRequest, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django_tasks import task

from monitor import at_rest
from monitor.access import team_ids_of, viewing_as
from monitor.exports import XLSX_CONTENT_TYPE, csv_chunks, log_export_by, write_xlsx
from monitor.models import AccessAction, ProgressState, TaskProgress
from monitor.progress import Tracker, progress_attach, progress_start
from monitor.security.accesslog import record_access

logger = logging.getLogger(__name__)

KIND = "export"
#: Rows read, prepared and written at a time (one progress step each).
BATCH_SIZE = 500

#: ``export URL name → ListPage``: filled as the pages are made (``ListPage.__init__``).
EXPORT_PAGES: dict[str, object] = {}


def register_page(url_name: str, page) -> None:
    EXPORT_PAGES[url_name] = page


def page_for(url_name: str):
    """The list page whose export is ``url_name`` (loading the URLs, hence the pages)."""
    if url_name not in EXPORT_PAGES:
        reverse(url_name)  # imports the URLconf, and with it every list page
    try:
        return EXPORT_PAGES[url_name]
    except KeyError as exc:
        raise LookupError(f"No list page exports as {url_name!r}.") from exc


def in_background(rows: int) -> bool:
    return rows > settings.EXPORT_BACKGROUND_ROWS


def access_fingerprint(user) -> str:
    """What decides what ``user`` sees: if any of it changes, an export made before is not
    theirs to download any more."""
    state = {
        "active": bool(user.is_active),
        "superuser": bool(user.is_superuser),
        "clearance": int(getattr(user, "clearance", 0) or 0),
        "teams": sorted(str(pk) for pk in team_ids_of(user)),
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()


# -- asking ----------------------------------------------------------------------------------


def export_enqueue(*, request, url_name: str, kind: str, what: str, rows: int) -> TaskProgress:
    """Start a background export of the list ``request`` asked for; returns its progress row."""
    export_purge_expired()
    user = request.user
    params = {
        "url_name": url_name,
        "format": kind,
        "what": what,
        "query": request.GET.urlencode(),
        "path": request.path,
        "host": request.get_host(),
        "secure": request.is_secure(),
        "access": access_fingerprint(user),
        "back_url": request.path.rsplit("/", 1)[0]
        + "/"
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
    }
    title = _("Export of %(count)d %(what)s (%(format)s)") % {
        "count": rows,
        "what": what,
        "format": kind.upper(),
    }
    progress = progress_start(owner=user, kind=KIND, title=title, params=params)
    progress_attach(progress, export_list.enqueue(str(progress.pk)))
    return progress


# -- making the file (the task) ---------------------------------------------------------------


class _JobRequest(HttpRequest):
    """The request the export was asked with, rebuilt for the task: the same user, filters,
    sort and address (links in the file are absolute, as in a direct export)."""

    def __init__(self, user, params: dict):
        super().__init__()
        self.method = "GET"
        self.GET = QueryDict(params["query"])
        self.user = user
        self.path = self.path_info = params["path"]
        self.META["HTTP_HOST"] = params["host"]
        self._secure = bool(params.get("secure"))

    def _get_scheme(self) -> str:
        return "https" if self._secure else "http"


def _directory() -> Path:
    directory = Path(settings.EXPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory


def _file_of(progress: TaskProgress) -> Path:
    return _directory() / f"{progress.pk}.{progress.params.get('format', 'csv')}"


def _ids_file_of(progress: TaskProgress) -> Path:
    return _directory() / f"{progress.pk}.ids"


@task()
def export_list(progress_id: str) -> int:
    """Make the file of one background export; returns the number of rows written."""
    export_purge_expired()
    with Tracker(progress_id) as tracker:
        progress = tracker.progress
        user = progress.owner
        # Rows are rendered for the requester, as their page would: str() of a protected
        # person is the pseudonym, names in free text are withheld (monitor.redaction).
        with viewing_as(user):
            return _export_list(tracker, progress, user)


def _export_list(tracker, progress, user) -> int:
    params = progress.params
    if not user.is_active or access_fingerprint(user) != params["access"]:
        tracker.fail(_("Your access changed before the export started: ask for it again."))
        return 0
    page = page_for(params["url_name"])
    request = _JobRequest(user, params)
    _filterset, queryset, _sort, error = page.filtered(request)
    if queryset is None:
        raise ValueError(error)
    total = queryset.count()
    tracker.begin(total)
    target, ids_target = _file_of(progress), _ids_file_of(progress)
    partial = target.with_suffix(target.suffix + ".part")
    written = 0

    def batches():
        nonlocal written
        iterator = queryset.iterator(chunk_size=BATCH_SIZE)
        with ids_target.open("w", encoding="utf-8") as ids:
            while batch := list(itertools.islice(iterator, BATCH_SIZE)):
                tracker.check_stop()
                ids.writelines(f"{row.pk}\n" for row in batch)
                yield page.prepare_rows(batch, request)
                written += len(batch)
                tracker.advance(len(batch))

    try:
        # The file waits encrypted at rest (monitor.at_rest), with a data key of its own that
        # only the database holds, sealed by the master key: a copied disk gives nothing away.
        data_key = at_rest.new_data_key()
        sealed_key = at_rest.wrap(data_key, evidence_id=f"export:{progress.pk}")
    except at_rest.EvidenceKeyError:
        tracker.fail(
            _(
                "Large exports cannot be kept: no encryption key is configured. An "
                "administrator has to set MONITOR_EVIDENCE_KEY."
            )
        )
        return 0
    try:
        with (
            partial.open("wb") as raw,
            contextlib.closing(at_rest.SealingWriter(raw, data_key)) as out,
        ):
            if params["format"] == "xlsx":
                write_xlsx(
                    page.xlsx_columns(request), batches(), out, title=params["what"].capitalize()
                )
            else:
                out.write("\ufeff".encode())
                for text in csv_chunks(page.csv_columns(request), batches()):
                    out.write(text.encode())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        ids_target.unlink(missing_ok=True)
        raise
    log_export_by(
        user,
        what=params["what"],
        filters=[key for key, values in request.GET.lists() if any(values)],
        rows=written,
        path=params["path"],
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    tracker.finish(
        result={
            "filename": f"{params['what'].replace(' ', '-')}-{stamp}.{params['format']}",
            "rows": written,
            "bytes": out.size,
            "sealed_key": sealed_key,
            "download_url": reverse("export-download", kwargs={"pk": progress.pk}),
        },
        expires_at=timezone.now() + datetime.timedelta(hours=settings.EXPORT_TTL_HOURS),
    )
    return written


# -- giving it -------------------------------------------------------------------------------


def _remove_files(progress: TaskProgress) -> None:
    for path in (_file_of(progress), _ids_file_of(progress)):
        path.unlink(missing_ok=True)


def export_purge_expired() -> int:
    """Remove the files of exports that expired, failed or were cancelled."""
    stale = TaskProgress.objects.filter(kind=KIND).filter(
        Q(expires_at__lte=timezone.now())
        | Q(state__in=[ProgressState.FAILED, ProgressState.CANCELLED])
    )
    removed = 0
    for progress in stale.only("pk", "params"):
        if _file_of(progress).exists() or _ids_file_of(progress).exists():
            _remove_files(progress)
            removed += 1
    return removed


def still_visible(progress: TaskProgress, user) -> bool:
    """Whether ``user`` may still see every record the export holds (checked in batches)."""
    page = page_for(progress.params["url_name"])
    ids_path = _ids_file_of(progress)
    if not ids_path.exists():
        return False
    visible = page.model.objects.visible_to(user)
    with ids_path.open(encoding="utf-8") as ids:
        while batch := [line.strip() for line in itertools.islice(ids, 1000) if line.strip()]:
            if visible.filter(pk__in=batch).count() != len(set(batch)):
                return False
    return True


def _refuse(request, progress, *, status: int, message: str):
    return render(
        request,
        "monitor/export_refused.html",
        {"progress": progress, "message": message},
        status=status,
    )


@require_safe
def export_download(request, pk):
    """The finished file, for its owner only, re-checking their access (module docstring)."""
    try:
        progress = TaskProgress.objects.visible_to(request.user).get(pk=pk, kind=KIND)
    except TaskProgress.DoesNotExist as exc:
        raise Http404 from exc
    if progress.state != ProgressState.DONE:
        return redirect("task-progress", pk=progress.pk)
    target = _file_of(progress)
    if progress.is_expired or not target.exists():
        _remove_files(progress)
        return _refuse(
            request,
            progress,
            status=410,
            message=_("This export has expired and was removed. Export the list again."),
        )
    if access_fingerprint(request.user) != progress.params.get("access") or not still_visible(
        progress, request.user
    ):
        _remove_files(progress)
        TaskProgress.objects.filter(pk=progress.pk).update(expires_at=timezone.now())
        return _refuse(
            request,
            progress,
            status=403,
            message=_(
                "What you may see has changed since this export was made, so it was removed. "
                "Export the list again to get it as you see it now."
            ),
        )
    record_access(
        AccessAction.EXPORT,
        request=request,
        object_type=str(progress.params.get("what", ""))[:100],
        detail=f"downloaded a background export of {progress.result.get('rows', '?')} rows",
    )
    content_type = (
        XLSX_CONTENT_TYPE if progress.params.get("format") == "xlsx" else "text/csv; charset=utf-8"
    )
    try:
        data_key = at_rest.unwrap(
            progress.result.get("sealed_key", ""), evidence_id=f"export:{progress.pk}"
        )
    except (at_rest.EvidenceKeyError, at_rest.DecryptionFailed):
        _remove_files(progress)
        return _refuse(
            request,
            progress,
            status=410,
            message=_(
                "This export can no longer be opened (the key changed). Export the list again."
            ),
        )

    def plaintext():
        with target.open("rb") as stored:
            yield from at_rest.decrypt_chunks(stored, data_key)

    filename = progress.result.get("filename") or target.name
    response = StreamingHttpResponse(plaintext(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store, private"
    return response
