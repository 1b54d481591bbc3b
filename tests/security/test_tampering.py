"""Object-reference tampering: other people's ids in URLs, bodies and filters get nothing.

A signed-in attacker — a monitor off the team, a viewer (internal clearance), a user without
a role — types the ids of records they may not see (a team's strict or confidential case and
everything in it, a protected witness, another user's API token…) wherever the site takes an
id. Whatever they try:

* the answer is the one a made-up id gets, byte for byte once the id itself is set aside:
  a 404 (the API's ``{"error": …}`` shape under /api/, the plain "Page not found" page
  elsewhere), a refused field that says the record does not exist, or an empty list — so
  no answer tells a hidden record from a missing one;
* the answer carries nothing of the record (every hidden text holds a canary);
* nothing changes: no row, no history entry, no review decision, no custody event.

URLs are not listed by hand: every pattern of the project is walked, and every one that takes
an id is requested with each hidden record of the kind it names. A new id-bearing pattern
without a mapping to its kind of record fails :func:`test_every_id_bearing_url_is_mapped`.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from cases.models import (
    Allegation,
    AllegationPerpetrator,
    CalendarFeed,
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
    ReminderLog,
)
from monitor.admin.base import AuditedAdmin
from monitor.models import (
    AccessLog,
    ApiToken,
    IdempotencyKey,
    Place,
    ReviewDecision,
    SummaryVersion,
    TaskProgress,
    Team,
    Term,
    User,
    WithheldNamesVersion,
)
from people.models import Affiliation, Organization, Person, PersonName
from sources.models import Citation, CustodyEvent, EvidenceFile, Source
from tests.security.tampering_world import (
    CANARY,
    HIDDEN_LEVEL,
    OWN_LEVEL,
    REFERENCE_KEYS,
    Pattern,
    World,
    build_hidden,
    build_own,
    every_pattern,
    nonexistent_id,
)

pytestmark = pytest.mark.django_db

ATTACKERS = tuple(HIDDEN_LEVEL)

# -- which kind of record each id-bearing URL names --------------------------------------------

#: URL parameters that name a record (or a row of some user's).
ID_PARAMETERS = frozenset({"pk", "object_id", "id", "case_pk", "content_type_id"})

#: The pages: URL name → the kinds of hidden record its ``pk`` is tried with.
PAGE_TARGETS: dict[str, tuple[str, ...]] = {
    "case-detail": ("case",),
    "case-un-submission": ("case",),
    "followup-un-letter": ("followup",),
    "case-edit": ("case",),
    "case-submit": ("case",),
    "event-detail": ("event",),
    "event-edit": ("event",),
    "figure-create": ("event",),
    "allegation-status": ("allegation",),
    "step-status": ("step",),
    "followup-detail": ("followup",),
    "followup-edit": ("followup",),
    "followup-respond": ("followup",),
    "person-detail": ("person", "protected_person"),
    "person-edit": ("person", "protected_person"),
    "person-submit": ("person", "protected_person"),
    "person-merge": ("person", "protected_person"),
    "person-unmerge": ("person", "protected_person"),
    "facility-detail": ("facility",),
    "facility-edit": ("facility",),
    "groupdetention-edit": ("group_detention",),
    "source-detail": ("source", "protected_source"),
    "source-edit": ("source", "protected_source"),
    "source-submit": ("source", "protected_source"),
    "sources:evidence-download": ("evidence",),
    "sources:evidence-preview": ("evidence",),
    # Background work: its owner's alone (monitor.progress, monitor.export_jobs).
    "task-progress": ("task_progress",),
    "task-progress-json": ("task_progress",),
    "task-progress-cancel": ("task_progress",),
    "export-download": ("task_progress",),
    "import-detail": ("import_job",),
    "import-failed": ("import_job",),
}
#: The API: router basename → kinds. Every route of a basename (detail, history, each
#: action, with or without a format suffix) is tried, so a new action is covered unasked.
API_TARGETS: dict[str, tuple[str, ...]] = {
    "case": ("case",),
    "event": ("event",),
    "allegation": ("allegation",),
    "detention": ("detention",),
    "group-detention": ("group_detention",),
    "facility": ("facility",),
    "follow-up": ("followup",),
    "person": ("person", "protected_person"),
    "organization": ("organization",),
    "affiliation": ("affiliation",),
    "source": ("source", "protected_source"),
    "evidence-file": ("evidence",),
    "citation": ("citation",),
    "term": ("term",),
    "place": ("place",),
    "token": ("api_token",),
    "import": ("import_job",),
}
#: The admin: registered model → kinds. Every page of its ModelAdmin is tried.
ADMIN_TARGETS: dict[type, tuple[str, ...]] = {
    Case: ("case",),
    CasePerson: ("case_person",),
    Allegation: ("allegation",),
    AllegationPerpetrator: ("perpetrator",),
    Detention: ("detention",),
    DetentionStep: ("step",),
    GroupDetention: ("group_detention",),
    GroupDetentionFigure: ("group_detention_figure",),
    Facility: ("facility",),
    Event: ("event",),
    EventFigure: ("event_figure",),
    FollowUp: ("followup",),
    FollowUpResponse: ("response",),
    Person: ("person", "protected_person"),
    PersonName: ("person_name", "protected_person_name"),
    Organization: ("organization",),
    Affiliation: ("affiliation",),
    Source: ("source", "protected_source"),
    EvidenceFile: ("evidence",),
    CustodyEvent: ("custody_event",),
    Citation: ("citation",),
    Term: ("term",),
    Place: ("place",),
    # Rows the site keeps per user, and accounts: closed to a monitor, viewer or no-role user.
    ReviewDecision: ("review_decision",),
    ApiToken: ("api_token",),
    IdempotencyKey: ("idempotency_key",),
    ReminderLog: ("reminder_log",),
    TaskProgress: ("task_progress",),
    WithheldNamesVersion: ("withheld_names_version",),
    SummaryVersion: ("summary_version",),
    CalendarFeed: ("calendar_feed",),
    AccessLog: ("access_log",),
    AccessAttempt: ("access_attempt",),
    User: ("user",),
    Team: ("team",),
    Group: ("group",),
}
#: URLs whose parameters are not a single record id: each is built by its own function below.
SPECIAL = {
    "detention-steps",  # a case and one of its detentions
    "admin:view_on_site",  # a content type and an object of it
    "admin:review_item",  # app label, model name and the id of a reviewed record
    "review-item",  # the same, on the review page inside the app (issue 19)
}
#: The records the review queue's item page takes.
REVIEWED_KEYS = ("case", "event", "person", "protected_person", "source", "protected_source")


def is_id_bearing(pattern: Pattern) -> bool:
    return bool(ID_PARAMETERS & set(pattern.kwargs)) or pattern.positional > 0


def surface_of(pattern: Pattern) -> str:
    route = pattern.route
    if route.startswith("/api/"):
        return "api"
    if route.startswith("/admin/"):
        return "admin"
    return "pages"


def api_basename(name: str | None) -> str | None:
    if not name or not name.startswith("api:"):
        return None
    rest = name.removeprefix("api:")
    matches = [basename for basename in API_TARGETS if rest.startswith(f"{basename}-")]
    return max(matches, key=len) if matches else None


_ADMIN_MODEL_ROUTE = re.compile(r"^/admin/(?P<app>\w+)/(?P<model>\w+)/")


def admin_model(pattern: Pattern) -> type | None:
    match = _ADMIN_MODEL_ROUTE.match(pattern.route)
    if match is None:
        return None
    try:
        model = apps.get_model(match["app"], match["model"])
    except LookupError:
        return None
    return model if model in admin.site._registry else None


def targets_of(pattern: Pattern) -> tuple[str, ...] | None:
    """The kinds of hidden record ``pattern``'s id is tried with (None: not mapped)."""
    surface = surface_of(pattern)
    if surface == "pages":
        return PAGE_TARGETS.get(pattern.name)
    if surface == "api":
        basename = api_basename(pattern.name)
        return API_TARGETS.get(basename) if basename else None
    model = admin_model(pattern)
    return ADMIN_TARGETS.get(model) if model is not None else None


def id_bearing_patterns() -> list[Pattern]:
    return [pattern for pattern in every_pattern() if is_id_bearing(pattern)]


def test_every_id_bearing_url_is_mapped():
    unmapped = [
        (pattern.name, pattern.route)
        for pattern in id_bearing_patterns()
        if pattern.name not in SPECIAL and targets_of(pattern) is None
    ]
    assert unmapped == [], "map these URLs to the kind of record their id names"
    # The walk reaches the whole site: pages, the API with its actions, every admin page.
    by_surface: dict[str, int] = {}
    for pattern in id_bearing_patterns():
        by_surface[surface_of(pattern)] = by_surface.get(surface_of(pattern), 0) + 1
    assert by_surface["pages"] >= 15
    assert by_surface["api"] >= 100
    assert by_surface["admin"] >= 140


def test_every_mapped_kind_and_admin_model_exists_in_the_hidden_world(team, monitor_on_team):
    world = build_hidden(team=team, owner=monitor_on_team, level=HIDDEN_LEVEL["viewer"])
    wanted = {key for keys in PAGE_TARGETS.values() for key in keys}
    wanted |= {key for keys in API_TARGETS.values() for key in keys}
    wanted |= {key for keys in ADMIN_TARGETS.values() for key in keys}
    assert wanted - set(world.records) == set()
    # Every registered admin is mapped (a new one must say which record it shows).
    assert set(admin.site._registry) - set(ADMIN_TARGETS) == set()
    for model, keys in ADMIN_TARGETS.items():
        for key in keys:
            assert isinstance(world[key], model), key


# -- the crawl ---------------------------------------------------------------------------------


def hidden_keys(attacker_name: str) -> set[str]:
    """The kinds of record of the hidden world that ``attacker_name`` may not see."""
    keys = {key for keys in ADMIN_TARGETS.values() for key in keys}
    if attacker_name != "no_role_user":
        keys -= REFERENCE_KEYS  # every role reads vocabularies and places
    return keys


_ID_FORMS = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def normalized(response, ids: Iterable[str]) -> tuple[int, str, str]:
    """Status, Location and body with the ids tried (and per-response tokens) set aside."""
    text = body_of(response)
    location = response.get("Location", "")
    for value in ids:
        if value.isdigit():  # a small integer id: only where it stands as an id
            forms = {f"/{value}/", f"“{value}”", f'"{value}"'}
            for form in forms:
                marked = form.replace(value, "<id>")
                text, location = text.replace(form, marked), location.replace(form, marked)
            continue
        for form in {value, value.replace("-", ""), value.upper(), value.replace("-", "").upper()}:
            text = text.replace(form, "<id>")
            location = location.replace(form, "<id>")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'nonce="[^"]*"', "", text)
    return response.status_code, location, text


def assert_no_canary(response, context) -> None:
    assert CANARY.lower() not in body_of(response).lower(), context
    for header, value in response.items():
        assert CANARY.lower() not in value.lower(), (context, header)


def _counting_sql() -> str:
    """One query counting the rows of every table a tampering request could write to."""
    skip = {AccessLog, AccessAttempt}  # the access log records attempts; that is its job
    tables = [
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label
        in {"monitor", "cases", "people", "sources", "imports", "auth", "axes"}
        and model not in skip
        and not model._meta.label.startswith("axes.AccessFailure")
    ]
    quote = connection.ops.quote_name
    # Table names from the model registry, quoted: nothing from outside reaches this SQL.
    counts = [f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables]  # noqa: S608
    return "SELECT " + ", ".join(counts)


def fingerprint(world: World) -> tuple:
    """Enough of the database to see any change: the rows of every table (history tables
    too, so an edit shows), and what changes without history (a token's revocation)."""
    with connection.cursor() as cursor:
        cursor.execute(_counting_sql())
        counts = cursor.fetchone()
    token = ApiToken.objects.values_list("revoked_at", flat=True).get(pk=world["api_token"].pk)
    user = User.objects.values_list("is_active", "is_staff", "clearance").get(pk=world["user"].pk)
    return counts, token, user


def request(client, method: str, path: str, surface: str):
    if surface == "api":
        body = {
            "title": f"{CANARY} tampered",
            "comment": "tampered",
            "reason": "tampered",
            "status": "verified",
        }
        return getattr(client, method)(path, body, format="json")
    if method == "get":
        return client.get(path)
    return client.post(
        path,
        {"title": "tampered", "action": "verify", "comment": "tampered", "_save": "Save"},
    )


def expected_statuses(pattern: Pattern, surface: str, method: str) -> set[int]:
    if surface == "api":
        return {404, 405}
    if surface == "pages":
        return {404, 405}  # 405: a page that takes only POST (submit), or only GET
    # The admin: a hidden audited record is a 404; elsewhere Django's own answers (a 403
    # without the permission, its "doesn't exist" redirect) — as for an id that is not there.
    return {302, 403, 404, 405}


def must_be_404(pattern: Pattern, surface: str, method: str, path: str) -> bool:
    """Where nothing but a 404 is right (a method the endpoint takes, on a hidden record)."""
    if surface == "api":
        actions = getattr(resolve(path).func, "actions", {})
        return method in actions
    if surface == "pages":
        return False  # see crawl(): each page answers 404 to the methods it takes
    model = admin_model(pattern)
    view = (pattern.name or "").rsplit("_", 1)[-1]
    audited = isinstance(admin.site._registry.get(model), AuditedAdmin)
    return (
        audited
        and method == "get"
        and (view in ("change", "history") or "simple_history" in (pattern.name or ""))
    )


def attempts(pattern: Pattern, world: World, own: World, keys: set[str]):
    """``(hidden path, made-up path, ids tried)`` for each way ``pattern`` names a record."""
    made_up = nonexistent_id()
    if pattern.name == "detention-steps":
        hidden, own_case = world["detention"], own["case"]
        yield (
            pattern.path(case_pk=str(hidden.case_id), pk=str(hidden.pk)),
            pattern.path(case_pk=made_up, pk=made_up),
            (str(hidden.case_id), str(hidden.pk), made_up),
        )
        yield (
            pattern.path(case_pk=str(own_case.pk), pk=str(hidden.pk)),
            pattern.path(case_pk=str(own_case.pk), pk=made_up),
            (str(hidden.pk), made_up),
        )
        return
    if pattern.name in ("admin:review_item", "review-item"):
        for key in REVIEWED_KEYS:
            record = world[key]
            opts = record._meta
            yield (
                pattern.path(
                    app_label=opts.app_label, model_name=opts.model_name, pk=str(record.pk)
                ),
                pattern.path(app_label=opts.app_label, model_name=opts.model_name, pk=made_up),
                (str(record.pk), made_up),
            )
        return
    if pattern.name == "admin:view_on_site":
        for key in sorted(keys):
            record = world[key]
            content_type = str(ContentType.objects.get_for_model(type(record)).pk)
            values = {"content_type_id": content_type}
            yield (
                pattern.path(object_id=str(record.pk), **values),
                pattern.path(object_id=made_up, **values),
                (str(record.pk), made_up),
            )
        return
    for key in targets_of(pattern) or ():
        if key not in keys:
            continue
        record = world[key]
        pk, fake = str(record.pk), made_up
        if isinstance(record.pk, int):  # a group, a lockout: a free integer id
            fake = str(type(record)._base_manager.order_by("-pk").first().pk + 1000)
        if pattern.positional:  # simple_history's page of one past version
            version = str(record.history.order_by("-history_id").first().history_id)
            yield pattern.path((pk, version)), pattern.path((fake, version)), (pk, fake)
            own_record = own.records.get(key)
            if own_record is not None:
                # One's own record with a hidden record's past version.
                own_pk = str(own_record.pk)
                yield (
                    pattern.path((own_pk, version)),
                    pattern.path((own_pk, str(10**9))),
                    (version, str(10**9)),
                )
            continue
        values = {name: pk for name in pattern.kwargs if name in ID_PARAMETERS}
        # A part named after the record (an event's ``figures/<figure>/``, a detention's
        # ``steps/<step>/``): the hidden record's own, either way.
        extra = {
            name: str(world[key].pk)
            for name, key in (("figure", "event_figure"), ("step", "step"))
            if name in pattern.kwargs
        }
        yield (
            pattern.path(**values, **extra),
            pattern.path(**dict.fromkeys(values, fake), **extra),
            (pk, fake, *extra.values()),
        )


def client_for(surface: str, user):
    if surface == "api":
        client = APIClient()
        client.force_authenticate(user)
        return client
    client = Client()
    client.force_login(user)
    return client


def crawl(surface: str, attacker_name: str, attacker, world: World, own: World) -> int:
    """Try every id-bearing URL of ``surface``; return how many requests were compared.

    Every failure is collected, so one run lists all the URLs that give something away.
    """
    client = client_for(surface, attacker)
    methods = ("get", "post")
    if surface == "api" and attacker_name == "monitor_off_team":
        # The one attacker who may write: every method. (The others' writes stop at the
        # same lookup; reading and posting actions is enough to show it, and keeps it fast.)
        methods += ("put", "patch", "delete")
    keys = hidden_keys(attacker_name)
    compared = 0
    failures: list[str] = []
    state = fingerprint(world)
    for pattern in id_bearing_patterns():
        if surface_of(pattern) != surface:
            continue
        for hidden_path, made_up_path, ids in attempts(pattern, world, own, keys):
            # A format suffix (".json") is another spelling of the same route: read it only.
            tried = ("get",) if "format" in pattern.kwargs else methods
            statuses = set()
            for method in tried:
                where = f"{method.upper()} {hidden_path}"
                hidden = request(client, method, hidden_path, surface)
                made_up = request(client, method, made_up_path, surface)
                failures += check(pattern, surface, method, path=hidden_path, hidden=hidden)
                if normalized(hidden, ids) != normalized(made_up, ids):
                    failures.append(
                        f"{where}: {hidden.status_code} {hidden.get('Location', '')}, but "
                        f"{made_up.status_code} {made_up.get('Location', '')} for a made-up id"
                    )
                statuses.add(hidden.status_code)
                compared += 1
            if surface == "pages" and 404 not in statuses:
                # Whatever methods a page takes, it answers them with a 404.
                failures.append(f"{hidden_path}: no 404 ({statuses})")
        if (now := fingerprint(world)) != state:
            failures.append(f"{pattern.route}: the database changed")
            state = now
    assert failures == [], f"{attacker_name}, {surface}:\n" + "\n".join(failures)
    return compared


def check(pattern: Pattern, surface: str, method: str, *, path: str, hidden) -> list[str]:
    """What is wrong with the answer to a hidden id, on its own."""
    where = f"{method.upper()} {path}"
    status = hidden.status_code
    found = []
    text = body_of(hidden)
    if CANARY.lower() in text.lower() or any(
        CANARY.lower() in value.lower() for _header, value in hidden.items()
    ):
        found.append(f"{where}: shows the hidden record")
    if status not in expected_statuses(pattern, surface, method):
        found.append(f"{where}: status {status}")
    if must_be_404(pattern, surface, method, path) and status != 404:
        found.append(f"{where}: {status}, not 404")
    if surface == "api" and (status >= 300 and set(json.loads(text)) != {"error"}):
        found.append(f"{where}: not the API's error shape")
    if surface == "pages" and status == 404 and "Page not found" not in text:
        found.append(f"{where}: not the plain 404 page")
    return found


@pytest.fixture(params=ATTACKERS)
def attacker(request):
    """``(name, user)`` of each attacker persona, with admin access (staff) like the team."""
    name = request.param
    user = request.getfixturevalue(name)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return name, user


@pytest.fixture
def worlds(attacker, team, monitor_on_team):
    name, user = attacker
    hidden = build_hidden(team=team, owner=monitor_on_team, level=HIDDEN_LEVEL[name])
    own = build_own(attacker=user, level=OWN_LEVEL[name])
    return hidden, own


@pytest.mark.parametrize("surface", ["pages", "api", "admin"])
def test_hidden_ids_in_every_url_answer_as_ids_that_do_not_exist(attacker, worlds, surface):
    name, user = attacker
    hidden, own = worlds
    if surface == "admin":
        # Inside the admin, not stopped at its door: the crawl must reach the model pages.
        client = client_for("admin", user)
        assert client.get(reverse("admin:index")).status_code == 200
    compared = crawl(surface, name, user, hidden, own)
    assert compared >= {"pages": 40, "api": 200, "admin": 250}[surface]


@pytest.mark.parametrize("form", ["followup-create", "groupdetention-create"])
def test_a_form_for_a_hidden_case_answers_404(attacker, worlds, form):
    name, user = attacker
    hidden, _own = worlds
    client = client_for("pages", user)
    url = reverse(form)
    for method in ("get", "post"):
        found = getattr(client, method)(f"{url}?case={hidden['case'].pk}")
        missing = getattr(client, method)(f"{url}?case={uuid.uuid4()}")
        assert found.status_code == missing.status_code == 404, (name, method)
        assert_no_canary(found, (name, method))


def test_the_database_fingerprint_sees_a_change(team, monitor_on_team):
    """The crawl's "nothing changed" check can fail: an edit, a link or a revocation shows."""
    world = build_hidden(team=team, owner=monitor_on_team, level=HIDDEN_LEVEL["viewer"])
    before = fingerprint(world)
    world["case"].events.remove(world["event"])
    assert fingerprint(world) != before
    before = fingerprint(world)
    world["api_token"].revoke()
    assert fingerprint(world) != before


# -- ids in API bodies -------------------------------------------------------------------------

API = "/api/v1"
#: Where each refusal of an id says "no such record", in the words used for one that does
#: not exist either (the field's own "that you may link to", a child row's, a citation's).
LINK_REFUSED = "that you may link to"
ITEM_REFUSED = "No such item in this record"
RECORD_REFUSED = "No record of this kind with this id that you may see"


def _term(vocabulary):
    return Term.objects.filter(vocabulary=vocabulary, archived_at__isnull=True).first()


@dataclass(frozen=True)
class Write:
    """A write that names a record by id: ``body(ref)`` with a hidden id or a made-up one."""

    what: str
    method: str
    url: str  # "{case}" and the like: the attacker's own records
    body: Callable[[str], dict]
    field: str  # the field the refusal is reported on
    words: str  # how it says so
    key: str  # the kind of hidden record named
    #: Whether the same write with the attacker's own record of that kind goes through (not
    #: for a record made its own parent).
    control: bool = True


def api_writes(own: World) -> list[Write]:
    from monitor.choices import Vocabulary

    violation = str(_term(Vocabulary.VIOLATION_TYPE).pk)
    case, person = str(own["case"].pk), str(own["person"].pk)
    organization, source = str(own["organization"].pk), str(own["source"].pk)

    def allegation(**values):
        return {
            "case": case,
            "violation_type": violation,
            "date": "2022",
            "victim_description": "Residents of Khorog",
            **values,
        }

    def followup(**values):
        return {"case": case, "kind": "letter", "title": "Letter", "sent": "2023-05", **values}

    def citation(record_type, ref, **values):
        return {"source": source, "record_type": record_type, "record_id": ref, **values}

    link, item, record = LINK_REFUSED, ITEM_REFUSED, RECORD_REFUSED
    return [
        # creates naming a hidden parent or link
        Write("allegation in a hidden case", "post", "/allegations/",
              lambda ref: allegation(case=ref), "case", link, "case"),
        Write("allegation of a hidden victim", "post", "/allegations/",
              lambda ref: allegation(victim=ref), "victim", link, "person"),
        Write("allegation of a hidden protected witness", "post", "/allegations/",
              lambda ref: allegation(victim=ref), "victim", link, "protected_person"),
        Write("allegation by a hidden organisation", "post", "/allegations/",
              lambda ref: allegation(perpetrators=[{"organization": ref, "role": "direct"}]),
              "perpetrators", link, "organization"),
        Write("detention in a hidden case", "post", "/detentions/",
              lambda ref: {"case": ref, "person": person}, "case", link, "case"),
        Write("detention of a hidden person", "post", "/detentions/",
              lambda ref: {"case": case, "person": ref}, "person", link, "person"),
        Write("follow-up on a hidden case", "post", "/follow-ups/",
              lambda ref: followup(case=ref), "case", link, "case"),
        Write("follow-up to a hidden organisation", "post", "/follow-ups/",
              lambda ref: followup(addressee=ref), "addressee", link, "organization"),
        Write("citation of a hidden source", "post", "/citations/",
              lambda ref: citation("cases.case", case, source=ref), "source", link, "source"),
        Write("citation for a hidden case", "post", "/citations/",
              lambda ref: citation("cases.case", ref), "record_id", record, "case"),
        Write("citation for a hidden allegation", "post", "/citations/",
              lambda ref: citation("cases.allegation", ref), "record_id", record, "allegation"),
        Write("citation for a hidden witness", "post", "/citations/",
              lambda ref: citation("people.person", ref), "record_id", record,
              "protected_person"),
        Write("citation for a hidden step", "post", "/citations/",
              lambda ref: citation("cases.detentionstep", ref), "record_id", record, "step"),
        Write("affiliation of a hidden person", "post", "/affiliations/",
              lambda ref: {"person": ref, "organization": organization}, "person", link,
              "person"),
        Write("affiliation to a hidden organisation", "post", "/affiliations/",
              lambda ref: {"person": person, "organization": ref}, "organization", link,
              "organization"),
        Write("event within a hidden event", "post", "/events/",
              lambda ref: {"title": "Sub-event", "parent": ref}, "parent", link, "event"),
        Write("organisation within a hidden one", "post", "/organizations/",
              lambda ref: {"name": "Sub-unit", "kind": "security_force", "parent": ref},
              "parent", link, "organization"),
        Write("case linked to a hidden event", "post", "/cases/",
              lambda ref: {"title": "New", "reference": "TJK-2021-0077", "events": [ref]}, "events",
              link, "event"),
        Write("evidence filed under a hidden source", "post", "/evidence-files/",
              lambda ref: {"source": ref}, "source", link, "source"),
        # one's own records, naming a hidden record or claiming a hidden child row
        Write("own case linked to a hidden event", "patch", "/cases/{case}/",
              lambda ref: {"events": [ref]}, "events", link, "event"),
        Write("own case with a hidden person", "patch", "/cases/{case}/",
              lambda ref: {"persons": [{"person": ref, "role": "witness"}]}, "persons", link,
              "person"),
        Write("own case claiming a hidden case's person link", "patch", "/cases/{case}/",
              lambda ref: {"persons": [{"id": ref, "role": "relative"}]}, "persons", item,
              "case_person"),
        Write("own allegation moved into a hidden case", "patch", "/allegations/{allegation}/",
              lambda ref: {"case": ref}, "case", link, "case"),
        Write("own allegation claiming a hidden perpetrator row", "patch",
              "/allegations/{allegation}/",
              lambda ref: {"perpetrators": [{"id": ref, "role": "ordered"}]}, "perpetrators",
              item, "perpetrator"),
        Write("own detention moved into a hidden case", "patch", "/detentions/{detention}/",
              lambda ref: {"case": ref}, "case", link, "case"),
        Write("own detention with a step by a hidden authority", "patch",
              "/detentions/{detention}/",
              lambda ref: {"steps": [{"kind": "charged", "date": "2023-07", "authority": ref}]},
              "steps", link, "organization"),
        Write("own detention claiming a hidden detention's step", "patch",
              "/detentions/{detention}/",
              lambda ref: {"steps": [{"id": ref, "note": "mine now"}]}, "steps", item, "step"),
        Write("own follow-up about a hidden person", "patch", "/follow-ups/{followup}/",
              lambda ref: {"persons": [ref]}, "persons", link, "person"),
        Write("own follow-up to a hidden court", "patch", "/follow-ups/{followup}/",
              lambda ref: {"kind": "hearing", "occurs": "2023-09", "court": ref}, "court", link,
              "organization"),
        Write("own follow-up copied to a hidden organisation", "patch",
              "/follow-ups/{followup}/",
              lambda ref: {"other_addressees": [ref]}, "other_addressees", link,
              "organization"),
        Write("own follow-up answered by a hidden document", "patch", "/follow-ups/{followup}/",
              lambda ref: {"responses": [{"kind": "denial", "received": "2023-08",
                                          "document": ref}]},
              "responses", link, "source"),
        Write("own follow-up claiming a hidden response", "patch", "/follow-ups/{followup}/",
              lambda ref: {"responses": [{"id": ref, "summary": "mine now"}]}, "responses",
              item, "response"),
        Write("own person claiming a hidden person's name", "patch", "/persons/{person}/",
              lambda ref: {"names": [{"id": ref, "full_name": "Renamed"}]}, "names", item,
              "person_name"),
        Write("own person claiming a hidden witness's name", "patch", "/persons/{person}/",
              lambda ref: {"names": [{"id": ref, "full_name": "Renamed"}]}, "names", item,
              "protected_person_name"),
        Write("own source derived from a hidden source", "patch", "/sources/{source}/",
              lambda ref: {"derived_from": [ref]}, "derived_from", link, "source"),
        Write("own event within a hidden event", "patch", "/events/{event}/",
              lambda ref: {"parent": ref}, "parent", link, "event", control=False),
        Write("own event's figure from a hidden source", "post", "/events/{event}/figures/",
              lambda ref: {"kind": "killed", "value": 40, "claimed_by": "UN", "source": ref},
              "source", link, "source"),
        Write("own organisation within a hidden one", "patch", "/organizations/{organization}/",
              lambda ref: {"parent": ref}, "parent", link, "organization", control=False),
        Write("own affiliation moved to a hidden organisation", "patch",
              "/affiliations/{affiliation}/", lambda ref: {"organization": ref}, "organization",
              link, "organization"),
    ]  # fmt: skip


def _send(client, write: Write, own: World, ref: str):
    url = API + write.url.format(**{key: record.pk for key, record in own.records.items()})
    body = write.body(ref)
    if write.url == "/evidence-files/":  # an upload: multipart, with the bytes
        from django.core.files.uploadedfile import SimpleUploadedFile

        body["file"] = SimpleUploadedFile("note.txt", b"A note.", content_type="text/plain")
        return client.post(url, body, format="multipart")
    return getattr(client, write.method)(url, body, format="json")


def test_api_writes_naming_hidden_records_are_refused_as_if_they_did_not_exist(attacker, worlds):
    name, user = attacker
    hidden, own = worlds
    client = client_for("api", user)
    failures = []
    writes = api_writes(own)
    for write in writes:
        ref, made_up = str(hidden[write.key].pk), nonexistent_id()
        before = fingerprint(hidden)
        found = _send(client, write, own, ref)
        missing = _send(client, write, own, made_up)
        if fingerprint(hidden) != before:
            failures.append(f"{write.what}: the database changed")
        if normalized(found, (ref, made_up)) != normalized(missing, (ref, made_up)):
            failures.append(
                f"{write.what}: {found.status_code} {body_of(found)[:300]} — but "
                f"{missing.status_code} {body_of(missing)[:300]} for a made-up id"
            )
        if CANARY.lower() in body_of(found).lower():
            failures.append(f"{write.what}: the answer shows the hidden record")
        if name == "monitor_off_team":
            # The attacker may write their own records: the id alone is what is refused.
            error = json.loads(found.content).get("error", {})
            fields = error.get("fields", {})
            if found.status_code != 400 or write.field not in fields:
                failures.append(f"{write.what}: {found.status_code} {error}")
            elif write.words not in json.dumps(fields[write.field], ensure_ascii=False):
                failures.append(f"{write.what}: refused as {fields[write.field]}")
        elif found.status_code not in (400, 403, 404):
            failures.append(f"{write.what}: {found.status_code}")
    assert failures == [], f"{name}:\n" + "\n".join(failures)
    assert len(writes) >= 35


#: The attacker's own record standing in for each kind of hidden one, in the controls.
OWN_STAND_IN = {"protected_person": "person", "protected_person_name": "person_name"}


def test_api_writes_go_through_with_the_attackers_own_records(monitor_off_team, team):
    """The control: each write above, naming a record the attacker sees instead, is saved —
    so what refused it there was the hidden id, not something else in the body."""
    own = build_own(attacker=monitor_off_team, level=OWN_LEVEL["monitor_off_team"])
    client = client_for("api", monitor_off_team)
    failures = []
    for write in api_writes(own):
        if not write.control:
            continue
        answer = _send(client, write, own, str(own[OWN_STAND_IN.get(write.key, write.key)].pk))
        if answer.status_code not in (200, 201):
            failures.append(f"{write.what}: {answer.status_code} {body_of(answer)[:300]}")
    assert failures == [], "\n".join(failures)


# -- ids in the pages' forms -------------------------------------------------------------------


@dataclass(frozen=True)
class FormPost:
    """A page's form posted back with one choice (or row id) set to ``ref``."""

    what: str
    url: str  # with "{case}" and the like: the attacker's own records
    changes: Callable[[str], dict]
    key: str  # the kind of hidden record named
    #: The attacker's own record that stands in for it in the control (default: by kind).
    control: str | None = None


def form_posts(own: World) -> list[FormPost]:
    from monitor.choices import Vocabulary

    violation = str(_term(Vocabulary.VIOLATION_TYPE).pk)
    new_case = {"title": "New case", "reference": "TJK-2021-0078"}
    new_followup = {"title": "Letter", "kind": "letter", "sent": "2023-05"}
    new_row = {
        "allegations-1-violation_type": violation,
        "allegations-1-victim_description": "Residents of Khorog",
        "allegations-1-date": "2022",
    }
    case_edit, steps = "/cases/{case}/edit/", "/cases/{case}/detentions/{detention}/steps/"
    followup_new = "/followups/new/?case={case}"
    group_new = "/group-detentions/new/?case={case}"
    figure = {"figures-0-value": "5", "figures-0-claimed_by": "Monitors"}
    return [
        FormPost("new case linked to a hidden event", "/cases/new/",
                 lambda ref: {**new_case, "events": [ref]}, "event"),
        FormPost("own case linked to a hidden event", case_edit,
                 lambda ref: {"events": [ref]}, "event"),
        FormPost("own case's allegation of a hidden victim", case_edit,
                 lambda ref: {"allegations-0-victim": ref}, "person"),
        FormPost("own case's allegation of a hidden witness", case_edit,
                 lambda ref: {"allegations-0-victim": ref}, "protected_person"),
        FormPost("own case's new allegation by a hidden organisation", case_edit,
                 lambda ref: {**new_row, "allegations-1-perpetrator": ref}, "organization"),
        FormPost("own case's allegation cited to a hidden source", case_edit,
                 lambda ref: {"allegations-0-cite_source": ref, "allegations-0-cite_page": "2"},
                 "source"),
        FormPost("own case's detention of a hidden person", case_edit,
                 lambda ref: {"detentions-0-person": ref}, "person"),
        FormPost("own case claiming a hidden allegation", case_edit,
                 lambda ref: {"allegations-0-id": ref, "allegations-0-description": "Mine"},
                 "allegation"),
        FormPost("own case claiming a hidden detention", case_edit,
                 lambda ref: {"detentions-0-id": ref, "detentions-0-description": "Mine"},
                 "detention"),
        FormPost("own detention's step by a hidden authority", steps,
                 lambda ref: {"steps-0-authority": ref}, "organization"),
        FormPost("own detention's step cited to a hidden source", steps,
                 lambda ref: {"steps-0-cite_source": ref, "steps-0-cite_page": "3"}, "source"),
        FormPost("own detention claiming a hidden step", steps,
                 lambda ref: {"steps-0-id": ref, "steps-0-note": "Mine"}, "step"),
        FormPost("new follow-up to a hidden organisation", followup_new,
                 lambda ref: {**new_followup, "addressee": ref}, "organization"),
        FormPost("new follow-up copied to a hidden organisation", followup_new,
                 lambda ref: {**new_followup, "other_addressees": [ref]}, "organization"),
        FormPost("new follow-up about a hidden person", followup_new,
                 lambda ref: {**new_followup, "persons": [ref]}, "person"),
        FormPost("new group detention at a hidden event", group_new,
                 lambda ref: {"event": ref}, "event"),
        FormPost("new group detention's figure from a hidden source", group_new,
                 lambda ref: {**figure, "figures-0-source": ref}, "source"),
        FormPost("new group detention naming a hidden detention", group_new,
                 lambda ref: {"detainees": [ref]}, "detention"),
        FormPost("new hearing in a hidden court", followup_new,
                 lambda ref: {**new_followup, "kind": "hearing", "occurs": "2023-09",
                              "court": ref}, "organization"),
        FormPost("own follow-up to a hidden organisation", "/followups/{followup}/edit/",
                 lambda ref: {"addressee": ref}, "organization"),
        FormPost("response with a hidden document", "/followups/{followup}/respond/",
                 lambda ref: {"kind": "acknowledged", "received": "2023-06", "document": ref},
                 "source"),
        FormPost("own person claiming a hidden person's name", "/persons/{person}/edit/",
                 lambda ref: {"names-0-id": ref, "names-0-full_name": "Renamed"},
                 "person_name"),
        FormPost("own person claiming a hidden witness's name", "/persons/{person}/edit/",
                 lambda ref: {"names-0-id": ref, "names-0-full_name": "Renamed"},
                 "protected_person_name"),
        FormPost("own source derived from a hidden source", "/sources/{source}/edit/",
                 lambda ref: {"derived_from": [ref]}, "source", control="other_source"),
        FormPost("new source derived from a hidden source", "/sources/new/",
                 lambda ref: {"title": "New report", "kind": str(own["source"].kind_id),
                              "derived_from": [ref]}, "source"),
    ]  # fmt: skip


def _post_form(client, post: FormPost, own: World, ref: str, pages: dict | None = None):
    """Open the page (or take it from ``pages``, when nothing was saved since), post it back."""
    from tests.forms.helpers import form_data

    url = post.url.format(**{key: record.pk for key, record in own.records.items()})
    page = pages.get(url) if pages is not None else None
    if page is None:
        page = client.get(url)
        assert page.status_code == 200, (post.what, page.status_code)
        if pages is not None:
            pages[url] = page
    return client.post(url, form_data(page, **post.changes(ref)))


def test_form_posts_naming_hidden_records_are_refused_as_if_they_did_not_exist(
    monitor_off_team, team, monitor_on_team
):
    hidden = build_hidden(team=team, owner=monitor_on_team, level=HIDDEN_LEVEL["monitor_off_team"])
    own = build_own(attacker=monitor_off_team, level=OWN_LEVEL["monitor_off_team"])
    client = client_for("pages", monitor_off_team)
    failures = []
    posts = form_posts(own)
    pages: dict = {}  # every post is refused, so each page is opened once
    for post in posts:
        ref, made_up = str(hidden[post.key].pk), nonexistent_id()
        before = fingerprint(hidden)
        found = _post_form(client, post, own, ref, pages)
        missing = _post_form(client, post, own, made_up, pages)
        if fingerprint(hidden) != before:
            failures.append(f"{post.what}: the database changed")
        # Shown again (a 400) with the error next to the choice, nothing saved; the same page
        # as for an id that does not exist.
        if found.status_code != 400 or "Select a valid choice" not in body_of(found):
            failures.append(f"{post.what}: {found.status_code}, no error on the form")
        if normalized(found, (ref, made_up)) != normalized(missing, (ref, made_up)):
            failures.append(f"{post.what}: a page unlike the one for a made-up id")
        if CANARY.lower() in body_of(found).lower():
            failures.append(f"{post.what}: the page shows the hidden record")
    assert failures == [], "\n".join(failures)
    assert len(posts) >= 20


def test_form_posts_go_through_with_the_attackers_own_records(monitor_off_team, team):
    """The control: each form above, with a record the attacker sees, is saved (a redirect)."""
    own = build_own(attacker=monitor_off_team, level=OWN_LEVEL["monitor_off_team"])
    stand_in = {
        **OWN_STAND_IN,
        "allegation": "allegation",
        "detention": "detention",
        "step": "step",
        "person_name": "person_name",
    }
    client = client_for("pages", monitor_off_team)
    failures = []
    for post in form_posts(own):
        key = post.control or stand_in.get(post.key, post.key)
        answer = _post_form(client, post, own, str(own[key].pk))
        if answer.status_code != 302:
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', body_of(answer))
            failures.append(f"{post.what}: {answer.status_code} {errors[:5]}")
    assert failures == [], "\n".join(failures)


# -- ids in the admin's forms and actions -------------------------------------------------------


@dataclass(frozen=True)
class AdminPost:
    """An admin form (``view`` of ``model``, on the attacker's ``own`` record or an add page)
    posted back with one value set to ``ref``."""

    what: str
    model: type
    own: str | None  # the attacker's record whose change page is posted (None: add page)
    changes: Callable[[dict, str, World], dict]  # (the form as rendered, ref, own) → changes
    key: str


def _inline_row(prefix_of: str, field: str):
    """Changes that set ``field`` of the first row of the inline whose prefix starts so."""

    def changes(data: dict, ref: str, own: World) -> dict:
        prefix = next(
            name.removesuffix("-TOTAL_FORMS")
            for name in data
            if name.endswith("-TOTAL_FORMS") and name.startswith(prefix_of)
        )
        assert data[f"{prefix}-INITIAL_FORMS"] != ["0"], f"no row of {prefix} to claim from"
        return {f"{prefix}-0-{field}": ref, f"{prefix}-0-note": "mine now"}

    return changes


ADMIN_POSTS = [
    AdminPost("own case linked to a hidden event", Case, "case",
              lambda data, ref, own: {"events": [ref]}, "event"),
    AdminPost("own case claiming a hidden allegation row", Case, "case",
              _inline_row("allegations", "id"), "allegation"),
    AdminPost("own case claiming a hidden person link", Case, "case",
              _inline_row("case_persons", "id"), "case_person"),
    AdminPost("own allegation claiming a hidden citation", Allegation, "allegation",
              _inline_row("sources-citation", "id"), "citation"),
    AdminPost("own detention claiming a hidden step", Detention, "detention",
              _inline_row("steps", "id"), "step"),
    AdminPost("own person claiming a hidden name", Person, "person",
              _inline_row("names", "id"), "person_name"),
    AdminPost("own allegation moved into a hidden case", Allegation, "allegation",
              lambda data, ref, own: {"case": ref}, "case"),
    AdminPost("new allegation in a hidden case", Allegation, None,
              lambda data, ref, own: {"case": ref, "victim_description": "Residents",
                                 "violation_type": str(_term("violation_type").pk)}, "case"),
    AdminPost("new affiliation of a hidden person", Affiliation, None,
              lambda data, ref, own: {"person": ref, "role": "member",
                                      "organization": str(own["organization"].pk)}, "person"),
    AdminPost("new citation of a hidden source", Citation, None,
              lambda data, ref, own: {"source": ref, "object_id": str(own["case"].pk),
                                      "content_type": str(_content_type(Case))}, "source"),
]  # fmt: skip


def _content_type(model) -> int:
    return ContentType.objects.get_for_model(model).pk


def _admin_form(response, model) -> dict:
    """The admin form as the browser would post it back (every input, inline rows too)."""
    from tests.forms.helpers import form_data

    return form_data(response, form_id=f"{model._meta.model_name}_form")


def _admin_post(client, post: AdminPost, own: World, ref: str):
    opts = post.model._meta
    if post.own is None:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    else:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[own[post.own].pk])
    page = client.get(url)
    assert page.status_code == 200, (post.what, page.status_code)
    data = _admin_form(page, post.model)
    data.update(post.changes(data, ref, own))
    data["_save"] = "Save"
    return client.post(url, data)


def test_admin_forms_naming_hidden_records_are_refused_as_if_they_did_not_exist(
    monitor_off_team, team, monitor_on_team
):
    monitor_off_team.is_staff = True
    monitor_off_team.save(update_fields=["is_staff"])
    hidden = build_hidden(team=team, owner=monitor_on_team, level=HIDDEN_LEVEL["monitor_off_team"])
    own = build_own(attacker=monitor_off_team, level=OWN_LEVEL["monitor_off_team"])
    client = client_for("admin", monitor_off_team)
    failures = []
    for post in ADMIN_POSTS:
        ref, made_up = str(hidden[post.key].pk), nonexistent_id()
        before = fingerprint(hidden)
        found = _admin_post(client, post, own, ref)
        missing = _admin_post(client, post, own, made_up)
        if fingerprint(hidden) != before:
            failures.append(f"{post.what}: the database changed")
        if found.status_code != 200 or "errornote" not in body_of(found):
            failures.append(f"{post.what}: {found.status_code} {found.get('Location', '')}")
        if normalized(found, (ref, made_up)) != normalized(missing, (ref, made_up)):
            failures.append(f"{post.what}: a page unlike the one for a made-up id")
        if CANARY.lower() in body_of(found).lower():
            failures.append(f"{post.what}: the page shows the hidden record")
    assert failures == [], "\n".join(failures)


def test_admin_forms_go_through_with_the_attackers_own_records(monitor_off_team, team):
    """The control: each admin form above, naming the attacker's own record, is saved."""
    monitor_off_team.is_staff = True
    monitor_off_team.save(update_fields=["is_staff"])
    own = build_own(attacker=monitor_off_team, level=OWN_LEVEL["monitor_off_team"])
    client = client_for("admin", monitor_off_team)
    failures = []
    for post in ADMIN_POSTS:
        answer = _admin_post(client, post, own, str(own[post.key].pk))
        if answer.status_code != 302:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*><li>(.*?)</li>', body_of(answer))
            failures.append(f"{post.what}: {answer.status_code} {errors[:5]}")
    assert failures == [], "\n".join(failures)


def test_admin_actions_and_review_decisions_on_hidden_ids_do_nothing(attacker, worlds):
    """Ids posted to a list's actions, or to the review queue, reach nothing hidden: the
    same messages as for ids that do not exist, and nothing changes."""
    name, user = attacker
    hidden, _own = worlds
    client = client_for("admin", user)
    queue = reverse("admin:review_queue")
    tries = [
        (reverse("admin:cases_case_changelist"), "submit_for_review", "case"),
        (reverse("admin:cases_case_changelist"), "archive_selected", "case"),
        (reverse("admin:people_person_changelist"), "submit_for_review", "protected_person"),
        (reverse("admin:sources_source_changelist"), "submit_for_review", "source"),
        (reverse("admin:monitor_apitoken_changelist"), "revoke_selected", "api_token"),
    ]
    failures = []
    before = fingerprint(hidden)
    for url, action, key in tries:
        ref, made_up = str(hidden[key].pk), nonexistent_id()
        answers = [
            client.post(
                url, {"action": action, "_selected_action": [pk], "index": "0"}, follow=True
            )
            for pk in (ref, made_up)
        ]
        if normalized(answers[0], (ref, made_up)) != normalized(answers[1], (ref, made_up)):
            failures.append(f"{action} on {key}: unlike a made-up id")
    for action in ("verify", "return"):
        for key in REVIEWED_KEYS:
            record = hidden[key]
            ref, made_up = str(record.pk), nonexistent_id()
            answers = [
                client.post(
                    queue,
                    {
                        "action": action,
                        "comment": "Looks fine",
                        "items": [f"{record._meta.label_lower}:{pk}"],
                    },
                    follow=True,
                )
                for pk in (ref, made_up)
            ]
            if normalized(answers[0], (ref, made_up)) != normalized(answers[1], (ref, made_up)):
                failures.append(f"review queue {action} on {key}: unlike a made-up id")
            if CANARY.lower() in body_of(answers[0]).lower():
                failures.append(f"review queue {action} on {key}: shows the hidden record")
    if fingerprint(hidden) != before:
        failures.append("the database changed")
    assert failures == [], f"{name}:\n" + "\n".join(failures)


# -- ids in filters ----------------------------------------------------------------------------

#: A filter's kind of record → the hidden records it is tried with.
FILTER_TARGETS: dict[type, tuple[str, ...]] = {
    Case: ("case",),
    Event: ("event",),
    Person: ("person", "protected_person"),
    Organization: ("organization",),
    Source: ("source", "protected_source"),
    EvidenceFile: ("evidence",),
    Term: ("term",),
    Place: ("place",),
    Facility: ("facility",),
    GroupDetention: ("group_detention",),
}
#: Choices every role is offered by design: teams (named on every record) and colleagues
#: (a follow-up's owner).
OPEN_CHOICES = (Team, User)


def record_filters(filterset_class) -> list[tuple[str, type]]:
    """``(parameter, model)`` of each filter of ``filterset_class`` that takes a record id."""
    from types import SimpleNamespace

    from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter

    found = []
    for name, each in filterset_class.base_filters.items():
        if isinstance(each, ModelChoiceFilter | ModelMultipleChoiceFilter):
            queryset = each.queryset
            if callable(queryset):
                queryset = queryset(SimpleNamespace(user=None))
            found.append((name, queryset.model))
    return found


def api_lists() -> list[tuple[str, type]]:
    from config.api_urls import router

    return [
        (prefix, viewset.filterset_class)
        for prefix, viewset, _basename in router.registry
        if getattr(viewset, "filterset_class", None) is not None
    ]


def _filter_values(model, hidden: World, attacker_name: str) -> list[str]:
    keys = FILTER_TARGETS[model]
    if attacker_name != "no_role_user":
        keys = tuple(key for key in keys if key not in REFERENCE_KEYS)
    return [str(hidden[key].pk) for key in keys]


def test_every_filter_by_record_is_mapped():
    unmapped = [
        (getattr(filterset, "__name__", filterset), name, model.__name__)
        for _prefix, filterset in api_lists()
        for name, model in record_filters(filterset)
        if model not in FILTER_TARGETS and model not in OPEN_CHOICES
    ]
    assert unmapped == []
    assert sum(len(record_filters(filterset)) for _prefix, filterset in api_lists()) >= 30


#: Other ways a list is narrowed by something of a hidden record's: not a choice of records,
#: so an empty list — the same empty list as for a value nobody has.
API_EXTRA_FILTERS = [
    ("citations", "record_id", lambda world: world["allegation"].pk),
    ("citations", "record_id", lambda world: world["case"].pk),
    ("evidence-files", "sha256", lambda world: world["evidence"].sha256),
    ("cases", "q", lambda world: world["case"].reference),
    ("follow-ups", "reference", lambda world: world["followup"].reference),
]


def test_api_lists_filtered_by_hidden_records_answer_as_for_ids_that_do_not_exist(attacker, worlds):
    name, user = attacker
    hidden, _own = worlds
    client = client_for("api", user)
    failures, tried = [], 0
    for prefix, filterset in api_lists():
        for param, model in record_filters(filterset):
            if model in OPEN_CHOICES:
                continue
            for ref in _filter_values(model, hidden, name):
                made_up = nonexistent_id()
                found = client.get(f"{API}/{prefix}/", {param: ref})
                missing = client.get(f"{API}/{prefix}/", {param: made_up})
                where = f"/{prefix}/?{param}={model.__name__}"
                tried += 1
                if normalized(found, (ref, made_up)) != normalized(missing, (ref, made_up)):
                    failures.append(f"{where}: {found.status_code}, unlike a made-up id")
                # Refused like any id that is not one of the choices (never an empty list
                # that would look like "nothing matched").
                error = json.loads(found.content).get("error", {})
                if found.status_code != 400 or param not in error.get("fields", {}):
                    failures.append(f"{where}: {found.status_code} {body_of(found)[:200]}")
                if CANARY.lower() in body_of(found).lower():
                    failures.append(f"{where}: shows the hidden record")
    for prefix, param, value_of in API_EXTRA_FILTERS:
        value = str(value_of(hidden))
        other = nonexistent_id() if param == "record_id" else f"{value[:-3]}zzz"
        found = client.get(f"{API}/{prefix}/", {param: value})
        missing = client.get(f"{API}/{prefix}/", {param: other})
        tried += 1
        if normalized(found, (value, other)) != normalized(missing, (value, other)):
            failures.append(f"/{prefix}/?{param}: unlike a value nobody has")
        if found.status_code != 200 or json.loads(found.content)["results"] != []:
            failures.append(f"/{prefix}/?{param}: {found.status_code} {body_of(found)[:200]}")
    assert failures == [], f"{name}:\n" + "\n".join(failures)
    assert tried >= 30


#: The list pages and their CSV exports (the API's FilterSets), and the dashboard's chart.
PAGE_LISTS = {
    "case-list": "cases.filtersets.CaseFilterSet",
    "case-export": "cases.filtersets.CaseFilterSet",
    "event-list": "cases.filtersets.EventFilterSet",
    "event-export": "cases.filtersets.EventFilterSet",
    "followup-list": "cases.filtersets.FollowUpFilterSet",
    "followup-export": "cases.filtersets.FollowUpFilterSet",
    "person-list": "people.filtersets.PersonFilterSet",
    "person-export": "people.filtersets.PersonFilterSet",
    "source-list": "sources.filtersets.SourceFilterSet",
    "source-export": "sources.filtersets.SourceFilterSet",
    "allegation-list": "cases.filtersets.AllegationFilterSet",
    "allegation-export": "cases.filtersets.AllegationFilterSet",
    "detention-list": "cases.filtersets.DetentionFilterSet",
    "detention-export": "cases.filtersets.DetentionFilterSet",
    "register-list": "cases.filtersets.DetentionFilterSet",
    "register-export": "cases.filtersets.DetentionFilterSet",
    "register-export-xlsx": "cases.filtersets.DetentionFilterSet",
    "facility-list": "cases.filtersets.FacilityFilterSet",
    "facility-export": "cases.filtersets.FacilityFilterSet",
}
#: Lists and exports that take no filter at all, with the reason.
UNFILTERED_LISTS = {
    "communication-statistics-export": "the reply statistics: every communication one sees",
    "detention-statistics-export": "the detention statistics: every detention one sees",
}


def test_every_list_page_is_tried_with_its_filters():
    names = {pattern.name for pattern in every_pattern() if surface_of(pattern) == "pages"}
    lists = {name for name in names if name and name.endswith(("-list", "-export", "-export-xlsx"))}
    assert lists == set(PAGE_LISTS) | set(UNFILTERED_LISTS)


def test_list_pages_filtered_by_hidden_records_answer_as_for_ids_that_do_not_exist(
    attacker, worlds
):
    from django.utils.module_loading import import_string

    name, user = attacker
    hidden, _own = worlds
    client = client_for("pages", user)
    tries = [
        (reverse(url_name), param, model)
        for url_name, path in PAGE_LISTS.items()
        for param, model in record_filters(import_string(path))
        if model not in OPEN_CHOICES
    ]
    tries += [(reverse("dashboard"), "event", Event), (reverse("dashboard"), "place", Place)]
    failures = []
    for url, param, model in tries:
        for ref in _filter_values(model, hidden, name):
            made_up = nonexistent_id()
            found = client.get(url, {param: ref})
            missing = client.get(url, {param: made_up})
            where = f"{url}?{param}={model.__name__}"
            if normalized(found, (ref, made_up)) != normalized(missing, (ref, made_up)):
                failures.append(f"{where}: {found.status_code}, unlike a made-up id")
            if CANARY.lower() in body_of(found).lower():
                failures.append(f"{where}: shows the hidden record")
            if found.status_code not in (200, 400):
                failures.append(f"{where}: {found.status_code}")
    assert failures == [], f"{name}:\n" + "\n".join(failures)
    assert len(tries) >= 25


def test_admin_lists_filtered_by_hidden_records_answer_as_for_ids_that_do_not_exist(
    attacker, worlds
):
    """The admin's list filters by a related record (``?case__id__exact=…``)."""
    from django.contrib.admin.utils import get_fields_from_path

    name, user = attacker
    hidden, _own = worlds
    client = client_for("admin", user)
    failures, tried = [], 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, AuditedAdmin):
            continue
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for item in model_admin.list_filter:
            if not isinstance(item, str):
                continue
            field = get_fields_from_path(model, item)[-1]
            related = getattr(field, "related_model", None)
            if related not in FILTER_TARGETS:
                continue
            param = f"{item}__{field.target_field.name}__exact"
            for ref in _filter_values(related, hidden, name):
                made_up = nonexistent_id()
                found = client.get(url, {param: ref})
                missing = client.get(url, {param: made_up})
                tried += 1
                where = f"{url}?{param}={related.__name__}"
                if normalized(found, (ref, made_up)) != normalized(missing, (ref, made_up)):
                    failures.append(f"{where}: {found.status_code}, unlike a made-up id")
                if CANARY.lower() in body_of(found).lower():
                    failures.append(f"{where}: shows the hidden record")
    assert failures == [], f"{name}:\n" + "\n".join(failures)
    assert tried >= 4
