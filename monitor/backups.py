"""Encrypted backups of a whole Monitor instance, and their restore.

One archive holds everything a restore needs but the keys: a consistent dump of the database
(SQLite's online backup API; ``pg_dump`` custom format on PostgreSQL, from the same snapshot
the row counts are taken in), every file under the evidence root (as stored: encrypted at
rest, see :mod:`monitor.at_rest`), and ``manifest.json`` (schema version = the latest
migration of every app, row counts per table, the SHA-256 of every file).

The archive is a tar stream encrypted with age (https://age-encryption.org, through pyrage)
to one or more public keys: anyone with a matching private key opens it without Monitor
(``age -d -i key.txt monitor-….tar.age | tar x``), and nobody without one can. The private
key is held off-site; the server only ever has the public keys. Both directions stream:
memory stays flat for any size of evidence store.

A restore decrypts and unpacks into a staging folder beside the evidence root and checks
the manifest first: a wrong key, a truncated or an altered archive stops it with a clear
error before the target database or evidence root is touched.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyrage
from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "monitor-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
EVIDENCE_PREFIX = "evidence/"
#: Scheduled archives are named so that their names sort by age.
ARCHIVE_PATTERN = "monitor-*.tar.age"
CHUNK = 1024 * 1024
#: Tables migrate fills by itself: a freshly migrated database still counts as empty.
TABLES_FILLED_BY_MIGRATE = frozenset(
    {"django_migrations", "django_content_type", "auth_permission"}
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for an operator."""


# -- keys ----------------------------------------------------------------------------------


def parse_recipients(texts: list[str]) -> list:
    """age public keys ("age1…") to encrypt to; :class:`BackupError` naming a bad one."""
    recipients = []
    for text in texts:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(text.strip()))
        except pyrage.RecipientError as error:
            raise BackupError(f"Not an age public key (age1…): {text.strip()[:20]}…") from error
    if not recipients:
        raise BackupError(
            "No backup recipient: set MONITOR_BACKUP_RECIPIENTS to the age public key(s) of "
            "whoever holds the private key off-site, or pass --recipient."
        )
    return recipients


def read_identities(path: Path) -> list:
    """The age private keys ("AGE-SECRET-KEY-1…") in an identity file, as age-keygen writes it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BackupError(f"Cannot read the identity file {path}: {error.strerror}.") from error
    identities = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                identities.append(pyrage.x25519.Identity.from_str(line))
            except pyrage.IdentityError as error:
                raise BackupError(
                    f"{path} holds something that is not an age private key."
                ) from error
    if not identities:
        raise BackupError(f"{path} holds no age private key (AGE-SECRET-KEY-1…).")
    return identities


# -- what a database holds -----------------------------------------------------------------


def schema_versions(alias: str = "default") -> dict[str, str]:
    """The latest applied migration of every app: the schema a dump has."""
    loader = MigrationLoader(connections[alias])
    applied = loader.applied_migrations
    versions = {}
    for app_label, name in sorted(loader.graph.leaf_nodes()):
        latest = name if (app_label, name) in applied else None
        if latest is None:  # a leaf not applied: take the latest applied one of that app
            names = sorted(n for app, n in applied if app == app_label)
            latest = names[-1] if names else None
        if latest:
            versions[app_label] = latest
    return versions


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 — our own tables
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [row[0] for row in cursor.fetchall()]


def target_is_empty(alias: str = "default") -> bool:
    """Whether the database holds no data (no table, or only what migrate fills in) and
    the evidence root holds no file."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = count_rows(cursor, [t for t in tables if t not in TABLES_FILLED_BY_MIGRATE])
    root = Path(settings.EVIDENCE_ROOT)
    has_files = root.is_dir() and any(path.is_file() for path in root.rglob("*"))
    return not any(counts.values()) and not has_files


# -- writing an archive --------------------------------------------------------------------


@dataclass
class Manifest:
    created_at: str
    vendor: str
    schema: dict[str, str]
    row_counts: dict[str, int]
    files: dict[str, str] = field(default_factory=dict)  # archive name -> SHA-256

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": self.created_at,
                "database": {"vendor": self.vendor, "file": DUMP_NAMES[self.vendor]},
                "schema": self.schema,
                "row_counts": self.row_counts,
                "files": self.files,
            },
            indent=2,
            sort_keys=True,
        ).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            raw = json.loads(data)
            if raw.get("format") != FORMAT:
                raise BackupError("The archive's manifest is not a Monitor backup manifest.")
            if raw.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"The archive is in backup format {raw.get('format_version')}; this "
                    f"version of Monitor reads format {FORMAT_VERSION}."
                )
            return cls(
                created_at=raw["created_at"],
                vendor=raw["database"]["vendor"],
                schema=dict(raw["schema"]),
                row_counts={str(k): int(v) for k, v in raw["row_counts"].items()},
                files=dict(raw["files"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError("The archive's manifest cannot be read.") from error


def _dump_sqlite(alias: str, target: Path) -> dict[str, int]:
    """A consistent copy through SQLite's online backup API; the row counts of that copy."""
    connection = connections[alias]
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        return count_rows(cursor, _sqlite_tables(cursor))
    finally:
        copy.close()


def _pg_command_env(alias: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump / pg_restore, the password kept in the env."""
    from psycopg.conninfo import make_conninfo

    params = connections[alias].settings_dict
    conninfo = make_conninfo(
        "",
        dbname=params["NAME"],
        user=params.get("USER") or None,
        host=params.get("HOST") or None,
        port=str(params["PORT"]) if params.get("PORT") else None,
    )
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    return conninfo, env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client "
            "(apt-get install postgresql-client)."
        )
    return path


def _dump_postgresql(alias: str, target: Path) -> dict[str, int]:
    """``pg_dump -Fc`` of the snapshot the row counts are read in: both see the same data."""
    pg_dump = _pg_tool("pg_dump")
    conninfo, env = _pg_command_env(alias)
    connection = connections[alias]
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction.")
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = count_rows(cursor, tables)
        result = subprocess.run(  # noqa: S603 — fixed arguments, no shell
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner",
             "--no-privileges", f"--file={target}", f"--dbname={conninfo}"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return counts


class _HashingReader:
    """Reads a file for tarfile, hashing what it reads."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.fileobj.read(size)
        self.digest.update(data)
        return data


def _evidence_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def _write_tar(out, dump: Path, dump_name: str, evidence_root: Path, manifest: Manifest) -> None:
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        members = [(dump, dump_name)] + [
            (path, EVIDENCE_PREFIX + path.relative_to(evidence_root).as_posix())
            for path in _evidence_files(evidence_root)
        ]
        for path, name in members:
            info = tarfile.TarInfo(name)
            with path.open("rb") as source:
                info.size = os.fstat(source.fileno()).st_size
                info.mtime = int(path.stat().st_mtime)
                info.mode = 0o600
                reader = _HashingReader(source)
                tar.addfile(info, reader)
            manifest.files[name] = reader.digest.hexdigest()
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
        tar.addfile(info, _BytesReader(data))


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.offset = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.offset + size
        chunk = self.data[self.offset : end]
        self.offset += len(chunk)
        return chunk


def _in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as error:  # handed to the main thread
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def create_backup(
    *, destination: Path, recipients: list[str], alias: str = "default", now=None
) -> Path:
    """Write one encrypted archive of the database and the evidence into ``destination``.

    The archive appears under its final name only once complete (written as a hidden
    ``.partial`` file first), so a folder being synced off-site never holds half of one.
    """
    age_recipients = parse_recipients(recipients)
    vendor = connections[alias].vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    destination.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = now or timezone.now()
    final = destination / f"monitor-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%S%fZ}.tar.age"
    partial = destination / f".{final.name}.partial"
    with tempfile.TemporaryDirectory(prefix="monitor-backup-") as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        dumper = _dump_sqlite if vendor == "sqlite" else _dump_postgresql
        counts = dumper(alias, dump)
        manifest = Manifest(
            created_at=now.isoformat(), vendor=vendor, schema=schema_versions(alias),
            row_counts=counts,
        )  # fmt: skip
        read_fd, write_fd = os.pipe()
        with os.fdopen(read_fd, "rb") as pipe_out, partial.open("wb") as archive:
            pipe_in = os.fdopen(write_fd, "wb")

            def produce():
                with pipe_in:
                    _write_tar(pipe_in, dump, DUMP_NAMES[vendor], Path(settings.EVIDENCE_ROOT),
                               manifest)  # fmt: skip

            thread, errors = _in_thread(produce)
            try:
                pyrage.encrypt_io(pipe_out, archive, age_recipients)
            finally:
                pipe_out.close()  # a producer still writing gets a broken pipe, and stops
                thread.join()
            if errors:
                partial.unlink(missing_ok=True)
                raise errors[0]
            archive.flush()
            os.fsync(archive.fileno())
    os.chmod(partial, 0o600)
    os.replace(partial, final)
    return final


def prune_backups(destination: Path, *, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest archives in ``destination``; the ones removed."""
    archives = sorted(destination.glob(ARCHIVE_PATTERN))
    removed = archives[:-keep] if keep > 0 else archives
    for path in removed:
        path.unlink()
    return removed


# -- restoring -----------------------------------------------------------------------------


def _safe_member_name(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive holds a file outside its own folder ({name!r}): refused.")
    return path.as_posix()


def _unpack(archive: Path, identities: list, staging: Path) -> dict[str, str]:
    """Decrypt and unpack ``archive`` into ``staging``; the SHA-256 of every file unpacked."""
    read_fd, write_fd = os.pipe()
    hashes: dict[str, str] = {}
    with archive.open("rb") as source, os.fdopen(read_fd, "rb") as pipe_out:
        pipe_in = os.fdopen(write_fd, "wb")

        def decrypt():
            with pipe_in:
                pyrage.decrypt_io(source, pipe_in, identities)

        thread, errors = _in_thread(decrypt)
        tar_error: BaseException | None = None
        try:
            with tarfile.open(fileobj=pipe_out, mode="r|") as tar:
                for member in tar:
                    name = _safe_member_name(member.name)
                    if not member.isfile() or name in hashes:
                        raise BackupError(f"The archive holds an unexpected entry ({name!r}).")
                    target = staging / name
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    digest = hashlib.sha256()
                    extracted = tar.extractfile(member)
                    with target.open("wb") as out:
                        for chunk in iter(lambda: extracted.read(CHUNK), b""):  # noqa: B023
                            digest.update(chunk)
                            out.write(chunk)
                    os.chmod(target, 0o600)
                    hashes[name] = digest.hexdigest()
                # Read to the end, so the decryption sees (and checks) the whole archive.
                for _ in iter(lambda: pipe_out.read(CHUNK), b""):
                    pass
        except (tarfile.TarError, OSError, BackupError) as error:
            tar_error = error
        finally:
            pipe_out.close()
            thread.join()
    if errors:
        error = errors[0]
        # A broken pipe means the reader stopped first: its own error (below) says why.
        # Anything else is age refusing the key or a chunk that does not authenticate.
        if not (isinstance(error, BrokenPipeError) and tar_error is not None):
            raise BackupError(_decrypt_message(str(error))) from error
    if tar_error is not None:
        if isinstance(tar_error, BackupError):
            raise tar_error
        raise BackupError(f"The archive's contents cannot be read: {tar_error}") from tar_error
    return hashes


def _decrypt_message(detail: str) -> str:
    lowered = detail.lower()
    if "no matching keys" in lowered or "no identity matched" in lowered:
        return (
            "This archive was not encrypted to the private key given: nothing was restored. "
            "Use the key whose public half is in MONITOR_BACKUP_RECIPIENTS."
        )
    return (
        "The archive is damaged (truncated or altered) and does not decrypt: nothing was "
        f"restored. ({detail})"
    )


@dataclass
class RestoreReport:
    manifest: Manifest
    evidence_files: int
    set_aside: list[Path]
    migrations_behind: bool


def _check_manifest(staging: Path, hashes: dict[str, str]) -> Manifest:
    if MANIFEST not in hashes:
        raise BackupError("The archive has no manifest: it is not a complete Monitor backup.")
    manifest = Manifest.from_json((staging / MANIFEST).read_bytes())
    listed = set(manifest.files)
    found = set(hashes) - {MANIFEST}
    if listed != found:
        missing, extra = sorted(listed - found), sorted(found - listed)
        raise BackupError(
            f"The archive does not hold what its manifest lists (missing: {len(missing)}, "
            f"not listed: {len(extra)})."
        )
    altered = sorted(name for name in listed if manifest.files[name] != hashes[name])
    if altered:
        raise BackupError(f"{len(altered)} file(s) in the archive differ from the manifest.")
    if DUMP_NAMES.get(manifest.vendor) not in found:
        raise BackupError("The archive holds no database dump.")
    return manifest


def _check_schema(manifest: Manifest, alias: str) -> bool:
    """Refuse a backup from a newer Monitor; True when migrations must run after restoring."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest.schema.items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            "The backup was made by a newer (or different) version of Monitor: this one does "
            f"not know migration(s) {', '.join(unknown)}. Restore with that version."
        )
    leaves = dict(loader.graph.leaf_nodes())
    return any(leaves.get(app) != name for app, name in manifest.schema.items())


def _aside(path: Path, stamp: str) -> Path:
    target = path.with_name(f"{path.name}.replaced-{stamp}")
    os.replace(path, target)
    return target


def _load_sqlite(alias: str, dump: Path, stamp: str) -> list[Path]:
    connection = connections[alias]
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    set_aside = []
    holds_tables = False
    if target.exists():
        probe = sqlite3.connect(target)
        try:
            holds_tables = bool(_sqlite_tables(probe.cursor()))
        finally:
            probe.close()
    for suffix in ("", "-wal", "-shm"):
        existing = Path(f"{target}{suffix}")
        if existing.exists():
            if holds_tables:
                set_aside.append(_aside(existing, stamp))
            else:
                existing.unlink()  # made by merely opening the target: nothing in it
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return set_aside


def _load_postgresql(alias: str, dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    conninfo, env = _pg_command_env(alias)
    connections[alias].close()
    result = subprocess.run(  # noqa: S603 — fixed arguments, no shell
        [pg_restore, "--single-transaction", "--exit-on-error", "--clean", "--if-exists",
         "--no-owner", "--no-privileges", f"--dbname={conninfo}", str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {result.stderr.strip()}")


def restore_backup(
    *, archive: Path, identities: list, force: bool = False, alias: str = "default"
) -> RestoreReport:
    """Restore ``archive`` into this instance's database and evidence root.

    Refuses a target that holds data unless ``force`` (what it replaces is set aside:
    renamed ``….replaced-<time>``, on PostgreSQL dropped — back it up first). Everything is
    decrypted and checked against the manifest in a staging folder before the target is
    touched.
    """
    connection = connections[alias]
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"Restores support SQLite and PostgreSQL, not {connection.vendor}.")
    if not force and not target_is_empty(alias):
        raise BackupError(
            "The target is not empty (its database or evidence folder holds data): nothing was "
            "restored. Restore into a fresh instance, or pass --force to replace this one."
        )
    if not archive.is_file():
        raise BackupError(f"No archive at {archive}.")
    evidence_root = Path(settings.EVIDENCE_ROOT)
    evidence_root.parent.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    # Beside the evidence root: the evidence moves into place by a rename.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=evidence_root.parent))
    try:
        hashes = _unpack(archive, identities, staging)
        manifest = _check_manifest(staging, hashes)
        if manifest.vendor != connection.vendor:
            raise BackupError(
                f"The archive holds a {manifest.vendor} database; this instance runs on "
                f"{connection.vendor}. Restore it into a {manifest.vendor} instance."
            )
        behind = _check_schema(manifest, alias)
        # -- from here on the target changes --
        dump = staging / DUMP_NAMES[manifest.vendor]
        set_aside = []
        if manifest.vendor == "sqlite":
            set_aside += _load_sqlite(alias, dump, stamp)
        else:
            _load_postgresql(alias, dump)
        if evidence_root.exists():
            if any(evidence_root.iterdir()):
                set_aside.append(_aside(evidence_root, stamp))
            else:
                evidence_root.rmdir()
        staged_evidence = staging / EVIDENCE_PREFIX.rstrip("/")
        staged_evidence.mkdir(exist_ok=True, mode=0o700)
        os.replace(staged_evidence, evidence_root)
        _check_row_counts(manifest, alias)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    evidence_count = sum(1 for name in manifest.files if name.startswith(EVIDENCE_PREFIX))
    return RestoreReport(
        manifest=manifest,
        evidence_files=evidence_count,
        set_aside=set_aside,
        migrations_behind=behind,
    )


def _check_row_counts(manifest: Manifest, alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = count_rows(cursor, list(manifest.row_counts))
    different = sorted(t for t, n in manifest.row_counts.items() if counts.get(t) != n)
    if different:
        raise BackupError(
            f"After restoring, {len(different)} table(s) do not hold the rows the manifest "
            f"lists: {', '.join(different[:10])}."
        )
