"""Create the role groups (Monitor, Reviewer, Coordinator, Viewer) with their permissions.

It lives in ``cases``, the last app, so that every model's permissions exist when it runs.
A later migration that adds models calls ``sync_role_groups`` again.
"""

from django.db import migrations

from monitor.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("monitor", "0001_initial"),
        ("sources", "0001_initial"),
        ("people", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
