"""The progress page of a background job, its JSON, and its "Stop" button (monitor.progress).

Only the job's owner sees any of them; anyone else gets 404, as for a record they may not see.
The page works without JavaScript: while the job runs it reloads itself every few seconds.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from monitor.models import TaskProgress
from monitor.progress import progress_cancel, progress_data, progress_url

#: Seconds between two reloads of a running job's page.
REFRESH_SECONDS = 3


def _own_progress(request, pk) -> TaskProgress:
    try:
        return TaskProgress.objects.visible_to(request.user).get(pk=pk)
    except TaskProgress.DoesNotExist as exc:
        raise Http404 from exc


@require_safe
def progress_page(request, pk):
    progress = _own_progress(request, pk)
    return render(
        request,
        "monitor/progress.html",
        {
            "progress": progress,
            "data": progress_data(progress),
            "refresh": None if progress.is_finished else REFRESH_SECONDS,
        },
    )


@require_safe
def progress_json(request, pk):
    progress = _own_progress(request, pk)
    data = progress_data(progress)
    download = progress.result.get("download_url") if progress.result else None
    data["download_url"] = (
        download if progress.state == "done" and not progress.is_expired else None
    )
    return JsonResponse(data)


@require_POST
def progress_cancel_view(request, pk):
    progress = _own_progress(request, pk)
    if progress_cancel(progress=progress, actor=request.user):
        messages.info(request, _("The job was asked to stop."))
    else:
        messages.info(request, _("The job had already ended."))
    return redirect(progress_url(progress))
