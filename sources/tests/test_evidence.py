"""Evidence files: checked by content, stored under a random name, hashed, served only
through the permission-checked view, and every access kept in the chain of custody."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from monitor.choices import Confidentiality
from monitor.services import ActionRefused, NotVisible
from sources import evidence as filetypes
from sources.choices import CustodyAction
from sources.management.commands.verify_evidence import Command as VerifyCommand
from sources.models import CustodyEvent, EvidenceFile, evidence_storage
from sources.services import (
    DecryptingReader,
    _readable_name,
    evidence_derive_copy,
    evidence_open_for_download,
    evidence_upload,
)
from tests.conftest import (  # noqa: F401 — fixtures
    monitor_off_team,
    monitor_on_team,
    no_role_user,
    reviewer,
    team,
)
from tests.factories import SourceFactory, TeamFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
GPS_IFD = 0x8825


@pytest.fixture
def source(team):
    return SourceFactory(title="Verdict of the Khorog city court", team=team)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[Path]:
    root = Path(evidence_storage.location)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def content_of(evidence: EvidenceFile) -> bytes:
    """The original content of a stored file, decrypted (the bytes on disk are encrypted)."""
    with DecryptingReader(evidence) as reader:
        return reader.read()


def tamper(evidence: EvidenceFile, position: int = -1) -> None:
    """Flip one bit of the stored (encrypted) bytes, as a change on disk would."""
    path = path_of(evidence)
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def path_of(evidence: EvidenceFile) -> Path:
    """Where the stored file is: its own name once the upload committed, its temporary name
    until then (a test runs inside a transaction that never commits)."""
    return Path(evidence_storage.path(_readable_name(evidence)))


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0xA431] = "SERIAL-123456"  # body serial number: identifies the camera
    exif[GPS_IFD] = {1: "N", 2: (37.0, 29.0, 0.0), 3: "E", 4: (71.0, 33.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"Khorog, my street")
    return out.getvalue()


def docx_bytes(*, macros: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("setup.exe", b"MZ\x90\x00")
    return out.getvalue()


# -- what is accepted --------------------------------------------------------------------------


def test_upload_records_hash_size_name_type_and_an_upload_custody_event(source, monitor_on_team):
    evidence = evidence_upload(
        source=source,
        uploaded_file=upload("verdict.pdf", PDF_BYTES, "application/x-whatever"),
        actor=monitor_on_team,
        description="Scan of the verdict",
        client_address="192.0.2.10",
    )

    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert evidence.size == len(PDF_BYTES)
    assert evidence.original_name == "verdict.pdf"
    assert evidence.content_type == "application/pdf"  # from the content, not the browser
    assert evidence.created_by == monitor_on_team
    assert content_of(evidence) == PDF_BYTES
    assert PDF_BYTES not in path_of(evidence).read_bytes()  # encrypted at rest
    (event,) = evidence.custody_events.all()
    assert event.action == CustodyAction.UPLOAD
    assert event.actor == monitor_on_team
    assert event.sha256_seen == evidence.sha256
    assert event.client_address == "192.0.2.10"


def test_stored_name_is_random_and_outside_any_web_folder(source, monitor_on_team, settings):
    evidence = evidence_upload(
        source=source,
        uploaded_file=upload("Statement of Gulobov.pdf", PDF_BYTES),
        actor=monitor_on_team,
    )

    assert "Gulobov" not in evidence.file.name
    assert len(evidence.file.name.split("/")[-1]) == 32
    stored = path_of(evidence)
    assert stored.is_relative_to(Path(settings.EVIDENCE_ROOT))
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT))
    assert stored.stat().st_mode & 0o077 == 0  # readable by the application's account only


def test_large_upload_spooled_to_disk_is_copied_and_hashed_whole(source, monitor_on_team):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    content = PDF_BYTES + bytes(range(256)) * 12_000  # about 3 MB, several chunks
    spooled = TemporaryUploadedFile("scan.pdf", "application/pdf", len(content), None)
    spooled.write(content)
    spooled.seek(0)

    evidence = evidence_upload(source=source, uploaded_file=spooled, actor=monitor_on_team)

    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert content_of(evidence) == content
    spooled.close()


def test_upload_keeps_only_the_base_of_the_original_name(source, monitor_on_team):
    evidence = evidence_upload(
        source=source,
        uploaded_file=upload("C:\\Users\\aziz\\notes\x07.txt", "Свидетель видел".encode()),
        actor=monitor_on_team,
    )
    assert evidence.original_name == "notes.txt"
    assert evidence.content_type == "text/plain"


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("a.pdf", PDF_BYTES, "application/pdf"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("a.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
        ("a.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "image/webp"),
        ("a.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 12, "image/heic"),
        ("a.mp3", b"ID3\x04\x00" + b"\x00" * 20, "audio/mpeg"),
        ("a.mp3", b"\xff\xfb\x90\x64" + b"\x00" * 20, "audio/mpeg"),
        ("a.ogg", b"OggS\x00\x02" + b"\x00" * 20, "audio/ogg"),
        ("a.wav", b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 8, "audio/wav"),
        ("a.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 12, "video/mp4"),
        ("a.mov", b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 12, "video/quicktime"),
        ("a.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm", "video/webm"),
        ("a.txt", "Хорог, 18 мая".encode("cp1251"), "text/plain"),
        ("a.csv", b"name,date\nGulobov,2023-06\n", "text/plain"),
        ("a.docx", docx_bytes(), filetypes.DOCX.mime),
        ("a.odt", odt_bytes(), filetypes.ODT.mime),
    ],
)
def test_allowed_types_are_recognised_by_their_content(name, content, mime):
    kind = filetypes.check_upload(upload(name, content), max_bytes=10_000)
    assert kind.mime == mime


@pytest.mark.parametrize(
    ("name", "content", "label"),
    [
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60, "a Windows executable"),
        ("report.pdf", zip_bytes(), "a ZIP archive"),
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 20, "a Linux executable (ELF)"),
        ("report.pdf", b"#!/bin/sh\nrm -rf /\n", "a script"),
        ("report.docx", docx_bytes(macros=True), "a Word document with macros"),
        ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "OLE2"),
        ("photo.svg", b'<?xml version="1.0"?><svg onload="alert(1)"/>', "an SVG image"),
        ("a.rar", b"Rar!\x1a\x07\x01\x00", "a RAR archive"),
        ("a.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 10, "a gzip archive"),
        ("a.bin", b"\x00\x01\x02\x03\x04", "of an unrecognised type"),
    ],
)
def test_disguised_or_dangerous_types_are_refused_naming_the_real_content(name, content, label):
    with pytest.raises(ValidationError) as refused:
        filetypes.check_upload(upload(name, content), max_bytes=10_000)
    message = refused.value.message_dict["file"][0]
    assert message.startswith("The content is ")
    assert label in message
    assert "not an allowed type" in message


def test_executable_renamed_pdf_is_refused_and_nothing_is_stored(source, monitor_on_team):
    with pytest.raises(ValidationError) as refused:
        evidence_upload(
            source=source,
            uploaded_file=upload("verdict.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf"),
            actor=monitor_on_team,
        )

    assert "The content is a Windows executable, not an allowed type" in str(refused.value)
    assert not EvidenceFile.objects.exists()
    assert not CustodyEvent.objects.exists()
    assert stored_files() == []


def test_zip_renamed_pdf_is_refused(source, monitor_on_team):
    with pytest.raises(ValidationError, match="a ZIP archive"):
        evidence_upload(
            source=source, uploaded_file=upload("verdict.pdf", zip_bytes()), actor=monitor_on_team
        )
    assert not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_html_named_jpg_is_refused_as_ordinary_evidence(source, monitor_on_team):
    page = b"<!DOCTYPE html><html><script>fetch('/admin')</script></html>"
    with pytest.raises(ValidationError) as refused:
        evidence_upload(
            source=source,
            uploaded_file=upload("photo.jpg", page, "image/jpeg"),
            actor=monitor_on_team,
        )
    assert "The content is an HTML page" in str(refused.value)
    assert not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_oversize_file_is_refused_and_nothing_is_stored(source, monitor_on_team, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    content = PDF_BYTES + b"0" * 200

    with pytest.raises(ValidationError) as refused:
        evidence_upload(
            source=source, uploaded_file=upload("big.pdf", content), actor=monitor_on_team
        )

    message = refused.value.message_dict["file"][0]
    assert f"The file is {len(content)}" in message
    assert "the limit is 100" in message
    assert not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_file_larger_than_it_claims_is_stopped_while_storing(source, monitor_on_team, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    content = PDF_BYTES + b"0" * 500
    lying = InMemoryUploadedFile(
        io.BytesIO(content), "file", "small.pdf", "application/pdf", size=50, charset=None
    )

    with pytest.raises(ValidationError, match="the limit is 100"):
        evidence_upload(source=source, uploaded_file=lying, actor=monitor_on_team)

    assert not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_empty_file_is_refused(source, monitor_on_team):
    with pytest.raises(ValidationError, match="The file is empty"):
        evidence_upload(source=source, uploaded_file=upload("a.pdf", b""), actor=monitor_on_team)


def test_upload_by_monitor_off_team_is_refused_and_nothing_stored(source, monitor_off_team):
    with pytest.raises(ActionRefused):
        evidence_upload(
            source=source, uploaded_file=upload("a.pdf", PDF_BYTES), actor=monitor_off_team
        )
    assert stored_files() == []


def test_upload_to_a_hidden_source_is_not_visible(monitor_on_team):
    hidden = SourceFactory(confidentiality=Confidentiality.STRICT, team=TeamFactory())
    with pytest.raises(NotVisible):
        evidence_upload(
            source=hidden, uploaded_file=upload("a.pdf", PDF_BYTES), actor=monitor_on_team
        )
    assert stored_files() == []


# -- web captures ------------------------------------------------------------------------------


@pytest.fixture
def captured_source(team):
    return SourceFactory(
        title="Asia-Plus article, as published",
        url="https://example.org/news/khorog",
        captured_at=timezone.make_aware(datetime.datetime(2023, 6, 20, 14, 5)),
        team=team,
    )


def test_web_capture_of_an_html_page_is_kept_and_hashed(captured_source, monitor_on_team):
    page = b"<!doctype html><html><body>Five Pamiris detained</body></html>"

    capture = evidence_upload(
        source=captured_source,
        uploaded_file=upload("khorog.html", page, "text/html"),
        actor=monitor_on_team,
        is_web_capture=True,
    )

    assert capture.is_web_capture
    assert capture.content_type == "text/html"
    assert capture.sha256 == hashlib.sha256(page).hexdigest()
    assert capture.custody_events.get().action == CustodyAction.UPLOAD


@pytest.mark.parametrize(
    ("name", "content"),
    [("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16), ("page.pdf", PDF_BYTES)],
)
def test_web_capture_may_be_a_pdf_or_an_image(captured_source, monitor_on_team, name, content):
    capture = evidence_upload(
        source=captured_source,
        uploaded_file=upload(name, content),
        actor=monitor_on_team,
        is_web_capture=True,
    )
    assert capture.is_web_capture


def test_web_capture_of_another_type_is_refused(captured_source, monitor_on_team):
    with pytest.raises(ValidationError, match="A web capture must be an HTML page, a PDF or an"):
        evidence_upload(
            source=captured_source,
            uploaded_file=upload("clip.mp3", b"ID3\x04" + b"\x00" * 20),
            actor=monitor_on_team,
            is_web_capture=True,
        )


def test_web_capture_needs_the_url_and_the_capture_time_on_the_source(source, monitor_on_team):
    with pytest.raises(ValidationError, match="which URL was captured and when"):
        evidence_upload(
            source=source,
            uploaded_file=upload("page.pdf", PDF_BYTES),
            actor=monitor_on_team,
            is_web_capture=True,
        )
    assert stored_files() == []


# -- verify_evidence -----------------------------------------------------------------------------


@pytest.fixture
def evidence(source, monitor_on_team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the upload commits
        return evidence_upload(
            source=source, uploaded_file=upload("verdict.pdf", PDF_BYTES), actor=monitor_on_team
        )


def run_verify(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_evidence", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_verify_evidence_passes_on_intact_files_and_logs_each_check(evidence, reviewer):
    out, err = run_verify("--actor", reviewer.username)

    assert "Checked 1 evidence file: 1 intact, 0 altered, 0 missing;" in out
    assert err == ""
    event = evidence.custody_events.get(action=CustodyAction.VERIFY)
    assert event.actor == reviewer
    assert event.sha256_seen == evidence.sha256


def test_scheduled_verification_is_logged_without_an_actor(evidence):
    run_verify()
    event = evidence.custody_events.get(action=CustodyAction.VERIFY)
    assert event.actor is None
    assert "Scheduled integrity check" in event.note


def test_tampered_file_makes_verify_evidence_fail_and_name_the_file(evidence, source):
    intact = evidence_upload(
        source=source,
        uploaded_file=upload("other.pdf", PDF_BYTES + b"%"),
        actor=evidence.created_by,
    )
    tamper(evidence)

    with pytest.raises(CommandError) as failed:
        run_verify()

    assert "1 intact, 1 altered, 0 missing" in str(failed.value)
    failure = evidence.custody_events.get(action=CustodyAction.VERIFY_FAILED)
    assert failure.sha256_seen == ""  # the altered bytes do not even decrypt
    assert "altered or truncated" in failure.note
    assert intact.custody_events.filter(action=CustodyAction.VERIFY).count() == 1


def test_verify_evidence_report_names_id_and_stored_path_never_the_original_name(evidence, capsys):
    tamper(evidence, position=30)

    with pytest.raises(SystemExit) as exit_status:
        VerifyCommand().run_from_argv(["manage.py", "verify_evidence"])

    assert exit_status.value.code != 0
    err = capsys.readouterr().err
    assert "UNREADABLE" in err
    assert str(evidence.pk) in err
    assert "verdict" not in err  # a protected source's file name can say who it is
    assert str(path_of(evidence)) in err


def test_deleted_file_is_reported_missing(evidence):
    path = path_of(evidence)
    path.unlink()

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_evidence", stdout=out, stderr=err)

    assert "0 intact, 0 altered, 1 missing" in str(failed.value)
    assert f"MISSING id={evidence.pk}" in err.getvalue()
    assert str(path) in err.getvalue()
    failure = evidence.custody_events.get(action=CustodyAction.VERIFY_FAILED)
    assert "missing" in failure.note
    assert failure.sha256_seen == ""


def test_verify_evidence_with_an_unknown_actor_stops_before_checking(evidence):
    with pytest.raises(CommandError, match="No active user"):
        run_verify("--actor", "nobody")
    assert not evidence.custody_events.filter(action=CustodyAction.VERIFY).exists()


# -- download ----------------------------------------------------------------------------------


def download_url(evidence: EvidenceFile) -> str:
    return reverse("sources:evidence-download", args=[evidence.pk])


def test_download_gives_the_bytes_as_an_attachment_with_the_hash_headers(
    client, evidence, reviewer
):
    client.force_login(reviewer)

    response = client.get(download_url(evidence))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"] == 'attachment; filename="verdict.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-SHA256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert response["Repr-Digest"] == f"sha-256=:{evidence.sha256_base64}:"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = evidence.custody_events.get(action=CustodyAction.DOWNLOAD)
    assert (event.actor, event.sha256_seen, event.client_address) == (
        reviewer,
        evidence.sha256,
        "127.0.0.1",
    )


def test_download_by_a_user_who_cannot_see_the_source_is_a_404_and_leaves_no_event(
    client, evidence, no_role_user
):
    stranger_team = TeamFactory()
    evidence.source.confidentiality = Confidentiality.STRICT
    evidence.source.save()
    from tests.factories import UserFactory

    outsider = UserFactory(
        role="Monitor", clearance=Confidentiality.CONFIDENTIAL, teams=[stranger_team]
    )
    for user in (outsider, no_role_user):
        client.force_login(user)
        assert client.get(download_url(evidence)).status_code == 404
    assert not evidence.custody_events.filter(action=CustodyAction.DOWNLOAD).exists()


def test_download_of_an_unknown_id_is_a_404(client, reviewer):
    client.force_login(reviewer)
    url = reverse("sources:evidence-download", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_anonymous_download_is_sent_to_sign_in(client, evidence):
    response = client.get(download_url(evidence))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not evidence.custody_events.filter(action=CustodyAction.DOWNLOAD).exists()


def test_download_only_answers_get(client, evidence, reviewer):
    client.force_login(reviewer)
    assert client.post(download_url(evidence)).status_code == 405


def test_tampered_file_is_not_served_and_the_failed_check_is_logged(client, evidence, reviewer):
    tamper(evidence)
    client.force_login(reviewer)

    response = client.get(download_url(evidence))

    assert response.status_code == 409
    assert b"altered or truncated" in response.content
    assert not evidence.custody_events.filter(action=CustodyAction.DOWNLOAD).exists()
    failure = evidence.custody_events.get(action=CustodyAction.VERIFY_FAILED)
    assert failure.actor == reviewer


def test_download_service_refuses_a_hidden_file(evidence, monitor_off_team):
    evidence.source.confidentiality = Confidentiality.STRICT
    evidence.source.save()
    with pytest.raises(NotVisible):
        evidence_open_for_download(evidence=evidence, actor=monitor_off_team)


# -- derived copies ----------------------------------------------------------------------------


@pytest.fixture
def photo(source, monitor_on_team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the upload commits
        return evidence_upload(
            source=source,
            uploaded_file=upload("IMG_0412.jpg", jpeg_with_gps(), "image/jpeg"),
            actor=monitor_on_team,
        )


def test_derived_copy_has_no_gps_while_the_original_keeps_it(photo, monitor_on_team):
    original_bytes = content_of(photo)
    original_sha = photo.sha256

    copy = evidence_derive_copy(original=photo, actor=monitor_on_team)

    copy_bytes = content_of(copy)
    with Image.open(io.BytesIO(copy_bytes)) as image:
        assert image.getexif().get_ifd(GPS_IFD) == {}
        assert 0xA431 not in image.getexif()
    assert b"SERIAL-123456" not in copy_bytes
    assert b"Khorog, my street" not in copy_bytes
    with Image.open(io.BytesIO(content_of(photo))) as image:
        assert image.getexif().get_ifd(GPS_IFD)[1] == "N"
    photo.refresh_from_db()
    assert content_of(photo) == original_bytes
    assert photo.sha256 == original_sha == hashlib.sha256(original_bytes).hexdigest()
    assert copy.derived_from == photo
    assert "Location" in copy.derivation
    assert copy.source == photo.source
    assert copy.sha256 == hashlib.sha256(copy_bytes).hexdigest()
    assert copy.original_name == "IMG_0412-no-location.jpg"
    assert copy.file.name != photo.file.name


def test_derivation_leaves_a_derive_event_on_both_files(photo, monitor_on_team):
    copy = evidence_derive_copy(original=photo, actor=monitor_on_team, client_address="192.0.2.7")

    on_original = photo.custody_events.get(action=CustodyAction.DERIVE)
    on_copy = copy.custody_events.get(action=CustodyAction.DERIVE)
    assert on_original.actor == on_copy.actor == monitor_on_team
    assert on_original.sha256_seen == photo.sha256
    assert on_copy.sha256_seen == copy.sha256
    assert str(copy.pk) in on_original.note
    assert str(photo.pk) in on_copy.note


def test_png_copy_loses_its_gps_and_text_metadata(source, monitor_on_team):
    from PIL import PngImagePlugin

    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (37.0, 29.0, 0.0)}
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Khorog, Lenin street")
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", exif=exif.tobytes(), pnginfo=info)
    original = evidence_upload(
        source=source, uploaded_file=upload("map.png", out.getvalue()), actor=monitor_on_team
    )

    copy = evidence_derive_copy(original=original, actor=monitor_on_team)

    data = content_of(copy)
    assert b"Lenin street" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(GPS_IFD) == {}


def test_no_copy_of_a_pdf(evidence, monitor_on_team):
    with pytest.raises(ActionRefused, match="JPEG and PNG images only"):
        evidence_derive_copy(original=evidence, actor=monitor_on_team)
    assert EvidenceFile.objects.count() == 1


def test_no_copy_of_a_tampered_original(photo, monitor_on_team):
    tamper(photo)

    with pytest.raises(ActionRefused, match="altered or truncated"):
        evidence_derive_copy(original=photo, actor=monitor_on_team)

    assert EvidenceFile.objects.count() == 1
    assert photo.custody_events.filter(action=CustodyAction.VERIFY_FAILED).exists()


def test_copy_of_a_hidden_file_is_not_visible(photo, monitor_off_team):
    photo.source.confidentiality = Confidentiality.STRICT
    photo.source.save()
    with pytest.raises(NotVisible):
        evidence_derive_copy(original=photo, actor=monitor_off_team)


# -- the whole life of a file ------------------------------------------------------------------


def test_every_access_leaves_a_custody_event_with_actor_and_hash(
    client, photo, monitor_on_team, reviewer
):
    copy = evidence_derive_copy(original=photo, actor=monitor_on_team)
    client.force_login(reviewer)
    assert client.get(download_url(photo)).status_code == 200
    assert client.get(download_url(copy)).status_code == 200
    run_verify("--actor", reviewer.username)

    life = [
        (event.action, event.actor, event.sha256_seen)
        for event in photo.custody_events.order_by("at")
    ]
    assert life == [
        (CustodyAction.UPLOAD, monitor_on_team, photo.sha256),
        (CustodyAction.DERIVE, monitor_on_team, photo.sha256),
        (CustodyAction.DOWNLOAD, reviewer, photo.sha256),
        (CustodyAction.VERIFY, reviewer, photo.sha256),
    ]
    assert [e.action for e in copy.custody_events.order_by("at")] == [
        CustodyAction.DERIVE,
        CustodyAction.DOWNLOAD,
        CustodyAction.VERIFY,
    ]


def test_file_of_a_protected_source_is_refused_to_whoever_may_not_identify_it(
    client, evidence, monitor_off_team
):
    source = evidence.source
    source.is_protected = True
    source.confidentiality = Confidentiality.INTERNAL
    source.save()
    client.force_login(monitor_off_team)  # sees the source (its pseudonym), not who it is

    response = client.get(download_url(evidence))

    assert response.status_code == 403
    assert b"%PDF" not in response.content
    assert not evidence.custody_events.filter(action=CustodyAction.DOWNLOAD).exists()
