"""The UN submission pack and the follow-up letter, checked as a person reads them: the PDF
rendered to images (pdftoppm) and read back as text (pdftotext), the DOCX read back as text.

Protected persons appear as pseudonyms unless a coordinator includes them with a reason;
protected sources are described, never named; every fact has its footnote; each generation
is kept as an evidence file (hash, custody) and recorded in the access log.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from cases.choices import CasePersonRole, FollowUpKind, StepKind
from cases.models import Case
from monitor.choices import Confidentiality, Vocabulary
from monitor.models import AccessLog
from sources.models import CustodyEvent, EvidenceFile
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    FollowUpFactory,
    OrganizationFactory,
    PersonFactory,
    PlaceFactory,
    SourceFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

WITNESS = "Gulnora Secretova"
DETAINEE = "Daler Imomali"
PROTECTED_SOURCE = "Night call with the witness's brother"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture
def documented_case(team, monitor_on_team, coordinator):
    """An internal case of the team: a detained journalist (public), a protected witness, a
    UN letter of 12 May 2023 left unanswered, and a public and a protected source."""
    coordinator.teams.add(team)
    internal = {"confidentiality": Confidentiality.INTERNAL, "team": team}
    case = CaseFactory(
        reference="TJK-2023-0001",
        title="Convicted journalists (UN letter of 12 May 2023)",
        summary="Eight UN experts wrote to the authorities on 12 May 2023.",
        **internal,
    )
    detainee = PersonFactory(name=DETAINEE, **internal)
    witness = PersonFactory(name=WITNESS, is_protected=True, **internal)
    CasePersonFactory(case=case, person=witness, role=CasePersonRole.WITNESS)
    detention = DetentionFactory(case=case, person=detainee)
    arrest = DetentionStepFactory(
        detention=detention,
        kind=StepKind.ARRESTED,
        date="June 2022",
        place=PlaceFactory(name="Dushanbe"),
        authority=OrganizationFactory(name="State Committee for National Security"),
        note="No warrant was shown.",
    )
    sentence = DetentionStepFactory(
        detention=detention,
        kind=StepKind.SENTENCED,
        date="2022-12-08",
        sentence_months=120,
        facility=TermFactory(vocabulary=Vocabulary.FACILITY, label="Penal colony No. 3"),
    )
    sentence.articles.add(
        TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307 (extremism)")
    )
    AllegationFactory(case=case, victim=detainee, date="2022-06-15")
    public = SourceFactory(
        title="Tajikistan: journalists jailed", publisher="HRW", reliability="B", **internal
    )
    secret = SourceFactory(title=PROTECTED_SOURCE, is_protected=True, reliability="C", **internal)
    CitationFactory(source=public, record=arrest, page="4")
    CitationFactory(source=secret, record=arrest)
    CitationFactory(source=public, record=sentence)
    CitationFactory(source=public, record=case)
    letter = FollowUpFactory(
        case=case,
        kind=FollowUpKind.UN_COMMUNICATION,
        title="Letter of eight UN experts",
        reference="AL TJK 2/2023",
        addressee=OrganizationFactory(name="Government of Tajikistan"),
        sent="2023-05-12",
    )
    CitationFactory(source=public, record=letter)
    return {"case": case, "letter": letter, "witness": witness}


def _docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs)


def _pdf_read(data: bytes, name: str) -> str:
    """The PDF as a person sees it: its first page drawn to PNG (kept with the browser
    screenshots), and its text as a reader extracts it. Needs poppler-utils, which `make
    test` and .ci/run install."""
    pdftoppm, pdftotext = shutil.which("pdftoppm"), shutil.which("pdftotext")
    assert pdftoppm and pdftotext, "install poppler-utils (make test does)"
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "document.pdf"
        pdf.write_bytes(data)
        subprocess.run(  # noqa: S603 — fixed arguments, a file we wrote
            [
                pdftoppm,
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(Path(folder) / "page"),
            ],
            check=True,
        )
        pages = sorted(Path(folder).glob("page*.png"))
        assert pages and pages[0].read_bytes().startswith(b"\x89PNG")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(pages[0], SCREENSHOTS / f"{name}-page-1.png")
        text = subprocess.run(  # noqa: S603
            [pdftotext, "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
        ).stdout.decode()
    return text


def _generate(client, url, **data):
    response = client.post(url, {"format": "docx", **data})
    assert response.status_code == 200, response.content[:500]
    return response


def test_monitor_downloads_a_docx_pack_with_every_fact_footnoted_and_the_witness_pseudonymised(
    client, monitor_on_team, documented_case
):
    client.force_login(monitor_on_team)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    assert client.get(url).status_code == 200
    response = _generate(client, url)
    assert response["Content-Disposition"].startswith('attachment; filename="un-submission-')
    text = _docx_text(response.content)
    assert WITNESS not in text
    assert documented_case["witness"].pseudonym in text
    assert DETAINEE in text
    assert PROTECTED_SOURCE not in text
    assert "Confidential source (other), identity withheld" in text or "Confidential source" in text
    assert "June 2022 (month known, not the day)" in text
    assert "No warrant was shown." in text
    assert "Art. 307 (extremism)" in text
    assert "10 years" in text
    assert "AL TJK 2/2023" in text and "Replies: none" in text
    # Every fact line of a section that cites a source ends with its footnote markers, and
    # every marker points at a numbered source.
    notes = set(re.findall(r"^\[(\d+)\] ", text, flags=re.M))
    markers = {
        n
        for group in re.findall(r"\[(\d+(?:, \d+)*)\]$", text, flags=re.M)
        for n in group.split(", ")
    }
    assert markers and markers <= notes
    assert "Grading B2" in text
    for line in ("Date: June 2022", "Sentenced 8 December 2022", "Letter of eight UN experts"):
        fact = next(item for item in text.splitlines() if line in item)
        assert re.search(r"\[\d+(, \d+)*\]$", fact), fact


def test_the_pack_is_in_english_whatever_the_interface_language(
    client, monitor_on_team, documented_case
):
    client.force_login(monitor_on_team)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    with translation.override("ru"):
        response = client.post(url, {"format": "docx"}, HTTP_ACCEPT_LANGUAGE="ru")
    text = _docx_text(response.content)
    assert "Identity of the person(s) concerned" in text and "2. Arrest" in text
    assert "Current status: sentenced" in text


def test_each_generation_is_kept_as_evidence_with_its_hash_and_logged(
    client, monitor_on_team, documented_case
):
    client.force_login(monitor_on_team)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    response = _generate(client, url)
    evidence = EvidenceFile.objects.get()
    assert evidence.sha256 == hashlib.sha256(response.content).hexdigest()
    assert evidence.source.team_id == documented_case["case"].team_id
    assert evidence.source.confidentiality == documented_case["case"].confidentiality
    assert CustodyEvent.objects.filter(evidence=evidence, action="upload").exists()
    log = AccessLog.objects.get(action="export", object_id=str(documented_case["case"].pk))
    assert log.user == monitor_on_team and "UN submission pack (docx)" in log.detail


def test_a_coordinator_includes_the_protected_witness_only_with_a_reason(
    client, coordinator, documented_case
):
    client.force_login(coordinator)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    refused = client.post(url, {"format": "docx", "include_protected": "on"})
    assert refused.status_code == 400
    assert "Say why protected identities are included" in refused.content.decode()
    assert not EvidenceFile.objects.exists()
    response = _generate(
        client, url, include_protected="on", reason="Witness consented in writing, 1 Dec"
    )
    assert WITNESS in _docx_text(response.content)
    evidence = EvidenceFile.objects.get()
    assert "Witness consented in writing" in evidence.description
    assert PROTECTED_SOURCE not in _docx_text(response.content)  # sources stay described


def test_a_monitor_cannot_include_protected_identities(client, monitor_on_team, documented_case):
    client.force_login(monitor_on_team)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    assert "include_protected" not in client.get(url).content.decode()
    response = _generate(client, url, include_protected="on", reason="try")
    assert WITNESS not in _docx_text(response.content)  # the field is not theirs: ignored


@pytest.mark.parametrize("persona", ["monitor_off_team", "no_role_user"])
def test_people_who_may_not_see_the_case_get_404_and_nothing_is_generated(
    client, personas, team, persona
):
    case = CaseFactory(confidentiality=Confidentiality.STRICT, team=team)
    followup = FollowUpFactory(case=case)
    client.force_login(personas[persona])
    for url in (
        reverse("case-un-submission", args=[case.pk]),
        reverse("followup-un-letter", args=[followup.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"format": "pdf"}).status_code == 404
    assert not EvidenceFile.objects.exists()


def test_a_viewer_who_sees_the_case_may_not_generate(client, viewer, documented_case):
    client.force_login(viewer)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    response = client.post(url, {"format": "docx"})
    assert response.status_code == 400
    assert "role does not allow" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def test_the_pdf_pack_reads_as_the_docx_does(client, coordinator, documented_case):
    client.force_login(coordinator)
    url = reverse("case-un-submission", args=[documented_case["case"].pk])
    response = client.post(url, {"format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", _pdf_read(response.content, "un-submission-pack"))
    assert "Submission to the United Nations special procedures" in text
    assert documented_case["witness"].pseudonym in text and WITNESS not in text
    assert PROTECTED_SOURCE not in text and "Grading B2" in text
    assert "Identity of the person(s) concerned" in text


def test_the_follow_up_letter_says_what_is_unanswered_in_both_formats(
    client, coordinator, documented_case
):
    client.force_login(coordinator)
    url = reverse("followup-un-letter", args=[documented_case["letter"].pk])
    assert client.get(url).status_code == 200
    docx = _docx_text(_generate(client, url).content)
    pdf = _pdf_read(client.post(url, {"format": "pdf"}).content, "un-follow-up-letter")
    for text in (docx, re.sub(r"\s+", " ", pdf)):
        assert "12 May 2023" in text and "Government of Tajikistan" in text
        assert "AL TJK 2/2023" in text
        assert "None to date." in text and "status: overdue" in text.lower()
    assert EvidenceFile.objects.count() == 2
    assert (
        AccessLog.objects.filter(action="export", detail__contains="follow-up letter").count() == 2
    )


@pytest.fixture
def demo(settings):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    call_command("load_demo", stdout=io.StringIO())
    return get_user_model().objects.get(username="coordinator")


def test_demo_coordinator_downloads_the_pack_and_letter_for_the_un_letter_of_12_may_2023(
    client, demo
):
    """The issue's "done when": both documents open, every fact that has a source shows its
    footnote, no protected person is named, and both generations are in the access log."""
    from cases.models import Case, FollowUp
    from people.models import Person

    case = Case.objects.get(reference="TJK-2023-0001")
    letter = FollowUp.objects.get(case=case, kind=FollowUpKind.UN_COMMUNICATION)
    client.force_login(demo)
    pack = _docx_text(_generate(client, reverse("case-un-submission", args=[case.pk])).content)
    follow_up = _docx_text(
        _generate(client, reverse("followup-un-letter", args=[letter.pk])).content
    )
    assert "12 May 2023" in pack and "12 May 2023" in follow_up
    assert re.search(r"^\[1\] .*Grading [A-F][1-6]", pack, flags=re.M)
    for protected in Person.objects.filter(is_protected=True).with_primary_name():
        assert protected.primary_name not in pack
    logged = AccessLog.objects.filter(action="export", user=demo).values_list("detail", flat=True)
    assert {"UN submission pack (docx)", "UN follow-up letter (docx)"} <= {
        detail.split(";")[0] for detail in logged
    }


def test_a_witness_named_in_free_text_is_withheld_from_the_pack_unless_included(
    client, monitor_on_team, coordinator, documented_case
):
    """The team member knows the witness; the pack still names nobody protected — not even
    where a summary or a note types the name — unless a coordinator includes them."""
    case = documented_case["case"]
    Case._base_manager.filter(pk=case.pk).update(
        summary=f"Eight UN experts wrote on 12 May 2023; {WITNESS} saw the arrest."
    )
    client.force_login(monitor_on_team)
    url = reverse("case-un-submission", args=[case.pk])
    text = _docx_text(_generate(client, url).content)
    assert WITNESS not in text and "Secretov" not in text
    assert "[name withheld] saw the arrest" in text
    client.force_login(coordinator)
    response = client.post(
        url, {"format": "docx", "include_protected": "on", "reason": "WGAD asked for the name"}
    )
    assert f"{WITNESS} saw the arrest" in _docx_text(response.content)
