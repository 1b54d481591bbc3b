"""The API's JSON parser: DRF's, with a bound on nesting.

Python's JSON decoder recurses once per level of nesting, so a small body nested a thousand
levels deep raises ``RecursionError`` — a server error instead of a 400. No record of the API
needs more than a few levels (a case, its detentions, their steps), so a body nested deeper
than :data:`MAX_DEPTH` is refused before it is decoded.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers

#: Deeper than any body the API takes (a record, a list of children, their lists, a few
#: levels of free-form JSON); far below the interpreter's recursion limit.
MAX_DEPTH = 32
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def nesting_depth(text: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings ignored);
    0 when there are too few brackets to pass :data:`MAX_DEPTH`."""
    if text.count(b"[") + text.count(b"{") <= MAX_DEPTH:
        return 0  # cannot nest deeper than the limit: no need to look closer
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", text)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if nesting_depth(body) > MAX_DEPTH:
            raise exceptions.ParseError(
                _("The JSON body is nested more than %(depth)d levels deep.") % {"depth": MAX_DEPTH}
            )
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:  # belt and braces: the check above should catch it
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from exc
