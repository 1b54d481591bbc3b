"""``{{ record|shown:"field" }}``: a field's value, or "—" where the page's reader may not
identify the protected record it belongs to (the model's policy, :mod:`monitor.redaction`).

Pages name fields through this filter instead of deciding in the template what to hide.
"""

from __future__ import annotations

from django import template

from monitor import redaction

register = template.Library()


@register.filter
def shown(record, name: str):
    if name in redaction.identifying_fields(type(record)) and redaction.identity_hidden(record):
        return redaction.WITHHELD
    return getattr(record, name)
