"""``manage.py compile_translations``: build the .mo catalogs from locale/*/django.po."""

from django.core.management.base import BaseCommand

from monitor.catalogs import compile_catalogs


class Command(BaseCommand):
    help = "Compile the translation catalogs (locale/) with polib; no GNU gettext needed."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="rebuild every catalog")

    def handle(self, *args, force: bool = False, **options):
        built = compile_catalogs(force=force)
        if options["verbosity"]:
            self.stdout.write(f"{len(built)} translation catalog(s) compiled.")
