"""The role groups and the model permissions each one holds.

Each app of the project declares what the roles may do with each of its models, in its
``AppConfig`` (``model_roles``: model name → one of the kinds below): a new model without a
declaration fails ``tests/test_layering.py``, so it never silently gets no permissions.
Groups are created and kept in step by data migrations calling :func:`sync_role_groups`
(``cases/migrations``, the last app, so every model's permissions exist by then; a migration
adding a model calls it again — ``tests/test_layering.py`` fails until one does). Nobody gets
a delete permission: records are archived, never deleted.
"""

from __future__ import annotations

from django.apps import apps as installed_apps

from monitor.choices import Role

#: Records monitors write: every role views them; monitors, reviewers and coordinators add
#: and change them.
DOMAIN = "domain"
#: Reference data (vocabularies, places): every role views it, coordinators add and change it.
REFERENCE = "reference"
#: A log written only by the app (the chain of custody): every role views it.
READ_ONLY = "read-only"
#: No role gets a model permission from its declaration (accounts, tokens, the access log,
#: reminders): any grant is written out in ``ROLE_EXTRA_PERMISSIONS`` below.
SYSTEM = "system"
KINDS = (DOMAIN, REFERENCE, READ_ONLY, SYSTEM)

#: Permissions beyond the declarations: actions, and the accounts coordinators manage.
ROLE_EXTRA_PERMISSIONS: dict[str, set[str]] = {
    Role.VIEWER: set(),
    Role.MONITOR: set(),
    Role.REVIEWER: {"monitor.verify_record"},
    Role.COORDINATOR: {
        "monitor.archive_record",
        "monitor.view_user",
        "monitor.add_user",
        "monitor.change_user",
        "monitor.view_team",
        "monitor.add_team",
        "monitor.change_team",
        "auth.view_group",
    },
}
_ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    DOMAIN: {
        Role.VIEWER: ("view",),
        Role.MONITOR: ("view", "add", "change"),
        Role.REVIEWER: ("view", "add", "change"),
        Role.COORDINATOR: ("view", "add", "change"),
    },
    REFERENCE: {
        Role.VIEWER: ("view",),
        Role.MONITOR: ("view",),
        Role.REVIEWER: ("view",),
        Role.COORDINATOR: ("view", "add", "change"),
    },
    READ_ONLY: dict.fromkeys(Role, ("view",)),
    SYSTEM: {},
}


def is_project_app(app_config) -> bool:
    """An app of the project (the core and the apps built on it): it declares its models."""
    return getattr(app_config, "model_roles", None) is not None


def declared_models(kind: str | None = None) -> dict[str, dict[str, str]]:
    """``{app_label: {model_name: kind}}`` as each app declares it (``model_roles``)."""
    return {
        config.label: {
            name: declared
            for name, declared in config.model_roles.items()
            if kind in (None, declared)
        }
        for config in installed_apps.get_app_configs()
        if is_project_app(config)
    }


def domain_models() -> list[type]:
    """Every model monitors write, as the apps declare them."""
    return [
        installed_apps.get_model(app_label, name)
        for app_label, names in declared_models(DOMAIN).items()
        for name in names
    ]


def role_permissions() -> dict[str, set[str]]:
    """Each role's permissions (``app_label.codename``), from the apps' declarations."""
    permissions = {role: set(extra) for role, extra in ROLE_EXTRA_PERMISSIONS.items()}
    for app_label, models in declared_models().items():
        for name, kind in models.items():
            for role, actions in _ACTIONS[kind].items():
                permissions[role] |= {f"{app_label}.{action}_{name}" for action in actions}
    return permissions


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create the role groups and set exactly their permissions (usable in migrations).

    The permissions are the current code's declarations; a model not yet in the migrated
    state is left for the migration that adds it (which calls this again).
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    declared = declared_models()
    for role, codes in role_permissions().items():
        group, _ = group_model.objects.get_or_create(name=str(role))
        wanted = []
        for code in sorted(codes):
            app_label, codename = code.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                model_name = codename.split("_", 1)[1]
                if model_name in declared.get(app_label, {}) and not _migrated(
                    apps, app_label, model_name
                ):
                    continue  # its own migration syncs the groups again
                raise LookupError(f"Permission {code} does not exist; is the model migrated?")
            wanted.append(permission)
        group.permissions.set(wanted)


def _migrated(apps, app_label: str, model_name: str) -> bool:
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return False
    return True
