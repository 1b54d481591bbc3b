"""A protected person's name typed into free text is withheld like the name itself (issue 12).

The crawl of every URL (``test_redaction.py``) writes the witness's name into every free-text
field of every record and reads the whole site as each persona who may not identify them.
Here: the scrubber's rules, what a save does with a text its author received scrubbed, and
the answers that are not HTTP text (an e-mail, an XLSX file, a generated document).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.models import Case
from cases.reminders import send_reminders
from monitor.access import viewing_as
from monitor.exports import CsvColumn, xlsx_bytes
from monitor.redaction import WITHHELD_NAME, TextScrubber, text_scrubber, withheld_names
from monitor.services import record_save
from tests.factories import CaseFactory, FollowUpFactory, PersonFactory, PersonNameFactory

pytestmark = pytest.mark.django_db

NAME = "Нодира Тайнова"
WITHHELD = str(WITHHELD_NAME)


@pytest.fixture
def witness(team):
    person = PersonFactory(team=team, is_protected=True, name="Nodira Tainova")
    PersonNameFactory(person=person, full_name=NAME, family_name="Тайнова")
    return person


@pytest.fixture
def case(team, witness):
    return CaseFactory(
        team=team,
        title="Detention of a journalist in Khorog",
        summary=f"Arrested at home. According to {NAME}, the police came at night; "
        "Тайновой was told to stay silent.",
    )


# -- the scrubber -------------------------------------------------------------------------------


def test_a_name_is_withheld_in_any_case_and_grammatical_ending():
    scrub = TextScrubber({"Нодира Тайнова", "Тайнова", "Rahimov", "O'Neil"})
    assert scrub("со слов Нодира Тайнова.") == f"со слов {WITHHELD}."
    assert scrub("со слов Тайновой, Тайновым") == f"со слов {WITHHELD}, {WITHHELD}"
    assert scrub("RAHIMOV, Rahimova") == f"{WITHHELD}, {WITHHELD}"
    assert scrub("O&#x27;Neil") == WITHHELD  # as HTML writes it
    # Not inside a longer word, and never from a lower-case letter: markup is lower case.
    assert scrub("Rahimovskaya street; rahimov") == "Rahimovskaya street; rahimov"
    assert scrub("<main>Rahimov</main>") == f"<main>{WITHHELD}</main>"
    # Too short to withhold on its own: a word of the interface would match.
    assert not TextScrubber({"Ali"})


def test_the_names_withheld_are_those_of_the_protected_the_reader_may_not_identify(
    witness, monitor_on_team, monitor_off_team, coordinator, viewer, team
):
    PersonFactory(team=team, name="Open Person")  # not protected: never withheld
    for user in (monitor_off_team, coordinator, viewer):
        assert withheld_names(user) >= {NAME, "Тайнова", "Nodira Tainova"}
        assert "Open Person" not in withheld_names(user)
    assert not text_scrubber(monitor_on_team)  # their team: they know who it is
    assert withheld_names(None) >= {NAME}  # a document: everyone protected


# -- pages and API ----------------------------------------------------------------------------


def test_the_case_page_and_api_withhold_the_name_from_who_may_not_identify(
    client, case, monitor_on_team, coordinator
):
    api = APIClient()
    api.force_authenticate(coordinator)
    summary = api.get(f"/api/v1/cases/{case.pk}/").json()["summary"]
    assert "Тайнов" not in summary and summary.count(WITHHELD) == 2
    client.force_login(coordinator)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "Тайнов" not in page and WITHHELD in page
    api.force_authenticate(monitor_on_team)
    assert NAME in api.get(f"/api/v1/cases/{case.pk}/").json()["summary"]


# -- saving a text received scrubbed ---------------------------------------------------------------


def test_a_scrubbed_text_sent_back_unchanged_keeps_the_original(case, coordinator):
    scrubbed = text_scrubber(coordinator)(case.summary)
    assert scrubbed != case.summary
    record = Case.objects.get(pk=case.pk)
    record.summary = scrubbed
    record.title = "Detention of a journalist in Khorog, 2022"
    record_save(record=record, actor=coordinator, reason="title")
    stored = Case.objects.get(pk=case.pk)
    assert stored.title.endswith("2022")
    assert stored.summary == case.summary  # the name is still there


def test_changing_a_text_that_names_a_hidden_person_is_refused(case, coordinator):
    record = Case.objects.get(pk=case.pk)
    record.summary = text_scrubber(coordinator)(case.summary) + " Released later."
    with pytest.raises(ValidationError) as refused:
        record_save(record=record, actor=coordinator, reason="edit")
    assert "summary" in refused.value.message_dict
    assert Case.objects.get(pk=case.pk).summary == case.summary


def test_the_team_member_edits_the_text_freely(case, monitor_on_team):
    record = Case.objects.get(pk=case.pk)
    record.summary = case.summary + " Released later."
    record_save(record=record, actor=monitor_on_team, reason="edit")
    assert Case.objects.get(pk=case.pk).summary.endswith("Released later.")


def test_the_api_round_trip_keeps_the_name_and_refuses_a_change(case, coordinator):
    api = APIClient()
    api.force_authenticate(coordinator)
    url = f"/api/v1/cases/{case.pk}/"
    got = api.get(url)
    body = got.json()
    response = api.patch(
        url,
        {"summary": body["summary"], "title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=got["ETag"],
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=case.pk).summary == case.summary
    got = api.get(url)
    response = api.patch(
        url,
        {"summary": got.json()["summary"] + " More."},
        format="json",
        HTTP_IF_MATCH=got["ETag"],
    )
    assert response.status_code == 400
    assert "summary" in response.json()["error"]["fields"], response.json()
    assert Case.objects.get(pk=case.pk).summary == case.summary


# -- answers that are not HTTP text --------------------------------------------------------------


def test_the_reminder_email_withholds_the_name(witness, monitor_off_team, team):
    other_case = CaseFactory()  # not the witness's team: its owner may not identify them
    FollowUpFactory(
        case=other_case,
        owner=monitor_off_team,
        title=f"Letter about {NAME}",
        due_on=datetime.date(2031, 1, 1),
    )
    monitor_off_team.email = "bob@example.org"
    monitor_off_team.save()
    send_reminders(today=datetime.date(2031, 1, 2))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # The digest names no one: neither the title that names the witness nor the witness.
    assert "Тайнов" not in message.body + message.subject
    assert "Letter about" not in message.body


def test_an_xlsx_file_withholds_the_name(case, coordinator):
    columns = [CsvColumn("Summary", lambda row: row.summary)]
    with viewing_as(coordinator):
        data = xlsx_bytes(columns, [case], title="cases")
    cells = [c.value for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    assert all("Тайнов" not in str(cell) for cell in cells)
    assert any(WITHHELD in str(cell) for cell in cells)
