# ruff: noqa: S608 — benchmark-only SQL built from numbers and ids this module made itself, no outside input
"""BENCHMARK-ONLY seeding: a register of realistic size, written straight into PostgreSQL.

Nothing here is a way to write records in Monitor. It bypasses the services, the history and
the audit on purpose, with ``INSERT … SELECT FROM generate_series`` run inside the database,
so that 100,000 cases with their children take minutes on two cores instead of hours. It is
run only by ``tests/bench/run.py`` (``make bench``), only against a database whose name
says it is a benchmark's (``monitor_bench…`` or ``<word>_bench…``, ``tests/bench/databases.py``,
checked below), never against a real register.

The few records every page needs (teams, the bench users, vocabularies, places, events,
sources) are made through the test factories; the bulk rows reuse them. Identifiers are
derived from the row number (``md5('c' || n)::uuid`` for case ``n``), so children find their
parents without a join, and a run is reproducible.

Per case: a victim and a witness (one witness in five protected), each with a Latin and a
Cyrillic name variant from a pool of Tajik names (the folded key computed by
``people.folding``, as the app would); the two linked to the case; one or two allegations;
a detention with two or three dated steps; two citations (of the case and of its first
allegation) to a pool of sources; each detention's stored release dates worked out by the
product's own function (``cases.deadlines.release_fill``). Confidentiality, team and review
state vary so that visibility and the review queue have real work to do.
"""

from __future__ import annotations

import itertools

from django.apps import apps
from django.db import connection, transaction

from cases.deadlines import release_fill
from people.folding import fold_name
from tests.bench.databases import is_bench_database

MARKER_TABLE = "bench_seed_marker"

# Roots and endings of Tajik family names, in Latin and Cyrillic, and given names: their
# product is the pool of names (a few hundred thousand distinct full names).
_ROOTS = [
    ("Djuma", "Джума"), ("Sharipo", "Шарипо"), ("Rahimo", "Рахимо"), ("Nazaro", "Назаро"),
    ("Kurbono", "Курбоно"), ("Saido", "Саидо"), ("Karimo", "Каримо"), ("Odino", "Одино"),
    ("Hakimo", "Хакимо"), ("Safaro", "Сафаро"), ("Mirzo", "Мирзо"), ("Davlato", "Давлато"),
    ("Yusufo", "Юсуфо"), ("Shoishirino", "Шоиширино"), ("Ayombeko", "Аёмбеко"),
    ("Mamadsho", "Мамадшо"), ("Alimardono", "Алимардоно"), ("Kholiqo", "Холико"),
    ("Nazarsho", "Назаршо"), ("Tabaro", "Табаро"), ("Bobokhono", "Бобохоно"),
    ("Sultono", "Султоно"), ("Ismoilo", "Исмоило"), ("Latifo", "Латифо"), ("Niyozo", "Ниёзо"),
    ("Qodiro", "Кодиро"), ("Salimo", "Салимо"), ("Umaro", "Умаро"), ("Vatano", "Ватано"),
    ("Zokiro", "Зокиро"), ("Bakhtiyoro", "Бахтиёро"), ("Gulomo", "Гуломо"),
    ("Ibrohimo", "Иброхимо"), ("Jalolo", "Джалоло"), ("Khudoyoro", "Худоёро"),
    ("Mahmadalio", "Махмадалио"), ("Nurullo", "Нурулло"), ("Olimo", "Олимо"),
    ("Rustamo", "Рустамо"), ("Sobiro", "Собиро"),
]  # fmt: skip
_ENDINGS = [("v", "в"), ("va", "ва"), ("zoda", "зода"), ("ev", "ев"), ("eva", "ева")]
_GIVEN = [
    ("Tolib", "Толиб"), ("Daler", "Далер"), ("Ulfatkhonim", "Улфатхоним"),
    ("Nazhmiddin", "Нажмиддин"), ("Khushruz", "Хушруз"), ("Abdullo", "Абдулло"),
    ("Farrukh", "Фаррух"), ("Manuchehr", "Манучехр"), ("Parviz", "Парвиз"),
    ("Sharofat", "Шарофат"), ("Zarina", "Зарина"), ("Firuza", "Фируза"), ("Rustam", "Рустам"),
    ("Jamshed", "Джамшед"), ("Bakhrom", "Бахром"), ("Mehrubon", "Мехрубон"),
    ("Gulnora", "Гулнора"), ("Shodmon", "Шодмон"), ("Anvar", "Анвар"), ("Dilshod", "Дилшод"),
    ("Faromuz", "Фаромуз"), ("Izzat", "Иззат"), ("Khurshed", "Хуршед"), ("Lola", "Лола"),
    ("Mavjuda", "Мавджуда"), ("Nigina", "Нигина"), ("Oraz", "Ораз"), ("Qurbon", "Курбон"),
    ("Saodat", "Саодат"), ("Tahmina", "Тахмина"), ("Umed", "Умед"), ("Vali", "Вали"),
    ("Yodgor", "Ёдгор"), ("Zafar", "Зафар"), ("Alisher", "Алишер"), ("Behruz", "Бехруз"),
    ("Chorshanbe", "Чоршанбе"), ("Dilovar", "Диловар"), ("Ehson", "Эхсон"),
    ("Firdavs", "Фирдавс"),
]  # fmt: skip


def name_pool() -> list[tuple[str, str, str, str]]:
    """(Latin, its folded key, Cyrillic, its folded key) for every given name × family name."""
    pool = []
    for (root_lat, root_cyr), (end_lat, end_cyr), (given_lat, given_cyr) in itertools.product(
        _ROOTS, _ENDINGS, _GIVEN
    ):
        latin = f"{given_lat} {root_lat}{end_lat}"
        cyrillic = f"{given_cyr} {root_cyr}{end_cyr}"
        pool.append((latin, fold_name(latin), cyrillic, fold_name(cyrillic)))
    return pool


def _check_database() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not is_bench_database(name):
        raise SystemExit(
            f"Refusing to seed {name!r}: benchmark databases are monitor_bench* or <word>_bench*."
        )


def seeded(label: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute(f"SELECT 1 FROM {MARKER_TABLE} WHERE label = %s", [label])
        return cursor.fetchone() is not None


def _mark(cursor, label: str, facts: dict) -> None:
    import json

    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (label text PRIMARY KEY, facts text)"
    )
    cursor.execute(f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s)", [label, json.dumps(facts)])


def facts(label: str) -> dict:
    import json

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT facts FROM {MARKER_TABLE} WHERE label = %s", [label])
        return json.loads(cursor.fetchone()[0])


#: The tables the bulk SQL writes (its INSERTs name only the columns the bench varies).
SEEDED_TABLES = (
    "cases_case", "cases_caseperson", "cases_allegation", "cases_detention",
    "cases_detentionstep", "people_person", "people_personname", "sources_citation",
)  # fmt: skip


class _ModelDefaults:
    """While seeding, every NOT NULL column of :data:`SEEDED_TABLES` without a database
    default takes its model field's default (or "" for text) as one, dropped again
    afterwards: a field added to a model later does not break the bench's INSERTs."""

    def __init__(self, cursor):
        self.cursor, self.set = cursor, []

    def __enter__(self):
        from django.apps import apps
        from psycopg import sql

        models = {model._meta.db_table: model for model in apps.get_models()}
        self.cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE "
            "is_nullable = 'NO' AND column_default IS NULL AND table_name = ANY(%s)",
            [list(SEEDED_TABLES)],
        )
        for table, column in self.cursor.fetchall():
            field = next(
                (f for f in models[table]._meta.concrete_fields if f.column == column), None
            )
            if field is None or field.primary_key:
                continue
            if not (field.has_default() or field.empty_strings_allowed):
                continue  # no default to give: the INSERT must name it
            value = field.get_db_prep_save(field.get_default(), connection)
            self.cursor.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {}").format(
                    sql.Identifier(table), sql.Identifier(column), sql.Literal(value)
                )
            )
            self.set.append((table, column))
        return self

    def __exit__(self, *exc):
        from psycopg import sql

        if exc[0] is not None:
            return  # the transaction rolls back, defaults with it
        # Foreign keys are checked at commit; ALTER TABLE wants them checked first.
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, column in self.set:
            self.cursor.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT").format(
                    sql.Identifier(table), sql.Identifier(column)
                )
            )


def _content_type_id(app_label: str, model: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_by_natural_key(app_label, model).pk


def seed_base() -> dict:
    """Teams, the bench users, vocabularies, places, an event and sources (factories)."""
    from monitor.choices import Confidentiality, Role, Vocabulary
    from tests.factories import (
        EventFactory,
        PlaceFactory,
        SourceFactory,
        TeamFactory,
        TermFactory,
        UserFactory,
    )

    teams = [TeamFactory(name=f"Bench team {n}") for n in range(5)]
    # A reviewer on the first team with clearance up to confidential: staff (the admin
    # queue), sees its own team's strict cases and everyone's up to confidential.
    user = UserFactory(
        username="bench",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[teams[0]],
        is_staff=True,
    )
    violations = [
        TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label=label)
        for label in ("Arbitrary detention", "Torture", "Unfair trial", "Enforced disappearance")
    ]
    facility = TermFactory(vocabulary=Vocabulary.FACILITY, label="SIZO No. 1, Dushanbe")
    country = PlaceFactory(name="Tajikistan", kind="country")
    places = [PlaceFactory(name=name, parent=country) for name in ("Khorog", "Rushan", "Dushanbe")]
    event = EventFactory(title="GBAO 2022", team=teams[0], confidentiality=Confidentiality.PUBLIC)
    kind = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, label="NGO report")
    sources = [
        SourceFactory(title=f"Bench report {n}", kind=kind, team=teams[n % 5]) for n in range(200)
    ]
    return {
        "teams": [str(team.pk) for team in teams],
        "user": str(user.pk),
        "violations": [str(term.pk) for term in violations],
        "facility": str(facility.pk),
        "places": [str(place.pk) for place in places],
        "event": str(event.pk),
        "sources": [str(source.pk) for source in sources],
    }


def _arr(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{value}'::uuid" for value in values) + "]"


def seed_cases(cases: int, base: dict) -> None:
    """``cases`` cases with their children, in SQL (see the module's docstring)."""
    teams, violations = _arr(base["teams"]), _arr(base["violations"])
    places, sources = _arr(base["places"]), _arr(base["sources"])
    user, facility, event = base["user"], base["facility"], base["event"]
    case_ct = _content_type_id("cases", "case")
    allegation_ct = _content_type_id("cases", "allegation")
    pool = name_pool()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_names (slot int PRIMARY KEY, latin text, latin_folded text,"
            " cyrillic text, cyrillic_folded text)"
        )
        with cursor.copy("COPY bench_names FROM STDIN") as copy:
            for n, row in enumerate(pool):
                copy.write_row((n, *row))
        size = len(pool)
        # The first case is the big one (500 linked records); persons 2n-1 and 2n are case
        # n's victim and witness.
        steps = [
            f"""INSERT INTO cases_case (id, version, created_at, updated_at, review_state,
                confidentiality, reference, title, summary, case_type, created_by_id, team_id)
            SELECT md5('c'||n)::uuid, 1, now() - n * interval '1 minute', now(),
                (ARRAY['draft','submitted','verified','verified','returned'])[1 + n % 5],
                (ARRAY[20,30,30,40])[1 + n % 4],
                'TJK-' || (2010 + n % 15) || '-' || lpad(n::text, 6, '0'),
                'Detention of ' || nm.latin, 'Arrested after the events of May 2022.',
                'individual', '{user}'::uuid, ({teams})[1 + n % 5]
            FROM generate_series(1, {cases}) n
            JOIN bench_names nm ON nm.slot = (n * 7919) % {size}""",
            f"""INSERT INTO people_person (id, version, created_at, updated_at, review_state,
                confidentiality, gender, birth_date_circa, occupation, ethnicity, contact,
                biography, is_protected, created_by_id, team_id)
            SELECT md5('p'||n)::uuid, 1, now(), now(),
                (ARRAY['draft','submitted','verified','verified'])[1 + n % 4],
                (ARRAY[20,30,30,40])[1 + (n / 2) % 4], '', false, 'journalist', '', '', '',
                n % 10 = 0, '{user}'::uuid, ({teams})[1 + (n / 2) % 5]
            FROM generate_series(1, {2 * cases}) n""",
            # Waiting records as the review services leave them: since when, and by whom.
            f"""UPDATE cases_case SET queued_at = created_at, queued_by_id = '{user}'::uuid
            WHERE review_state = 'submitted'""",
            f"""UPDATE people_person SET queued_at = created_at, queued_by_id = '{user}'::uuid
            WHERE review_state = 'submitted'""",
            f"""INSERT INTO people_personname (id, version, created_at, updated_at, full_name,
                given_name, family_name, patronymic, kind, script, language, is_primary,
                folded, created_by_id, person_id)
            SELECT md5('nl'||n)::uuid, 1, now(), now(), nm.latin, '', '', '', 'official',
                'latin', 'tg', true, nm.latin_folded, '{user}'::uuid, md5('p'||n)::uuid
            FROM generate_series(1, {2 * cases}) n
            JOIN bench_names nm ON nm.slot = (n * 7919) % {size}
            UNION ALL
            SELECT md5('nc'||n)::uuid, 1, now(), now(), nm.cyrillic, '', '', '', 'official',
                'cyrillic', 'ru', false, nm.cyrillic_folded, '{user}'::uuid, md5('p'||n)::uuid
            FROM generate_series(1, {2 * cases}) n
            JOIN bench_names nm ON nm.slot = (n * 7919) % {size}""",
            f"""INSERT INTO cases_caseperson (id, version, created_at, updated_at, role, note,
                case_id, created_by_id, person_id)
            SELECT md5('cp'||n||r)::uuid, 1, now(), now(),
                CASE r WHEN 1 THEN 'victim' ELSE 'witness' END, '', md5('c'||n)::uuid,
                '{user}'::uuid, md5('p'||(2 * n - 2 + r))::uuid
            FROM generate_series(1, {cases}) n, generate_series(1, 2) r""",
            f"""INSERT INTO cases_allegation (id, version, created_at, updated_at,
                victim_description, date_precision, date_circa, date, date_end, claim_status,
                description, case_id, created_by_id, place_id, victim_id, violation_type_id)
            SELECT md5('a'||n||'-'||k)::uuid, 1, now(), now(), '', 2, false,
                date '2022-05-01', date '2022-05-31',
                (ARRAY['alleged','corroborated','verified'])[1 + (n + k) % 3], '',
                md5('c'||n)::uuid, '{user}'::uuid, ({places})[1 + n % 3],
                md5('p'||(2 * n - 1))::uuid, ({violations})[1 + (n + k) % 4]
            FROM generate_series(1, {cases}) n, generate_series(1, 2) k
            WHERE k = 1 OR n % 3 = 0""",
            f"""INSERT INTO cases_detention (id, version, created_at, updated_at, description,
                case_id, created_by_id, person_id)
            SELECT md5('d'||n)::uuid, 1, now(), now(), '', md5('c'||n)::uuid, '{user}'::uuid,
                md5('p'||(2 * n - 1))::uuid
            FROM generate_series(1, {cases}) n""",
            f"""INSERT INTO cases_detentionstep (id, version, created_at, updated_at, kind,
                date_precision, date_circa, date, date_end, sentence_months, life_sentence,
                claim_status, note, created_by_id, detention_id, facility_id)
            SELECT md5('s'||n||'-'||k)::uuid, 1, now(), now(),
                (ARRAY['arrested','charged','sentenced'])[k], 3, false,
                date '2022-05-18' + (k - 1) * 90 + n % 30,
                date '2022-05-18' + (k - 1) * 90 + n % 30,
                CASE k WHEN 3 THEN 12 * (5 + n % 12) END, false, 'alleged', '',
                '{user}'::uuid, md5('d'||n)::uuid, '{facility}'::uuid
            FROM generate_series(1, {cases}) n, generate_series(1, 3) k
            WHERE k < 3 OR n % 2 = 0""",
            f"""INSERT INTO sources_citation (id, version, created_at, updated_at, object_id,
                field_name, page, paragraph, timestamp, quote, credibility, stance, note,
                content_type_id, created_by_id, source_id)
            SELECT md5('ci'||n||'-'||k)::uuid, 1, now(), now(),
                CASE k WHEN 1 THEN md5('c'||n)::uuid ELSE md5('a'||n||'-1')::uuid END,
                '', (1 + n % 40)::text, '', '', '', 2, 'supports', '',
                CASE k WHEN 1 THEN {case_ct} ELSE {allegation_ct} END, '{user}'::uuid,
                ({sources})[1 + n % {len(base["sources"])}]
            FROM generate_series(1, {cases}) n, generate_series(1, 2) k""",
            f"""INSERT INTO cases_case_places (case_id, place_id)
            SELECT md5('c'||n)::uuid, ({places})[1 + n % 3] FROM generate_series(1, {cases}) n""",
            f"""INSERT INTO cases_case_events (case_id, event_id)
            SELECT md5('c'||n)::uuid, '{event}'::uuid FROM generate_series(1, {cases}) n
            WHERE n % 2 = 0""",
        ]
        for statement in steps:
            cursor.execute(statement)
        _big_case(cursor, base, size)
        # Each detention's stored release dates, as the product keeps them: the product's own
        # rule, in set-based UPDATEs (cases.deadlines.release_fill, as its migration does).
        release_fill(apps)
        cursor.execute("DROP TABLE bench_names")
        cursor.execute("ANALYZE")


def _big_case(cursor, base: dict, size: int) -> None:
    """Case 1 (the bench team's, confidential) gets 500 linked records: 150 persons with
    their names and links, 150 allegations, 100 detentions with a step each, 100 citations."""
    user = base["user"]
    violations, sources = _arr(base["violations"]), _arr(base["sources"])
    case = "md5('c'||1)::uuid"
    cursor.execute(
        f"UPDATE cases_case SET team_id = '{base['teams'][0]}', confidentiality = 30 "
        f"WHERE id = {case}"
    )
    statements = [
        f"""INSERT INTO people_person (id, version, created_at, updated_at, review_state,
            confidentiality, gender, birth_date_circa, occupation, ethnicity, contact,
            biography, is_protected, created_by_id, team_id)
        SELECT md5('bp'||n)::uuid, 1, now(), now(), 'verified', 30, '', false, '', '', '', '',
            n % 10 = 0, '{user}'::uuid, '{base["teams"][0]}'::uuid
        FROM generate_series(1, 150) n""",
        f"""INSERT INTO people_personname (id, version, created_at, updated_at, full_name,
            given_name, family_name, patronymic, kind, script, language, is_primary, folded,
            created_by_id, person_id)
        SELECT md5('bpn'||n)::uuid, 1, now(), now(), nm.latin, '', '', '', 'official',
            'latin', 'tg', true, nm.latin_folded, '{user}'::uuid, md5('bp'||n)::uuid
        FROM generate_series(1, 150) n JOIN bench_names nm ON nm.slot = (n * 104729) % {size}""",
        f"""INSERT INTO cases_caseperson (id, version, created_at, updated_at, role, note,
            case_id, created_by_id, person_id)
        SELECT md5('bcp'||n)::uuid, 1, now(), now(), 'victim', '', {case}, '{user}'::uuid,
            md5('bp'||n)::uuid
        FROM generate_series(1, 150) n""",
        f"""INSERT INTO cases_allegation (id, version, created_at, updated_at,
            victim_description, date_precision, date_circa, date, date_end, claim_status,
            description, case_id, created_by_id, victim_id, violation_type_id)
        SELECT md5('ba'||n)::uuid, 1, now(), now(), '', 3, false, date '2022-05-18',
            date '2022-05-18', 'alleged', '', {case}, '{user}'::uuid, md5('bp'||n)::uuid,
            ({violations})[1 + n % 4]
        FROM generate_series(1, 150) n""",
        f"""INSERT INTO cases_detention (id, version, created_at, updated_at, description,
            case_id, created_by_id, person_id)
        SELECT md5('bd'||n)::uuid, 1, now(), now(), '', {case}, '{user}'::uuid, md5('bp'||n)::uuid
        FROM generate_series(1, 100) n""",
        f"""INSERT INTO cases_detentionstep (id, version, created_at, updated_at, kind,
            date_precision, date_circa, date, date_end, life_sentence, claim_status, note,
            created_by_id, detention_id)
        SELECT md5('bs'||n)::uuid, 1, now(), now(), 'arrested', 3, false, date '2022-05-18',
            date '2022-05-18', false, 'alleged', '', '{user}'::uuid, md5('bd'||n)::uuid
        FROM generate_series(1, 100) n""",
        f"""INSERT INTO sources_citation (id, version, created_at, updated_at, object_id,
            field_name, page, paragraph, timestamp, quote, credibility, stance, note,
            content_type_id, created_by_id, source_id)
        SELECT md5('bci'||n)::uuid, 1, now(), now(), {case}, '', n::text, '', '', '', 2,
            'supports', '', {_content_type_id("cases", "case")}, '{user}'::uuid,
            ({sources})[1 + n % {len(base["sources"])}]
        FROM generate_series(1, 100) n""",
    ]
    for statement in statements:
        cursor.execute(statement)


def seed_names(persons: int, base: dict) -> None:
    """``persons`` more persons with two name variants each (Latin and Cyrillic): the
    register of names that person search must stay fast on."""
    user, teams = base["user"], _arr(base["teams"])
    pool = name_pool()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_names (slot int PRIMARY KEY, latin text, latin_folded text,"
            " cyrillic text, cyrillic_folded text)"
        )
        with cursor.copy("COPY bench_names FROM STDIN") as copy:
            for n, row in enumerate(pool):
                copy.write_row((n, *row))
        size = len(pool)
        # The trigram index is made again after the load, in one pass (kept up to date row
        # by row, it costs more than the INSERTs).
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_personname'"
            " AND indexdef LIKE '%gin_trgm_ops%'"
        )
        trigram_indexes = cursor.fetchall()
        for name, _definition in trigram_indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            f"""INSERT INTO people_person (id, version, created_at, updated_at, review_state,
                confidentiality, gender, birth_date_circa, occupation, ethnicity, contact,
                biography, is_protected, created_by_id, team_id)
            SELECT md5('np'||n)::uuid, 1, now(), now(), 'verified',
                (ARRAY[20,30,30,40])[1 + n % 4], '', false, '', '', '', '', n % 10 = 0,
                '{user}'::uuid, ({teams})[1 + n % 5]
            FROM generate_series(1, {persons}) n"""
        )
        for script, column in (("latin", "latin"), ("cyrillic", "cyrillic")):
            cursor.execute(
                f"""INSERT INTO people_personname (id, version, created_at, updated_at,
                    full_name, given_name, family_name, patronymic, kind, script, language,
                    is_primary, folded, created_by_id, person_id)
                SELECT md5('nn{script}'||n)::uuid, 1, now(), now(), nm.{column}, '', '', '',
                    'official', '{script}', 'tg', {"true" if script == "latin" else "false"},
                    nm.{column}_folded, '{user}'::uuid, md5('np'||n)::uuid
                FROM generate_series(1, {persons}) n
                JOIN bench_names nm ON nm.slot = (n * 15485863::bigint) % {size}"""
            )
        # The foreign keys are checked at commit; CREATE INDEX wants them checked first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in trigram_indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("DROP TABLE bench_names")
        cursor.execute("ANALYZE people_person")
        cursor.execute("ANALYZE people_personname")


def seed(cases: int, names: int = 0) -> dict:
    """Seed the current (benchmark) database once; later calls return its facts."""
    _check_database()
    label = f"cases={cases} names={names}"
    if seeded(label):
        return facts(label)
    with transaction.atomic():
        base = seed_base()
        with connection.cursor() as cursor, _ModelDefaults(cursor):
            seed_cases(cases, base)
            if names:
                seed_names(names, base)
        with connection.cursor() as cursor:
            _mark(cursor, label, base)
    return base
