"""The forms' pickers of events and places of detention (``monitor.suggest``).

An event added in place is a draft of the user's team that enters review like any event; a
place of detention is reference data (coordinators add it).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.choices import FacilityKind
from cases.models import Event, Facility
from monitor.pages.editing import default_team
from monitor.services import record_save
from monitor.suggest import PickSource, register_source, text_exact


def _event_choices(user):
    return Event.objects.visible_to(user).filter(archived_at__isnull=True).order_by("title")


def _event_search(queryset, text: str, user):
    return queryset.suggest(text, user=user)


def _event_create(*, actor, name: str) -> Event:
    event = Event(title=name, team=default_team(actor))
    return record_save(record=event, actor=actor, reason=_("Added from a form"))


def _facility_choices(user):
    return Facility.objects.visible_to(user).active().order_by("name")


def _facility_search(queryset, text: str, user):
    return queryset.matching(text)


def _facility_create(*, actor, name: str) -> Facility:
    facility = Facility(name=name, kind=FacilityKind.OTHER)
    return record_save(record=facility, actor=actor, reason=_("Added from a form"))


register_source(
    PickSource(
        name="event",
        model=Event,
        choices=_event_choices,
        search=_event_search,
        exact=text_exact("title"),
        create=_event_create,
    )
)
register_source(
    PickSource(
        name="facility",
        model=Facility,
        choices=_facility_choices,
        search=_facility_search,
        exact=text_exact("name"),
        create=_facility_create,
    )
)
