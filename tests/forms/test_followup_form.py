"""Follow-ups and their responses: the UN due date, validation, stale edits, who may edit."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from cases.choices import FollowUpKind, FollowUpStatus, ResponseKind
from cases.models import FollowUp, FollowUpResponse
from monitor.choices import Confidentiality
from monitor.services import record_save
from sources.models import Source
from tests.factories import CaseFactory, FollowUpFactory
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team):
    return CaseFactory(team=team, confidentiality=Confidentiality.INTERNAL)


def test_un_communication_is_due_sixty_days_after_it_was_sent(signed_in, monitor_on_team, case):
    client = signed_in(monitor_on_team)
    url = reverse("followup-create") + f"?case={case.pk}"
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(
        url,
        form_data(
            page,
            kind=FollowUpKind.UN_COMMUNICATION,
            title="Joint allegation letter on the GBAO detentions",
            reference="al tjk 2/2023",
            sent="2023-05-12",
        ),
    )

    followup = FollowUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("followup-detail", args=[followup.pk])
    assert (followup.case, followup.owner) == (case, monitor_on_team)
    assert followup.reference == "AL TJK 2/2023"
    assert followup.communication_type.code == "AL"
    assert followup.due_on == datetime.date(2023, 7, 11)


def test_a_bad_un_reference_is_explained_next_to_it(signed_in, monitor_on_team, case):
    client = signed_in(monitor_on_team)
    url = reverse("followup-create") + f"?case={case.pk}"
    page = client.get(url)
    response = client.post(
        url, form_data(page, title="Letter", reference="XYZ 2023", sent="2023-05-12")
    )
    assert response.status_code == 400
    assert 'id="id_reference_error"' in response.content.decode()
    assert not FollowUp.objects.exists()


def test_response_recorded_with_a_new_source_as_its_document(
    signed_in, monitor_on_team, case, source_kind
):
    followup = FollowUpFactory(case=case)
    client = signed_in(monitor_on_team)
    url = reverse("followup-respond", args=[followup.pk])
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            kind=ResponseKind.FULL,
            received="July 2023",
            summary="The Government replied that the arrests were lawful.",
            **{"newsource-title": "Reply of the Government", "newsource-kind": str(source_kind.pk)},
        ),
    )
    assert response.status_code == 302
    answer = FollowUpResponse.objects.get()
    assert answer.document == Source.objects.get(title="Reply of the Government")
    assert str(answer.received) == "July 2023"
    followup.refresh_from_db()
    assert followup.status() == FollowUpStatus.ANSWERED


def test_stale_follow_up_edit_is_refused(signed_in, monitor_on_team, reviewer, case):
    followup = FollowUpFactory(case=case, title="First title")
    client = signed_in(monitor_on_team)
    page = client.get(reverse("followup-edit", args=[followup.pk]))
    fresh = FollowUp.objects.get(pk=followup.pk)
    fresh.description = "Reviewer's note"
    record_save(record=fresh, actor=reviewer)

    response = client.post(
        reverse("followup-edit", args=[followup.pk]), form_data(page, title="My title")
    )

    assert response.status_code == 409
    assert "since you opened it" in response.content.decode()
    followup.refresh_from_db()
    assert followup.title == "First title"


def test_follow_up_edit_keeps_the_due_date_rule(signed_in, monitor_on_team, case):
    followup = FollowUpFactory(case=case, sent="2023-05-12")
    client = signed_in(monitor_on_team)
    page = client.get(reverse("followup-edit", args=[followup.pk]))
    response = client.post(
        reverse("followup-edit", args=[followup.pk]),
        form_data(page, sent="2023-06-01", due_on=""),
    )
    assert response.status_code == 302
    followup.refresh_from_db()
    assert followup.due_on == datetime.date(2023, 7, 31)


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("monitor_off_team", "Only members of this record's team may edit it."),
        ("viewer", "Your role does not allow editing this record."),
    ],
)
def test_who_sees_but_may_not_edit_follow_ups_gets_403(request, signed_in, case, persona, message):
    followup = FollowUpFactory(case=case)
    client = signed_in(request.getfixturevalue(persona))
    for url in (
        reverse("followup-create") + f"?case={case.pk}",
        reverse("followup-edit", args=[followup.pk]),
        reverse("followup-respond", args=[followup.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert escape(message) in response.content.decode()
        assert client.post(url, {"title": "x", "kind": "full"}).status_code == 403
    assert FollowUp.objects.count() == 1
    assert not FollowUpResponse.objects.exists()


@pytest.mark.parametrize("persona", ["monitor_off_team", "viewer", "no_role_user"])
def test_who_may_not_see_the_case_gets_404_on_its_follow_ups(request, signed_in, team, persona):
    strict = CaseFactory(team=team, confidentiality=Confidentiality.STRICT)
    followup = FollowUpFactory(case=strict)
    client = signed_in(request.getfixturevalue(persona))
    assert client.get(reverse("followup-edit", args=[followup.pk])).status_code == 404
    assert client.get(reverse("followup-respond", args=[followup.pk])).status_code == 404
    assert client.get(reverse("followup-create") + "?case=not-a-case").status_code == 404
