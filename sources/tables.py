"""The sources app's lists: each one's page columns and CSV export (``monitor.tables``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from monitor.pages.listing import format_date
from monitor.tables import Field, Table

#: Shown to users who may not identify a protected source, in place of what identifies it.
WITHHELD = _("withheld: identity protected")


def _shown(attribute):
    def value(source):
        return getattr(source, attribute) if source.revealed else str(WITHHELD)

    return value


class SourceTable(Table):
    """Sources; rows prepared by the list page (``revealed``)."""

    def fields(self):
        return [
            # The title, or the pseudonym to a reader who may not identify the source.
            Field("title", lambda s: str(s), label=_("Title"), sort="sort_title"),
            Field("identity protected", lambda s: "yes" if s.is_protected else "no"),
            Field("kind", lambda s: s.kind.label, label=_("Kind")),
            Field("publisher", _shown("publisher"), label=_("Publisher")),
            Field("author", _shown("author")),
            Field("URL", _shown("url")),
            Field("language", lambda s: s.language),
            Field(
                "published",
                lambda s: format_date(s.published),
                label=_("Published"),
                sort="published",
            ),
            Field("obtained", lambda s: format_date(s.obtained)),
            Field(
                "reliability", lambda s: s.reliability, label=_("Reliability"), sort="reliability"
            ),
            self.review_state(label=_("Review"), key="review_state", sort="review_state"),
            self.confidentiality(),
            self.archived(),
            self.link("source-detail"),
        ]
