"""The source form: evidence uploads (and disguised files refused), review, who may edit."""

from __future__ import annotations

import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from monitor.choices import Confidentiality, ReviewState
from monitor.services import record_save
from sources.models import CustodyEvent, EvidenceFile, Source
from tests.factories import SourceFactory, TeamFactory
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def stored_files() -> list:
    root = settings.EVIDENCE_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_source_with_an_evidence_file_keeps_its_hash_and_custody(
    signed_in, monitor_on_team, team, source_kind
):
    client = signed_in(monitor_on_team)
    page = client.get(reverse("source-create"))
    data = form_data(
        page,
        title="Verdict of the Supreme Court",
        kind=str(source_kind.pk),
        published="October 2023",
        reliability="A",
        **{"evidence-description": "Scan of the verdict"},
    )
    data["evidence-file"] = SimpleUploadedFile("verdict.pdf", PDF, "application/pdf")

    response = client.post(reverse("source-create"), data)

    source = Source.objects.get()
    assert response.status_code == 302
    assert (source.team, str(source.published)) == (team, "October 2023")
    evidence = EvidenceFile.objects.get()
    assert (evidence.source, evidence.original_name, evidence.content_type) == (
        source,
        "verdict.pdf",
        "application/pdf",
    )
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert CustodyEvent.objects.get(evidence=evidence).actor == monitor_on_team
    page = client.get(response["Location"])
    assert evidence.sha256 in page.content.decode()


def test_a_disguised_file_is_refused_next_to_the_field_and_nothing_is_kept(
    signed_in, monitor_on_team, source_kind
):
    client = signed_in(monitor_on_team)
    page = client.get(reverse("source-create"))
    data = form_data(page, title="Photo of the court", kind=str(source_kind.pk))
    data["evidence-file"] = SimpleUploadedFile("photo.pdf", WINDOWS_EXE, "application/pdf")

    response = client.post(reverse("source-create"), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert '<ul class="errorlist" id="id_evidence-file_error">' in html
    assert "The content is a Windows executable, not an allowed type" in html
    assert 'href="#id_evidence-file"' in html
    assert 'value="Photo of the court"' in html  # the rest of the input is kept
    assert not Source.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert stored_files() == []


def test_a_refused_upload_on_an_existing_source_changes_nothing(signed_in, monitor_on_team, team):
    source = SourceFactory(team=team, title="Old title")
    client = signed_in(monitor_on_team)
    page = client.get(reverse("source-edit", args=[source.pk]))
    data = form_data(page, title="New title")
    data["evidence-file"] = SimpleUploadedFile("notes.txt", b"<html><script>", "text/plain")

    response = client.post(reverse("source-edit", args=[source.pk]), data)

    assert response.status_code == 400
    assert "HTML is accepted only as a web capture" in response.content.decode()
    source.refresh_from_db()
    assert (source.title, source.version) == ("Old title", 1)


def test_stale_source_edit_is_refused(signed_in, monitor_on_team, reviewer, team):
    source = SourceFactory(team=team, title="Old title")
    client = signed_in(monitor_on_team)
    page = client.get(reverse("source-edit", args=[source.pk]))
    fresh = Source.objects.get(pk=source.pk)
    fresh.summary = "Reviewer's note"
    record_save(record=fresh, actor=reviewer)

    response = client.post(reverse("source-edit", args=[source.pk]), form_data(page, title="Mine"))

    assert response.status_code == 409
    assert "changed by rita-reviewer" in response.content.decode()
    source.refresh_from_db()
    assert source.title == "Old title"


def test_source_submitted_for_review_and_next_leads_back(signed_in, monitor_on_team, source_kind):
    client = signed_in(monitor_on_team)
    back = reverse("case-create")
    url = reverse("source-create") + f"?next={back}"
    page = client.get(url)
    response = client.post(url, form_data(page, title="UN press release", kind=str(source_kind.pk)))
    assert response["Location"] == back
    source = Source.objects.get()
    client.post(reverse("source-submit", args=[source.pk]))
    source.refresh_from_db()
    assert source.review_state == ReviewState.SUBMITTED


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("monitor_off_team", "Only members of this record's team may edit it."),
        ("viewer", "Your role does not allow editing this record."),
    ],
)
def test_who_sees_but_may_not_edit_a_source_gets_403(request, signed_in, team, persona, message):
    source = SourceFactory(team=team, confidentiality=Confidentiality.INTERNAL)
    client = signed_in(request.getfixturevalue(persona))
    response = client.get(reverse("source-edit", args=[source.pk]))
    assert response.status_code == 403
    assert escape(message) in response.content.decode()
    data = {"title": "Taken over", "evidence-file": SimpleUploadedFile("a.pdf", PDF)}
    assert client.post(reverse("source-edit", args=[source.pk]), data).status_code == 403
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize("persona", ["monitor_off_team", "viewer", "no_role_user"])
def test_who_may_not_see_a_source_gets_404(request, signed_in, team, persona):
    source = SourceFactory(team=team, confidentiality=Confidentiality.STRICT)
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(reverse("source-edit", args=[source.pk])).status_code == 404
    assert client.post(reverse("source-submit", args=[source.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["viewer", "no_role_user"])
def test_who_may_not_write_cannot_add_a_source(request, signed_in, persona):
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(reverse("source-create")).status_code == 403
    assert client.post(reverse("source-create"), {"title": "x"}).status_code == 403
    assert not Source.objects.exists()


def test_a_protected_source_is_not_edited_by_whom_may_not_know_it(signed_in, coordinator):
    source = SourceFactory(
        title="Name of the informant",
        is_protected=True,
        confidentiality=Confidentiality.INTERNAL,
        team=TeamFactory(),
    )
    response = signed_in(coordinator).get(reverse("source-edit", args=[source.pk]))
    assert response.status_code == 403
    assert "Name of the informant" not in response.content.decode()
