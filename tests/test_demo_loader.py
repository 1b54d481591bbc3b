"""``manage.py load_demo``: every fact of the seed article, cited, loaded once, by an actor."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command

from cases.models import Case
from sources.models import Citation

pytestmark = pytest.mark.django_db

PASSWORD = "demo-passphrase-for-tests-7319"
FIVE = (
    "Tolib Ayombekov",
    "Nazhmiddin Sherchonov",
    "Imumnazar Shoishirinov",
    "Munavvar Shanbiev",
    "Niyozsho Gulobov",
)


@pytest.fixture
def demo_settings(settings):
    settings.DEMO = True
    settings.DEMO_PASSWORD = PASSWORD
    # The demo accounts' hashing is not under test; keep each run fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **options)
    return out.getvalue()


def assert_cited(record, article, *, containing: str, field_name: str | None = None):
    citations = Citation.objects.filter(
        source=article,
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        quote__contains=containing,
    )
    if field_name is not None:
        citations = citations.filter(field_name=field_name)
    assert citations.exists(), f"{record!r} has no citation quoting “{containing}”"


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def test_second_run_creates_no_row_in_any_table(demo_settings):
    first = load()
    counts = row_counts()

    second = load()

    assert "created" in first and "Case" not in second
    assert "nothing created" in second
    assert row_counts() == counts


def test_second_run_keeps_the_accounts_password_when_none_is_configured(demo_settings):
    demo_settings.DEMO_PASSWORD = None
    first = load()
    generated = first.split("shown only now): ")[1].split()[0]
    coordinator = get_user_model().objects.get(username="coordinator")
    assert coordinator.check_password(generated)

    second = load()

    coordinator.refresh_from_db()
    assert coordinator.check_password(generated)
    assert generated not in second


def test_demo_password_from_the_environment_replaces_an_existing_one(demo_settings):
    load()
    demo_settings.DEMO_PASSWORD = "another-demo-passphrase-4242"

    output = load()

    assert (
        get_user_model()
        .objects.get(username="viewer")
        .check_password("another-demo-passphrase-4242")
    )
    assert "Password set from MONITOR_DEMO_PASSWORD" in output


def test_refused_outside_demo_mode_and_nothing_written(settings):
    settings.DEMO = False

    with pytest.raises(CommandError, match="only created in demo mode"):
        load()

    assert not get_user_model().objects.exists()
    assert not Case.objects.exists()


def test_outside_demo_mode_data_only_with_an_explicit_actor(settings, coordinator):
    settings.DEMO = False
    with pytest.raises(CommandError, match="--actor"):
        load(no_accounts=True)

    load(no_accounts=True, actor=coordinator.username)

    assert not get_user_model().objects.filter(username__in=["monitor", "viewer"]).exists()
    case = Case.objects.get(reference="TJK-2023-0002")
    assert {row.history_user for row in case.history.all()} == {coordinator}


def _stored_files(root) -> set:
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def test_the_demo_evidence_file_is_stored_under_the_data_dir_and_intact(
    demo_settings, django_capture_on_commit_callbacks
):
    from PIL import Image

    from sources.evidence import PNG, sniff
    from sources.models import EvidenceFile
    from sources.services import DecryptingReader

    with django_capture_on_commit_callbacks(execute=True):  # the load commits
        load()
    root = demo_settings.EVIDENCE_ROOT
    original = EvidenceFile.objects.get(derived_from__isnull=True)
    copy = EvidenceFile.objects.get(derived_from=original)

    stored = _stored_files(root)
    assert stored == {root / original.file.name, root / copy.file.name}
    assert original.is_encrypted and copy.is_encrypted
    with DecryptingReader(original) as reader:
        data = io.BytesIO(reader.read())
    assert sniff(data) is PNG  # what the upload's allow-list saw
    with Image.open(data) as image:
        assert image.getexif()  # the original keeps its metadata
    with DecryptingReader(copy) as reader, Image.open(io.BytesIO(reader.read())) as image:
        assert not image.getexif()  # the shared copy does not
    out = StringIO()
    call_command("verify_evidence", stdout=out)
    assert "2 intact, 0 altered, 0 missing" in out.getvalue()


def test_second_run_writes_no_file(demo_settings):
    load()
    stored = _stored_files(demo_settings.EVIDENCE_ROOT)

    load()

    assert _stored_files(demo_settings.EVIDENCE_ROOT) == stored
