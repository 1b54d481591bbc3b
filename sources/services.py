"""Workflows on sources: citing them, and keeping evidence files with their chain of custody.

Every function takes the acting user explicitly and raises what :mod:`monitor.services`
raises: :class:`~monitor.services.NotVisible` (a 404) when the actor may not see the source
or the file, :class:`~monitor.services.ActionRefused` when they may not act, and
``ValidationError`` for bad input (a disguised or oversize file, an unknown field).

Evidence files are stored encrypted (:mod:`monitor.at_rest`) under a random name in the
evidence storage (outside any URL), first under ``.incoming/`` and moved into place when
their record commits; their SHA-256 and size are those of the very bytes received, and every
upload, derivation, download, integrity check, encryption and re-keying leaves a
:class:`~sources.models.CustodyEvent` naming who, when and the hash seen. An original's
content is never written to again (encrypting a file stored before encryption existed
rewrites its bytes, not its content, and is logged).
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from monitor import at_rest
from monitor.access import has_role, reveals_identity
from monitor.history import acting_as
from monitor.models import AccessAction, AuditedModel
from monitor.security.accesslog import record_access
from monitor.services import ActionRefused, NotVisible, edit_refusal, is_visible, record_save
from monitor.write_batch import atomic_service
from monitor.write_batch import current as current_batch
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


@atomic_service
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
    if not is_visible(source, actor):
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
    batch = current_batch(actor)
    if batch is not None and batch.created_here(record):
        # Created in this transaction by this actor (an import's row): the record in hand
        # is the one stored, and its review root is read from it rather than reloaded.
        citation.record = record
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


@atomic_service
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
    stance: str = Stance.SUPPORTS


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
        stance=citation.stance or Stance.SUPPORTS,
    )


# -- storing evidence ------------------------------------------------------------------------


class _TooLarge(Exception):
    def __init__(self, size: int):
        self.size = size


#: Where an upload is written before its record commits (inside the evidence root, so the
#: move into place is a rename on one file system). A file here has no record yet.
INCOMING_DIR = ".incoming"
#: Where ``verify_evidence --quarantine`` moves files that have no record.
QUARANTINE_DIR = ".quarantine"


class _EncryptingFile(File):
    """Hands the storage the upload encrypted (monitor.at_rest), chunk by chunk, hashing and
    counting the plaintext it encrypts: the SHA-256 is that of the bytes received.

    The storage streams ``chunks()`` to disk (this wrapper has no ``temporary_file_path``, so
    a large upload is copied, not moved), so memory stays flat whatever the size.
    """

    def __init__(self, file, *, limit: int, data_key: bytes):
        super().__init__(file, name=getattr(file, "name", None))
        self.digest = hashlib.sha256()
        self.size_seen = 0
        self.limit = limit
        self.data_key = data_key

    def _plain_chunks(self, chunk_size):
        for chunk in super().chunks(chunk_size):
            self.size_seen += len(chunk)
            if self.size_seen > self.limit:
                raise _TooLarge(self.size_seen)
            self.digest.update(chunk)
            yield chunk

    def chunks(self, chunk_size=None):
        yield from at_rest.encrypt_chunks(
            self._plain_chunks(chunk_size or CHUNK_BYTES), self.data_key
        )

    def multiple_chunks(self, chunk_size=None):
        return True


@dataclass(frozen=True)
class _Stored:
    evidence_id: uuid.UUID
    temp_name: str  # where the bytes are until the record commits
    name: str  # where they go then (the record's ``file``)
    sha256: str
    size: int
    wrapped_key: str


def _store(fileobj, *, limit: int, evidence_id: uuid.UUID | None = None) -> _Stored:
    """Write ``fileobj`` encrypted to a temporary name in the evidence storage; nothing is
    left behind when it fails (the size limit is enforced while writing, whatever the
    upload claimed). :func:`_place_on_commit` moves it into place once its record commits.

    Raises:
        ActionRefused: no evidence key is configured (nothing is stored unencrypted).
    """
    try:
        at_rest.current_key()
    except at_rest.EvidenceKeyError as error:
        raise ActionRefused(
            _(
                "Evidence files cannot be stored: no evidence encryption key is configured. "
                "An administrator has to set MONITOR_EVIDENCE_KEY."
            ),
            code="no_evidence_key",
        ) from error
    evidence_id = evidence_id or uuid.uuid4()
    data_key = at_rest.new_data_key()
    encrypting = _EncryptingFile(fileobj, limit=limit, data_key=data_key)
    final = evidence_path(None, "")
    wanted = f"{INCOMING_DIR}/{os.path.basename(final)}"
    try:
        temp_name = evidence_storage.save(wanted, encrypting)
    except _TooLarge as error:
        evidence_storage.delete(wanted)
        filetypes.check_size(error.size, limit)
        raise  # pragma: no cover — check_size raised
    except BaseException:
        evidence_storage.delete(wanted)
        raise
    return _Stored(
        evidence_id=evidence_id,
        temp_name=temp_name,
        name=final,
        sha256=encrypting.digest.hexdigest(),
        size=encrypting.size_seen,
        wrapped_key=at_rest.wrap(data_key, evidence_id=evidence_id),
    )


def _move_into_place(temp_name: str, name: str) -> None:
    """Rename a stored file from its temporary name to its record's name (same folder tree,
    so the rename is atomic: the file is either not there yet or there whole)."""
    from sources.models import evidence_storage

    target = evidence_storage.path(name)
    os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
    os.replace(evidence_storage.path(temp_name), target)


def _place_on_commit(stored: _Stored) -> None:
    """Move the file into place when (and only if) the record that names it commits.

    A crash before the commit leaves an encrypted file under ``.incoming/`` with no record,
    which ``verify_evidence`` reports (and quarantines); a crash between the commit and the
    move leaves a record whose file is still under ``.incoming/``, which ``verify_evidence``
    finishes moving. Either way no readable file exists without a record.
    """
    transaction.on_commit(lambda: _move_into_place(stored.temp_name, stored.name))


def _readable_name(evidence: EvidenceFile) -> str | None:
    """Where the stored file of ``evidence`` can be read now: its own name, or its temporary
    name while the transaction that created the record has not committed yet (only that
    transaction sees the record) or after a crash cut the move short. None if neither."""
    from sources.models import evidence_storage

    name = evidence.file.name
    if not name:
        return None
    if evidence_storage.exists(name):
        return name
    temp_name = f"{INCOMING_DIR}/{os.path.basename(name)}"
    return temp_name if evidence_storage.exists(temp_name) else None


def recover_interrupted(evidence: EvidenceFile) -> bool:
    """Finish the move of a committed record's file that was still under ``.incoming/`` when
    the process stopped (see :func:`_place_on_commit`); True if a file was moved."""
    from sources.models import evidence_storage

    name = evidence.file.name
    temp_name = f"{INCOMING_DIR}/{os.path.basename(name)}"
    if not name or evidence_storage.exists(name) or not evidence_storage.exists(temp_name):
        return False
    _move_into_place(temp_name, name)
    return True


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


@dataclass(frozen=True)
class KeptUpload:
    """An upload stored (encrypted, under ``.incoming/`` like every upload) while the rest of
    its form failed, so the next save uses it without the file being chosen again. It has no
    record: ``verify_evidence`` quarantines it if it is never used."""

    stored: _Stored
    original_name: str
    mime: str
    label: str
    is_web_capture: bool

    def as_dict(self) -> dict:
        return {
            **{k: str(v) if k == "evidence_id" else v for k, v in vars(self.stored).items()},
            "original_name": self.original_name,
            "mime": self.mime,
            "label": self.label,
            "is_web_capture": self.is_web_capture,
        }

    @classmethod
    def from_dict(cls, data: dict) -> KeptUpload:
        fields = {name: data[name] for name in _Stored.__dataclass_fields__}
        fields["evidence_id"] = uuid.UUID(fields["evidence_id"])
        return cls(
            stored=_Stored(**fields),
            original_name=data["original_name"],
            mime=data["mime"],
            label=data["label"],
            is_web_capture=data["is_web_capture"],
        )


def upload_keep(*, uploaded_file, is_web_capture: bool = False) -> KeptUpload:
    """Keep an upload whose form failed for another reason (checked as an upload is)."""
    limit = settings.EVIDENCE_MAX_BYTES
    kind = filetypes.check_upload(uploaded_file, is_web_capture=is_web_capture, max_bytes=limit)
    uploaded_file.seek(0)
    return KeptUpload(
        stored=_store(uploaded_file, limit=limit),
        original_name=_original_name(getattr(uploaded_file, "name", "")),
        mime=kind.mime,
        label=str(kind.label),
        is_web_capture=is_web_capture,
    )


def evidence_upload(
    *,
    source: Source,
    uploaded_file=None,
    actor,
    description: str = "",
    is_web_capture: bool = False,
    client_address: str | None = None,
    kept: KeptUpload | None = None,
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
    if kept is not None and uploaded_file is None:
        # A file kept from a failed save (upload_keep): checked then, for the same use.
        if kept.is_web_capture != is_web_capture:
            raise ValidationError(
                {"file": _("Choose the file again: whether it is a web capture changed.")},
                code="file_type",
            )
        stored, mime, label, original = kept.stored, kept.mime, kept.label, kept.original_name
    else:
        kind = filetypes.check_upload(uploaded_file, is_web_capture=is_web_capture, max_bytes=limit)
        stored, mime, label = _store(uploaded_file, limit=limit), kind.mime, kind.label
        original = _original_name(getattr(uploaded_file, "name", ""))
    try:
        with transaction.atomic():
            evidence = EvidenceFile(
                id=stored.evidence_id,
                source=source,
                file=stored.name,
                wrapped_key=stored.wrapped_key,
                original_name=original,
                content_type=mime,
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
                % {"name": evidence.original_name, "kind": label, "size": stored.size},
            )
            _place_on_commit(stored)
    except BaseException:
        # The row is rolled back; the stored bytes must go with it.
        _discard(stored.temp_name)
        raise
    return evidence


# -- reading stored evidence -----------------------------------------------------------------


@dataclass
class StoredRead:
    """What was found on reading a stored file: the hash and size of its content, or that it
    is missing, or why its encrypted bytes do not open (``problem``)."""

    missing: bool
    sha256: str = ""
    size: int = 0
    copy: io.BytesIO | None = None  # the bytes hashed, when kept
    problem: str = ""

    def matches(self, evidence: EvidenceFile) -> bool:
        return (
            not self.missing
            and not self.problem
            and self.sha256 == evidence.sha256
            and self.size == evidence.size
        )


def _content_chunks(evidence: EvidenceFile, stored) -> Iterator[bytes]:
    """The original content of an open stored file: decrypted as it is read if it is
    encrypted at rest, as stored if it predates encryption."""
    if evidence.wrapped_key:
        data_key = at_rest.unwrap(evidence.wrapped_key, evidence_id=evidence.pk)
        yield from at_rest.decrypt_chunks(stored, data_key)
    else:
        yield from iter(lambda: stored.read(CHUNK_BYTES), b"")


def read_stored(evidence: EvidenceFile, *, keep_copy: bool = False) -> StoredRead:
    """Hash the content of the stored file of ``evidence`` (decrypting it as it streams).

    With ``keep_copy`` the bytes hashed are kept in memory (for a derived copy, whose image
    is read whole anyway), so what is used afterwards is exactly what was checked.
    """
    from sources.models import evidence_storage

    name = _readable_name(evidence)
    if name is None:
        return StoredRead(missing=True)
    digest, size = hashlib.sha256(), 0
    copy = io.BytesIO() if keep_copy else None
    try:
        with evidence_storage.open(name, "rb") as stored:
            for chunk in _content_chunks(evidence, stored):
                digest.update(chunk)
                size += len(chunk)
                if copy is not None:
                    copy.write(chunk)
    except FileNotFoundError:
        return StoredRead(missing=True)
    except at_rest.DecryptionFailed as error:
        return StoredRead(missing=False, problem=str(error))
    except at_rest.EvidenceKeyError as error:
        return StoredRead(missing=False, problem=str(error))
    if copy is not None:
        copy.seek(0)
    return StoredRead(missing=False, sha256=digest.hexdigest(), size=size, copy=copy)


class DecryptingReader(io.RawIOBase):
    """A stored evidence file's original content as a read-only stream, decrypted chunk by
    chunk as it is read: a download never puts the plaintext on disk or whole in memory.

    Every chunk is authenticated before it is handed out, so a file altered after it was
    checked stops the stream with :class:`~monitor.at_rest.DecryptionFailed`.
    """

    def __init__(self, evidence: EvidenceFile):
        from sources.models import evidence_storage

        super().__init__()
        name = _readable_name(evidence)
        if name is None:
            raise FileNotFoundError(evidence.file.name)
        self._stored = evidence_storage.open(name, "rb")
        self._chunks = _content_chunks(evidence, self._stored)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, None)
            if self._pending is None:
                self._pending = b""
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        self._stored.close()
        super().close()


def stored_path(evidence: EvidenceFile) -> str:
    """Where the file of ``evidence`` is (or should be) on disk, for operators' reports."""

    try:
        return evidence_storage.path(evidence.file.name)
    except NotImplementedError:  # pragma: no cover — a storage without local paths
        return evidence.file.name


def _integrity_problem(evidence: EvidenceFile, found: StoredRead) -> str:
    if found.missing:
        return _("The stored file is missing (%(path)s).") % {"path": stored_path(evidence)}
    if found.problem:
        return _("The stored file cannot be read: %(problem)s") % {"problem": found.problem}
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

    file: DecryptingReader
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
    # Checked first, whole; then served from a second, streaming read (below).
    found = read_stored(evidence)
    if not found.matches(evidence):
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
        file=DecryptingReader(evidence),
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
                id=stored.evidence_id,
                source=original.source,
                file=stored.name,
                wrapped_key=stored.wrapped_key,
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
            _place_on_commit(stored)
    except BaseException:
        _discard(stored.temp_name)
        raise
    return copy


# -- encryption at rest ------------------------------------------------------------------------


def evidence_encrypt(*, evidence: EvidenceFile, actor=None) -> Verification | None:
    """Encrypt at rest a file stored before encryption existed (monitor.at_rest).

    The plain bytes are encrypted to a new name, hashed as they are read: only if they still
    match the SHA-256 recorded at upload does the record switch to the encrypted file (an
    ENCRYPT custody event records it, and history the change), and the plain file is removed
    once that commits. A file that does not match is left as it is and its failed check is
    logged; the :class:`Verification` returned says why. ``None`` when nothing was to do.
    """
    from sources.models import evidence_storage

    evidence = EvidenceFile._base_manager.get(pk=evidence.pk)
    if evidence.wrapped_key:
        return None
    plain_name = _readable_name(evidence)
    if plain_name is None:
        return evidence_verify(evidence=evidence, actor=actor, note=_("Before encrypting."))
    try:
        with evidence_storage.open(plain_name, "rb") as plain:
            stored = _store(plain, limit=evidence.size, evidence_id=evidence.pk)
    except ValidationError:  # longer than what was recorded: it was changed
        stored = None
    if stored is None or stored.sha256 != evidence.sha256 or stored.size != evidence.size:
        if stored is not None:
            _discard(stored.temp_name)
        return evidence_verify(
            evidence=evidence, actor=actor, note=_("Not encrypted: the file does not match.")
        )
    try:
        with transaction.atomic():
            evidence.file = stored.name
            evidence.wrapped_key = stored.wrapped_key
            with acting_as(actor, reason=_("Evidence file encrypted at rest")):
                evidence.save(update_fields=["file", "wrapped_key"])
            _log(
                evidence,
                CustodyAction.ENCRYPT,
                actor=actor,
                sha256_seen=stored.sha256,
                note=_("Encrypted at rest with evidence key %(key)s; the plain copy removed.")
                % {"key": at_rest.wrapping_key_id(stored.wrapped_key)},
            )
            _place_on_commit(stored)
            transaction.on_commit(lambda: _discard(plain_name))
    except BaseException:
        _discard(stored.temp_name)
        raise
    return None


@transaction.atomic
def evidence_rewrap(*, evidence: EvidenceFile, actor=None) -> bool:
    """Re-wrap the data key of ``evidence`` with the current master key (after a key
    rotation), logged as a REKEY custody event. False when it already is (or is plain)."""
    evidence = EvidenceFile._base_manager.select_for_update().get(pk=evidence.pk)
    current = at_rest.key_id(at_rest.current_key())
    previous = at_rest.wrapping_key_id(evidence.wrapped_key)
    if not evidence.wrapped_key or previous == current:
        return False
    evidence.wrapped_key = at_rest.rewrap(evidence.wrapped_key, evidence_id=evidence.pk)
    with acting_as(actor, reason=_("Evidence data key re-wrapped")):
        evidence.save(update_fields=["wrapped_key"])
    _log(
        evidence,
        CustodyAction.REKEY,
        actor=actor,
        sha256_seen="",
        note=_("Data key re-wrapped from evidence key %(old)s to %(new)s; content unchanged.")
        % {"old": previous, "new": current},
    )
    return True
