"""Review notices (monitor.notifications): a reviewer is told by e-mail what waits, with links.

Tested as the people who must NOT get a notice (the submitter, a reviewer who may not see the
record, a monitor, an inactive reviewer), as one that must, and for what an e-mail may carry
(no name: it leaves the system).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from monitor.choices import Confidentiality, Role
from monitor.services import review_submit
from tests.factories import (
    CaseFactory,
    PersonFactory,
    TeamFactory,
    UserFactory,
)

SITE = "https://monitor.example.org"


@pytest.fixture
def notices(settings):
    """Notices on, the tasks run as they are queued (django-tasks' immediate backend)."""
    settings.SITE_URL = SITE
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


def item_link(record) -> str:
    opts = record._meta
    return SITE + reverse("review-item", args=[opts.app_label, opts.model_name, record.pk])


@pytest.mark.django_db
def test_a_submission_reaches_each_reviewer_who_may_see_it_once_with_its_link(
    notices, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    other_team = TeamFactory(name="Another team")
    blind = UserFactory(
        username="strict-outsider",
        role=Role.REVIEWER,
        clearance=Confidentiality.STRICT,
        teams=[other_team],
    )
    UserFactory(username="no-mail", role=Role.REVIEWER, teams=[team], email="")
    UserFactory(username="gone", role=Role.REVIEWER, teams=[team], is_active=False)
    UserFactory(username="another-monitor", role=Role.MONITOR, teams=[team])
    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT, title="Secret title")

    with django_capture_on_commit_callbacks(execute=True):
        review_submit(record=case, actor=monitor_on_team)

    assert [message.to for message in mail.outbox] == [[reviewer.email]]
    message = mail.outbox[0]
    assert message.subject == f"Waiting for your review: Case {case.reference}"
    assert item_link(case) in message.body
    assert SITE + reverse("review-queue") in message.body
    assert "alice-monitor" in message.body
    assert "Secret title" not in message.body  # kind and reference only
    assert blind.email not in {address for m in mail.outbox for address in m.to}


@pytest.mark.django_db
def test_a_notice_names_no_one_even_a_person_record(
    notices, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    person = PersonFactory(team=team, name="Daler Imomali")
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(record=person, actor=monitor_on_team)
    (message,) = mail.outbox
    assert "Imomali" not in message.subject + message.body
    assert item_link(person) in message.body


@pytest.mark.django_db
def test_the_submitter_is_not_told_about_their_own_work(
    notices, django_capture_on_commit_callbacks, reviewer, team
):
    second = UserFactory(username="second-reviewer", role=Role.REVIEWER, teams=[team])
    case = CaseFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(record=case, actor=reviewer)
    assert [message.to for message in mail.outbox] == [[second.email]]


@pytest.mark.django_db
def test_one_transaction_of_many_submissions_is_one_notice_per_reviewer(
    notices, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    cases = [CaseFactory(team=team) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for case in cases:
            review_submit(record=case, actor=monitor_on_team)
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.subject == "3 records waiting for your review"
    for case in cases:
        assert item_link(case) in message.body


@pytest.mark.django_db
def test_a_submission_rolled_back_is_not_announced(
    notices, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    kept, undone = CaseFactory(team=team), CaseFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        review_submit(record=kept, actor=monitor_on_team)
        try:
            with transaction.atomic():
                review_submit(record=undone, actor=monitor_on_team)
                raise RuntimeError("the rest of the save failed")
        except RuntimeError:
            pass
    (message,) = mail.outbox
    assert item_link(kept) in message.body
    assert str(undone.pk) not in message.body


@pytest.mark.django_db
def test_a_record_reviewed_before_the_notice_went_is_left_out(
    notices, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    from monitor.notifications import send_review_notices
    from monitor.services import review_return

    case = CaseFactory(team=team)
    decision = review_submit(record=case, actor=monitor_on_team)
    review_return(record=case, actor=reviewer, comment="Cite the court's letter.")
    assert send_review_notices([str(decision.pk)]) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_notices_are_written_in_the_reviewers_language(
    notices, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    reviewer.language = "ru"
    reviewer.save(update_fields=["language"])
    case = CaseFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        review_submit(record=case, actor=monitor_on_team)
    (message,) = mail.outbox
    assert message.subject.startswith("Ожидает вашей проверки")


@pytest.mark.django_db
def test_without_the_sites_address_nothing_is_queued(
    settings, django_capture_on_commit_callbacks, monitor_on_team, reviewer, team
):
    settings.SITE_URL = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_submit(record=CaseFactory(team=team), actor=monitor_on_team)
    assert callbacks == []
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_sends_the_notice_of_a_submission_on_the_page(settings, client, team):
    """The whole path, as in production: the page's submit, the database queue, the worker."""
    from tests.task_backends import _run_db_worker

    settings.SITE_URL = SITE
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monitor = UserFactory(username="m-on-team", role=Role.MONITOR, teams=[team])
    reviewer = UserFactory(username="r-on-team", role=Role.REVIEWER, teams=[team])
    case = CaseFactory(team=team, confidentiality=Confidentiality.INTERNAL)
    client.force_login(monitor)

    response = client.post(reverse("case-submit", args=[case.pk]))
    assert response.status_code == 302
    assert mail.outbox == []  # queued, not sent while the monitor waits
    _run_db_worker()
    (message,) = mail.outbox
    assert message.to == [reviewer.email]
    assert item_link(case) in message.body
