#!/usr/bin/env python
"""Django's command-line utility for Monitor."""

import os
import secrets
import sys

#: Commands that only read the code (the models and migrations): they sign, serve and store
#: nothing, so without a configured secret key they run with a throwaway one. Everything
#: else still refuses to start without MONITOR_SECRET_KEY (config/settings.py).
OFFLINE_COMMANDS = {"makemigrations", "showmigrations", "sqlmigrate"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command in OFFLINE_COMMANDS and not (
        os.environ.get("MONITOR_SECRET_KEY") or os.environ.get("MONITOR_SECRET_KEY_FILE")
    ):
        os.environ["MONITOR_SECRET_KEY"] = "offline-" + secrets.token_urlsafe(50)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
