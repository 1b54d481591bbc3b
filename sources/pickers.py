"""The forms' picker of sources (``monitor.suggest``): a response's document, the sources a
source repeats. A new source has its own page (its kind, reliability and evidence), so none
is added in place."""

from __future__ import annotations

from monitor.suggest import PickSource, register_source, text_exact, text_search
from sources.models import Source


def source_choices(user):
    """Sources ``user`` may see and cite (archived ones are not offered)."""
    return Source.objects.visible_to(user).filter(archived_at__isnull=True).order_by("title")


register_source(
    PickSource(
        name="source",
        model=Source,
        choices=source_choices,
        search=text_search("title", "publisher"),
        exact=text_exact("title"),
    )
)
