"""The restore drill: back up a whole world, restore it into a fresh instance, compare.

It runs on whatever database the suite runs on (CI: SQLite, then PostgreSQL). The restore
runs as an operator would run it: ``manage.py restore`` in a separate process, pointed at a
fresh database (a new SQLite file; a new database on the same PostgreSQL server) and a fresh
evidence root by ``DATABASE_URL`` and ``MONITOR_EVIDENCE_ROOT``. Then every table is compared
row by row and every evidence file by hash.
"""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pyrage
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from monitor import backups
from monitor.choices import Confidentiality
from monitor.services import record_save, review_return, review_submit, review_verify
from sources.choices import CustodyAction
from sources.models import CustodyEvent, EvidenceFile
from sources.services import evidence_open_for_download, evidence_upload, evidence_verify
from tests.conftest import monitor_on_team, reviewer, team  # noqa: F401 — fixtures
from tests.factories import CaseFactory, SourceFactory
from tests.keys import TEST_EVIDENCE_KEY
from tests.security.tampering_world import build_hidden

BASE_DIR = Path(settings.BASE_DIR)
SECRET = "test-only-secret-key-not-for-any-deployment-0123456789"
WITNESS_TEXT = b"Testimony of a witness: detained in Khorog on 18 May 2022, held 3 days.\n"


@pytest.fixture
def identity():
    return pyrage.x25519.Identity.generate()


@pytest.fixture
def identity_file(tmp_path, identity):
    path = tmp_path / "backup-key.txt"
    path.write_text(f"# created for the drill\n{identity}\n", encoding="utf-8")
    return path


def build_world(*, team, monitor, reviewer) -> dict:
    """Cases, history, review decisions, evidence with custody: what a restore must keep."""
    hidden = build_hidden(team=team, owner=monitor, level=Confidentiality.CONFIDENTIAL)
    case = CaseFactory(team=team, title="Detention of a lawyer in Khorog")
    case.summary = "Arrested at home; family not told for three days."
    record_save(record=case, actor=monitor, reason="Summary from the family's account")
    review_submit(record=case, actor=monitor)
    review_return(record=case, actor=reviewer, comment="Add the arrest date's source.")
    review_submit(record=case, actor=monitor)
    review_verify(record=case, actor=reviewer)
    source = SourceFactory(team=team, is_protected=True, title="Witness W-1")
    evidence = evidence_upload(
        source=source,
        uploaded_file=SimpleUploadedFile("witness-firuz.txt", WITNESS_TEXT),
        actor=monitor,
        client_address="10.0.0.7",
    )
    evidence_verify(evidence=evidence, actor=monitor, note="Checked after upload.")
    evidence_open_for_download(evidence=evidence, actor=monitor).file.close()
    return {"hidden": hidden, "case": case, "evidence": evidence}


# -- fresh targets -----------------------------------------------------------------------------


class FreshTarget:
    """A new, empty database for the restore, and a way to read it like the source."""

    def __init__(self, tmp_path: Path):
        self.vendor = connection.vendor
        self.evidence_root = tmp_path / "restored-evidence"
        params = dict(connection.settings_dict)
        if self.vendor == "sqlite":
            self.name = str(tmp_path / "restored.sqlite3")
            self.url = f"sqlite:///{self.name}"
        else:
            self.name = f"monitor_restore_{uuid.uuid4().hex[:12]}"
            with connection.cursor() as cursor:  # autocommit: a transactional test
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            user = params.get("USER") or ""
            password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
            host = params.get("HOST") or "127.0.0.1"
            port = params.get("PORT") or 5432
            self.url = f"postgres://{user}{password}@{host}:{port}/{self.name}"
        params["NAME"] = self.name
        self.params = params
        self._wrapper = None

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MONITOR_", "DATABASE_URL", "PYTEST", "DJANGO_SETTINGS"))
        }
        env.update(
            MONITOR_SECRET_KEY=SECRET,
            DATABASE_URL=self.url,
            MONITOR_EVIDENCE_ROOT=str(self.evidence_root),
            MONITOR_EVIDENCE_KEY=base64.b64encode(TEST_EVIDENCE_KEY).decode(),
            MONITOR_DATA_DIR=str(self.evidence_root.parent / "restored-data"),
        )
        return env

    def restore(self, archive: Path, identity_file: Path, *extra: str):
        return subprocess.run(  # noqa: S603 — our own manage.py
            [sys.executable, "manage.py", "restore", str(archive), "--identity",
             str(identity_file), *extra],
            cwd=BASE_DIR, env=self.env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    def cursor(self):
        if self._wrapper is None:
            backend = type(connections["default"])
            self._wrapper = backend(self.params, alias="restored")
        return self._wrapper.cursor()

    def close(self):
        if self._wrapper is not None:
            self._wrapper.close()
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    fresh = FreshTarget(tmp_path)
    yield fresh
    fresh.close()


def all_rows(cursor, table: str) -> list[tuple]:
    cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — our own table names
    return sorted(cursor.fetchall(), key=repr)


def tables(cursor) -> list[str]:
    return sorted(connection.introspection.table_names(cursor))


def file_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def make_backup(tmp_path: Path, identity) -> Path:
    call_command(
        "backup",
        "--output-dir",
        str(tmp_path / "backups"),
        "--recipient",
        str(identity.to_public()),
    )
    (archive,) = (tmp_path / "backups").glob("monitor-*.tar.age")
    return archive


# -- the drill -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_drill_gives_back_every_row_and_every_file_identical(
    tmp_path, identity, identity_file, target, team, monitor_on_team, reviewer
):
    world = build_world(team=team, monitor=monitor_on_team, reviewer=reviewer)
    archive = make_backup(tmp_path, identity)

    result = target.restore(archive, identity_file)

    assert result.returncode == 0, result.stderr
    assert "the manifest matches" in result.stdout
    assert "1 intact" in result.stdout or "intact, 0 altered, 0 missing" in result.stdout
    custody_table = CustodyEvent._meta.db_table
    with connection.cursor() as source_cursor, target.cursor() as restored_cursor:
        source_tables = tables(source_cursor)
        assert source_tables == tables(restored_cursor)
        compared = 0
        for table in source_tables:
            expected, found = all_rows(source_cursor, table), all_rows(restored_cursor, table)
            if table == custody_table:
                # The restore ends with verify_evidence, which logs one check per file.
                new = [row for row in found if row not in expected]
                assert [row for row in found if row in expected] == expected
                assert len(new) == EvidenceFile._base_manager.count()
                continue
            assert found == expected, f"{table} differs after the restore"
            compared += bool(expected)
        restored_cursor.execute(
            f'SELECT action FROM "{custody_table}" WHERE evidence_id = %s ORDER BY at',  # noqa: S608
            [world["evidence"].pk.hex if target.vendor == "sqlite" else world["evidence"].pk],
        )
        actions = [row[0] for row in restored_cursor.fetchall()]
    assert compared > 40  # cases, history, review decisions, custody… not a handful of tables
    assert actions == [
        CustodyAction.UPLOAD,
        CustodyAction.VERIFY,
        CustodyAction.DOWNLOAD,
        CustodyAction.VERIFY,  # the restore's own check
    ]
    assert file_hashes(target.evidence_root) == file_hashes(Path(settings.EVIDENCE_ROOT))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_refuses_a_target_that_holds_data_and_changes_nothing(
    tmp_path, identity, identity_file, target, team, monitor_on_team, reviewer
):
    build_world(team=team, monitor=monitor_on_team, reviewer=reviewer)
    archive = make_backup(tmp_path, identity)
    assert target.restore(archive, identity_file).returncode == 0
    before = file_hashes(target.evidence_root)

    again = target.restore(archive, identity_file)

    assert again.returncode != 0
    assert "The target is not empty" in again.stderr
    assert file_hashes(target.evidence_root) == before
    assert not list(target.evidence_root.parent.glob("*.replaced-*"))


# -- an archive in the wrong hands, or damaged ----------------------------------------------


@pytest.fixture
def world_archive(tmp_path, identity, team, monitor_on_team):
    """A small world (one case, one evidence file): the damage tests need an archive, not
    the drill's whole world."""
    CaseFactory(team=team, title="Detention of a lawyer in Khorog")
    evidence_upload(
        source=SourceFactory(team=team),
        uploaded_file=SimpleUploadedFile("statement.txt", WITNESS_TEXT),
        actor=monitor_on_team,
    )
    return make_backup(tmp_path, identity)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_archive_cannot_be_read_without_the_private_key(world_archive, tmp_path):
    data = world_archive.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    for plaintext in (b"Detention of a lawyer", b"SQLite format 3", b"manifest.json", b"Khorog"):
        assert plaintext not in data
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(data, [pyrage.x25519.Identity.generate()])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_restore_with_the_wrong_key_says_so_and_leaves_the_target_untouched(
    world_archive, tmp_path, target
):
    stranger = tmp_path / "stranger-key.txt"
    stranger.write_text(f"{pyrage.x25519.Identity.generate()}\n", encoding="utf-8")

    result = target.restore(world_archive, stranger)

    assert result.returncode != 0
    assert "not encrypted to the private key given" in result.stderr
    assert_untouched(target)


def assert_untouched(target: FreshTarget) -> None:
    assert not target.evidence_root.exists()
    with target.cursor() as cursor:
        assert tables(cursor) == []
    leftovers = [p.name for p in target.evidence_root.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no staging folder left behind


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("where", ["header", "middle"])
def test_a_flipped_byte_anywhere_is_detected_and_nothing_is_restored(
    world_archive, identity_file, target, where
):
    data = bytearray(world_archive.read_bytes())
    position = {"header": 40, "middle": len(data) // 2}[where]
    data[position] ^= 0x01
    world_archive.write_bytes(bytes(data))

    result = target.restore(world_archive, identity_file)

    assert result.returncode != 0
    assert "nothing was restored" in result.stderr
    assert_untouched(target)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_truncated_archive_is_detected_and_nothing_is_restored(
    world_archive, identity_file, target
):
    data = world_archive.read_bytes()
    world_archive.write_bytes(data[: len(data) - 2000])

    result = target.restore(world_archive, identity_file)

    assert result.returncode != 0
    assert "damaged (truncated or altered)" in result.stderr
    assert_untouched(target)


# -- the manifest, and the scheduled backup --------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_manifest_lists_schema_row_counts_and_every_files_hash(world_archive, identity):
    import io
    import tarfile

    plain = pyrage.decrypt(world_archive.read_bytes(), [identity])
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
        manifest = backups.Manifest.from_json(tar.extractfile(backups.MANIFEST).read())
        contents = {name: tar.extractfile(name).read() for name in names if name != "manifest.json"}
    assert names[-1] == backups.MANIFEST
    assert manifest.vendor == connection.vendor
    latest = dict(MigrationLoader(connection).graph.leaf_nodes())
    assert set(manifest.schema) >= {"monitor", "sources", "people", "cases", "auth"}
    assert all(manifest.schema[app] == latest[app] for app in manifest.schema)
    assert manifest.row_counts[EvidenceFile._meta.db_table] == EvidenceFile._base_manager.count()
    assert manifest.row_counts[CustodyEvent._meta.db_table] == CustodyEvent.objects.count()
    assert manifest.files == {
        name: hashlib.sha256(data).hexdigest() for name, data in contents.items()
    }
    stored = {f"evidence/{name}" for name in file_hashes(Path(settings.EVIDENCE_ROOT))}
    assert stored and stored <= set(manifest.files)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_without_a_recipient_writes_nothing_and_says_why(tmp_path, settings):
    settings.BACKUP_RECIPIENTS = []
    with pytest.raises(CommandError, match="No backup recipient"):
        call_command("backup", "--output-dir", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_scheduled_backup_runs_on_the_task_worker_and_keeps_the_newest_n(
    tmp_path, settings, identity
):
    settings.BACKUP_DIR = tmp_path / "scheduled"
    settings.BACKUP_RECIPIENTS = [str(identity.to_public())]
    settings.BACKUP_KEEP = 2
    settings.BACKUP_DIR.mkdir()
    old = [settings.BACKUP_DIR / f"monitor-2020010{day}T000000000000Z.tar.age" for day in (1, 2)]
    for path in old:
        path.write_bytes(b"an older archive")

    call_command("backup", "--enqueue")
    assert not list(settings.BACKUP_DIR.glob("monitor-2026*"))  # queued, not run yet
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")

    kept = sorted(path.name for path in settings.BACKUP_DIR.glob("monitor-*.tar.age"))
    assert len(kept) == 2
    assert kept[0] == old[1].name  # the oldest went
    newest = settings.BACKUP_DIR / kept[1]
    assert pyrage.decrypt(newest.read_bytes(), [identity])  # a real archive, for this key


# -- flat memory -----------------------------------------------------------------------------

#: Bigger than a whole Django process, so a copy of it in memory could not go unnoticed.
BIG_FILE_BYTES = 160 * 1024 * 1024


def peak_rss_mib(code: str, env: dict[str, str]) -> float:
    """Run ``code`` in a fresh Python with Django set up; its peak resident memory in MiB."""
    # VmHWM, not getrusage: Linux carries the parent's peak over into a child's ru_maxrss.
    script = (
        "import django\n"
        "django.setup()\n"
        f"{code}\n"
        "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0]\n"
        "print(int(peak.split()[1]) / 1024)\n"
    )
    result = subprocess.run(  # noqa: S603 — our own code, fixed arguments
        [sys.executable, "-c", script],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip().splitlines()[-1])


def test_backup_and_restore_stream_a_large_evidence_store_in_flat_memory(tmp_path, identity):
    evidence_root = tmp_path / "evidence"
    big = evidence_root / "ab" / ("ab" + "0" * 30)
    big.parent.mkdir(parents=True)
    with big.open("wb") as out:
        for _ in range(BIG_FILE_BYTES // (1024 * 1024)):
            out.write(os.urandom(1024 * 1024))
    env = {key: value for key, value in os.environ.items() if not key.startswith("MONITOR_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MONITOR_SECRET_KEY=SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        MONITOR_EVIDENCE_ROOT=str(evidence_root),
        MONITOR_DATA_DIR=str(tmp_path / "data"),
    )

    backup_peak = peak_rss_mib(
        "from pathlib import Path\n"
        "from monitor.backups import create_backup\n"
        f"create_backup(destination=Path({str(tmp_path / 'out')!r}), "
        f"recipients=[{str(identity.to_public())!r}])",
        env,
    )
    (archive,) = (tmp_path / "out").glob("monitor-*.tar.age")
    assert archive.stat().st_size > BIG_FILE_BYTES
    staging = tmp_path / "staging"
    staging.mkdir()
    digest = hashlib.sha256()
    with big.open("rb") as stored:
        for chunk in iter(lambda: stored.read(1024 * 1024), b""):
            digest.update(chunk)
    expected_hash = digest.hexdigest()
    restore_peak = peak_rss_mib(
        "import pyrage\n"
        "from pathlib import Path\n"
        "from monitor.backups import _unpack\n"
        f"identity = pyrage.x25519.Identity.from_str({str(identity)!r})\n"
        f"hashes = _unpack(Path({str(archive)!r}), [identity], Path({str(staging)!r}))\n"
        f"assert hashes['evidence/ab/{big.name}'] == {expected_hash!r}",
        env,
    )

    limit = BIG_FILE_BYTES / (1024 * 1024) * 0.8
    assert backup_peak < limit, f"backup peaked at {backup_peak:.0f} MiB"
    assert restore_peak < limit, f"restore peaked at {restore_peak:.0f} MiB"
