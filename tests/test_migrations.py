"""The schema is built by one initial migration per app, plus the data migrations it needs."""

from django.contrib.auth.models import Group
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddConstraint, AddIndex

from monitor.choices import Role
from monitor.models import Term

PROJECT_APPS = ("monitor", "sources", "people", "cases")


def _migrations_of(app_label):
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {
        name: migration
        for (app, name), migration in loader.disk_migrations.items()
        if app == app_label
    }


def test_each_project_app_has_exactly_one_initial_migration():
    for app_label in PROJECT_APPS:
        initials = sorted(name for name, m in _migrations_of(app_label).items() if m.initial)
        assert initials == ["0001_initial"], f"{app_label}: {initials}"


def test_initial_migrations_declare_indexes_and_constraints_inside_create_model():
    # Each AddIndex / AddConstraint re-renders the model and every model related to it (all of
    # them, through the user): folded into CreateModel, `migrate` on a fresh clone is ~3x faster.
    # Regenerating an initial migration? Move each one into its model's CreateModel options.
    for app_label in PROJECT_APPS:
        migration = _migrations_of(app_label)["0001_initial"]
        separate = [
            op.describe() for op in migration.operations if isinstance(op, AddIndex | AddConstraint)
        ]
        assert separate == [], f"{app_label}: {separate}"


def test_a_fresh_database_has_the_role_groups_and_the_starter_vocabularies(db):
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(str(r) for r in Role)
    assert Group.objects.get(name=str(Role.VIEWER)).permissions.exists()
    assert Term.objects.exists()
