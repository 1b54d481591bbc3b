"""``manage.py send_reminders``: each owner's daily digest of due and overdue follow-ups.

Safe to run from cron every hour: each owner gets at most one digest a day (see
:mod:`cases.reminders`)::

    0 * * * *  cd /srv/monitor && .venv/bin/python manage.py send_reminders

With ``--enqueue`` the digests are sent by the task worker instead (``cases.tasks``: the
database queue, or RQ when ``MONITOR_REDIS_URL`` is set), so cron only queues the work.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.deadlines import default_days
from cases.reminders import send_reminders
from cases.tasks import reminders_send


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today: “{value}” is not a date in the form 2023-07-11.") from exc


class Command(BaseCommand):
    help = (
        "Email each owner of follow-ups one digest of what is overdue and what falls due in the "
        "next days; at most once per owner per day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="How many days ahead to look (default: settings.REMINDER_DAYS, else 14).",
        )
        parser.add_argument(
            "--today",
            default=None,
            help="The day to run for, YYYY-MM-DD (default: today in settings.TIME_ZONE).",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the run for the task worker instead of sending from this process.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say who would get a digest; send nothing and record nothing.",
        )

    def handle(self, *args, days=None, today=None, dry_run=False, enqueue=False, **options):
        if days is not None and not 0 <= days <= 366:
            raise CommandError("--days must be between 0 and 366.")
        day = _date(today) if today else timezone.localdate()
        if enqueue:
            if dry_run:
                raise CommandError("--enqueue and --dry-run do not go together.")
            result = reminders_send.enqueue(day.isoformat(), days)
            self.stdout.write(f"Queued the reminders of {day.isoformat()} (task {result.id}).")
            return
        days = default_days() if days is None else days
        report = send_reminders(today=day, days=days, dry_run=dry_run)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(
            f"{verb} {len(report.sent)} digest(s) for {day.isoformat()} "
            f"(looking {days} days ahead)."
        )
        for label, names in (
            ("sent", report.sent),
            ("already sent today", report.already_sent),
            ("nothing due", report.nothing_due),
            ("no email address", report.no_email),
        ):
            if names and options.get("verbosity", 1) >= 2:
                self.stdout.write(f"  {label}: {', '.join(names)}")
        if report.no_email:
            self.stderr.write(
                f"{len(report.no_email)} owner(s) have something due but no email address: "
                + ", ".join(report.no_email)
            )
        if report.failed:
            raise CommandError(
                f"Could not send to {', '.join(report.failed)}; the next run will try again."
            )
