"""A failed save keeps the chosen evidence file (issue 19, point 1): the page says "Kept:
<name>", and the next save stores it without the file being chosen again — for the session
that sent it only."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sources.models import EvidenceFile, Source
from tests.forms.helpers import form_data
from tests.forms.test_source_form import PDF, stored_files

pytestmark = pytest.mark.django_db


def failed_save_with_a_file(client, source_kind):
    """A source form sent without its title, with a PDF chosen."""
    page = client.get(reverse("source-create"))
    data = form_data(page, title="", kind=str(source_kind.pk), reliability="B")
    data["evidence-file"] = SimpleUploadedFile("verdict.pdf", PDF, "application/pdf")
    return client.post(reverse("source-create"), data)


def test_a_failed_save_keeps_the_file_and_the_next_save_stores_it(
    signed_in, monitor_on_team, source_kind
):
    client = signed_in(monitor_on_team)

    failed = failed_save_with_a_file(client, source_kind)

    assert failed.status_code == 400
    assert not Source.objects.exists() and not EvidenceFile.objects.exists()
    assert "Kept: verdict.pdf" in failed.content.decode()
    token = failed.context["kept_upload"]["token"]
    assert any(".incoming" in str(path) for path in stored_files())  # encrypted, no record

    data = form_data(
        client.get(reverse("source-create")),
        title="Verdict",
        kind=str(source_kind.pk),
        reliability="B",
    )
    data["evidence-kept"] = token
    saved = client.post(reverse("source-create"), data)

    assert saved.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert (evidence.source, evidence.original_name) == (Source.objects.get(), "verdict.pdf")
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()


def test_another_session_cannot_use_a_kept_file(
    signed_in, monitor_on_team, monitor_off_team, source_kind
):
    failed = failed_save_with_a_file(signed_in(monitor_on_team), source_kind)
    token = failed.context["kept_upload"]["token"]
    other = signed_in(monitor_off_team)
    data = form_data(
        other.get(reverse("source-create")), title="Mine", kind=str(source_kind.pk), reliability="B"
    )
    data["evidence-kept"] = token

    other.post(reverse("source-create"), data)

    assert not EvidenceFile.objects.exists()
