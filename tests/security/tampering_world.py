"""The worlds and the URL walk behind ``test_tampering.py``.

Two worlds, built from the factories:

* :func:`build_hidden` — a team's records the attacker may not see, at the least secret level
  still closed to them (strict for a monitor off the team, confidential for a viewer, public
  for a user without a role), one of every kind of record the site names by id, plus the
  rows a site keeps per user (another user's API token, calendar address, reminders…);
* :func:`build_own` — the attacker's own team and records at a level they see, to tamper
  *from*: their case, detention, follow-up… whose writes name a hidden record.

Every text a hidden record carries contains :data:`CANARY`, so a response that shows any of
them is caught whatever its shape.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver

from cases.models import CalendarFeed, ReminderLog
from imports.models import ImportJob
from monitor.choices import Confidentiality, Role
from monitor.models import (
    AccessLog,
    ApiToken,
    IdempotencyKey,
    SummaryVersion,
    WithheldNamesVersion,
)
from monitor.models.accesslog import AccessAction, AccessOutcome
from monitor.progress import progress_start
from monitor.services import review_submit
from tests.factories import (
    AffiliationFactory,
    AllegationFactory,
    AllegationPerpetratorFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    CustodyEventFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    EventFigureFactory,
    EvidenceFileFactory,
    FacilityFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    OrganizationFactory,
    PersonFactory,
    PersonNameFactory,
    PlaceFactory,
    SourceFactory,
    TeamFactory,
    TermFactory,
)

#: In every text of a hidden record: no response to an attacker may contain it.
CANARY = "Tamper-canary"

#: The least secret level each attacker may still not see (see the module docstring).
HIDDEN_LEVEL = {
    "monitor_off_team": Confidentiality.STRICT,
    "viewer": Confidentiality.CONFIDENTIAL,
    "no_role_user": Confidentiality.PUBLIC,
}
#: The level of the attacker's own records: one they see (a user without a role sees none).
OWN_LEVEL = {
    "monitor_off_team": Confidentiality.CONFIDENTIAL,
    "viewer": Confidentiality.INTERNAL,
    "no_role_user": Confidentiality.PUBLIC,
}
#: Reference data every role reads: hidden only from a user without a role.
REFERENCE_KEYS = frozenset({"term", "place", "facility"})


@dataclass
class World:
    """Records by key ("case", "step", "api_token"…)."""

    records: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, key: str):
        return self.records[key]

    def add(self, key: str, record):
        self.records[key] = record
        return record


def build_hidden(*, team, owner, level) -> World:
    """``team``'s records at ``level`` (``owner``, a member, made the per-user rows)."""
    world = World()
    add = world.add
    label = f"{CANARY} {level.label}"
    # Reference data: read by every role (hidden only from a user without one), so offered
    # in every form's choices — no canary.
    add("term", TermFactory(label="Reference term"))
    add("place", PlaceFactory(name="Reference village"))
    facility = add("facility", FacilityFactory(name="Reference police station"))
    source = add(
        "source",
        SourceFactory(
            team=team, confidentiality=level, title=f"{label} report", publisher=f"{CANARY} press"
        ),
    )
    add(
        "protected_source",
        SourceFactory(
            team=team, confidentiality=level, is_protected=True, title=f"{label} informant"
        ),
    )
    evidence = add(
        "evidence",
        EvidenceFileFactory(
            source=source,
            content=f"{label} statement".encode(),
            original_name="tamper-canary-statement.txt",
            description=f"{label} file",
        ),
    )
    add("custody_event", CustodyEventFactory(evidence=evidence, actor=owner))
    add(
        "import_job",
        ImportJob.objects.create(
            created_by=owner, team=team, confidentiality=level, source=source,
            evidence=evidence, file_name=f"{label}.csv", file_format="csv",
            encoding="utf-8", delimiter=",",
            headers=[label], rows_total=1,
        ),
    )  # fmt: skip
    person = add("person", PersonFactory(team=team, confidentiality=level, name=f"{label} Victim"))
    add("person_name", person.names.get())
    protected = add(
        "protected_person",
        PersonFactory(
            team=team,
            confidentiality=level,
            is_protected=True,
            name=f"{label} Witness",
            contact=f"{CANARY} +992 93 000 0000",
        ),
    )
    add(
        "protected_person_name",
        PersonNameFactory(person=protected, full_name=f"{label} Свидетель"),
    )
    organization = add(
        "organization",
        OrganizationFactory(
            name=f"{label} Unit", acronym="TCU", confidentiality=level, description=label
        ),
    )
    add("affiliation", AffiliationFactory(person=person, organization=organization, role=label))
    event = add(
        "event",
        EventFactory(team=team, confidentiality=level, title=f"{label} crackdown"),
    )
    add("event_figure", EventFigureFactory(event=event, source=source, claimed_by=label))
    case = add(
        "case",
        CaseFactory(
            team=team,
            confidentiality=level,
            reference="TJK-2031-0999",
            title=f"{label} case",
            summary=label,
        ),
    )
    case.events.add(event)
    add("case_person", CasePersonFactory(case=case, person=person, note=label))
    allegation = add(
        "allegation", AllegationFactory(case=case, victim=person, description=f"{label} beating")
    )
    add(
        "perpetrator",
        AllegationPerpetratorFactory(allegation=allegation, organization=organization),
    )
    detention = add(
        "detention", DetentionFactory(case=case, person=protected, description=f"{label} cell")
    )
    add("step", DetentionStepFactory(detention=detention, note=label))
    group = add(
        "group_detention",
        GroupDetentionFactory(case=case, facility=facility, description=f"{label} rally"),
    )
    add(
        "group_detention_figure",
        GroupDetentionFigureFactory(group=group, source=source, claimed_by=label, note=label),
    )
    followup = add(
        "followup",
        FollowUpFactory(
            case=case, title=f"{label} letter", description=label, reference="AL TJK 9/2031"
        ),
    )
    add("response", FollowUpResponseFactory(followup=followup, summary=label))
    add("citation", CitationFactory(source=source, record=allegation, quote=label))
    add("review_decision", review_submit(record=case, actor=owner, comment=label))
    case.refresh_from_db()
    # What the site keeps per user: another user's rows are as closed as hidden records.
    token, _secret = ApiToken.issue(user=owner, name=f"{label} script")
    add("api_token", token)
    add(
        "idempotency_key",
        IdempotencyKey.objects.create(
            id=IdempotencyKey.id_for(owner, "tamper-key"),
            user=owner,
            key="tamper-key",
            fingerprint="0" * 64,
            content_type_id=_content_type_id(case),
            object_id=case.pk,
        ),
    )
    add("reminder_log", ReminderLog.objects.create(user=owner, date="2031-01-01", overdue=1))
    # The withheld names' version token (one row, superusers' admin only).
    add("withheld_names_version", WithheldNamesVersion.objects.get_or_create(pk=1)[0])
    # A kept summary's version token (monitor.summaries; superusers' admin only).
    add("summary_version", SummaryVersion.objects.get_or_create(key=f"tamper-{int(level)}")[0])
    add(
        "task_progress",
        progress_start(owner=owner, kind="export", title=f"{label} export", params={"q": CANARY}),
    )
    add(
        "calendar_feed",
        CalendarFeed.objects.create(
            user=owner, token_hash=CalendarFeed.hash_token(f"{CANARY}-token"), rotated_at=_now()
        ),
    )
    add(
        "access_log",
        AccessLog.objects.create(
            user=owner,
            action=AccessAction.RECORD_READ,
            outcome=AccessOutcome.SUCCESS,
            object_id=str(case.pk),
        ),
    )
    add(
        "access_attempt",
        AccessAttempt.objects.create(
            username=owner.username,
            ip_address="203.0.113.9",
            user_agent="tamper",
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=1,
        ),
    )
    add("user", owner)
    add("team", team)
    add("group", Group.objects.get(name=str(Role.REVIEWER)))
    return world


def build_own(*, attacker, level) -> World:
    """The attacker's own team and records at ``level`` (``attacker`` is in the team)."""
    world = World()
    add = world.add
    team = add("team", TeamFactory(name=f"{attacker.username}'s team", members=[attacker]))
    add("source", SourceFactory(team=team, confidentiality=level, title="Own report"))
    add("other_source", SourceFactory(team=team, confidentiality=level, title="Own press"))
    person = add("person", PersonFactory(team=team, confidentiality=level, name="Own Victim"))
    add("person_name", person.names.get())
    organization = add(
        "organization", OrganizationFactory(name="Own ministry", confidentiality=level)
    )
    add("affiliation", AffiliationFactory(person=person, organization=organization))
    add("event", EventFactory(team=team, confidentiality=level, title="Own event"))
    case = add(
        "case",
        CaseFactory(team=team, confidentiality=level, reference="TJK-2031-0001", title="Own"),
    )
    add("case_person", CasePersonFactory(case=case, person=person))
    allegation = add("allegation", AllegationFactory(case=case, victim=person))
    add(
        "perpetrator",
        AllegationPerpetratorFactory(allegation=allegation, organization=organization),
    )
    detention = add("detention", DetentionFactory(case=case, person=person))
    add("step", DetentionStepFactory(detention=detention))
    followup = add("followup", FollowUpFactory(case=case, title="Own letter"))
    add("response", FollowUpResponseFactory(followup=followup))
    add("citation", CitationFactory(source=world["source"], record=allegation))
    return world


def _content_type_id(record) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(record)).pk


def _now():
    from django.utils import timezone

    return timezone.now()


# -- every URL pattern -------------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^()]*\)")
_GROUP = re.compile(r"\((?!\?)[^()]*\)")


@dataclass(frozen=True)
class Pattern:
    """One URL pattern of the project, from the root down."""

    name: str | None
    parts: tuple
    kwargs: tuple[str, ...]
    positional: int

    @property
    def route(self) -> str:
        return "/" + "".join(str(part.pattern) for part in self.parts)

    def path(self, positional: tuple[str, ...] = (), **values: str) -> str:
        """The concrete path with ``values`` for its parameters (``format`` is json)."""
        values.setdefault("format", "json")
        queue = list(positional)
        text = "/"
        for part in self.parts:
            raw = str(part.pattern)
            if part.pattern.__class__.__name__ == "RegexPattern":
                piece = raw.lstrip("^").rstrip("$")
                piece = _NAMED_GROUP.sub(lambda m: values[m["name"]], piece)
                piece = _GROUP.sub(lambda _m: queue.pop(0), piece)
                piece = piece.replace("/?", "/").replace("\\.", ".").replace("\\", "")
            else:
                piece = _CONVERTER.sub(lambda m: values[m["name"]], raw)
            text += piece
        return text


def _parameters(pattern) -> tuple[tuple[str, ...], int]:
    raw = str(pattern.pattern)
    if pattern.pattern.__class__.__name__ == "RegexPattern":
        named = tuple(m["name"] for m in _NAMED_GROUP.finditer(raw))
        return named, len(_GROUP.findall(raw))
    return tuple(m["name"] for m in _CONVERTER.finditer(raw)), 0


def every_pattern() -> list[Pattern]:
    """Every URL pattern of the project, with its namespaced name and its parameters."""
    found: list[Pattern] = []

    def walk(patterns, parts: tuple, namespaces: tuple, kwargs: tuple, positional: int):
        for pattern in patterns:
            names, count = _parameters(pattern)
            if isinstance(pattern, URLResolver):
                inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
                walk(
                    pattern.url_patterns,
                    (*parts, pattern),
                    inner,
                    kwargs + names,
                    positional + count,
                )
            elif isinstance(pattern, URLPattern):
                name = ":".join((*namespaces, pattern.name)) if pattern.name else None
                found.append(Pattern(name, (*parts, pattern), kwargs + names, positional + count))

    walk(get_resolver().url_patterns, (), (), (), 0)
    return found


def nonexistent_id() -> str:
    return str(uuid.uuid4())
