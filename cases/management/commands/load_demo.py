"""``manage.py load_demo``: the demo facts of ``fixtures/demo/`` and, in demo mode, the accounts."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.demo import DemoConflict, DemoDataError, DemoRefused, load_demo
from monitor.security import twofactor
from monitor.services import ActionRefused


class Command(BaseCommand):
    help = (
        "Load the demo data (every fact of the seed article, read from fixtures/demo/, each "
        "cited to the article; an evidence file with its chain of custody, stored under "
        "MONITOR_DATA_DIR) and create the demo accounts "
        "monitor, reviewer, coordinator and viewer. Accounts are created only in demo "
        "mode (MONITOR_DEMO=1); elsewhere pass --no-accounts --actor USERNAME. Running it "
        "again creates nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="Load the data only; create no account (requires --actor).",
        )
        parser.add_argument(
            "--actor",
            metavar="USERNAME",
            help="The existing user the history rows name (default: the demo coordinator).",
        )
        parser.add_argument(
            "--fixtures",
            metavar="FOLDER",
            help="Read the facts from FOLDER (default: the repository's fixtures/demo/).",
        )

    def handle(self, *args, no_accounts=False, actor=None, fixtures=None, **options):
        if no_accounts and not actor:
            raise CommandError("--no-accounts needs --actor USERNAME: history names who did it.")
        user = None
        if actor:
            user = get_user_model()._default_manager.filter(username=actor).first()
            if user is None or not user.is_active:
                raise CommandError(f"--actor {actor}: no active user with this name.")
        try:
            report = load_demo(actor=user, accounts=not no_accounts, folder=fixtures)
        except (DemoRefused, DemoDataError, DemoConflict, LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except ActionRefused as exc:  # e.g. the actor may not add evidence files
            raise CommandError(f"The demo data was refused: {exc.message}") from exc
        except ValidationError as exc:
            raise CommandError(f"The demo data failed validation: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        if not no_accounts:
            self._enrol_second_factor(report.usernames)

    def _enrol_second_factor(self, usernames: list[str]) -> None:
        """Every demo account signs in with a second factor, as real accounts do."""
        users = get_user_model()._default_manager.filter(username__in=usernames)
        try:
            lines = twofactor.enrol_demo_accounts(
                sorted(users, key=lambda user: usernames.index(user.username)),
                settings.DEMO_TOTP_SECRET,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in lines:
            self.stdout.write(line)
