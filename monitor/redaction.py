"""What identifies a protected record, declared once per model and applied by one engine.

A person or a source may be *protected* (``is_protected``): users who may not identify it
(:func:`monitor.access.reveals_identity`) see a pseudonym. What else says who it is — a
witness's occupation, a source's author, the name of a testimony's audio file — is declared
on the model that holds it, as a :class:`Redaction`::

    class Affiliation(AuditedModel):
        redaction = Redaction(subject="person", whole=True)

and every surface asks this module: API serializers (:func:`redact`), history and review
diffs (:func:`hidden_fields`), admin lists, change pages and inlines, ``str()``
(:func:`identity_hidden`), CSV exports, filters (``visible_to`` of a *whole* part leaves out
the parts of a record its reader may not identify), commands' output.

A declaration has three parts:

* ``subject`` — the lookup from this model to the record whose identity is protected:
  ``""`` for a person or a source itself, ``"person"`` for a name, ``"source"`` for an
  evidence file, ``"evidence__source"`` for a custody event;
* ``identifying`` and ``public`` — every field of the model in exactly one of them
  (``tests/test_redaction_policy.py`` fails, naming the field, when one is in neither);
* ``whole`` — the record as a whole says who its subject is (a name variant, an
  affiliation): readers who may not identify the subject do not get the record at all, as
  if the link did not exist.

The rule is computed per row in SQL where a page lists many (:func:`annotate`), and with a
:class:`Reader` — which remembers the reader's teams — for single records.
"""

from __future__ import annotations

import html
import json
import re
import threading
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import BooleanField, Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from monitor.access import identity_hidden as _viewer_hides
from monitor.access import identity_q, identity_scope, reveals_identity, team_ids_of
from monitor.access import sees as _sees

#: What every audited record has and nothing identifies: its id and bookkeeping.
RECORD_FIELDS = (
    "id",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "archived_at",
    "archived_by",
)
#: And what every reviewed record has besides.
REVIEWED_FIELDS = (
    *RECORD_FIELDS,
    "review_state",
    "queued_at",
    "queued_by",
    "confidentiality",
    "team",
)

#: The annotation that carries the rule's answer on a row read through :func:`annotate`.
ANNOTATION = "identity_revealed"
#: What a hidden value reads as on pages, CSV and admin (the API reads null).
WITHHELD = "—"


@dataclass(frozen=True)
class Redaction:
    """A model's declaration of what identifies the protected record it is part of."""

    subject: str = ""
    identifying: tuple[str, ...] = ()
    public: tuple[str, ...] = ()
    #: The record as a whole identifies its subject: hidden entirely from those who may not.
    whole: bool = False
    #: Every field identifies (``whole`` records, the file of an evidence file): no list needed.
    all_identifying: bool = field(default=False)
    #: Fields whose values are the subject's *names*: withheld wherever they appear in free
    #: text (a summary, a quote, a title) read by someone who may not identify the subject
    #: (:func:`text_scrubber`).
    names: tuple[str, ...] = ()

    def path(self, name: str = "") -> str:
        """The lookup from this model to ``name`` on the subject (``person__is_protected``)."""
        parts = [part for part in (self.subject, name) if part]
        return "__".join(parts)


def policy(model) -> Redaction | None:
    """The redaction declared on ``model`` (or its concrete model, for a historical row)."""
    model = getattr(model, "instance_type", model)  # simple-history's historical models
    return getattr(model, "redaction", None)


def own_fields(model) -> set[str]:
    """The names a policy must classify: the model's columns and its many-to-many links.

    The companion columns of an approximate date (``birth_date_precision``…) go with it and
    are not named on their own. Records that point at this one (a person's names) declare
    their own policy.
    """
    from monitor.approxdate import ApproximateDateField

    model = getattr(model, "instance_type", model)
    names = {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.many_to_many
    }
    for f in model._meta.concrete_fields:
        if isinstance(f, ApproximateDateField):
            names -= set(companions(f.name))
    return names


def companions(name: str) -> tuple[str, ...]:
    return (f"{name}_precision", f"{name}_circa", f"{name}_end")


def unclassified(model) -> set[str]:
    """Fields of a model with a policy that the policy names neither way."""
    rule = policy(model)
    if rule is None or rule.whole or rule.all_identifying:
        return set()
    return own_fields(model) - set(rule.identifying) - set(rule.public)


def identifying_fields(model) -> frozenset[str]:
    """The fields hidden from a reader who may not identify the subject.

    Fails closed: a field the policy does not classify counts as identifying. Names of the
    approximate dates' companion columns are included with their date.
    """
    rule = policy(model)
    if rule is None:
        return frozenset()
    names = own_fields(model)
    if not (rule.whole or rule.all_identifying):
        names -= set(rule.public)
    return frozenset(names | {c for name in names & _dates(model) for c in companions(name)})


def _dates(model) -> set[str]:
    from monitor.approxdate import ApproximateDateField

    model = getattr(model, "instance_type", model)
    return {f.name for f in model._meta.concrete_fields if isinstance(f, ApproximateDateField)}


def subject(record):
    """The person or source whose identity ``record`` carries (``record`` itself, a parent)."""
    rule = policy(type(record))
    if rule is None:
        return None
    target = record
    for part in filter(None, rule.subject.split("__")):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


# -- the rule, per row in SQL ------------------------------------------------------------------


def revealed_q(user, model, *, team_ids: Collection | None = None) -> Q | None:
    """Rows of ``model`` whose subject ``user`` may identify (None: none of them)."""
    rule = policy(model)
    prefix = f"{rule.subject}__" if rule is not None and rule.subject else ""
    return identity_q(user, prefix, team_ids=team_ids)


def revealed_expression(user, prefix: str = ""):
    """A boolean SQL expression: may ``user`` identify the (``prefix``) record of each row?"""
    rule = identity_q(user, prefix)
    if rule is None:
        return Value(False, output_field=BooleanField())
    if rule == Q():
        return Value(True, output_field=BooleanField())
    return Case(When(rule, then=Value(True)), default=Value(False), output_field=BooleanField())


def annotate(queryset: models.QuerySet, user, prefix: str | None = None, name: str = ANNOTATION):
    """Annotate ``name``: whether ``user`` may identify each row's subject.

    ``prefix`` is the lookup to the protected record when the rows are not it (a citation's
    ``source__``); by default the model's policy says where its subject is.
    """
    if prefix is None:
        rule = policy(queryset.model)
        prefix = f"{rule.subject}__" if rule is not None and rule.subject else ""
    return queryset.annotate(**{name: revealed_expression(user, prefix)})


def restrict(queryset: models.QuerySet, user) -> models.QuerySet:
    """For a *whole* part: leave out the rows whose subject ``user`` may not identify."""
    rule = policy(queryset.model)
    if rule is None or not rule.whole:
        return queryset
    condition = revealed_q(user, queryset.model)
    return queryset.none() if condition is None else queryset.filter(condition)


# -- the rule, per record ---------------------------------------------------------------------


class Reader:
    """One reader's answers, with their teams read once (a request's worth of records)."""

    def __init__(self, user):
        self.user = user
        self._teams = None

    def reveals(self, record) -> bool:
        """May this reader see who ``record`` (or the protected record it is part of) is?"""
        if record is None:
            return True
        annotated = record.__dict__.get(ANNOTATION)
        if annotated is not None:
            return bool(annotated)
        target = subject(record) if policy(type(record)) is not None else record
        if target is None or not getattr(target, "is_protected", False):
            return True
        if target is not record:
            annotated = target.__dict__.get(ANNOTATION)
            if annotated is not None:
                return bool(annotated)
        if self._teams is None:
            self._teams = team_ids_of(self.user)
        return reveals_identity(self.user, target, team_ids=self._teams)

    def sees(self, record) -> bool:
        """May this reader see ``record`` at all? For a record with its own confidentiality
        (a person, an organisation, a case…) that was loaded as a link, perhaps without
        ``visible_to``; a part of a record (an allegation) is seen through its parent."""
        if record is None or not hasattr(record, "confidentiality"):
            return True
        if self._teams is None:
            self._teams = team_ids_of(self.user)
        return _sees(self.user, record, team_ids=self._teams)

    def hidden_fields(self, record) -> frozenset[str]:
        """The fields of ``record`` this reader may not see."""
        if self.reveals(record):
            return frozenset()
        return identifying_fields(type(record))

    def redact(self, record, data: dict, *, empty=None) -> dict:
        """``data`` (a record's values by field name) with what this reader may not see
        replaced by ``empty``."""
        hidden = self.hidden_fields(record)
        if not hidden:
            return data
        return {key: (empty if key in hidden else value) for key, value in data.items()}


def reader(user) -> Reader:
    return Reader(user)


def identity_hidden(record) -> bool:
    """For ``str()``: must the current viewer (:mod:`monitor.access`) not know who this is?"""
    target = subject(record) if policy(type(record)) is not None else record
    return target is not None and _viewer_hides(target)


def hidden_fields(user, record) -> frozenset[str]:
    return Reader(user).hidden_fields(record)


def redacted_models() -> Iterable[type]:
    """Every model that declares a redaction."""
    from django.apps import apps

    return [
        model
        for model in apps.get_models()
        if policy(model) is not None and not hasattr(model, "instance_type")
    ]


# -- names in free text ---------------------------------------------------------------------
# A protected person's name typed into a case's summary, an allegation's description or a
# source's quote says who they are as surely as the name field. Models declare which of their
# fields are names (``Redaction(names=…)``); every text a surface sends a reader — pages, the
# API, CSV, e-mails — passes through the reader's scrubber (:class:`FreeTextMiddleware`,
# :func:`scrub_for`), which replaces the names of the protected records the reader may not
# identify. ``monitor.services.record_save`` keeps a scrubbed text from being saved back over
# the original.

#: What a withheld name reads as in free text.
WITHHELD_NAME = _("[name withheld]")
#: A name shorter than this is not withheld on its own (only within a longer one): too many
#: words of the interface would match.
MIN_NAME = 4
#: Up to this many letters after a name are taken as its grammatical ending (Рахимова,
#: Рахимову, Рахимовым).
ENDING_LETTERS = 3
ENDING_VOWELS = "аяеёоуыиьйaeiouy"


def name_models() -> list[type]:
    """Models declaring fields that hold their subject's names."""
    return [model for model in redacted_models() if policy(model).names]


def withheld_names(user, *, team_ids: Collection | None = None) -> set[str]:
    """The names (and family names) of protected records ``user`` may not identify
    (``team_ids``: the user's teams as already read, see :func:`text_scrubber`)."""
    names: set[str] = set()
    for model in name_models():
        rule = policy(model)
        rows = model._base_manager.filter(
            **{rule.path("is_protected"): True, "archived_at__isnull": True}
        )
        revealed = revealed_q(user, model, team_ids=team_ids)
        if revealed is not None:
            rows = rows.exclude(revealed)
        for values in rows.values_list(*rule.names):
            names.update(value.strip() for value in values if value and value.strip())
    return {name for name in names if len(name) >= MIN_NAME}


class TextScrubber:
    r"""Replaces the withheld names in a text, with a grammatical ending.

    A name matches from its capital letter on (``Rahimov``, ``RAHIMOV``), never in lower
    case: markup, attributes and JSON keys are lower case, and a name must not match inside
    them.

    It works as the regular expression ``(?<!\w)(?:N₁|N₂|…)\w{0,3}(?!\w)`` would, each
    ``Nᵢ`` a variant's first letter as written and the rest in any case, longest first — but
    without one: a register withholds tens of thousands of names, and such an alternation
    takes seconds to compile and tries every name at every word. Here the variants are
    indexed by their first four letters, so a text is read once, whatever the number of names
    (``tests/security/test_names_in_text.py`` holds the expression as the reference).
    """

    def __init__(self, names: set[str]):
        self.names = {name for name in names if len(name) >= MIN_NAME}
        variants: set[str] = set()
        for name in self.names:
            # As it is written in HTML (an apostrophe) and in JSON (a quote, a backslash).
            variants |= {name, html.escape(name), json.dumps(name, ensure_ascii=False)[1:-1]}
        # A final vowel is part of the ending (Тайнова, Тайновой; Karimova, Karimovoi).
        variants = {
            v[:-1] if v[-1].lower() in ENDING_VOWELS and len(v) > MIN_NAME else v for v in variants
        }
        # Every variant has at least MIN_NAME (4) letters: its first as written, the next
        # three in lower case, make its key; the candidates of a key are tried longest first.
        self._index: dict[str, list[tuple[int, str]]] = {}
        for variant in sorted(variants, key=len, reverse=True):
            key = variant[0] + variant[1:MIN_NAME].lower()
            self._index.setdefault(key, []).append((len(variant), variant[1:].lower()))
        # Where a name may start: one of their first letters, not inside a word.
        firsts = "".join(sorted({re.escape(variant[0]) for variant in variants}))
        self._starts = re.compile(rf"(?<!\w)[{firsts}]") if variants else None

    def __bool__(self) -> bool:
        return self._starts is not None

    def _end_of_name_at(self, text: str, start: int) -> int | None:
        """Where the name that starts at ``start`` ends, with its ending (None: no name)."""
        key = text[start] + text[start + 1 : start + MIN_NAME].lower()
        for length, rest in self._index.get(key, ()):
            if text[start + 1 : start + length].lower() != rest:
                continue
            end = start + length
            stop = min(end + ENDING_LETTERS, len(text))  # an ending, then no more letters
            while end < stop and _is_word(text[end]):
                end += 1
            if end < len(text) and _is_word(text[end]):
                continue
            return end
        return None

    def _spans(self, text: str):
        """The (start, end) of each withheld name in ``text``, left to right."""
        position = 0
        while found := self._starts.search(text, position):
            start = found.start()
            end = self._end_of_name_at(text, start)
            if end is None:
                position = start + 1
            else:
                yield start, end
                position = end

    def __call__(self, text: str) -> str:
        if self._starts is None or not text:
            return text
        parts, position = [], 0
        for start, end in self._spans(text):
            parts += [text[position:start], str(WITHHELD_NAME)]
            position = end
        if not parts:
            return text
        parts.append(text[position:])
        return "".join(parts)

    def hides_in(self, text: str) -> bool:
        return bool(self._starts and text and next(self._spans(text), None))


def _is_word(char: str) -> bool:
    r"""A character of a word, as ``\w`` has it."""
    return char.isalnum() or char == "_"


def names_sources() -> list[type]:
    """The models whose writes may change the withheld names: each model declaring names
    (``PersonName``) and every model on its way to the subject (``Person``: protection,
    team). Saving or removing one changes :class:`~monitor.models.WithheldNamesVersion`."""
    found: list[type] = []
    for model in name_models():
        target = model
        found.append(model)
        for part in filter(None, policy(model).subject.split("__")):
            target = target._meta.get_field(part).related_model
            found.append(target)
    return list(dict.fromkeys(found))


#: Where a connection remembers the transaction that last changed the version.
_BUMPED = "_monitor_names_changed_in"


def _changed_in_this_transaction(using: str | None = None) -> bool:
    """Whether the current transaction changed the version (see :func:`names_changed`)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    connection = connections[using or DEFAULT_DB_ALIAS]
    return connection.in_atomic_block and (
        connection.__dict__.get(_BUMPED) is connection.run_on_commit
    )


def names_changed(sender=None, **kwargs) -> None:
    """A new version of the withheld names, in the writing transaction (a receiver of every
    save and delete of :func:`names_sources`, connected by ``MonitorConfig.ready``)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from monitor.models import WithheldNamesVersion

    using = kwargs.get("using") or DEFAULT_DB_ALIAS
    connection = connections[using]
    # Once per transaction (an import's chunk saves hundreds of names): Django replaces the
    # connection's list of commit callbacks at every commit, rollback and savepoint rollback,
    # so the same list means the same transaction, with this change not rolled back since.
    # Meanwhile this transaction keeps no names under the token (text_scrubber): it may
    # change more of them before it commits, and nobody else sees the token before then.
    if _changed_in_this_transaction(using):
        return
    token = uuid.uuid4()
    versions = WithheldNamesVersion.objects.using(using).filter(pk=1)
    if not versions.update(token=token):  # the row was removed (a flushed test database)
        WithheldNamesVersion.objects.using(using).bulk_create(
            [WithheldNamesVersion(pk=1, token=token)], ignore_conflicts=True
        )
        versions.update(token=token)
    if connection.in_atomic_block:
        connection.__dict__[_BUMPED] = connection.run_on_commit


def _version_and_teams(user, with_teams: bool) -> tuple[uuid.UUID | None, set]:
    """The withheld names' version token and ``user``'s teams, in one round trip.

    Read on every answer to a signed-in reader: the statement is built by the ORM once per
    database connection and run with each reader's id (building it took longer than
    running it); the rows themselves are read afresh every time."""
    from django.db import connections, router

    from monitor.models import WithheldNamesVersion

    using = router.db_for_read(WithheldNamesVersion)
    connection = connections[using]
    key = f"{_COMPILED}_{int(with_teams)}"
    compiled = connection.__dict__.get(key)
    if compiled is None:
        compiler = _version_and_teams_query(with_teams).query.get_compiler(using)
        sql, params = compiler.as_sql()
        placeholder = _ANY_USER.get_db_prep_value(_PLACEHOLDER_USER, connection)
        if list(params).count(placeholder) != int(with_teams):
            raise AssertionError("the withheld names' version query changed its parameters")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        compiled = (sql, tuple(params), compiler, compiler.get_converters(fields))
        connection.__dict__[key] = compiled
    sql, params, compiler, converters = compiled
    if with_teams:  # (without, ``user`` may be None: a document for nobody in particular)
        placeholder = _ANY_USER.get_db_prep_value(_PLACEHOLDER_USER, connection)
        user_id = _ANY_USER.get_db_prep_value(user.pk, connection)
        params = [user_id if param == placeholder else param for param in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    token, teams = None, set()
    for version_token, team_id in rows:
        if version_token is not None:
            token = version_token
        if team_id is not None:
            teams.add(team_id)
    return token, teams


#: Where a connection keeps the compiled statement of :func:`_version_and_teams`, and the
#: user id it was compiled with (replaced by the reader's on every run).
_COMPILED = "_monitor_withheld_version_and_teams"
_PLACEHOLDER_USER = uuid.UUID(int=0)
_ANY_USER = models.UUIDField()


def _version_and_teams_query(with_teams: bool):
    """The statement of :func:`_version_and_teams`, as the ORM writes it."""
    from monitor.models import User, WithheldNamesVersion

    version = WithheldNamesVersion.objects.filter(pk=1).values_list(
        "token", Value(None, output_field=models.UUIDField())
    )
    if not with_teams:
        return version
    memberships = User.teams.through.objects.filter(user_id=_PLACEHOLDER_USER).values_list(
        Value(None, output_field=models.UUIDField()), "team_id"
    )
    return version.union(memberships, all=True)


#: Scrubbers by (version token, reader's scope): a few scopes (teams) per worker, all of one
#: version — a new version drops the others.
_KEPT: dict[tuple, TextScrubber] = {}
_KEPT_MAX = 16
_KEPT_LOCK = threading.Lock()
_NO_NAMES = TextScrubber(set())


def text_scrubber(user) -> TextScrubber:
    """The scrubber of what ``user`` reads; a user who may identify everyone gets none.

    Reading the withheld names takes a query over every protected name (40,000 at 100,000
    cases), and every answer to a signed-in reader is scrubbed: so a worker keeps them, under
    the version token read *before* them, for the reader's scope (their teams,
    ``monitor.access.identity_scope``), read in the same round trip and used for the names
    (never the user's teams read again later). A write that may change the names changes the
    token in its own transaction (:func:`names_changed`), so the first read that sees the
    write sees the new token and reads the names again: a stale list is never used.
    """
    rule = identity_q(user)
    if rule == Q():
        return _NO_NAMES
    with_teams = rule is not None
    token, team_ids = _version_and_teams(user, with_teams)
    if token is None or _changed_in_this_transaction():
        # No version row: nothing to key on. Or this transaction changed the version and may
        # change more names under it before it commits: read them, keep nothing.
        return TextScrubber(withheld_names(user, team_ids=team_ids if with_teams else None))
    key = (token, identity_scope(user, team_ids))
    scrubber = _KEPT.get(key)
    if scrubber is None:
        scrubber = TextScrubber(withheld_names(user, team_ids=team_ids if with_teams else None))
        with _KEPT_LOCK:
            for old in [old for old in _KEPT if old[0] != token]:
                del _KEPT[old]
            if len(_KEPT) >= _KEPT_MAX:
                del _KEPT[next(iter(_KEPT))]
            _KEPT[key] = scrubber
    return scrubber


#: The content types whose bodies are text a person or a client reads.
TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/x-ndjson")


class FreeTextMiddleware:
    """Withholds the names of protected records from every text answer to a signed-in user
    who may not identify them: pages, admin, API, CSV. Files (evidence, XLSX, DOCX, PDF) are
    not text: their generators scrub what they write (:func:`scrub_for`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if not content_type.startswith(TEXT_TYPES):
            return response
        # The API authenticates inside the view: its user is on the DRF request (the
        # Django request's ``user`` is then replaced by DRF's).
        user = getattr(request, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            return response
        scrub = text_scrubber(user)
        if not scrub:
            return response
        charset = response.charset or "utf-8"
        if response.streaming:
            chunks = response.streaming_content
            response.streaming_content = (
                scrub(chunk.decode(charset)).encode(charset)
                if isinstance(chunk, bytes)
                else scrub(chunk)
                for chunk in chunks
            )
            return response
        response.content = scrub(response.content.decode(charset)).encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


def viewer_scrubber() -> TextScrubber:
    """The scrubber of the current viewer (:mod:`monitor.access`): for files a request
    renders (an XLSX export). Outside a request — a command, the operator's console — none."""
    from monitor.access import current_viewer

    user = current_viewer()
    if user is None or not getattr(user, "is_authenticated", False):
        return TextScrubber(set())
    return text_scrubber(user)


def scrub_for(user, text: str) -> str:
    """``text`` as ``user`` may read it (an e-mail, a document's paragraph)."""
    return text_scrubber(user)(text)
