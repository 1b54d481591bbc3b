"""The generated documents open in LibreOffice, and the demo's pack hides its protected witness.

LibreOffice (``libreoffice-writer-nogui``, installed by ``make test``'s system packages and by
.ci/run) opens each DOCX headless and converts it to PDF, as a person opening the file would
see it; the PDF is read back with pdftotext. Never skipped: the tests fail, naming the package,
where LibreOffice is missing.

The demo (``load_demo``) has a protected witness on the case of the UN letter of 12 May 2023
(TJK-2023-0001): issue 17's "done when" — a coordinator downloads the submission pack and the
follow-up letter, both open in LibreOffice and a PDF reader, every fact has its footnote, the
witness appears by pseudonym, and each generation is in the access log.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from cases.choices import CasePersonRole, FollowUpKind
from monitor.models import AccessAction, AccessLog
from sources.models import EvidenceFile
from tests.pages.test_documents import (
    DETAINEE,
    PROTECTED_SOURCE,
    WITNESS,
    _docx_text,
    _pdf_read,
    documented_case,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db

DEMO_WITNESS = "Zarina Demoeva"


def libreoffice_text(data: bytes, suffix: str = ".docx") -> str:
    """``data`` opened in LibreOffice (headless), saved as PDF, and that PDF's text."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "install libreoffice-writer-nogui (make test and .ci/run do)"
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "install poppler-utils (make test does)"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"document{suffix}"
        source.write_bytes(data)
        # A profile of its own: two conversions at once (xdist) must not share one.
        profile = (Path(folder) / "profile").as_uri()
        result = subprocess.run(  # noqa: S603 — fixed arguments, a file we wrote
            [
                soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={profile}",
                "--convert-to",
                "pdf",
                "--outdir",
                folder,
                str(source),
            ],
            capture_output=True,
            timeout=300,
            check=False,
        )
        converted = source.with_suffix(".pdf")
        assert result.returncode == 0 and converted.exists(), result.stderr.decode()[-2000:]
        pdf = converted.read_bytes()
        assert pdf.startswith(b"%PDF")
        return subprocess.run(  # noqa: S603
            [pdftotext, str(converted), "-"], check=True, capture_output=True
        ).stdout.decode()


def _generate(client, url, fmt="docx", **data):
    response = client.post(url, {"format": fmt, **data})
    assert response.status_code == 200, response.content[:500]
    return response.content


def footnotes(text: str) -> tuple[set[str], set[str]]:
    """(the numbers of the footnotes, the numbers the facts' markers point at)."""
    notes = set(re.findall(r"^\[(\d+)\] ", text, flags=re.M))
    markers = {
        number
        for group in re.findall(r"\[(\d+(?:, ?\d+)*)\]", text)
        for number in re.split(r", ?", group)
    }
    return notes, markers


def first_footnote_graded(text: str) -> bool:
    """Footnote 1 names its source and its grading (a PDF's lines may wrap inside it)."""
    return bool(re.search(r"^\[1\] [^\[]*?Grading [A-F][1-6]", text, flags=re.M | re.S))


def test_the_submission_pack_and_letter_open_in_libreoffice_with_footnotes_and_pseudonym(
    client,
    coordinator,
    documented_case,  # noqa: F811
):
    client.force_login(coordinator)
    pack = libreoffice_text(
        _generate(client, reverse("case-un-submission", args=[documented_case["case"].pk]))
    )
    assert DETAINEE in pack
    assert WITNESS not in pack
    assert documented_case["witness"].pseudonym in pack
    assert PROTECTED_SOURCE not in pack
    notes, markers = footnotes(pack)
    assert notes and markers and markers <= notes
    assert first_footnote_graded(pack)
    assert "No warrant was shown." in pack

    letter = libreoffice_text(
        _generate(client, reverse("followup-un-letter", args=[documented_case["letter"].pk]))
    )
    assert "12 May 2023" in letter
    assert WITNESS not in letter


@pytest.fixture
def demo(settings):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    call_command("load_demo", stdout=io.StringIO())
    return get_user_model().objects.get(username="coordinator")


def test_the_demo_pack_of_the_un_letter_case_shows_the_protected_witness_as_a_pseudonym(
    client, demo
):
    from cases.models import Case, CasePerson, FollowUp

    case = Case.objects.get(reference="TJK-2023-0001")
    link = CasePerson.objects.select_related("person").get(case=case, role=CasePersonRole.WITNESS)
    witness = link.person
    assert witness.is_protected
    assert DEMO_WITNESS in set(witness.names.values_list("full_name", flat=True))
    letter = FollowUp.objects.get(case=case, kind=FollowUpKind.UN_COMMUNICATION)
    client.force_login(demo)
    before = AccessLog.objects.filter(action=AccessAction.EXPORT, user=demo).count()

    pack_url = reverse("case-un-submission", args=[case.pk])
    letter_url = reverse("followup-un-letter", args=[letter.pk])
    documents = {
        "pack.docx": _generate(client, pack_url),
        "pack.pdf": _generate(client, pack_url, "pdf"),
        "letter.docx": _generate(client, letter_url),
        "letter.pdf": _generate(client, letter_url, "pdf"),
    }
    texts = {
        "pack.docx": _docx_text(documents["pack.docx"]),
        "pack.docx in LibreOffice": libreoffice_text(documents["pack.docx"]),
        "pack.pdf": _pdf_read(documents["pack.pdf"], "demo-un-submission-pack"),
        "letter.docx in LibreOffice": libreoffice_text(documents["letter.docx"]),
        "letter.pdf": _pdf_read(documents["letter.pdf"], "demo-un-follow-up-letter"),
    }

    for name, text in texts.items():
        assert DEMO_WITNESS not in text and "Демоева" not in text, name
        assert "12 May 2023" in text, name
    for name in ("pack.docx", "pack.docx in LibreOffice", "pack.pdf"):
        assert witness.pseudonym in texts[name], name
        assert "identity protected (pseudonym)" in texts[name], name
    for name in ("pack.docx in LibreOffice", "letter.docx in LibreOffice"):
        notes, markers = footnotes(texts[name])
        assert notes and markers and markers <= notes, name
        assert first_footnote_graded(texts[name]), name

    logged = AccessLog.objects.filter(action=AccessAction.EXPORT, user=demo).order_by("at")
    assert logged.count() == before + 4
    details = [row.detail for row in logged[before:]]
    assert details == [
        "UN submission pack (docx); protected identities as pseudonyms",
        "UN submission pack (pdf); protected identities as pseudonyms",
        "UN follow-up letter (docx); protected identities as pseudonyms",
        "UN follow-up letter (pdf); protected identities as pseudonyms",
    ]
    assert all(row.object_id for row in logged[before:])
    # Each generation is kept as evidence: exactly what was sent can be shown later.
    kept = EvidenceFile.objects.filter(source__title__startswith="UN submission pack")
    assert kept.count() == 2
