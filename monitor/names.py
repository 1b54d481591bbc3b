"""What a name may contain: letters as people write them, never invisible controls.

A name is shown in the pages, the admin, CSV and documents, and searched through its folded
key. Two kinds of invisible characters break that:

* bidirectional controls (U+202A–U+202E, U+2066–U+2069; the right-to-left override U+202E
  above all) and control characters (BEL, escape…) change how the text around them *looks*:
  "Ali\u202eveyoK" shows as another name. They are refused, with a message naming them;
* zero-width characters (U+200B–U+200D, U+2060, U+FEFF, soft hyphen) are invisible but make
  two equal-looking names differ, so search misses one. They are removed.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: Removed from names: invisible, and nothing a name needs.
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
#: Refused in names: they change how the surrounding text is displayed.
BIDI_CONTROLS = frozenset(
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def forbidden_characters(text: str) -> list[str]:
    """The characters of ``text`` a name may not hold, as ``U+XXXX`` (each once, in order)."""
    found = []
    for char in text:
        if char in BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            code = f"U+{ord(char):04X}"
            if code not in found:
                found.append(code)
    return found


def clean_name(text: str, *, field: str | None = None) -> str:
    """``text`` without zero-width characters and with its spaces tidied.

    Raises:
        ValidationError: it holds a bidirectional or control character (under ``field``).
    """
    text = (text or "").translate(ZERO_WIDTH)
    found = forbidden_characters(text)
    if found:
        message = _(
            "Remove the invisible control characters from this name (%(codes)s): they change "
            "how it is displayed."
        )
        error = ValidationError(
            message, code="control_character", params={"codes": ", ".join(found)}
        )
        raise ValidationError({field: error}) if field else error
    return " ".join(text.split())
