"""``manage.py load_demo``: the seed article's facts and, in demo mode, the demo accounts."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.demo import DemoConflict, DemoRefused, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data (every fact of the seed article, cited) and create the demo "
        "accounts monitor, reviewer, coordinator and viewer. Accounts are created only in demo "
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

    def handle(self, *args, no_accounts=False, actor=None, **options):
        if no_accounts and not actor:
            raise CommandError("--no-accounts needs --actor USERNAME: history names who did it.")
        user = None
        if actor:
            user = get_user_model()._default_manager.filter(username=actor).first()
            if user is None or not user.is_active:
                raise CommandError(f"--actor {actor}: no active user with this name.")
        try:
            report = load_demo(actor=user, accounts=not no_accounts)
        except (DemoRefused, DemoConflict, LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(f"The demo data failed validation: {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
