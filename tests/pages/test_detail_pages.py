"""What each detail page tells its reader: timelines, provenance, figures, duplicates, state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.choices import FigureKind, FigureQualifier, ResponseKind, StepKind
from monitor.choices import Confidentiality
from monitor.history import acting_as
from monitor.services import review_return, review_submit
from sources.choices import Credibility, Reliability
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    EvidenceFileFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
INTERNAL = {"confidentiality": Confidentiality.INTERNAL}


def _html(client, user, name, record) -> str:
    client.force_login(user)
    response = client.get(reverse(name, kwargs={"pk": record.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_case_page_shows_the_detention_timeline_in_the_order_it_happened(client, viewer):
    case = CaseFactory(**INTERNAL)
    detention = DetentionFactory(
        case=case, person=PersonFactory(name="Tolib Ayombekov", **INTERNAL)
    )
    # Entered out of order: the page orders them by date.
    DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date="2023-12-05", sentence_months=84
    )
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2023-06-03")
    DetentionStepFactory(detention=detention, kind=StepKind.CHARGED, date="2023-06-10")
    DetentionStepFactory(detention=detention, kind=StepKind.TRIAL, date="2023-11")
    html = _html(client, viewer, "case-detail", case)
    order = [
        html.index(text)
        for text in ("3 June 2023", "10 June 2023", "November 2023", "5 December 2023")
    ]
    assert order == sorted(order)
    assert "7 years" in html
    assert "now: sentenced" in html
    assert "Expected release" in html


def test_case_page_shows_each_claims_sources_with_reliability_and_credibility(client, viewer):
    case = CaseFactory(**INTERNAL)
    allegation = AllegationFactory(case=case, victim=PersonFactory(**INTERNAL))
    source = SourceFactory(
        title="Court verdict of 5 December", reliability=Reliability.A, **INTERNAL
    )
    CitationFactory(
        source=source,
        record=allegation,
        credibility=Credibility.CONFIRMED,
        quote="sentenced to seven years",
    )
    html = _html(client, viewer, "case-detail", case)
    assert "Court verdict of 5 December" in html
    assert "A1" in html
    assert "completely reliable" in html
    assert "confirmed by other sources" in html
    assert "sentenced to seven years" in html
    assert "single-sourced" in html


def test_case_page_shows_the_review_state_and_the_return_comment(
    client, monitor_on_team, reviewer, team
):
    with acting_as(monitor_on_team):
        case = CaseFactory(team=team)
    review_submit(record=case, actor=monitor_on_team)
    review_return(record=case, actor=reviewer, comment="Add the arrest date.")
    html = _html(client, monitor_on_team, "case-detail", case)
    assert "Returned by rita-reviewer" in html
    assert "Add the arrest date." in html
    assert "Submitted for review" in html


def test_case_page_lists_the_history_with_who_changed_it(client, monitor_on_team, team):
    with acting_as(monitor_on_team, reason="Opened after the June arrests"):
        CaseFactory(team=team)
    case = CaseFactory._meta.model.objects.get()
    html = _html(client, monitor_on_team, "case-detail", case)
    section = html[html.index('id="history-heading"') :]
    assert "alice-monitor" in section
    assert "Opened after the June arrests" in section


def test_person_page_lists_every_name_variant(client, viewer):
    person = PersonFactory(name="Imumnazar Shoishirinov", **INTERNAL)
    PersonNameFactory(person=person, full_name="Имумназар Шоиширинов")
    PersonNameFactory(person=person, full_name="Imomnazar Shoishirinov")
    html = _html(client, viewer, "person-detail", person)
    for name in ("Imumnazar Shoishirinov", "Имумназар Шоиширинов", "Imomnazar Shoishirinov"):
        assert name in html


def test_person_page_warns_of_a_likely_duplicate_in_another_script(client, viewer):
    person = PersonFactory(name="Imumnazar Shoishirinov", **INTERNAL)
    twin = PersonFactory(name="Имумназар Шоиширинов", **INTERNAL)
    reordered = PersonFactory(name="Shoishirinov Imumnazar Karimovich", **INTERNAL)
    PersonFactory(name="Imumnazar Rahimov", **INTERNAL)
    client.force_login(viewer)
    response = client.get(reverse("person-detail", kwargs={"pk": person.pk}))
    found = {item["person"].pk for item in response.context["duplicates"]}
    assert found == {twin.pk, reordered.pk}
    assert b"This may be the same person as another record" in response.content


def test_duplicate_warning_never_points_at_a_person_the_user_may_not_identify(client, viewer, team):
    person = PersonFactory(name="Imumnazar Shoishirinov", **INTERNAL)
    PersonFactory(name="Имумназар Шоиширинов", is_protected=True, team=team, **INTERNAL)
    PersonFactory(name="Imumnazar Shoishirinov", confidentiality=Confidentiality.STRICT, team=team)
    client.force_login(viewer)
    response = client.get(reverse("person-detail", kwargs={"pk": person.pk}))
    assert response.context["duplicates"] == []
    assert b"same person" not in response.content


def test_event_page_shows_contested_figures_side_by_side_with_their_sources(client, viewer):
    event = EventFactory(title="Khorog rally", **INTERNAL)
    authorities = SourceFactory(title="Prosecutor's statement", **INTERNAL)
    experts = SourceFactory(title="UN experts' press release", publisher="OHCHR", **INTERNAL)
    EventFigureFactory(event=event, kind=FigureKind.KILLED, qualifier=FigureQualifier.EXACT,
                       value=10, claimed_by="Prosecutor General", source=authorities)  # fmt: skip
    EventFigureFactory(event=event, kind=FigureKind.KILLED, value=40, claimed_by="UN experts",
                       source=experts)  # fmt: skip
    child = EventFactory(
        title="Rushan road blockade", parent=event, start="18 May 2022", **INTERNAL
    )
    html = _html(client, viewer, "event-detail", event)
    assert "Killed: 10 – more than 40" in html
    assert "contested" in html
    for text in ("Prosecutor General", "UN experts", "Prosecutor&#x27;s statement", "OHCHR"):
        assert text in html or text.replace("&#x27;", "'") in html
    assert child.title in html
    timeline = html[html.index('id="timeline-heading"') :]
    assert timeline.index("16 May 2022") < timeline.index("18 May 2022")


def test_event_page_with_a_detainee_the_reader_may_not_see(client, viewer):
    """The event's timeline names an arrest's detainee the reader may see, and says "person
    not shown" for one they may not (a strict person): the page answers, and never names
    them."""
    event = EventFactory(title="Khorog rally", **INTERNAL)
    case = CaseFactory(**INTERNAL)
    case.events.add(event)
    hidden = PersonFactory(name="Mamadsho Ilolov", confidentiality=Confidentiality.STRICT)
    shown = PersonFactory(name="Tolib Ayombekov", **INTERNAL)
    for person, date in ((hidden, "17 May 2022"), (shown, "18 May 2022")):
        DetentionStepFactory(detention=DetentionFactory(case=case, person=person), date=date)
    html = _html(client, viewer, "event-detail", event)
    timeline = html[html.index('id="timeline-heading"') :]
    assert "Tolib Ayombekov" in timeline
    assert "person not shown" in timeline
    assert "Mamadsho" not in html and "Ilolov" not in html


def test_source_page_shows_what_it_supports_and_its_files_sha256(client, viewer):
    source = SourceFactory(title="Verdict", **INTERNAL)
    case = CaseFactory(reference="TJK-2023-0007", title="Five Pamiris", **INTERNAL)
    allegation = AllegationFactory(
        case=case, victim=PersonFactory(name="Tolib Ayombekov", **INTERNAL)
    )
    CitationFactory(source=source, record=allegation, page="12")
    CitationFactory(source=source, record=case)
    evidence = EvidenceFileFactory(source=source, original_name="verdict.pdf")
    html = _html(client, viewer, "source-detail", source)
    assert "TJK-2023-0007 — Five Pamiris" in html
    assert "allegation in TJK-2023-0007" in html
    assert "p. 12" in html
    assert evidence.sha256 in html
    assert reverse("sources:evidence-download", kwargs={"pk": evidence.pk}) in html


def test_source_page_does_not_name_a_hidden_victim_through_a_citation(client, viewer, team):
    source = SourceFactory(title="Verdict", **INTERNAL)
    case = CaseFactory(**INTERNAL)
    hidden = PersonFactory(name="Secretly Named", confidentiality=Confidentiality.STRICT, team=team)
    CitationFactory(source=source, record=AllegationFactory(case=case, victim=hidden))
    html = _html(client, viewer, "source-detail", source)
    assert "Secretly Named" not in html
    assert case.reference in html


def test_followup_page_shows_overdue_state_due_date_and_responses(client, viewer):
    case = CaseFactory(**INTERNAL)
    followup = FollowUpFactory(case=case, title="Letter of eight UN experts", sent="2023-05-12")
    FollowUpResponseFactory(
        followup=followup,
        kind=ResponseKind.ACKNOWLEDGED,
        received="2023-06-01",
        summary="Receipt acknowledged by the mission",
    )
    html = _html(client, viewer, "followup-detail", followup)
    assert "Overdue:" in html
    assert "11 July 2023" in html
    assert "Receipt acknowledged by the mission" in html
    assert "acknowledgement" in html
    answered = FollowUpFactory(case=case, title="Answered letter", sent="2023-05-12")
    FollowUpResponseFactory(followup=answered, kind=ResponseKind.FULL)
    html = _html(client, viewer, "followup-detail", answered)
    assert "Overdue:" not in html
    assert "answered" in html
