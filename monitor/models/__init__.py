"""Monitor's core models: users and teams, vocabularies, places, and the audited base."""

from monitor.models.accesslog import AccessAction, AccessLog, AccessOutcome
from monitor.models.api import ApiToken, IdempotencyKey
from monitor.models.base import (
    AuditedModel,
    AuditedQuerySet,
    AuditError,
    ReferenceData,
    Reviewable,
    ReviewedModel,
    StaleEdit,
)
from monitor.models.places import Place
from monitor.models.progress import ProgressState, TaskProgress
from monitor.models.redaction import WithheldNamesVersion
from monitor.models.review import DecisionAction, ReviewDecision
from monitor.models.summaries import SummaryVersion
from monitor.models.users import Team, User
from monitor.models.vocabularies import Term

__all__ = [
    "AccessAction",
    "AccessLog",
    "AccessOutcome",
    "ApiToken",
    "AuditError",
    "AuditedModel",
    "AuditedQuerySet",
    "DecisionAction",
    "IdempotencyKey",
    "Place",
    "ProgressState",
    "ReferenceData",
    "ReviewDecision",
    "Reviewable",
    "ReviewedModel",
    "StaleEdit",
    "SummaryVersion",
    "TaskProgress",
    "Team",
    "Term",
    "User",
    "WithheldNamesVersion",
]
