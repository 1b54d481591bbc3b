"""Fixed sets of the cases app.

Detention step kinds and response kinds are also seeded as vocabularies (for their
descriptions), but the kind stored on a row is one of these fixed values: the current
detention status and a follow-up's status are derived from them, and the database checks
(a sentence step carries a term) need the kind on the row itself.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    INDIVIDUAL = "individual", _("individual")
    GROUP = "group", _("group of persons")
    SITUATION = "situation", _("situation")


class CasePersonRole(models.TextChoices):
    VICTIM = "victim", _("victim")
    WITNESS = "witness", _("witness")
    RELATIVE = "relative", _("relative")
    LAWYER = "lawyer", _("lawyer")
    PERPETRATOR = "perpetrator", _("alleged perpetrator")
    OFFICIAL = "official", _("official")
    OTHER = "other", _("other")


class ClaimStatus(models.TextChoices):
    ALLEGED = "alleged", _("alleged")
    CORROBORATED = "corroborated", _("corroborated")
    VERIFIED = "verified", _("verified")
    DISPUTED = "disputed", _("disputed")
    REFUTED = "refuted", _("refuted")


class PerpetratorRole(models.TextChoices):
    DIRECT = "direct", _("direct perpetrator")
    ORDERED = "ordered", _("gave the order")
    COMPLICIT = "complicit", _("complicit")
    FAILED_TO_PREVENT = "failed_to_prevent", _("failed to prevent or punish")
    UNKNOWN = "unknown", _("role unknown")


class StepKind(models.TextChoices):
    """A dated step of a detention, in the order they usually happen."""

    ARRESTED = "arrested", _("arrested")
    CHARGED = "charged", _("charged")
    PRETRIAL = "pretrial_detention", _("pre-trial detention")
    TRIAL = "trial", _("trial")
    SENTENCED = "sentenced", _("sentenced")
    APPEAL = "appeal", _("appeal")
    TRANSFERRED = "transferred", _("transferred")
    RELEASED = "released", _("released")
    DIED = "died_in_custody", _("died in custody")
    WHEREABOUTS_UNKNOWN = "whereabouts_unknown", _("whereabouts unknown")
    # Administrative outcomes (Code of Administrative Offences), counted apart from the
    # criminal sentences above.
    RELEASED_NO_CHARGE = "released_without_charge", _("released without charge")
    WARNING = "warning", _("warning")
    FINED = "fined", _("fined")
    ADMIN_ARREST = "administrative_arrest", _("administrative arrest")
    COMMUNITY_WORK = "community_work", _("community work")


#: Step kinds that are administrative outcomes, not criminal sentences.
ADMINISTRATIVE_OUTCOMES = (
    StepKind.RELEASED_NO_CHARGE,
    StepKind.WARNING,
    StepKind.FINED,
    StepKind.ADMIN_ARREST,
    StepKind.COMMUNITY_WORK,
)


class FigureKind(models.TextChoices):
    KILLED = "killed", _("killed")
    INJURED = "injured", _("injured")
    DETAINED = "detained", _("detained")
    DISPLACED = "displaced", _("displaced")
    DISAPPEARED = "disappeared", _("disappeared")
    PARTICIPANTS = "participants", _("participants")


class CountKind(models.TextChoices):
    """What a group detention's figure counts: the people detained, or how many of them met
    each administrative outcome (or were charged under the Criminal Code)."""

    DETAINED = "detained", _("detained")
    RELEASED_NO_CHARGE = "released_without_charge", _("released without charge")
    WARNING = "warning", _("warned")
    FINED = "fined", _("fined")
    ADMIN_ARREST = "administrative_arrest", _("administrative arrest")
    COMMUNITY_WORK = "community_work", _("community work")
    CRIMINAL_CHARGE = "criminal_charge", _("charged with a crime")


#: Count kinds that are administrative outcomes.
ADMINISTRATIVE_COUNTS = (
    CountKind.RELEASED_NO_CHARGE,
    CountKind.WARNING,
    CountKind.FINED,
    CountKind.ADMIN_ARREST,
    CountKind.COMMUNITY_WORK,
)


class FacilityKind(models.TextChoices):
    POLICE_STATION = "police_station", _("police station")
    TEMPORARY_HOLDING = "temporary_holding", _("temporary holding facility")
    PRETRIAL = "pretrial", _("pre-trial detention centre")
    COLONY = "colony", _("prison colony")
    OTHER = "other", _("other place of detention")


class AssemblyStatus(models.TextChoices):
    """Whether an assembly had the authorities' leave."""

    AUTHORISED = "authorised", _("authorised")
    NOT_AUTHORISED = "not_authorised", _("not authorised")
    NOTIFIED = "notified", _("notified")


class FigureQualifier(models.TextChoices):
    EXACT = "exact", _("exactly")
    ABOUT = "about", _("about")
    AT_LEAST = "at_least", _("at least")
    MORE_THAN = "more_than", _("more than")
    UP_TO = "up_to", _("up to")
    DOZENS = "dozens", _("dozens")


class FollowUpKind(models.TextChoices):
    UN_COMMUNICATION = "un_communication", _("UN communication")
    LETTER = "letter", _("letter to authorities")
    HEARING = "hearing", _("court hearing")
    APPEAL = "appeal", _("appeal")
    VISIT = "visit", _("detention visit")
    ADVOCACY = "advocacy", _("advocacy action")
    OTHER = "other", _("other")


class ResponseKind(models.TextChoices):
    NONE = "none", _("no response")
    ACKNOWLEDGED = "acknowledged", _("acknowledgement")
    DENIAL = "denial", _("denial")
    PARTIAL = "partial", _("partial answer")
    FULL = "full", _("full answer")


class FollowUpStatus(models.TextChoices):
    """Derived from dates and responses; never stored."""

    AWAITING = "awaiting", _("awaiting response")
    OVERDUE = "overdue", _("overdue")
    ANSWERED_PARTIALLY = "answered_partially", _("answered partially")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")
