"""The role groups and the model permissions each one holds.

Groups are created and kept in step by data migrations (``cases/migrations``, the last app,
so every model's permissions exist by then) calling :func:`sync_role_groups`. Nobody gets a
delete permission: records are archived, never deleted.
"""

from __future__ import annotations

from monitor.choices import Role

#: Records monitors write: each app label with its model names.
DOMAIN_MODELS = {
    "cases": [
        "case", "caseperson", "allegation", "allegationperpetrator", "detention",
        "detentionstep", "event", "eventfigure", "followup", "followupresponse",
    ],
    "people": ["person", "personname", "organization", "affiliation"],
    "sources": ["source", "evidencefile", "citation"],
}  # fmt: skip
#: Reference data coordinators maintain.
REFERENCE_MODELS = {"monitor": ["term", "place"]}


def _perms(models: dict[str, list[str]], actions: tuple[str, ...]) -> set[str]:
    return {
        f"{app}.{action}_{model}"
        for app, names in models.items()
        for model in names
        for action in actions
    }


_READ = (
    _perms(DOMAIN_MODELS, ("view",))
    | _perms(REFERENCE_MODELS, ("view",))
    | {"sources.view_custodyevent"}
)
_WRITE = _perms(DOMAIN_MODELS, ("add", "change"))

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.VIEWER: _READ,
    Role.MONITOR: _READ | _WRITE,
    Role.REVIEWER: _READ | _WRITE | {"monitor.verify_record"},
    Role.COORDINATOR: _READ
    | _WRITE
    | _perms(REFERENCE_MODELS, ("add", "change"))
    | {
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


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create the role groups and set exactly their permissions (usable in migrations)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=str(role))
        wanted = []
        for code in sorted(codes):
            app_label, codename = code.split(".")
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                raise LookupError(f"Permission {code} does not exist; is the model migrated?")
            wanted.append(permission)
        group.permissions.set(wanted)
