"""Evidence encrypted at rest, uploads that cannot leave orphans, and the commands that
encrypt old files, rotate the master key and find files with no record."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import hashlib
import io
import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from monitor import at_rest
from monitor.services import ActionRefused
from sources.choices import CustodyAction
from sources.models import EvidenceFile, evidence_storage
from sources.services import (
    INCOMING_DIR,
    DecryptingReader,
    _store,
    evidence_open_for_download,
    evidence_upload,
)
from tests.conftest import monitor_on_team, reviewer, team  # noqa: F401 — fixtures
from tests.factories import EvidenceFileFactory, SourceFactory
from tests.keys import TEST_EVIDENCE_KEY

pytestmark = pytest.mark.django_db

TESTIMONY = "Свидетель: задержан в Хороге 18 мая 2022 года.\n".encode() * 50
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture
def source(team):
    return SourceFactory(title="Testimony of witness W-7", team=team, is_protected=True)


def upload(source, actor, content=TESTIMONY, name="witness-firuz-statement.txt"):
    return evidence_upload(
        source=source, uploaded_file=SimpleUploadedFile(name, content), actor=actor
    )


@pytest.fixture
def committed(source, monitor_on_team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return upload(source, monitor_on_team)


def on_disk(evidence) -> Path:
    return Path(evidence_storage.path(evidence.file.name))


def content_of(evidence) -> bytes:
    with DecryptingReader(evidence) as reader:
        return reader.read()


def run(command, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# -- the file format -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [0, 1, at_rest.CHUNK - 1, at_rest.CHUNK, at_rest.CHUNK + 1, 3 * at_rest.CHUNK]
)
def test_any_size_encrypts_and_decrypts_back_exactly(size):
    plain = os.urandom(size)
    key = at_rest.new_data_key()
    sealed = b"".join(at_rest.encrypt_chunks([plain[:100], plain[100:]], key))
    if size >= 16:  # a shorter run of bytes may turn up in any ciphertext by chance
        assert plain[:64] not in sealed
    assert b"".join(at_rest.decrypt_chunks(io.BytesIO(sealed), key)) == plain


@pytest.mark.parametrize(
    "damage",
    ["flip a byte", "cut the last chunk", "cut at a chunk boundary", "append", "swap chunks"],
)
def test_damaged_ciphertext_never_decrypts(damage):
    key = at_rest.new_data_key()
    sealed = b"".join(at_rest.encrypt_chunks([os.urandom(3 * at_rest.CHUNK + 5)], key))
    sealed_chunk = at_rest.CHUNK + at_rest.TAG_BYTES
    header, body = sealed[: at_rest.HEADER_BYTES], sealed[at_rest.HEADER_BYTES :]
    chunks = [body[i : i + sealed_chunk] for i in range(0, len(body), sealed_chunk)]
    damaged = {
        "flip a byte": sealed[:100] + bytes([sealed[100] ^ 1]) + sealed[101:],
        "cut the last chunk": header + b"".join(chunks[:-1]),
        "cut at a chunk boundary": header + b"".join(chunks[:2]),
        "append": sealed + b"\0" * 32,
        "swap chunks": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
    }[damage]
    with pytest.raises(at_rest.DecryptionFailed):
        b"".join(at_rest.decrypt_chunks(io.BytesIO(damaged), key))


def test_a_wrapped_key_opens_only_for_its_own_record_and_master_key(settings):
    data_key = at_rest.new_data_key()
    wrapped = at_rest.wrap(data_key, evidence_id="a")
    assert at_rest.unwrap(wrapped, evidence_id="a") == data_key
    with pytest.raises(at_rest.DecryptionFailed):
        at_rest.unwrap(wrapped, evidence_id="b")  # copied onto another row
    settings.EVIDENCE_KEY = OTHER_KEY
    with pytest.raises(at_rest.EvidenceKeyError, match="not configured"):
        at_rest.unwrap(wrapped, evidence_id="a")


# -- uploads and downloads -------------------------------------------------------------------


def test_an_upload_is_encrypted_on_disk_and_its_hash_is_that_of_the_original(committed):
    stored = on_disk(committed).read_bytes()
    assert stored.startswith(at_rest.MAGIC)
    assert "Хороге".encode() not in stored
    assert committed.sha256 == hashlib.sha256(TESTIMONY).hexdigest()
    assert committed.size == len(TESTIMONY)
    assert committed.wrapped_key.startswith(f"v1:{at_rest.key_id(TEST_EVIDENCE_KEY)}:")
    assert at_rest.key_id(TEST_EVIDENCE_KEY) != "" and TEST_EVIDENCE_KEY.hex() not in str(
        committed.wrapped_key
    )


def test_download_decrypts_as_a_stream_to_the_original_bytes(client, committed, monitor_on_team):
    client.force_login(monitor_on_team)
    response = client.get(reverse("sources:evidence-download", args=[committed.pk]))
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == TESTIMONY
    assert response["X-Content-SHA256"] == committed.sha256


def test_a_file_altered_after_its_check_stops_the_stream(committed, monitor_on_team):
    download = evidence_open_for_download(evidence=committed, actor=monitor_on_team)
    path = on_disk(committed)
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    with download.file, pytest.raises(at_rest.DecryptionFailed):
        download.file.read()


def test_without_an_evidence_key_an_upload_is_refused_and_nothing_is_stored(
    settings, source, monitor_on_team
):
    settings.EVIDENCE_KEY = None
    with pytest.raises(ActionRefused, match="no evidence encryption key") as refused:
        upload(source, monitor_on_team)
    assert refused.value.code == "no_evidence_key"
    assert not EvidenceFile.objects.exists()
    root = Path(evidence_storage.location)
    assert not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


# -- no orphans ------------------------------------------------------------------------------


def test_an_upload_waits_under_incoming_until_its_record_commits(
    source, monitor_on_team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        evidence = upload(source, monitor_on_team)
        temp = Path(evidence_storage.path(f"{INCOMING_DIR}/{os.path.basename(evidence.file.name)}"))
        assert temp.exists() and not on_disk(evidence).exists()
        assert content_of(evidence) == TESTIMONY  # its own transaction reads it already
    for callback in pending:
        callback()  # the commit
    assert on_disk(evidence).exists() and not temp.exists()


def interrupted_upload() -> str:
    """What a ``kill -9`` during an upload leaves: bytes written, no record committed."""
    stored = _store(SimpleUploadedFile("witness-firuz-statement.txt", TESTIMONY), limit=10**6)
    old = time.time() - 2 * 3600
    os.utime(evidence_storage.path(stored.temp_name), (old, old))
    return stored.temp_name


def test_verify_evidence_reports_a_file_with_no_record_by_path_only(committed):
    orphan = interrupted_upload()

    with pytest.raises(CommandError, match="1 file with no record"):
        run("verify_evidence")

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_evidence", stderr=err)
    assert f"NO RECORD path={orphan}" in err.getvalue()
    assert "firuz" not in err.getvalue() and "W-7" not in err.getvalue()


def test_verify_evidence_quarantine_moves_files_with_no_record_aside(committed):
    orphan = interrupted_upload()

    out, _err = run("verify_evidence", "--quarantine")

    assert "1 file with no record (quarantined)" in out
    assert not Path(evidence_storage.path(orphan)).exists()
    (moved,) = Path(evidence_storage.location, ".quarantine").rglob("*/.incoming/*")
    assert moved.name == os.path.basename(orphan)
    assert on_disk(committed).exists()  # the record's own file stays
    run("verify_evidence")  # and the next check is clean


def test_an_upload_in_progress_is_not_taken_for_an_orphan(committed):
    _store(SimpleUploadedFile("draft.txt", TESTIMONY), limit=10**6)  # written a moment ago
    out, _err = run("verify_evidence", "--quarantine")
    assert "0 files with no record" in out


def test_verify_evidence_finishes_a_move_cut_short_after_the_commit(source, monitor_on_team):
    evidence = upload(source, monitor_on_team)  # committed, but the move never ran

    out, _err = run("verify_evidence")

    assert f"RECOVERED id={evidence.pk}" in out
    assert on_disk(evidence).exists()
    assert "1 intact" in out


# -- encrypting old files, rotating the key --------------------------------------------------


def test_encrypt_evidence_encrypts_plain_files_and_logs_it_in_custody(
    reviewer, django_capture_on_commit_callbacks
):
    plain = EvidenceFileFactory(content=TESTIMONY)
    plain_path = on_disk(plain)
    assert plain_path.read_bytes() == TESTIMONY

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("encrypt_evidence", "--actor", reviewer.username)

    assert "Encrypted 1 evidence file(s); 0 left" in out
    plain.refresh_from_db()
    assert plain.is_encrypted
    assert not plain_path.exists()  # the plain copy is gone
    assert on_disk(plain).read_bytes().startswith(at_rest.MAGIC)
    assert content_of(plain) == TESTIMONY
    event = plain.custody_events.get(action=CustodyAction.ENCRYPT)
    assert event.actor == reviewer and event.sha256_seen == plain.sha256
    assert plain.history.first().history_change_reason == "Evidence file encrypted at rest"
    out, _err = run("encrypt_evidence")
    assert "Encrypted 0 evidence file(s)" in out  # idempotent


def test_encrypt_evidence_leaves_an_altered_plain_file_alone_and_says_so():
    plain = EvidenceFileFactory(content=TESTIMONY)
    on_disk(plain).write_bytes(TESTIMONY + b"forged")

    err = StringIO()
    with pytest.raises(CommandError, match="1 left as they were"):
        call_command("encrypt_evidence", stderr=err, stdout=StringIO())

    plain.refresh_from_db()
    assert not plain.is_encrypted
    assert f"NOT ENCRYPTED id={plain.pk}" in err.getvalue()
    assert plain.custody_events.filter(action=CustodyAction.VERIFY_FAILED).exists()
    assert not plain.custody_events.filter(action=CustodyAction.ENCRYPT).exists()


def test_rotating_the_master_key_rewraps_every_data_key(settings, committed, reviewer):
    old_id = at_rest.key_id(TEST_EVIDENCE_KEY)
    settings.EVIDENCE_KEY, settings.EVIDENCE_RETIRED_KEYS = OTHER_KEY, [TEST_EVIDENCE_KEY]
    assert content_of(committed) == TESTIMONY  # readable during the rotation
    before = on_disk(committed).read_bytes()

    out, _err = run("rotate_evidence_key", "--actor", reviewer.username)

    assert "Re-wrapped 1 data key(s)" in out
    committed.refresh_from_db()
    assert at_rest.wrapping_key_id(committed.wrapped_key) == at_rest.key_id(OTHER_KEY)
    assert on_disk(committed).read_bytes() == before  # files are not rewritten
    event = committed.custody_events.get(action=CustodyAction.REKEY)
    assert event.actor == reviewer and old_id in event.note
    settings.EVIDENCE_RETIRED_KEYS = []
    assert content_of(committed) == TESTIMONY  # the old key is no longer needed
    out, _err = run("rotate_evidence_key")
    assert "Re-wrapped 0 data key(s)" in out


def test_rotation_without_the_old_key_stops_and_changes_nothing(settings, committed):
    settings.EVIDENCE_KEY, settings.EVIDENCE_RETIRED_KEYS = OTHER_KEY, []
    with pytest.raises(CommandError, match="not configured"):
        run("rotate_evidence_key")
    committed.refresh_from_db()
    assert at_rest.wrapping_key_id(committed.wrapped_key) == at_rest.key_id(TEST_EVIDENCE_KEY)
    assert not committed.custody_events.filter(action=CustodyAction.REKEY).exists()
