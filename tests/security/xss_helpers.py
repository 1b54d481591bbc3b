"""Hostile text in every text field, for the XSS and CSV-injection round trips (test_xss.py).

Every ``CharField`` and ``TextField`` (and their kin: URL, e-mail, slug) of every model of the
domain apps is found through ``django.apps``, so a field added later is covered without
editing this file. Each field gets a payload of its own, tagged ``xq001``, ``xq002``… so a
page that shows the field escaped proves it was rendered, and a raw tag names the culprit:

* a long field: ``=HYPERLINK(…)<script>alert("xq001")</script><img src=x onerror=…>"'``
  (a formula for the CSV exports, markup for the pages, quotes for attributes);
* a field of 32 to 114 characters: ``@<script>alert("xq001")</script>`` (still a formula);
* a shorter one: ``<i>xq001</i>`` (12 characters: the place code's limit);
* a URL: a valid address carrying the markup (``URLValidator`` allows ``"<>`` in the query);
* an e-mail address: a quoted local part, which ``EmailValidator`` allows, carrying it.

A field that cannot hold free text is skipped by rule (a fixed set of choices, which forms,
serializers and check constraints all enforce) or named in :data:`SKIPPED` with the reason.
The choices fields without a check constraint are stored with markup anyway
(:data:`CHOICE_CASES`): their label lookup falls back to the raw value.
"""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models
from django.utils.html import escape

from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    EventFigure,
    Facility,
    FollowUp,
    FollowUpResponse,
    GroupDetention,
    GroupDetentionFigure,
)
from imports.models import ImportJob, ImportRow, MappingTemplate
from monitor.choices import Confidentiality, Role, Vocabulary
from monitor.history import acting_as
from monitor.models import (
    AccessAction,
    AccessLog,
    ApiToken,
    DecisionAction,
    IdempotencyKey,
    Place,
    ReviewDecision,
    TaskProgress,
    Team,
    Term,
    User,
)
from monitor.progress import progress_start
from monitor.services import review_return, review_submit
from people.models import Affiliation, Organization, Person, PersonName
from sources.models import Citation, CustodyEvent, EvidenceFile, Source
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
    UserFactory,
)

DOMAIN_APPS = ("monitor", "cases", "people", "sources", "imports")

#: Text fields that cannot hold free text, with the reason. Keys are ``app.Model.field``;
#: ``test_xss.py`` checks that each still names a text field, so the list cannot go stale.
SKIPPED: dict[str, str] = {
    # Secrets and digests: the app computes them, nobody types them.
    "monitor.User.password": "a password hash made by the hasher",
    "monitor.ApiToken.digest": "the SHA-256 of the token, computed by the app",
    "monitor.ApiToken.hint": "the first characters of a generated token",
    "monitor.IdempotencyKey.fingerprint": "a digest of the request, computed by the app",
    "monitor.AccessLog.username_digest": "a keyed hash of what was typed, never the text",
    "cases.CalendarFeed.token_hash": "the SHA-256 of the calendar address's secret",
    "sources.EvidenceFile.sha256": "the SHA-256 of the stored bytes, computed on upload",
    "sources.CustodyEvent.sha256_seen": "the SHA-256 of the stored bytes, computed on upload",
    "sources.EvidenceFile.wrapped_key": "the file's data key sealed by the app, base64",
    # Derived from a field that is tested.
    "people.PersonName.folded": "the search key folded from full_name (full_name is tested)",
    "cases.Facility.folded": "the search key folded from name and other_names (both tested)",
    "cases.Case.folded": "the search key folded from reference, title, summary (all tested)",
    # Too short for markup, and a token by the HTTP grammar (no < > or quotes).
    "monitor.AccessLog.method": "the request's HTTP method, eight characters at most",
    "monitor.TaskProgress.kind": "the kind of background job, a code the app sets",
    "monitor.TaskProgress.task_id": "the id of the task runner's result, set by the app",
    "monitor.SummaryVersion.key": "a kept summary's name, a constant of the code",
    "imports.ImportJob.encoding": "a codec name the upload checks (the file is read with it)",
    "imports.ImportJob.delimiter": "the file's column separator, two characters at most",
    "imports.ImportRow.external_key": "a row's matching key, shown nowhere",
    "imports.ImportRow.fingerprint": "a digest of the row's cells, computed by the app",
    "cases.DetentionStep.fine_currency": "an ISO 4217 currency code, three characters at most",
}

#: Fields no HTML page or admin page shows (their only surface is the API, whose test reads
#: them back unchanged): the HTML test cannot see them escaped. Keys as in :data:`SKIPPED`.
API_ONLY: dict[str, str] = {
    "imports.MappingTemplate.name": "saved import mappings are listed by the API alone",
}

#: Choices fields stored with markup anyway: these have no check constraint, so a bulk import
#: or a bug could store anything, and ``get_FOO_display()`` then shows the raw value. (Every
#: other choices field has a check constraint; ``Person.gender`` and ``PersonName.script``
#: have none but hold ten characters, too few for markup.)
CHOICE_CASES: frozenset[str] = frozenset(
    {
        "cases.CasePerson.role",
        "cases.AllegationPerpetrator.role",
        "people.PersonName.kind",
    }
)

#: The reason typed with every change of the records built here (simple-history's
#: ``history_change_reason``: typed in the forms, the admin and the API).
CHANGE_REASON_KEY = "history.change_reason"

#: Raw markup that must never reach an HTML page, whatever the field.
RAW_MARKERS = ("<script>alert(", "<img src=x onerror", "<i>xq")

#: The bytes of the evidence file: a page with a script, as an attacker would upload.
EVIDENCE_BYTES = b"<html><script>alert('evidence')</script></html>"

#: What a spreadsheet runs as a formula (OWASP's list), written out here rather than taken
#: from ``monitor.exports``, so the test does not trust the code it tests.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Payload:
    """The hostile value of one field, and how to recognise it raw and escaped."""

    key: str
    tag: str
    value: str
    core: str  # the markup inside ``value``: must never appear raw in HTML

    @property
    def escaped(self) -> str:
        """The markup as autoescaping writes it: proof the field was rendered, safely."""
        return escape(self.core)


def is_historical(model) -> bool:
    return hasattr(model, "instance_type")  # simple-history's generated history models


def field_key(model, name: str) -> str:
    return f"{model._meta.app_label}.{model.__name__}.{name}"


def is_text(field) -> bool:
    return isinstance(field, models.CharField | models.TextField) and field.concrete


def domain_models() -> list[type[models.Model]]:
    found = [
        model
        for label in DOMAIN_APPS
        for model in apps.get_app_config(label).get_models()
        if not is_historical(model)
    ]
    return sorted(found, key=lambda model: model._meta.label)


def all_text_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in domain_models()
        for field in model._meta.concrete_fields
        if is_text(field)
    ]


def _payload(key: str, tag: str, field: models.Field | None) -> Payload:
    script = f'<script>alert("{tag}")</script>'
    if isinstance(field, models.URLField):
        return Payload(key, tag, f'https://evil.example/?{tag}=">{script}', script)
    if isinstance(field, models.EmailField):
        core = f"<script>alert('{tag}')</script>"
        return Payload(key, tag, f'"{core}"@example.org', core)
    limit = field.max_length if field is not None and field.max_length else 10_000
    full = (
        f'=HYPERLINK("https://evil.example/{tag}","{tag}")'
        f'{script}<img src=x onerror=alert("{tag}")>"\''
    )
    for value, core in ((full, script), (f"@{script}", script), (f"<i>{tag}</i>", f"<i>{tag}</i>")):
        if len(value) <= limit:
            return Payload(key, tag, value, core)
    raise AssertionError(f"{key}: {limit} characters hold no payload; skip it with a reason")


@cache
def payloads() -> dict[str, Payload]:
    """Every tested text field's payload, by ``app.Model.field`` (plus the change reason)."""
    tested = [
        (field_key(model, field.name), field)
        for model, field in all_text_fields()
        if field_key(model, field.name) not in SKIPPED
        and (not field.choices or field_key(model, field.name) in CHOICE_CASES)
    ]
    tested.append((CHANGE_REASON_KEY, None))
    tags = (f"xq{number:03d}" for number in itertools.count(1))
    return {key: _payload(key, tag, field) for (key, field), tag in zip(tested, tags, strict=False)}


def values(model) -> dict[str, str]:
    """The payloads of ``model``'s tested fields, as keyword arguments for its factory."""
    prefix = f"{model._meta.app_label}.{model.__name__}."
    return {
        key.removeprefix(prefix): payload.value
        for key, payload in payloads().items()
        if key.startswith(prefix)
    }


def value(key: str) -> str:
    return payloads()[key].value


# -- the records -----------------------------------------------------------------------------


def build_world() -> dict[str, object]:
    """One record of every domain model, every text field hostile, all on one team.

    ``author`` (a monitor) wrote everything and carries the hostile user fields; ``reviewer``
    (the team's reviewer, staff so the review queue opens) and ``admin`` (a superuser on the
    team) read it. The case was returned once with a hostile comment and resubmitted; the
    person was returned and waits for its author; the event and source wait for review.
    """
    author = UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, **values(User))
    reviewer = UserFactory(
        username="xss-reviewer",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        is_staff=True,
    )
    admin = UserFactory(
        username="xss-root",
        clearance=Confidentiality.CONFIDENTIAL,
        is_staff=True,
        is_superuser=True,
    )
    with acting_as(author, reason=value(CHANGE_REASON_KEY)):
        team = TeamFactory(members=[author, reviewer, admin], **values(Team))
        place = PlaceFactory(**values(Place))
        violation = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, **values(Term))
        source_kind = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, label="NGO report")
        return _build_records(author, reviewer, admin, team, place, violation, source_kind)


def _build_records(author, reviewer, admin, team, place, violation, source_kind):
    source = SourceFactory(team=team, kind=source_kind, **values(Source))
    evidence = EvidenceFileFactory(
        source=source,
        content=EVIDENCE_BYTES,
        # The name on disk is the storage's; the uploader's name is only ``original_name``.
        file=ContentFile(EVIDENCE_BYTES, name="statement.html"),
        **values(EvidenceFile),
    )
    custody = CustodyEventFactory(evidence=evidence, actor=author, **values(CustodyEvent))
    person = PersonFactory(team=team, name=False, **values(Person))
    PersonNameFactory(person=person, is_primary=True, **values(PersonName))
    organization = OrganizationFactory(**values(Organization))
    affiliation = AffiliationFactory(
        person=person, organization=organization, **values(Affiliation)
    )
    event = EventFactory(team=team, **values(Event))
    figure = EventFigureFactory(event=event, source=source, **values(EventFigure))
    case = CaseFactory(team=team, **values(Case))
    case.events.add(event)
    case.places.add(place)
    case_person = CasePersonFactory(case=case, person=person, **values(CasePerson))
    allegation = AllegationFactory(
        case=case, victim=person, violation_type=violation, place=place, **values(Allegation)
    )
    perpetrator = AllegationPerpetratorFactory(
        allegation=allegation, organization=organization, **values(AllegationPerpetrator)
    )
    detention = DetentionFactory(case=case, person=person, **values(Detention))
    step = DetentionStepFactory(detention=detention, **values(DetentionStep))
    facility = FacilityFactory(place=place, **values(Facility))
    group = GroupDetentionFactory(case=case, facility=facility, **values(GroupDetention))
    group_figure = GroupDetentionFigureFactory(
        group=group, source=source, **values(GroupDetentionFigure)
    )
    progress = progress_start(
        owner=admin, kind="export", title=values(TaskProgress)["title"], params={}
    )
    import_job = ImportJob.objects.create(
        created_by=reviewer, team=team, confidentiality=Confidentiality.INTERNAL, source=source,
        evidence=evidence, file_format="csv", encoding="utf-8", delimiter=",", headers=["name"],
        rows_total=1, rows_done=1, rows_failed=1, **values(ImportJob),
    )  # fmt: skip
    import_row = ImportRow.objects.create(
        job=import_job, number=1, fingerprint="0" * 64, outcome="failed", cells=["x"],
        **values(ImportRow),
    )  # fmt: skip
    template = MappingTemplate.objects.create(
        kind=import_job.kind, mapping={}, created_by=reviewer, team=team,
        **values(MappingTemplate),
    )  # fmt: skip
    followup = FollowUpFactory(case=case, addressee=organization, owner=author, **values(FollowUp))
    response = FollowUpResponseFactory(followup=followup, **values(FollowUpResponse))
    citation = CitationFactory(source=source, record=allegation, **values(Citation))
    token, _secret = ApiToken.issue(user=admin, **values(ApiToken))
    idempotency = IdempotencyKey.objects.create(
        id=uuid.uuid4(),
        user=admin,
        fingerprint="0" * 64,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
        **values(IdempotencyKey),
    )
    access = AccessLog.objects.create(user=author, action=AccessAction.SIGN_IN, **values(AccessLog))

    comment = value("monitor.ReviewDecision.comment")
    review_submit(record=case, actor=author)
    review_return(record=Case.objects.get(pk=case.pk), actor=reviewer, comment=comment)
    review_submit(record=Case.objects.get(pk=case.pk), actor=author)
    review_submit(record=person, actor=author)
    review_return(record=Person.objects.get(pk=person.pk), actor=reviewer, comment=comment)
    for record in (event, source):
        review_submit(record=record, actor=author)

    records = {
        "author": author,
        "reviewer": reviewer,
        "admin": admin,
    }
    for obj in (
        team,
        place,
        violation,
        source,
        evidence,
        custody,
        person,
        person.names.get(),
        organization,
        affiliation,
        event,
        figure,
        case,
        case_person,
        allegation,
        perpetrator,
        detention,
        step,
        facility,
        group,
        group_figure,
        progress,
        import_job,
        import_row,
        template,
        followup,
        response,
        citation,
        token,
        idempotency,
        access,
        ReviewDecision.objects.filter(action=DecisionAction.RETURNED).first(),
        author,
    ):
        records[obj._meta.label] = type(obj)._base_manager.get(pk=obj.pk)
    # A second person, for the merge page (a person and the duplicate to merge into it).
    records["duplicate_person"] = PersonFactory(team=team, name="Duplicate Person")
    records["review_items"] = [
        records[label] for label in ("cases.Case", "cases.Event", "people.Person", "sources.Source")
    ]
    return records


# -- reading what came back ------------------------------------------------------------------


def raw_markup(text: str) -> list[str]:
    """The hostile markup found unescaped in ``text``, with a little context each."""
    found = []
    for marker in RAW_MARKERS:
        start = text.find(marker)
        while start != -1:
            found.append(text[max(0, start - 60) : start + 60])
            start = text.find(marker, start + 1)
    return found


def shown_escaped(text: str) -> set[str]:
    """The keys of the payloads that ``text`` shows escaped."""
    return {key for key, payload in payloads().items() if payload.escaped in text}


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
