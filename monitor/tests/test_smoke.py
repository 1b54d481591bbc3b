import pytest
from django.contrib.auth.models import Group

from monitor.choices import Role


@pytest.mark.django_db
def test_role_groups_exist_without_delete_permissions():
    for role in Role:
        group = Group.objects.get(name=role.value)
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert codenames
        assert not any(code.startswith("delete_") for code in codenames)
