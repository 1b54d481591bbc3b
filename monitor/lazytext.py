"""``interpolated_lazy``: a translated message with its values, translated when it is shown.

``gettext_lazy("… %(example)s.") % {...}`` at import time is translated once, in English,
before any request; a help text or a constraint's message written at class level uses this
instead, so each reader gets their own language.
"""

from __future__ import annotations

from django.utils.functional import lazy


def _interpolated(message, values: dict) -> str:
    return str(message) % values


_lazy = lazy(_interpolated, str)


def interpolated_lazy(message, **values):
    """``str(message) % values``, evaluated each time it is shown."""
    return _lazy(message, values)
