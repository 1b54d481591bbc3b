"""The one way an evidence file leaves Monitor: a permission-checked, logged download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from monitor.services import ActionRefused, NotVisible
from sources.models import EvidenceFile
from sources.services import evidence_open_for_download

#: Even if a browser were told to show the file, it runs nothing and loads nothing.
_SANDBOX = "default-src 'none'; sandbox"


def _harden(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = _SANDBOX
    return response


@require_GET
@never_cache
@login_required
def evidence_download(request, pk):
    """Serve an evidence file as an attachment, its SHA-256 in the headers.

    A file the user may not see answers 404 (its existence is not revealed) and leaves no
    custody event; one whose stored bytes no longer match their hash is not served (409).
    """
    evidence = EvidenceFile(pk=pk)
    try:
        download = evidence_open_for_download(
            evidence=evidence,
            actor=request.user,
            client_address=request.META.get("REMOTE_ADDR"),
        )
    except NotVisible as error:
        raise Http404("Evidence file not found") from error
    except ActionRefused as refusal:
        status = 403 if refusal.code == "identity_protected" else 409
        response = HttpResponse(
            refusal.message, status=status, content_type="text/plain; charset=utf-8"
        )
        return _harden(response)
    response = FileResponse(
        download.file,
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type,
    )
    response["Content-Length"] = str(download.size)
    response["X-Content-SHA256"] = download.sha256
    # RFC 9530 (a structured byte sequence) and its predecessor, RFC 3230.
    response["Repr-Digest"] = f"sha-256=:{download.sha256_base64}:"
    response["Digest"] = f"SHA-256={download.sha256_base64}"
    return _harden(response)
