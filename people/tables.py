"""The people app's lists: each one's page columns and CSV export (``monitor.tables``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from monitor.pages.listing import format_date
from monitor.tables import Field, Table

#: Shown to users who may not identify a protected person, in place of every detail.
WITHHELD = _("withheld: identity protected")


def _shown(attribute):
    """A detail of the person, or "withheld" to a reader who may not identify them."""

    def value(person):
        if not person.revealed:
            return str(WITHHELD)
        found = getattr(person, attribute)
        return "" if found is None else found

    return value


class PersonTable(Table):
    """Persons; rows prepared by the list page (``revealed``, ``other_names``)."""

    def fields(self):
        return [
            # The primary name, or the pseudonym to a reader who may not identify them.
            Field("name", lambda p: str(p), label=_("Name"), sort="sort_name"),
            Field("other names", lambda p: "; ".join(p.other_names), label=_("Other names")),
            Field("identity protected", lambda p: "yes" if p.is_protected else "no"),
            Field(
                "gender", lambda p: p.get_gender_display() if p.gender else "", label=_("Gender")
            ),
            Field("date of birth", lambda p: format_date(_shown("birth_date")(p))),
            Field("place of birth", lambda p: str(_shown("birth_place")(p) or "")),
            Field("residence", lambda p: str(_shown("residence")(p) or "")),
            Field("occupation", _shown("occupation")),
            self.review_state(label=_("Review"), key="review_state", sort="review_state"),
            self.confidentiality(),
            Field(
                "updated",
                lambda p: format_date(p.updated_at),
                label=_("Updated"),
                sort="updated_at",
            ),
            self.archived(),
            self.link("person-detail"),
        ]
