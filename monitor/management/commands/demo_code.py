"""``manage.py demo_code [USERNAME]``: the code a demo account's authenticator shows now.

For trying the demo without a phone. Demo mode only: elsewhere an authenticator key never
leaves the database.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from monitor.security import twofactor


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="reviewer")

    def handle(self, *args, username="reviewer", **options):
        if not settings.DEMO:
            raise CommandError("demo_code works in demo mode only (MONITOR_DEMO=1).")
        user = get_user_model()._default_manager.filter(username=username).first()
        device = twofactor.authenticator(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username}: no such account with two-factor sign-in.")
        secret = twofactor.secret_base32(device).replace(" ", "")
        self.stdout.write(twofactor.current_code(secret))
