"""The one way an evidence file leaves Monitor: a permission-checked, logged download, or
the same shown in the browser (a preview of an image or a PDF)."""

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
#: A PDF shown by the browser's own viewer, which a sandbox would block: it still loads
#: nothing from anywhere.
_PDF_VIEW = "default-src 'none'"
#: What a browser shows itself, without running anything of the file's: its preview.
PREVIEWABLE = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})


def _harden(response: HttpResponse, policy: str = _SANDBOX) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = policy
    return response


@require_GET
@never_cache
@login_required
def evidence_download(request, pk):
    """Serve an evidence file as an attachment, its SHA-256 in the headers.

    A file the user may not see answers 404 (its existence is not revealed) and leaves no
    custody event; one whose stored bytes no longer match their hash is not served (409).
    """
    return _serve(request, pk, inline=False)


@require_GET
@never_cache
@login_required
def evidence_preview(request, pk):
    """Show an image or a PDF in the browser: the same checks, custody event and headers as
    the download (:func:`evidence_download`), served inline. Any other kind of file (a
    recording, a Word document, a web capture's HTML) has no preview: 404, like a file the
    user may not see."""
    kind = (
        EvidenceFile.objects.visible_to(request.user)
        .filter(pk=pk)
        .values_list("content_type", flat=True)
        .first()
    )
    if kind not in PREVIEWABLE:
        raise Http404("No preview")
    return _serve(request, pk, inline=True)


def _serve(request, pk, *, inline: bool) -> HttpResponse:
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
        as_attachment=not inline,
        filename=download.filename,
        content_type=download.content_type,
    )
    response["Content-Length"] = str(download.size)
    response["X-Content-SHA256"] = download.sha256
    # RFC 9530 (a structured byte sequence) and its predecessor, RFC 3230.
    response["Repr-Digest"] = f"sha-256=:{download.sha256_base64}:"
    response["Digest"] = f"SHA-256={download.sha256_base64}"
    pdf = inline and download.content_type == "application/pdf"
    return _harden(response, _PDF_VIEW if pdf else _SANDBOX)
