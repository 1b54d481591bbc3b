"""Workflows on sources: citing them, and keeping evidence files with their chain of custody.

Every function takes the acting user explicitly and raises what :mod:`monitor.services`
raises: :class:`~monitor.services.NotVisible` (a 404) when the actor may not see the source
or the file, :class:`~monitor.services.ActionRefused` when they may not act, and
``ValidationError`` for bad input (a disguised or oversize file, an unknown field).

Evidence files are stored under a random name in the evidence storage (outside any URL);
their SHA-256 and size are taken from the very bytes written, and every upload, derivation,
download and integrity check leaves a :class:`~sources.models.CustodyEvent` naming who, when
and the hash seen. An original is never written to again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from monitor.access import has_role, reveals_identity
from monitor.accesslog import record_access
from monitor.models import AccessAction, AuditedModel
from monitor.services import ActionRefused, NotVisible, edit_refusal, record_save
from sources import evidence as filetypes
from sources.choices import Credibility, CustodyAction, Reliability, Stance
from sources.models import (
    Citation,
    CustodyEvent,
    EvidenceFile,
    Source,
    evidence_path,
    evidence_storage,
)

#: Read size when hashing or copying a stored file.
CHUNK_BYTES = 1024 * 1024
#: Fields no citation points at: the audit fields, and a claim's status (judged from its
#: citations, not supported by one).
_UNCITABLE_FIELDS = frozenset(
    {
        "id",
        "version",
        "created_at",
        "updated_at",
        "created_by",
        "archived_at",
        "archived_by",
        "claim_status",
    }
)


# -- citations -------------------------------------------------------------------------------


def citable_fields(model: type[models.Model]) -> dict[str, str]:
    """The fields of ``model`` a citation may name, with their labels."""
    return {
        field.name: str(field.verbose_name)
        for field in model._meta.get_fields()
        if (field.concrete or field.many_to_many)
        and not field.auto_created
        and field.name not in _UNCITABLE_FIELDS
        and not field.name.endswith(("_precision", "_end", "_circa"))
        and getattr(field, "editable", False)
    }


def _check_field_name(record: models.Model, field_name: str) -> None:
    if not field_name:
        return
    fields = citable_fields(type(record))
    try:
        record._meta.get_field(field_name)
        known = field_name in fields
    except FieldDoesNotExist:
        known = False
    if not known:
        raise ValidationError(
            {
                "field_name": _(
                    "“%(field)s” is not a field of %(model)s that a source can support; "
                    "choose one of: %(fields)s (or leave it empty for the whole record)."
                )
                % {
                    "field": field_name,
                    "model": record._meta.verbose_name,
                    "fields": ", ".join(sorted(fields)),
                }
            },
            code="unknown_field",
        )


@transaction.atomic
def citation_add(
    *,
    record: AuditedModel,
    source: Source,
    actor,
    field_name: str = "",
    page: str = "",
    paragraph: str = "",
    timestamp: str = "",
    quote: str = "",
    credibility: int = Credibility.CANNOT_JUDGE,
    stance: str = Stance.SUPPORTS,
    note: str = "",
) -> Citation:
    """Cite ``source`` for ``record`` (or for one of its fields), with a locator.

    The actor must see the source (else :class:`NotVisible`) and be allowed to edit the
    record (checked by :func:`~monitor.services.record_save`, which also reopens a verified
    case: a new citation changes what a reviewer approved).
    """
    if not isinstance(record, AuditedModel) or isinstance(record, Citation):
        raise TypeError("A citation points at a domain record other than a citation.")
    if record._state.adding:
        raise ValueError("Save the record before citing sources for it.")
    if not Source.objects.visible_to(actor).filter(pk=source.pk).exists():
        raise NotVisible("Source not found")
    _check_field_name(record, field_name)
    citation = Citation(
        source=source,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        field_name=field_name,
        page=page,
        paragraph=paragraph,
        timestamp=timestamp,
        quote=quote,
        credibility=credibility,
        stance=stance,
        note=note,
    )
    where = f" ({field_name})" if field_name else ""
    return record_save(
        record=citation, actor=actor, reason=_("Source cited%(where)s") % {"where": where}
    )


# -- a source described on another record's form, and citing from form rows ------------------


@dataclass(frozen=True)
class NewSource:
    """A source described on the spot (on a case or steps page), to cite it at once."""

    title: str
    kind: object  # a source-kind Term
    publisher: str = ""
    url: str = ""
    published: object = None  # an ApproximateDate
    reliability: str = Reliability.F


@transaction.atomic
def source_create_quick(
    *, actor, source: NewSource, team, confidentiality, reason: str = ""
) -> Source:
    """Record ``source`` in the team and at the level of the record that will cite it: a
    source first met on a case is seen like that case."""
    record = Source(
        title=source.title,
        kind=source.kind,
        publisher=source.publisher or "",
        url=source.url or "",
        published=source.published,
        reliability=source.reliability or Reliability.F,
        team=team,
        confidentiality=confidentiality,
    )
    return record_save(record=record, actor=actor, reason=reason or _("Source added"))


@dataclass(frozen=True)
class CitationInput:
    """One citation asked for on a row: a source (None: the new source of the same
    submission), with its locator and the information's credibility."""

    source: Source | None = None
    page: str = ""
    timestamp: str = ""
    quote: str = ""
    credibility: int = Credibility.CANNOT_JUDGE
    field_name: str = ""


def citation_add_from(
    *, record: AuditedModel, citation: CitationInput | None, actor, new_source: Source | None
) -> Citation | None:
    """Add the citation a row asks for (if any) to ``record``, saved already.

    ``new_source`` is the source described in the same submission, for a citation that
    names it (``source=None``); citing it when none was described is refused on ``source``.
    """
    if citation is None:
        return None
    source = citation.source if citation.source is not None else new_source
    if source is None:
        raise ValidationError({"source": _("Describe the new source first.")}, code="no_new_source")
    return citation_add(
        record=record,
        source=source,
        actor=actor,
        field_name=citation.field_name,
        page=citation.page or "",
        timestamp=citation.timestamp or "",
        quote=citation.quote or "",
        credibility=citation.credibility or Credibility.CANNOT_JUDGE,
    )


# -- storing evidence ------------------------------------------------------------------------


class _TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


class _HashingFile(File):
    """Hands the storage the upload chunk by chunk, hashing and counting what it hands over.

    The storage streams ``chunks()`` to disk (this wrapper has no ``temporary_file_path``, so
    a large upload is copied, not moved), so the SHA-256 is that of the bytes written.
    """

    def __init__(self, file, *, limit: int):
        super().__init__(file, name=getattr(file, "name", None))
        self.digest = hashlib.sha256()
        self.size_seen = 0
        self.limit = limit

    def chunks(self, chunk_size=None):
        for chunk in super().chunks(chunk_size or CHUNK_BYTES):
            self.size_seen += len(chunk)
            if self.size_seen > self.limit:
                raise _TooLarge(self.size_seen)
            self.digest.update(chunk)
            yield chunk


@dataclass(frozen=True)
class _Stored:
    name: str
    sha256: str
    size: int


def _store(fileobj, *, limit: int) -> _Stored:
    """Write ``fileobj`` to the evidence storage under a random name; nothing is left behind
    when it fails (the size limit is enforced while writing, whatever the upload claimed)."""
    hashing = _HashingFile(fileobj, limit=limit)
    wanted = evidence_path(None, "")
    try:
        name = evidence_storage.save(wanted, hashing)
    except _TooLarge as error:
        evidence_storage.delete(wanted)
        filetypes.check_size(error.size, limit)
        raise  # pragma: no cover — check_size raised
    except BaseException:
        evidence_storage.delete(wanted)
        raise
    return _Stored(name=name, sha256=hashing.digest.hexdigest(), size=hashing.size_seen)


def _discard(name: str) -> None:
    evidence_storage.delete(name)


def _original_name(name: str) -> str:
    """The uploaded file's own name, without any folder and without control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (base or "upload")[:255]


def _log(evidence: EvidenceFile, action: str, *, actor, sha256_seen: str, client_address=None,
         note: str = "") -> CustodyEvent:  # fmt: skip
    event = CustodyEvent(
        evidence=evidence,
        action=action,
        actor=actor,
        sha256_seen=sha256_seen,
        client_address=client_address or None,
        note=note,
    )
    event.full_clean()
    event.save()
    return event


def _require_may_add_file(source: Source, actor) -> None:
    if not Source.objects.visible_to(actor).filter(pk=source.pk).exists():
        raise NotVisible("Source not found")
    refusal = edit_refusal(record=EvidenceFile(source=source), actor=actor)
    if refusal:
        raise ActionRefused(refusal, code="permission")


def evidence_upload(
    *,
    source: Source,
    uploaded_file,
    actor,
    description: str = "",
    is_web_capture: bool = False,
    client_address: str | None = None,
) -> EvidenceFile:
    """Keep an uploaded file as evidence for ``source``, exactly as received.

    The type is read from the content and must be on the allow-list; a file over
    ``settings.EVIDENCE_MAX_BYTES`` is refused. A web capture (an HTML page, a PDF or an
    image of a web page) needs the source to say which URL was captured and when. The
    original name is kept in the database only; the SHA-256 and size are those of the
    stored bytes, and an UPLOAD custody event records them. A refused upload leaves no row
    and no file.
    """
    limit = settings.EVIDENCE_MAX_BYTES
    _require_may_add_file(source, actor)
    if is_web_capture and (not source.url or source.captured_at is None):
        raise ValidationError(
            {
                "is_web_capture": _(
                    "Record on the source which URL was captured and when (its URL and "
                    "“web capture taken at”) before uploading the capture."
                )
            },
            code="capture_incomplete",
        )
    kind = filetypes.check_upload(uploaded_file, is_web_capture=is_web_capture, max_bytes=limit)
    stored = _store(uploaded_file, limit=limit)
    try:
        with transaction.atomic():
            evidence = EvidenceFile(
                source=source,
                file=stored.name,
                original_name=_original_name(getattr(uploaded_file, "name", "")),
                content_type=kind.mime,
                size=stored.size,
                sha256=stored.sha256,
                is_web_capture=is_web_capture,
                description=description,
            )
            record_save(record=evidence, actor=actor, reason=_("Evidence file uploaded"))
            _log(
                evidence,
                CustodyAction.UPLOAD,
                actor=actor,
                sha256_seen=stored.sha256,
                client_address=client_address,
                note=_("Received as “%(name)s”: %(kind)s, %(size)s bytes.")
                % {"name": evidence.original_name, "kind": kind.label, "size": stored.size},
            )
    except BaseException:
        # The row is rolled back; the stored bytes must go with it.
        _discard(stored.name)
        raise
    return evidence


# -- reading stored evidence -----------------------------------------------------------------


@dataclass
class StoredRead:
    """What was found on reading a stored file: its hash and size, or that it is missing."""

    missing: bool
    sha256: str = ""
    size: int = 0
    copy: tempfile.SpooledTemporaryFile | None = None  # the bytes hashed, when kept

    def matches(self, evidence: EvidenceFile) -> bool:
        return not self.missing and self.sha256 == evidence.sha256 and self.size == evidence.size


def read_stored(evidence: EvidenceFile, *, keep_copy: bool = False) -> StoredRead:
    """Hash the stored file of ``evidence`` (and, with ``keep_copy``, keep the bytes hashed,
    so what is served afterwards is exactly what was checked, even if the file changes)."""

    name = evidence.file.name
    if not name or not evidence_storage.exists(name):
        return StoredRead(missing=True)
    digest, size = hashlib.sha256(), 0
    # The copy outlives this function: the caller serves it (FileResponse closes it).
    copy = tempfile.SpooledTemporaryFile(max_size=8 * CHUNK_BYTES) if keep_copy else None  # noqa: SIM115
    try:
        with evidence_storage.open(name, "rb") as stored:
            for chunk in iter(lambda: stored.read(CHUNK_BYTES), b""):
                digest.update(chunk)
                size += len(chunk)
                if copy is not None:
                    copy.write(chunk)
    except FileNotFoundError:
        if copy is not None:
            copy.close()
        return StoredRead(missing=True)
    if copy is not None:
        copy.seek(0)
    return StoredRead(missing=False, sha256=digest.hexdigest(), size=size, copy=copy)


def stored_path(evidence: EvidenceFile) -> str:
    """Where the file of ``evidence`` is (or should be) on disk, for operators' reports."""

    try:
        return evidence_storage.path(evidence.file.name)
    except NotImplementedError:  # pragma: no cover — a storage without local paths
        return evidence.file.name


def _integrity_problem(evidence: EvidenceFile, found: StoredRead) -> str:
    if found.missing:
        return _("The stored file is missing (%(path)s).") % {"path": stored_path(evidence)}
    return _(
        "The stored file no longer matches what was recorded at upload: SHA-256 %(found)s "
        "(%(found_size)s bytes) instead of %(recorded)s (%(recorded_size)s bytes)."
    ) % {
        "found": found.sha256,
        "found_size": found.size,
        "recorded": evidence.sha256,
        "recorded_size": evidence.size,
    }


def _visible_file(evidence: EvidenceFile, actor) -> EvidenceFile:
    found = (
        EvidenceFile.objects.visible_to(actor).select_related("source").filter(pk=evidence.pk)
    ).first()
    if found is None:
        raise NotVisible("Evidence file not found")
    return found


# -- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of re-hashing one evidence file."""

    evidence: EvidenceFile
    ok: bool
    missing: bool
    sha256_found: str
    size_found: int
    path: str
    message: str


def evidence_verify(*, evidence: EvidenceFile, actor=None, note: str = "") -> Verification:
    """Re-hash one stored file against what was recorded at upload, and log the outcome
    (VERIFY or VERIFY_FAILED). ``actor`` is None for a scheduled check; ``note`` says why."""
    found = read_stored(evidence)
    ok = found.matches(evidence)
    problem = "" if ok else _integrity_problem(evidence, found)
    _log(
        evidence,
        CustodyAction.VERIFY if ok else CustodyAction.VERIFY_FAILED,
        actor=actor,
        sha256_seen=found.sha256,
        note=" ".join(part for part in (note, problem) if part),
    )
    return Verification(
        evidence=evidence,
        ok=ok,
        missing=found.missing,
        sha256_found=found.sha256,
        size_found=found.size,
        path=stored_path(evidence),
        message=problem,
    )


# -- downloading -------------------------------------------------------------------------------


@dataclass
class EvidenceDownload:
    """An evidence file ready to be served: the bytes checked, and what to call them."""

    file: tempfile.SpooledTemporaryFile
    filename: str
    content_type: str
    size: int
    sha256: str
    sha256_base64: str


def evidence_open_for_download(
    *, evidence: EvidenceFile, actor, client_address: str | None = None
) -> EvidenceDownload:
    """Open an evidence file for ``actor`` and log the download.

    The stored bytes are hashed while they are copied for serving: a file that no longer
    matches its recorded SHA-256 (or has gone) is not served as evidence — the failed check
    is logged (VERIFY_FAILED) and :class:`ActionRefused` says why. Otherwise a DOWNLOAD
    custody event records the actor, the address and the hash of the bytes served.
    """
    if not has_role(actor):
        raise NotVisible("Evidence file not found")
    evidence = _visible_file(evidence, actor)
    if not reveals_identity(actor, evidence.source):
        # The file of a protected source would tell who the source is.
        raise ActionRefused(
            _("This file belongs to a protected source you may not identify."),
            code="identity_protected",
        )
    found = read_stored(evidence, keep_copy=True)
    if not found.matches(evidence):
        if found.copy is not None:
            found.copy.close()
        problem = _integrity_problem(evidence, found)
        # Logged outside any transaction of the caller's making: the refusal must not undo it.
        _log(
            evidence,
            CustodyAction.VERIFY_FAILED,
            actor=actor,
            sha256_seen=found.sha256,
            client_address=client_address,
            note=_("Download refused. %(problem)s") % {"problem": problem},
        )
        raise ActionRefused(
            _("This file was not served: %(problem)s A coordinator has to look into it.")
            % {"problem": problem},
            code="integrity",
        )
    _log(
        evidence,
        CustodyAction.DOWNLOAD,
        actor=actor,
        sha256_seen=found.sha256,
        client_address=client_address,
    )
    # The access log too (who read which file; the custody event says what was served).
    record_access(AccessAction.EVIDENCE_DOWNLOAD, user=actor, obj=evidence)
    return EvidenceDownload(
        file=found.copy,
        filename=evidence.original_name,
        content_type=evidence.content_type,
        size=found.size,
        sha256=found.sha256,
        sha256_base64=evidence.sha256_base64,
    )


# -- derived copies ----------------------------------------------------------------------------


def evidence_derive_copy(
    *,
    original: EvidenceFile,
    actor,
    kind: str = "strip_location",
    client_address: str | None = None,
) -> EvidenceFile:
    """Make a copy of ``original`` fit for sharing (e.g. a photo without its GPS position).

    The copy is a new evidence file of the same source, ``derived_from`` the original with
    the derivation described; the original is only read, never written. Both files get a
    DERIVE custody event naming the other. An original that no longer matches its recorded
    hash is not copied (the failed check is logged).
    """
    if kind not in filetypes.DERIVATIONS:
        raise ValidationError(
            {"kind": _("Unknown kind of derived copy: %(kind)s.") % {"kind": kind}},
            code="unknown_derivation",
        )
    original = _visible_file(original, actor)
    refusal = edit_refusal(record=EvidenceFile(source=original.source), actor=actor)
    if refusal:
        raise ActionRefused(refusal, code="permission")
    file_type = next(
        (t for t in filetypes.STRIPPABLE_TYPES if t.mime == original.content_type), None
    )
    if file_type is None:
        raise ActionRefused(
            _(
                "Location metadata can be removed from JPEG and PNG images only; this file "
                "is %(type)s."
            )
            % {"type": original.content_type},
            code="file_type",
        )
    found = read_stored(original, keep_copy=True)
    if not found.matches(original):
        problem = _integrity_problem(original, found)
        _log(
            original,
            CustodyAction.VERIFY_FAILED,
            actor=actor,
            sha256_seen=found.sha256,
            client_address=client_address,
            note=_("Derived copy refused. %(problem)s") % {"problem": problem},
        )
        raise ActionRefused(
            _("No copy was made: %(problem)s") % {"problem": problem}, code="integrity"
        )
    with found.copy as data:
        try:
            stripped = filetypes.strip_location(data.read(), file_type)
        except ValueError as error:
            raise ActionRefused(
                _("The image could not be read, so no copy was made (%(error)s).")
                % {"error": error},
                code="unreadable",
            ) from error
    derivation = filetypes.DERIVATIONS[kind]
    stem, extension = os.path.splitext(original.original_name)
    stored = _store(ContentFile(stripped), limit=max(settings.EVIDENCE_MAX_BYTES, len(stripped)))
    try:
        with transaction.atomic():
            copy = EvidenceFile(
                source=original.source,
                file=stored.name,
                original_name=f"{stem}-no-location{extension}"[-255:],
                content_type=original.content_type,
                size=stored.size,
                sha256=stored.sha256,
                derived_from=original,
                derivation=derivation,
                is_web_capture=original.is_web_capture,
                description=_("Copy of “%(name)s” for sharing.") % {"name": original.original_name},
            )
            record_save(record=copy, actor=actor, reason=_("Derived copy made"))
            _log(
                original,
                CustodyAction.DERIVE,
                actor=actor,
                sha256_seen=found.sha256,
                client_address=client_address,
                note=_("Read to make copy %(copy)s (SHA-256 %(sha)s): %(how)s")
                % {"copy": copy.pk, "sha": copy.sha256, "how": derivation},
            )
            _log(
                copy,
                CustodyAction.DERIVE,
                actor=actor,
                sha256_seen=stored.sha256,
                client_address=client_address,
                note=_("Made from %(original)s (SHA-256 %(sha)s): %(how)s")
                % {"original": original.pk, "sha": original.sha256, "how": derivation},
            )
    except BaseException:
        _discard(stored.name)
        raise
    return copy
