"""The translation catalogs (locale/<language>/LC_MESSAGES/django.po), compiled to .mo.

The .po files are the source, kept in the repository; the .mo files Django reads are built
from them (and not committed: a build product that could drift from its source). They are
built with polib, in pure Python, so neither ``make run`` nor the tests need GNU gettext;
only updating the catalogs from the code (``makemessages``) does.

``manage.py compile_translations`` runs this; ``make run`` (run_demo), ``make test`` and the
test suite's start (conftest.py) call it.
"""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogs(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Every .po file of the project."""
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(locale_dir: Path = LOCALE_DIR, *, force: bool = False) -> list[Path]:
    """Build each .mo that is missing or older than its .po; return the ones built."""
    built = []
    for po_path in catalogs(locale_dir):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Fuzzy entries are left out, as msgfmt does: a guess is never shown as a translation.
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        built.append(mo_path)
    return built
