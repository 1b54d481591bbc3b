"""Reminders as background work: ``send_reminders --enqueue`` queues them, the worker of either
task backend sends them, once a day, as the command does."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from cases.models import ReminderLog
from cases.tasks import reminders_send
from monitor.choices import Confidentiality, Role
from tests.factories import CaseFactory, FollowUpFactory, TeamFactory, UserFactory
from tests.task_backends import task_backend  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def owner():
    team = TeamFactory(name="GBAO documentation team")
    user = UserFactory(
        username="alice",
        email="alice@example.org",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    case = CaseFactory(reference="TJK-2024-0001", team=team)
    FollowUpFactory(case=case, sent="2024-04-06", owner=user, reference="AL TJK 2/2024")
    return user


def test_the_command_queues_the_reminders_and_the_worker_sends_them(task_backend, owner):  # noqa: F811
    out = StringIO()
    call_command("send_reminders", "--enqueue", "--today", "2024-06-01", stdout=out)
    assert "Queued the reminders of 2024-06-01" in out.getvalue()
    assert mail.outbox == []  # queued, not sent by the command

    task_backend.run_worker()

    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "AL TJK 2/2024" in message.body
    assert ReminderLog.objects.filter(user=owner).count() == 1

    # Queued again the same day: the worker sends nothing more.
    result = reminders_send.enqueue("2024-06-01", None)
    task_backend.run_worker()
    assert len(mail.outbox) == 1
    assert reminders_send.get_backend().get_result(result.id).return_value == {
        "sent": 0,
        "already_sent": 1,
        "nothing_due": 0,
        "no_email": 0,
    }


def test_enqueue_and_dry_run_do_not_go_together(owner):
    with pytest.raises(CommandError, match="do not go together"):
        call_command("send_reminders", "--enqueue", "--dry-run", "--today", "2024-06-01")
