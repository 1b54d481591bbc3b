"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Every view, serializer and template tag is loaded now rather than by the first request, and
# what is loaded is taken out of the garbage collector's sweeps: they never free it, and a
# sweep over it cost a list page about a seventh of its time (issue 14's profile).
get_resolver().url_patterns  # noqa: B018 — imported for its side effect
gc.freeze()
