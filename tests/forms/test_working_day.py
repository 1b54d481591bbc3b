"""A monitor's working day (issue 19, points 3 and 8): claim status, citation stance and
field, contested figures and events from the pages; sentences in years; the smaller
irritants (labels, vocabulary case, what a viewer sees) and evidence previews."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.choices import ClaimStatus, StepKind
from cases.models import Event, EventFigure
from monitor.choices import Confidentiality, ReviewState
from sources.choices import CustodyAction, Reliability, Stance
from sources.models import Citation
from sources.services import citation_add, evidence_upload
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    PlaceFactory,
    SourceFactory,
)
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


# -- claim status, citation stance and field --------------------------------------------------


def test_claim_status_is_set_from_the_page_through_the_service_rules(
    signed_in, team, monitor_on_team, monitor_off_team
):
    case = CaseFactory(team=team)
    allegation = AllegationFactory(case=case)
    url = reverse("allegation-status", kwargs={"pk": allegation.pk})
    client = signed_in(monitor_on_team)
    assert url in client.get(reverse("case-detail", kwargs={"pk": case.pk})).content.decode()

    # Refuted without a contesting source: refused with the service's reason, nothing changed.
    page = client.get(url)
    response = client.post(url, form_data(page, status=ClaimStatus.REFUTED))
    assert response.status_code == 400
    assert "Cite the source that refutes this claim" in response.content.decode()
    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.ALLEGED

    # With a contesting source it is refuted, the comment kept in the history.
    citation_add(
        record=allegation,
        source=SourceFactory(team=team),
        actor=monitor_on_team,
        stance=Stance.CONTESTS,
    )
    page = client.get(url)
    response = client.post(
        url, form_data(page, status=ClaimStatus.REFUTED, comment="The court record shows it.")
    )
    assert response.status_code == 302
    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.REFUTED
    assert "The court record shows it." in allegation.history.first().history_change_reason

    # Another team's monitor sees the case but may not change the claim: 403 with why; the
    # claim of a case they may not see answers like one that does not exist.
    client = signed_in(monitor_off_team)
    assert client.post(url, {"status": ClaimStatus.ALLEGED}).status_code == 403
    strict = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    step = DetentionStepFactory(detention=DetentionFactory(case=strict), kind=StepKind.ARRESTED)
    hidden = AllegationFactory(case=strict)
    assert client.get(reverse("allegation-status", kwargs={"pk": hidden.pk})).status_code == 404
    assert client.get(reverse("step-status", kwargs={"pk": step.pk})).status_code == 404
    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.REFUTED


def test_a_row_cites_a_contesting_source_for_one_field(signed_in, team, monitor_on_team):
    case = CaseFactory(team=team)
    allegation = AllegationFactory(case=case)
    source = SourceFactory(team=team, title="Statement of the prosecutor")
    client = signed_in(monitor_on_team)
    url = reverse("case-edit", kwargs={"pk": case.pk})
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            **{
                "allegations-0-cite_source": str(source.pk),
                "allegations-0-cite_stance": Stance.CONTESTS,
                "allegations-0-cite_field": "date",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    citation = Citation.objects.get(object_id=allegation.pk)
    assert (citation.source, citation.stance, citation.field_name) == (
        source,
        Stance.CONTESTS,
        "date",
    )


# -- events and their contested figures --------------------------------------------------------


def test_new_event_page_records_a_draft_through_the_service(
    signed_in, team, monitor_on_team, viewer
):
    khorog = PlaceFactory(name="Khorog")
    parent = EventFactory(team=team, title="GBAO 2022 crackdown")
    client = signed_in(monitor_on_team)
    assert reverse("event-create") in client.get(reverse("event-list")).content.decode()
    page = client.get(reverse("event-create"))
    response = client.post(
        reverse("event-create"),
        form_data(
            page,
            title="Khorog rally, 16 May 2022",
            parent=str(parent.pk),
            places=["Khorog"],  # typed without JavaScript: an exact name
            start="2022-05-16",
            confidentiality=str(Confidentiality.INTERNAL),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get(title="Khorog rally, 16 May 2022")
    assert (event.parent, list(event.places.all())) == (parent, [khorog])
    assert (event.review_state, event.team, event.created_by) == (
        ReviewState.DRAFT,
        team,
        monitor_on_team,
    )
    # Edited on its own page, the version travelling with the form.
    url = reverse("event-edit", kwargs={"pk": event.pk})
    page = client.get(url)
    assert client.post(url, form_data(page, description="Thousands gathered.")).status_code == 302
    event.refresh_from_db()
    assert event.description == "Thousands gathered."
    # A viewer records no event.
    assert signed_in(viewer).get(reverse("event-create")).status_code == 403


def test_contested_figures_are_added_side_by_side_with_their_sources(
    signed_in, team, monitor_on_team
):
    event = EventFactory(team=team, title="Khorog rally")
    official = SourceFactory(team=team, title="Statement of the Ministry")
    client = signed_in(monitor_on_team)
    detail = client.get(reverse("event-detail", kwargs={"pk": event.pk})).content.decode()
    url = reverse("figure-create", kwargs={"pk": event.pk})
    assert url in detail
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            kind="killed",
            qualifier="exact",
            value="10",
            claimed_by="the authorities",
            source=str(official.pk),
            credibility="3",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    figure = EventFigure.objects.get(event=event)
    assert (figure.value, figure.claimed_by, figure.source) == (10, "the authorities", official)
    # The figure is cited like any claim.
    assert Citation.objects.filter(object_id=figure.pk, source=official).exists()
    # A bad figure: said next to its field, nothing written.
    page = client.get(url)
    response = client.post(url, form_data(page, kind="killed", value="-3", source=""))
    assert response.status_code == 400
    assert EventFigure.objects.count() == 1


# -- the smaller points ------------------------------------------------------------------------


def test_sentence_is_typed_in_years_and_months(signed_in, team, monitor_on_team):
    case = CaseFactory(team=team)
    detention = DetentionFactory(case=case)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2023-06-03")
    DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date="2023-10", sentence_months=90
    )
    client = signed_in(monitor_on_team)
    url = reverse("detention-steps", kwargs={"case_pk": case.pk, "pk": detention.pk})
    html = client.get(url).content.decode()
    # 90 months shows as 7 years and 6 months, and nobody is told to multiply by 12.
    assert re.search(r'name="steps-1-sentence_months_0"[^>]*value="7"', html)
    assert re.search(r'name="steps-1-sentence_months_1"[^>]*value="6"', html)
    assert "7 years is 84" not in html


def test_reliability_reads_once_and_vocabulary_keeps_its_case(signed_in, team, monitor_on_team):
    source = SourceFactory(team=team, reliability=Reliability.C)
    client = signed_in(monitor_on_team)
    html = client.get(reverse("source-detail", kwargs={"pk": source.pk})).content.decode()
    assert "C — fairly reliable" in html and "C — C" not in re.sub(r"<[^>]+>", "", html)

    case = CaseFactory(team=team)
    detention = DetentionFactory(case=case)
    DetentionStepFactory(detention=detention, kind=StepKind.PRETRIAL, date="2022-05")
    html = client.get(reverse("case-detail", kwargs={"pk": case.pk})).content.decode()
    assert '<span class="timeline__kind">Pre-trial detention</span>' in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("monitor/monitor.css"), encoding="utf-8").read()  # noqa: SIM115
    assert not re.search(r"\.timeline__kind\s*\{[^}]*capitalize", css)


def test_follow_up_export_button_reads_well(signed_in, monitor_on_team):
    html = signed_in(monitor_on_team).get(reverse("followup-list")).content.decode()
    assert "Export these (CSV)" in html and "follow-up (CSV)" not in html


def test_viewer_sees_no_drafts_card_and_no_admin_link(signed_in, viewer, monitor_on_team, reviewer):
    viewer.is_staff = True  # even an account marked staff: a viewer has nothing to do there
    viewer.save()
    html = signed_in(viewer).get(reverse("dashboard")).content.decode()
    assert "My drafts" not in html and "Returned to me" not in html
    assert reverse("admin:index") not in html
    html = signed_in(monitor_on_team).get(reverse("dashboard")).content.decode()
    assert "My drafts" in html
    reviewer.is_staff = True
    reviewer.save()
    assert reverse("admin:index") in signed_in(reviewer).get(reverse("dashboard")).content.decode()


def test_evidence_preview_shows_images_and_pdfs_inline_with_the_download_checks(
    signed_in, team, monitor_on_team, monitor_off_team, django_capture_on_commit_callbacks
):
    source = SourceFactory(team=team, confidentiality=Confidentiality.STRICT)
    with django_capture_on_commit_callbacks(execute=True):
        pdf = evidence_upload(
            source=source,
            uploaded_file=SimpleUploadedFile("verdict.pdf", PDF_BYTES),
            actor=monitor_on_team,
        )
        image = evidence_upload(
            source=source,
            uploaded_file=SimpleUploadedFile("bruise.png", PNG_BYTES),
            actor=monitor_on_team,
        )
        audio_less = evidence_upload(
            source=source,
            uploaded_file=SimpleUploadedFile("note.txt", b"Plain words.\n"),
            actor=monitor_on_team,
        )
    client = signed_in(monitor_on_team)
    html = client.get(reverse("source-detail", kwargs={"pk": source.pk})).content.decode()
    for shown in (pdf, image):
        url = reverse("sources:evidence-preview", args=[shown.pk])
        assert url in html
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("inline")
        assert b"".join(response.streaming_content) in (PDF_BYTES, PNG_BYTES)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response["Content-Security-Policy"]
        # Logged as every copy served is.
        assert shown.custody_events.filter(
            action=CustodyAction.DOWNLOAD, actor=monitor_on_team
        ).exists()
    assert (
        "sandbox"
        in client.get(reverse("sources:evidence-preview", args=[image.pk]))[
            "Content-Security-Policy"
        ]
    )
    # No preview of other kinds of files; none of a file the user may not see (404, no log).
    assert reverse("sources:evidence-preview", args=[audio_less.pk]) not in html
    assert client.get(reverse("sources:evidence-preview", args=[audio_less.pk])).status_code == 404
    client = signed_in(monitor_off_team)
    assert client.get(reverse("sources:evidence-preview", args=[pdf.pk])).status_code == 404
    assert not pdf.custody_events.filter(actor=monitor_off_team).exists()
