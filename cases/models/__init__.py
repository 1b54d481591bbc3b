"""Events, cases and what they hold: allegations, detentions, follow-ups."""

from cases.models.cases import Allegation, AllegationPerpetrator, Case, CasePerson
from cases.models.detentions import Detention, DetentionStep
from cases.models.events import Event, EventFigure
from cases.models.followups import FollowUp, FollowUpResponse
from cases.models.protest import Facility, GroupDetention, GroupDetentionFigure
from cases.models.reminders import CalendarFeed, ReminderLog

__all__ = [
    "Allegation",
    "AllegationPerpetrator",
    "CalendarFeed",
    "Case",
    "CasePerson",
    "Detention",
    "DetentionStep",
    "Event",
    "EventFigure",
    "Facility",
    "FollowUp",
    "FollowUpResponse",
    "GroupDetention",
    "GroupDetentionFigure",
    "ReminderLog",
]
