"""Ranked person-name matching: one matcher for every surface that looks a person up.

The person list and the API's ``?name=``, the admin's autocomplete (every person picker of
the admin), the pages' person pickers (``?name=`` narrows the choices), the case list's
free-text search (victims' and detainees' names), the duplicate warning of the person form
and of the API's person create, and the duplicate review all call :func:`match_persons` or
:func:`name_score`. Nothing else compares names.

Two layers:

1. **A deterministic key** per name variant (:func:`people.folding.fold_name`, stored in
   ``PersonName.folded``): one key for every romanisation and script of a name.
2. **A ranked fuzzy layer** over that key: candidates are found by the database — trigram
   word similarity on PostgreSQL (``pg_trgm``, a GIN index on ``folded``), every visible
   key on SQLite, which has no trigram index — then scored word by word here with rapidfuzz
   (:func:`name_score`), whatever the database, so both rank alike.

A query's words meet a name's words in any order (given name and surname either way); a
single letter meets a word it begins ("T. Ayombekov"); patronymics ("Karimovich") are left
out of the comparison unless both sides give one; a word in a Russian grammatical case
(Павленского, Юсуфову, Петра) also meets its nominative, a little lower than the exact form
(-ова is as often a woman's surname as a man's in the genitive).

Only the names ``user`` may see are searched (:func:`people.selectors.visible_names`): a
protected person's real name can never be confirmed by searching for it.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from rapidfuzz import process
from rapidfuzz.distance import Indel

from people.folding import fold_name
from people.models import Person, PersonName
from people.selectors import visible_names, visible_persons

#: A person whose best name scores at least this is "the same name" (the duplicate warning,
#: the duplicate review, the corpus's recall and false-match rate).
MATCH_SCORE = 0.86
#: Search results go down to this score (ranked below the sure matches).
SEARCH_SCORE = 0.72
#: Two words whose keys are this alike (rapidfuzz's normalised Indel similarity) are taken
#: as one word misspelt; below it, the word does not match at all.
WORD_SIMILARITY = 0.80
#: Every word of a sure match meets its word at least this well.
SURE_WORD = 0.94
#: How many candidate names the database hands to the scorer, best first (PostgreSQL).
CANDIDATES = 200
#: How many names of the register one stage of the candidates keeps at most, best first,
#: before visibility narrows them to :data:`CANDIDATES` (PostgreSQL).
POOL = 300
#: How many names that match one stage's rule the database reads at most to rank them
#: (PostgreSQL): a common surname is in tens of thousands of names of a register of a
#: million, and reading them all to keep the shortest :data:`POOL` costs a page of the
#: table per name. Beyond this many, the stage ranks the first ones the index hands over,
#: plus (first stage) every name whose whole key is the query's.
SCAN = 2000
#: At most this many names are compared at once (a person's variants, a form's rows).
MANY = 20
#: Fewer candidates than this for every word of a query: look for any word too.
FEW_CANDIDATES = 20
#: At most this many names' candidates are found in one statement (an import's chunk: a
#: detention sheet's 50 rows name 50; an events sheet's rows may name hundreds).
PREPARED_AT_ONCE = 60
#: pg_trgm's word-similarity threshold for the candidates (its default, 0.6, misses one
#: letter changed in a short name: "iusufav"/"iusupav" is 0.45).
TRIGRAM_THRESHOLD = 0.3

_PATRONYMIC = re.compile(r"(?:[ai]vij|[ai]vna|inijna|ijna)$")

#: Russian case endings of names, on the folded word: (pattern, nominative, score). The
#: folded forms: Павленского → favlinskaha, Юсуфову → iusufavu, Алексея → alihi.
_DECLENSIONS: list[tuple[re.Pattern[str], str, float]] = [
    # Павленского, Павленскому, Павленским, Павленском; Навального → Павленский, Навальный
    (re.compile(r"(sk|ck|n)(aha|amu|im|am)$"), r"\1i", 0.97),
    (re.compile(r"(sk|ck)uiu$"), r"\1ai", 0.95),  # Павленскую → Павленская
    (re.compile(r"([ai]v|in)(u|im|i|am)$"), r"\1", 0.95),  # Юсуфову, Юсуфовым → Юсуфов
    (re.compile(r"([ai]v|in)(ai|aiu)$"), r"\1a", 0.95),  # Юсуфовой → Юсуфова
    (re.compile(r"([ai]v|in)a$"), r"\1", 0.84),  # Юсуфова: his genitive, or her name
    (re.compile(r"([^aeiu])(i|im)$"), r"\1ai", 0.95),  # Алексея, Алексеем → Алексей
    (re.compile(r"aiu$"), "ai", 0.95),  # Алексею → Алексей
    # Петра, Петру, Петром, Петре; Рахмона → Пётр, Рахмон (not -ова: see above)
    (re.compile(r"(?<!av)(?<!iv)(?<!in)(?<=[^aeiu])(a|u|am|i)$"), "", 0.95),
]


@dataclass(frozen=True)
class Match:
    """A person found for a query: how well (0–1), and by which of their names."""

    person: Person
    score: float
    variant: str
    reasons: tuple[str, ...] = field(default=())

    @property
    def is_sure(self) -> bool:
        return self.score >= MATCH_SCORE


# -- scoring -----------------------------------------------------------------------------------


def words_of(key: str) -> list[str]:
    return [word for word in key.split(" ") if word]


def is_patronymic(word: str) -> bool:
    return len(word) > 5 and bool(_PATRONYMIC.search(word))


def declined_forms(word: str) -> list[tuple[str, float]]:
    """The nominatives a folded word may be a grammatical case of, with their score."""
    forms = []
    if len(word) >= 4:
        for pattern, nominative, score in _DECLENSIONS:
            if pattern.search(word):
                forms.append((pattern.sub(nominative, word), score))
    return forms


#: Initials as Russian and Latin write them: "Д." for Джамшед (j), "К." for Хуршед (kh → h).
_INITIALS = {"d": "dj", "k": "kh", "z": "zj", "c": "cj"}


@functools.lru_cache(maxsize=65536)  # a pure function of two short strings
def word_score(query: str, word: str, *, declined: bool = True) -> float:
    """How well one folded query word meets one folded name word (0–1).

    1 for the same key; :data:`SURE_WORD` or more only for what is surely the same word (an
    initial, the nominative of a declined form, a one-letter slip in a long name); lower
    for what may be (a beginning being typed, a close spelling).
    """
    if query == word:
        return 1.0
    if len(query) == 1 or len(word) == 1:  # an initial
        initial, full = (query, word) if len(query) == 1 else (word, query)
        return 0.95 if full[0] in _INITIALS.get(initial, initial) else 0.0
    best = 0.0
    if declined:
        for form, score in declined_forms(query):
            if form == word:
                best = max(best, score)
    if len(query) >= 3 and word.startswith(query):  # a name being typed
        best = max(best, 0.8)
    similarity = Indel.normalized_similarity(query, word)
    if similarity >= WORD_SIMILARITY:
        best = max(best, similarity)
    return best


def _drop_patronymics(words: list[str], other: list[str]) -> list[str]:
    if any(is_patronymic(word) for word in other):
        return words
    kept = [word for word in words if not is_patronymic(word)]
    return kept or words


def name_score(query: str, name: str, *, declined: bool = True) -> float:
    """How well a query (folded words) meets one name (folded), in any word order.

    Each query word takes its best name word (each name word used once); the score is the
    average over the query's words, so "Jumaev" meets "Rustam Jumaev" fully, and a name
    with words the query lacks loses a little (ranked below the closer name).
    """
    query_words = words_of(query)
    name_words = words_of(name)
    if not query_words or not name_words:
        return 0.0
    query_words = _drop_patronymics(query_words, name_words)
    name_words = _drop_patronymics(name_words, query_words)
    pairs = sorted(
        (
            (word_score(q, w, declined=declined), i, j)
            for i, q in enumerate(query_words)
            for j, w in enumerate(name_words)
        ),
        reverse=True,
    )
    used_query: dict[int, float] = {}
    used_name: set[int] = set()
    for score, i, j in pairs:
        if i in used_query or j in used_name or score <= 0:
            continue
        used_query[i] = score
        used_name.add(j)
    scores = [used_query.get(i, 0.0) for i in range(len(query_words))]
    total = sum(scores) / len(scores)
    if min(scores) < SURE_WORD:
        # A word only perhaps the same: found and ranked, never taken as a sure match.
        total = min(total, MATCH_SCORE - 0.01)
        if len(used_name) == len(name_words) and min(used_query.values()) >= SURE_WORD:
            # The whole name is in the query, which says more ("Rustam Jumaev" for a
            # person recorded as "Jumaev"): found, below the sure matches.
            total = max(total, 0.8)
    extra = max(0, len(name_words) - len(query_words))
    return max(0.0, total - 0.01 * extra)


def same_name_score(one: str, other: str) -> float:
    """How alike two recorded names are (folded), both ways: for duplicates.

    Symmetric and without the grammatical cases (a recorded name is in the nominative).
    Every word of the shorter name must meet a word of the longer one ("Tolib Ayombekov"
    and "Ayombekov Tolib Karimovich" are alike), and a one-word name only meets an equal
    one-word name closely enough to count.
    """
    a, b = words_of(one), words_of(other)
    if not a or not b:
        return 0.0
    shorter, longer = (one, other) if len(a) <= len(b) else (other, one)
    score = name_score(shorter, longer, declined=False)
    if min(len(a), len(b)) == 1 and max(len(a), len(b)) > 1:
        score -= 0.1  # one word against a full name: a clue, not a duplicate
    return score


# -- finding -----------------------------------------------------------------------------------


def _contains_rule(word: str) -> models.Q:
    """Names with ``word`` in their key, or a nominative it may be a case of (``LIKE``:
    the GIN trigram index answers it without reading the names)."""
    return functools.reduce(operator.or_, [models.Q(folded__contains=f) for f in _forms(word)])


@functools.lru_cache(maxsize=4096)  # a pure function of a short string, per name looked at
def _forms(word: str) -> tuple[str, ...]:
    """What :func:`_contains_rule` looks for in a key: ``word`` and the nominatives it may
    be a case of, those inside another form left out (Safarova's nominative Safarov is in
    Safarova: the shorter alone finds both, one condition for the index where an OR is
    one scan of it per form)."""
    forms = list(dict.fromkeys([word, *(form for form, _score in declined_forms(word))]))
    return tuple(
        form for form in forms if not any(other in form for other in forms if other != form)
    )


def _key_words() -> models.Func:
    """A key's words as an array: the expression of the word index (migration 0003)."""
    return models.Func(
        models.F("folded"),
        models.Value(" "),
        function="string_to_array",
        output_field=ArrayField(models.TextField()),
    )


def _contains_count(words: Sequence[str], key: str) -> int:
    """How many of ``words`` a key contains, as :func:`_contained` counts in the database."""
    return sum(any(form in key for form in _forms(word)) for word in dict.fromkeys(words))


def _initial_rule(initial: str) -> models.Q:
    """Names with a word an initial may stand for (the GIN trigram index answers a word's
    first letter: its trigram begins with blanks)."""
    letters = "|".join(re.escape(letter) for letter in _INITIALS.get(initial, initial))
    return models.Q(folded__regex=f"(^| )({letters})")


def _similar_rule(word: str) -> models.Q:
    """Names with a word like ``word`` (trigram ``word_similarity`` over the threshold)."""
    rule = _contains_rule(word)
    if len(word) >= 3:
        rule |= models.Q(TrigramWordSimilar(models.F("folded"), word))
    return rule


def _contained(words: Sequence[str]):
    """How many of ``words`` a name's key contains: the order of the containment stages."""
    return sum(
        (
            models.Case(models.When(_contains_rule(word), then=1), default=0)
            for word in dict.fromkeys(words)
        ),
        start=models.Value(0),
    )


def _candidates(
    queries: Sequence[Sequence[str]],
    user,
    names: models.QuerySet | None = None,
    *,
    every_stage: bool = False,
) -> list[tuple]:
    """``(person_id, full_name, folded)`` of the visible names worth scoring for any of the
    ``queries`` (each the folded words of one query), best first.

    PostgreSQL, in stages that stop as soon as there are enough, each answered by the GIN
    trigram index on ``folded``:

    1. names that contain every word of a query (initials aside: they would match nearly
       every name) — the deterministic key makes this the usual case;
    2. names that contain any word (a query with a word the name lacks: "Rustam Jumaev"
       for "J. Jumaev"), those with the most words first;
    3. names with words trigram-similar to the query's (a misspelt word: the fuzzy layer),
       the most similar first.

    Each stage keeps at most :data:`POOL` names, the shortest first, of at most :data:`SCAN`
    names that match it (the first stage adds the names whose whole key is the query's: an
    exact name is never lost among thousands of namesakes), before visibility is applied
    (:func:`people.selectors.visible_names` on those few names, not on the register): the
    database work is bounded whatever the register's size. A patronymic is not required in
    the first stage (the scorer leaves it out unless both names have one). SQLite: every
    visible name (no trigram index there; rapidfuzz scores them in C); for many queries in a
    row (an import's chunk), read once into a :class:`NameIndex` instead. ``names``:
    :func:`people.selectors.visible_names` of ``user``, built before (:class:`NameSearch`).

    ``every_stage``: the later stages are asked even when the first found enough. What
    must see every *sure* match asks it (the importer: two persons as sure refuse the row):
    a name one letter off in a long word ("Рустамова" for "Рустамоева", 0.97) is a sure
    match that only the fuzzy stage finds, and a common surname fills the first stage with
    its namesakes (SQLite, scoring every name, found it; PostgreSQL did not, and took the
    other person).
    """
    names = visible_names(user) if names is None else names
    if connection.vendor != "postgresql":
        return list(names.values_list("person_id", "full_name", "folded"))
    stages = _Stages(queries)
    found: list[tuple] = []
    # The caller's transaction if there is one, no savepoint of its own — a savepoint would
    # add two statements to every lookup of a run (an import's rows).
    with transaction.atomic(savepoint=False):
        _trigram_threshold()
        for stage in stages.asked():
            if stage and len(found) >= FEW_CANDIDATES and not every_stage:
                break
            pool = stages.pool(stage, _union(stages.parts(stage)))
            _add_found(found, _visible_in_order(names, pool))
    return found


def _candidates_many(
    queries: Sequence[Sequence[str]], names: models.QuerySet
) -> dict[tuple[str, ...], list[tuple]]:
    """:func:`_candidates` of each query on its own, ``every_stage``, for many queries in two
    statements (PostgreSQL): every stage of every query in one, the visibility of all the
    names they keep in the other. Each query's answer is the one :func:`_candidates` gives
    it (the same stages, pools and order), by the query's words."""
    asked = list(dict.fromkeys(tuple(words) for words in queries))
    calls = [_Stages([words]) for words in asked]
    if not calls:
        return {}
    parts, tags = [], []
    for number, stages in enumerate(calls):
        for stage in stages.asked():
            tag = len(tags)
            tags.append((number, stage))
            parts += stages.parts(stage, tag=tag)
    with transaction.atomic(savepoint=False):
        _trigram_threshold()
        rows: dict[int, list[tuple]] = {tag: [] for tag in range(len(tags))}
        for tag, *row in _union(parts):
            rows[tag].append(tuple(row))
        pools = [calls[number].pool(stage, rows[tag]) for tag, (number, stage) in enumerate(tags)]
        wanted = list(dict.fromkeys(pk for pool in pools for pk in pool))
        visible = {
            row[0]: row[1:]
            for row in names.filter(pk__in=wanted)
            .order_by()
            .values_list("pk", "person_id", "full_name", "folded")
        }
    found: dict[tuple[str, ...], list[tuple]] = {words: [] for words in asked}
    for tag, (number, _stage) in enumerate(tags):
        answer = found[asked[number]]
        _add_found(answer, [visible[pk] for pk in pools[tag] if pk in visible])
    return found


def _union(parts: list[models.QuerySet]):
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _visible_in_order(names: models.QuerySet, pool: list) -> list[tuple]:
    """The names of ``pool`` (ids, best first) that ``names`` holds, in the pool's order."""
    place = {pk: position for position, pk in enumerate(pool)}
    # The ids as a list: the names are then read by their primary key, where a subquery
    # would have the planner join the whole register.
    rows = names.filter(pk__in=list(place)).order_by()
    rows = rows.values_list("pk", "person_id", "full_name", "folded")
    return [row[1:] for row in sorted(rows, key=lambda row: place[row[0]])]


def _add_found(found: list[tuple], rows: list[tuple]) -> None:
    """A stage's visible names (the first :data:`CANDIDATES`) after those found before."""
    seen = set(found)
    found += [row for row in rows[:CANDIDATES] if row not in seen]


class _Stages:
    """The three stages of :func:`_candidates` for its ``queries``: the rule of each, the
    database's part of each (:meth:`parts`), and the pool each keeps of what it read
    (:meth:`pool`)."""

    def __init__(self, queries: Sequence[Sequence[str]]):
        queries = list(queries)[:MANY]
        self.keys = list(dict.fromkeys(" ".join(words) for words in queries))
        # Every word but a patronymic (the scorer leaves a patronymic out unless both names
        # have one: "Davlat Nazarov Karimovich" is Davlat Nazarov's name too), and a word an
        # initial may stand for (a name without one cannot reach SEARCH_SCORE).
        firsts = [
            (
                _drop_patronymics([w for w in words if len(w) >= 2], []),
                [w for w in words if len(w) == 1],
            )
            if any(len(w) >= 2 for w in words)
            else (list(words), [])
            for words in queries
        ]
        self.every = functools.reduce(
            operator.or_,
            [
                _all(required, _contains_rule) & _all(initials, _initial_rule)
                for required, initials in firsts
            ],
        )
        # The same names' exact words, through the word index (a subset of ``every``'s
        # names, as the whole keys of ``keys`` are): when they fill a sample, the trigram
        # index is not read. Not with an initial (the trigram index finds the words it may
        # stand for; most names with the other words have none).
        self.by_words = None
        if all(
            all(len(w) >= 2 for w in required) and not initials for required, initials in firsts
        ):
            by_words = PersonName.objects.filter(archived_at__isnull=True).alias(words=_key_words())
            self.by_words = by_words.filter(
                functools.reduce(
                    operator.or_, [models.Q(words__contains=required) for required, _ in firsts]
                )
            ).order_by()
        self.queries = [[w for w in words if len(w) >= 2] or list(words) for words in queries]
        self.any_ = functools.reduce(
            operator.or_, [_contains_rule(w) for words in self.queries for w in words]
        )
        self.fuzzy = functools.reduce(
            operator.or_, [_all(words, _similar_rule) for words in self.queries]
        )
        self.similar = sum(
            (TrigramWordSimilarity(word, "folded") for word in dict.fromkeys(self.queries[0])),
            start=_contained(self.queries[0]),
        )

    def asked(self) -> list[int]:
        """The stages asked, in order (one word: stage 2 is stage 1, not asked)."""
        if all(len(words) == 1 for words in self.queries):
            return [0, 2]
        return [0, 1, 2]

    def parts(self, stage: int, *, tag: int | None = None) -> list[models.QuerySet]:
        """What the database reads for ``stage``: sliced querysets whose rows (all parts
        together) are ``(pk, folded, rank)``; ``(tag, pk, folded, rank)`` given a ``tag``
        (which stage of which query, when many are read in one statement).

        At most SCAN names that match, in the order the index hands them (no sort of every
        match in the database: see SCAN), ranked by :meth:`pool`."""
        register = PersonName.objects.filter(archived_at__isnull=True).order_by()
        no_rank = models.Value(0.0, output_field=models.FloatField())

        def done(queryset, limit):
            if tag is None:
                return queryset.values_list("pk", "folded", "rank")[:limit]
            queryset = queryset.annotate(tag=models.Value(tag))
            return queryset.values_list("tag", "pk", "folded", "rank")[:limit]

        if stage == 2:
            return [done(register.filter(self.fuzzy).annotate(rank=self.similar), SCAN)]
        if stage == 1:
            return [done(register.filter(self.any_).annotate(rank=no_rank), SCAN)]
        rows = register.filter(self.every)
        # … and, through the key's B-tree index, the names whose key is the query's.
        exact = register.filter(folded__in=self.keys).order_by("pk")
        parts = [done(exact.annotate(rank=no_rank), POOL)]
        if self.by_words is not None:
            # The names with every word exactly; the trigram rule's (a word inside a longer
            # one too: Nazarova, Davlatshoev) only when they are fewer than POOL: a pool of
            # names with every word outscores them (in one query: an uncorrelated EXISTS is
            # computed once, and a false one skips the scan) …
            parts.append(done(self.by_words.annotate(rank=no_rank), SCAN))
            rows = rows.filter(~models.Exists(self.by_words.values("pk")[POOL - 1 : POOL]))
        parts.append(done(rows.annotate(rank=no_rank), SCAN))
        return parts

    def pool(self, stage: int, rows) -> list:
        """The ids of the names ``stage`` keeps of ``rows`` (``(pk, folded, rank)``), best
        first: the containment stages by how many of the query's words the key contains,
        the fuzzy one by trigram similarity too; then the shortest key first, then the id."""
        if stage == 2:
            ranked = [(pk, rank, len(key)) for pk, key, rank in rows]
        else:
            ranked = [
                (pk, _contains_count(self.queries[0], key), len(key)) for pk, key, _ in set(rows)
            ]
        return [row[0] for row in sorted(ranked, key=lambda row: (-row[1], row[2], row[0]))[:POOL]]


#: Where a connection remembers the transaction it set the trigram threshold in.
_THRESHOLD_SET = "_monitor_trigram_threshold_in"


def _trigram_threshold() -> None:
    """Set pg_trgm's word-similarity threshold for the current transaction, once.

    ``set_config(…, true)`` lasts until the transaction ends, and a savepoint rolled back
    undoes it. Django replaces the connection's list of commit callbacks at every commit,
    rollback and savepoint rollback, so the same list means the same transaction with the
    setting still in force (``monitor.redaction.names_changed`` keeps its version token
    alike): an import's chunk sets it once, not once per row.
    """
    if connection.__dict__.get(_THRESHOLD_SET) is connection.run_on_commit:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(TRIGRAM_THRESHOLD)],
        )
    connection.__dict__[_THRESHOLD_SET] = connection.run_on_commit


def _all(words: Sequence[str], rule) -> models.Q:
    return functools.reduce(operator.and_, [rule(word) for word in words], models.Q())


def _reaching_words(query_words: Sequence[str], min_score: float, declined: bool):
    """Whether a name word meets some query word at ``min_score`` or better, asked once per
    distinct word (the candidates share their given names and surnames).

    A name none of whose words does cannot score ``min_score``: :func:`name_score` is an
    average of word scores (each at most the best pair's), only ever lowered after, and its
    one raise (to 0.8, the whole name in the query) needs a word at :data:`SURE_WORD`. So
    the scorer skips it, with the same result (SQLite hands every visible name over)."""
    known: dict[str, bool] = {}

    def reaches(word: str) -> bool:
        found = known.get(word)
        if found is None:
            found = known[word] = any(
                word_score(query, word, declined=declined) >= min(min_score, SURE_WORD)
                for query in query_words
            )
        return found

    return reaches


class NameIndex:
    """Visible names read once and looked up by word, for many queries in a row (an import's
    chunk of rows) where the database has no index to find candidates with (SQLite:
    :func:`_candidates` reads every visible name for each query).

    :meth:`candidates` hands :func:`rank_person_ids` the names, in the order they were read,
    that can reach ``min_score``, leaving out only names that provably cannot (see there):
    the ranking is the one every visible name would give. Names recorded after the read
    (by an earlier row of the chunk) are added with :meth:`add`.
    """

    def __init__(self, rows: Iterable[tuple] = ()):
        self.rows: list[tuple] = []
        self._postings: dict[str, list[int]] = {}
        self._vocabulary: list[str] = []  # the words of every name, sorted (prefixes)
        self._need: list[int] = []  # per name: distinct words a whole-name raise must meet
        self._initials: set[str] = set()
        for row in rows:
            self.add(*row)

    def add(self, person_id, full_name: str, folded: str) -> None:
        position = len(self.rows)
        self.rows.append((person_id, full_name, folded))
        words = words_of(folded)
        for word in dict.fromkeys(words):
            postings = self._postings.get(word)
            if postings is None:
                postings = self._postings[word] = []
                bisect.insort(self._vocabulary, word)
                if len(word) == 1:
                    self._initials.add(word)
            postings.append(position)
        # name_score's names' words for a query without a patronymic (_drop_patronymics).
        kept = [word for word in words if not is_patronymic(word)] or words
        self._need.append(len(set(kept)))

    def _word_scores(self, query: str, declined: bool) -> dict[str, float]:
        """Every word of the names that meets ``query`` at all (word_score > 0), with its
        score: a superset found by rapidfuzz in C, then each scored by :func:`word_score`."""
        vocabulary = self._vocabulary
        found = {word for word, _score, _i in process.extract(
            query, vocabulary, scorer=Indel.normalized_similarity,
            score_cutoff=WORD_SIMILARITY - 1e-6, limit=None,
        )}  # fmt: skip
        if declined:
            found.update(form for form, _score in declined_forms(query) if form in self._postings)
        starts = [query] if len(query) >= 3 else []  # a name being typed
        if len(query) == 1:  # an initial: the words it may stand for
            starts = list(_INITIALS.get(query, query))
        for start in starts:
            at = bisect.bisect_left(vocabulary, start)
            while at < len(vocabulary) and vocabulary[at].startswith(start):
                found.add(vocabulary[at])
                at += 1
        found.update(self._initials)  # initials recorded: word_score decides
        scores = {word: word_score(query, word, declined=declined) for word in found}
        return {word: score for word, score in scores.items() if score > 0}

    def candidates(self, words: Sequence[str], min_score: float, declined: bool) -> list[tuple]:
        """The names that may score ``min_score`` against the query ``words``, in order.

        A name none of whose words meets a query word scores 0. Otherwise, for a query
        without a patronymic, :func:`name_score` is at most the average over the query's
        words of each one's best word of the name (it pairs each word once, then only
        lowers the average), unless raised to 0.8 because every word it compares of the
        name meets a query word at :data:`SURE_WORD`: a name below both bounds is left out.
        """
        if min_score <= 0:
            return list(self.rows)
        scores = [self._word_scores(query, declined) for query in words]
        total: dict[int, float] = {}
        sure: dict[int, int] = {}
        sure_words: dict[str, bool] = {}
        for by_word in scores:
            best_here: dict[int, float] = {}
            for word, score in by_word.items():
                if score >= SURE_WORD:
                    sure_words[word] = True
                for position in self._postings[word]:
                    if score > best_here.get(position, 0.0):
                        best_here[position] = score
            for position, score in best_here.items():
                total[position] = total.get(position, 0.0) + score
        if any(is_patronymic(query) for query in words):
            kept = sorted(total)  # the patronymics change what is compared: no bound
        else:
            for word in sure_words:
                for position in self._postings[word]:
                    sure[position] = sure.get(position, 0) + 1
            floor = min_score * len(words) - 1e-9
            kept = sorted(
                position
                for position, reached in total.items()
                if reached >= floor or sure.get(position, 0) >= self._need[position]
            )
        return [self.rows[position] for position in kept]


class NameSearch:
    """The visible names of one reader where the database finds each query's candidates
    (PostgreSQL, through its trigram index: :func:`_candidates`), for many queries in a row
    (an import's chunk): what the reader may see is worked out once, not at every query
    (building it cost as much as running the query).

    Every stage is asked (``every_stage``: the importer must see every sure match, as
    SQLite's :class:`NameIndex` does). The queries known in advance (a chunk's names) are
    answered together by :meth:`prepare`, two statements for the chunk instead of six a
    row; the names recorded after that (by the chunk's earlier rows, :meth:`add`) are
    handed to the scorer with every answer, as the :class:`NameIndex` hands them: few, and
    the scorer decides."""

    def __init__(self, user, *, names: models.QuerySet | None = None):
        self.user = user
        self.names = visible_names(user) if names is None else names
        self._prepared: dict[tuple[str, ...], list[tuple]] = {}
        self._added: list[tuple] = []

    def prepare(self, queries: Iterable[Sequence[str]]) -> None:
        """Find the candidates of ``queries`` (each its folded words) now, all at once."""
        wanted = [tuple(words) for words in queries if words]
        wanted = [words for words in dict.fromkeys(wanted) if words not in self._prepared]
        for start in range(0, len(wanted), PREPARED_AT_ONCE):  # an events sheet names many
            self._prepared.update(
                _candidates_many(wanted[start : start + PREPARED_AT_ONCE], self.names)
            )

    def add(self, person_id, full_name: str, folded: str) -> None:
        """A name recorded since the search began (by this reader, who sees it)."""
        self._added.append((person_id, full_name, folded))

    def candidates(self, words: Sequence[str], min_score: float, declined: bool) -> list[tuple]:
        found = self._prepared.get(tuple(words))
        if found is None:
            found = _candidates([words], self.user, names=self.names, every_stage=True)
        seen = set(found)
        return [*found, *(row for row in self._added if row not in seen)]


def name_index(user) -> NameIndex | NameSearch:
    """The visible names for many queries in a row (an import's chunk).

    A :class:`NameIndex` of them, read at once, where the database finds no candidates
    itself (SQLite), and on PostgreSQL while they are few
    (``settings.NAMES_READ_AT_ONCE``): the index scores every visible name, and reading a
    few thousand costs less than the trigram search of each row (a chunk's search
    read the whole table, 6.7 ms a row at 2,000 names and growing with the register:
    the 2,000-row import bench ran at 30 rows/s, 61 with the names read). Above that, on
    PostgreSQL, a :class:`NameSearch`: its trigram index finds each query's candidates,
    and memory stays flat whatever the register's size."""
    names = visible_names(user)
    if connection.vendor == "postgresql" and _more_than(names, settings.NAMES_READ_AT_ONCE):
        return NameSearch(user, names=names)
    return NameIndex(names.values_list("person_id", "full_name", "folded"))


def _more_than(queryset: models.QuerySet, limit: int) -> bool:
    """Whether ``queryset`` holds more than ``limit`` rows, counting at most one more."""
    return queryset.order_by()[: limit + 1].count() > limit


def rank_person_ids(
    query: str,
    *,
    user,
    min_score: float = SEARCH_SCORE,
    declined: bool = True,
    index: NameIndex | NameSearch | None = None,
) -> list[tuple[object, float, str]]:
    """``(person id, score, matched name)`` of the visible persons a query finds, best first
    (among the names of ``index``, when given: the visible names read before)."""
    key = fold_name(query)
    words = words_of(key)
    if not words:
        return []
    best: dict[object, tuple[float, str]] = {}
    reaches = _reaching_words(words, min_score, declined)
    names = (
        _candidates([words], user)
        if index is None
        else index.candidates(words, min_score, declined)
    )
    for person_id, full_name, folded in names:
        if min_score > 0 and not any(reaches(word) for word in folded.split(" ") if word):
            continue  # no word of the name meets a query word well enough: below min_score
        score = name_score(key, folded, declined=declined)
        if score >= min_score and score > best.get(person_id, (0.0, ""))[0]:
            best[person_id] = (score, full_name)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1], str(item[0])))
    return [(person_id, score, name) for person_id, (score, name) in ranked]


def match_persons(
    query: str,
    *,
    user,
    limit: int | None = 20,
    min_score: float = SEARCH_SCORE,
    queryset: models.QuerySet | None = None,
    index: NameIndex | NameSearch | None = None,
    read: dict | None = None,
) -> list[Match]:
    """The persons ``user`` may see whose names meet ``query``, best first, with the name
    that matched. ``queryset`` narrows the persons (it must already be visible-only);
    ``index`` holds the visible names read before (:func:`name_index`); ``read`` the
    persons of ``queryset`` read by earlier calls, by id (None: not among them), which
    this call reads only where it lacks them, and adds to (:func:`read_candidates`)."""
    ranked = rank_person_ids(query, user=user, min_score=min_score, index=index)
    persons = visible_persons(user) if queryset is None else queryset
    ids = [person_id for person_id, _score, _name in ranked]
    found = _read_ranked(persons, ids, limit, {} if read is None else read)
    matches = [
        Match(person=found[person_id], score=round(score, 3), variant=name)
        for person_id, score, name in ranked
        if person_id in found
    ]
    return matches if limit is None else matches[:limit]


def _read_ranked(persons: models.QuerySet, ids: list, limit: int | None, read: dict) -> dict:
    """The first ``limit`` (all when None) of ``ids``, ranked, that ``persons`` holds, by
    id: those ``read`` lacks are read, ``limit`` at a time, in rank order (a name that
    meets a common surname ranks hundreds, and shows five), and kept in ``read`` (None:
    not among ``persons``)."""
    found: dict = {}
    pending = iter(ids)
    while limit is None or len(found) < limit:
        wanted = list(pending) if limit is None else list(itertools.islice(pending, limit))
        if not wanted:
            break
        _read_missing(persons, wanted, read)
        found.update(
            (person_id, read[person_id]) for person_id in wanted if read[person_id] is not None
        )
    return found


def read_candidates(
    queries: Iterable[str],
    *,
    user,
    limit: int,
    queryset: models.QuerySet,
    index: NameIndex | NameSearch,
    read: dict,
) -> None:
    """Read into ``read`` at once the persons :func:`match_persons` would read for each of
    ``queries`` (the first ``limit`` ranked of each, among ``queryset``), so that their
    calls read none: an import chunk's names, one statement instead of one a name."""
    ids: dict = {}  # in order, once each
    for query in queries:
        for person_id, _score, _name in rank_person_ids(query, user=user, index=index)[:limit]:
            ids[person_id] = None
    _read_missing(queryset, list(ids), read)


def _read_missing(persons: models.QuerySet, ids: list, read: dict) -> None:
    """Read into ``read`` those of ``ids`` it lacks, in one statement (None: not among
    ``persons``)."""
    missing = [person_id for person_id in ids if person_id not in read]
    if missing:
        fetched = persons.in_bulk(missing)
        read.update((person_id, fetched.get(person_id)) for person_id in missing)


def ranked(queryset: models.QuerySet, query: str, *, user) -> models.QuerySet:
    """``queryset`` narrowed to the persons ``query`` finds, best first, each annotated with
    ``match_score`` and ``match_variant`` (the name that matched).

    At most :data:`CANDIDATES` persons, so the query's size is bounded whatever the register's.
    """
    found = rank_person_ids(query, user=user)[:CANDIDATES]
    if not found:
        return queryset.none()
    scores = [models.When(pk=pk, then=models.Value(score)) for pk, score, _ in found]
    variants = [models.When(pk=pk, then=models.Value(name)) for pk, _, name in found]
    return (
        queryset.filter(pk__in=[pk for pk, _, _ in found])
        .annotate(
            match_score=models.Case(*scores, output_field=models.FloatField()),
            match_variant=models.Case(*variants, output_field=models.CharField()),
        )
        .order_by("-match_score", "pk")
    )


def likely_duplicates(
    names: Iterable[str], *, user, exclude: Person | None = None, limit: int = 10
) -> list[Match]:
    """Visible, not archived persons with a name like one of ``names`` (a sure match by
    :func:`same_name_score`), best first: who to look at before recording someone new.

    Every stage of the search is asked (``every_stage``), as for the importer: a sure match
    one letter off, hidden behind a common surname's namesakes, is exactly the duplicate
    this warns of (a person's creation asks it: a statement or two more, not a page's)."""
    typed_keys = [(typed, fold_name(typed)) for typed in names]
    typed_keys = [(typed, key) for typed, key in typed_keys if words_of(key)][:MANY]
    best: dict[object, tuple[float, str, str]] = {}
    if typed_keys:
        candidates = _candidates(
            [words_of(key) for _typed, key in typed_keys], user, every_stage=True
        )
        for person_id, full_name, folded in candidates:
            for typed, key in typed_keys:
                score = same_name_score(key, folded)
                if score >= MATCH_SCORE and score > best.get(person_id, (0.0, "", ""))[0]:
                    best[person_id] = (score, full_name, typed)
    if exclude is not None:
        best.pop(exclude.pk, None)
    if not best:
        return []
    persons = visible_persons(user).filter(archived_at__isnull=True).in_bulk(list(best))
    order = sorted(best, key=lambda pk: (-best[pk][0], best[pk][1]))
    return [
        Match(
            person=persons[pk],
            score=round(best[pk][0], 3),
            variant=best[pk][1],
            reasons=(describe_likeness(best[pk][2], best[pk][1], best[pk][0]),),
        )
        for pk in order
        if pk in persons
    ][:limit]


def describe_likeness(one: str, other: str, score: float) -> str:
    """Why two names are taken as one person's, in words."""
    a, b = fold_name(one), fold_name(other)
    if one.strip().casefold() == other.strip().casefold():
        return _("the same name “%(name)s”") % {"name": other}
    if a == b:
        return _("“%(name)s” is the same name in another spelling") % {"name": other}
    if sorted(words_of(a)) == sorted(words_of(b)):
        return _("“%(name)s” has the same names in another order") % {"name": other}
    return _("“%(name)s” is a close spelling (%(score)d%% alike)") % {
        "name": other,
        "score": round(score * 100),
    }


# -- duplicate review --------------------------------------------------------------------------

#: A word shared by more names than this is too common to pair every name that has it.
BLOCK_LIMIT = 200
#: The background review asks whether to stop once every so many blocks.
STOP_CHECK_BLOCKS = 500


@dataclass(frozen=True)
class DuplicatePair:
    """Two visible persons who are likely one: how alike (0–1) and why."""

    one: Person
    other: Person
    score: float
    reasons: tuple[str, ...]


def duplicate_rows(user, *, tracker=None) -> list[tuple[str, str, float, str, str]]:
    """``(one id, other id, score, one's name id, other's name id)`` of the pairs of
    visible, not archived persons whose names are a sure match, best first.

    Names are compared in blocks that share a word of their folded key (or all their words,
    in any order), so the work grows with the register's common words, not with its square.
    Only names the user may see take part: a protected person they may not identify is never
    paired, so the list cannot confirm who a pseudonym is. ``tracker`` (a
    :class:`monitor.progress.Tracker`, for the background review) hears of each block and
    may stop the work.
    """
    rows = list(
        visible_names(user)
        .filter(person__archived_at__isnull=True)
        .values_list("pk", "person_id", "folded")
    )
    blocks: dict[str, list[int]] = {}
    for index, (_name, _person, folded) in enumerate(rows):
        words = [word for word in words_of(folded) if not is_patronymic(word)]
        blocks.setdefault(" ".join(sorted(words)), []).append(index)
        for word in words:
            if len(word) >= 4:
                blocks.setdefault(f"word:{word}", []).append(index)
    compared = [members for members in blocks.values() if 2 <= len(members) <= BLOCK_LIMIT]
    if tracker is not None:
        tracker.begin(len(compared))
    best: dict[tuple, tuple[float, object, object]] = {}
    for number, members in enumerate(compared, start=1):
        for position, first in enumerate(members):
            for second in members[position + 1 :]:
                (a_name, a, a_key), (b_name, b, b_key) = rows[first], rows[second]
                if a == b:
                    continue
                if str(a) > str(b):
                    (a_name, a), (b_name, b) = (b_name, b), (a_name, a)
                score = same_name_score(a_key, b_key)
                if score >= MATCH_SCORE and score > best.get((a, b), (0.0,))[0]:
                    best[(a, b)] = (score, a_name, b_name)
        if tracker is not None:
            tracker.advance()
            if number % STOP_CHECK_BLOCKS == 0:
                tracker.check_stop()  # one query: not at every block
    found = [
        (str(a), str(b), round(score, 3), str(a_name), str(b_name))
        for (a, b), (score, a_name, b_name) in best.items()
    ]
    found.sort(key=lambda row: (-row[2], row[0], row[1]))
    return found


def resolve_pairs(rows: Sequence[Sequence], user) -> list[DuplicatePair]:
    """The :class:`DuplicatePair` of each row of :func:`duplicate_rows` that ``user`` may
    still see (both persons visible and not archived, both names visible), in two queries
    whatever the number of rows: a row computed earlier (the background review) is read
    with the reader's access of now."""
    if not rows:
        return []
    persons = (
        visible_persons(user)
        .filter(archived_at__isnull=True)
        .in_bulk({pk for row in rows for pk in row[:2]})
    )
    names = dict(
        visible_names(user)
        .filter(pk__in={pk for row in rows for pk in row[3:5]})
        .values_list("pk", "full_name")
    )
    pairs = []
    for a, b, score, a_name, b_name in rows:
        one, other = persons.get(_uuid(a)), persons.get(_uuid(b))
        one_name, other_name = names.get(_uuid(a_name)), names.get(_uuid(b_name))
        if None in (one, other, one_name, other_name):
            continue
        reasons = [describe_likeness(one_name, other_name, score)]
        if one.birth_date and other.birth_date and one.birth_date.year == other.birth_date.year:
            reasons.append(_("born the same year (%(year)s)") % {"year": one.birth_date.year})
        pairs.append(DuplicatePair(one, other, score, tuple(reasons)))
    return pairs


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def duplicate_pairs(user) -> list[DuplicatePair]:
    """Every pair of :func:`duplicate_rows`, resolved: the review of a small register."""
    return resolve_pairs(duplicate_rows(user), user)
