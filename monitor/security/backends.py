"""Where Monitor's permissions come from: Django's ``ModelBackend``, one query per user."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class PermissionBackend(ModelBackend):
    """Django's ``ModelBackend`` (passwords, ``with_perm``, everything), except that a user's
    permissions — their own and their role groups' — are read in one query, not two.

    Every page, the admin and ``/api/v1/me/`` ask ``has_perm``; the answer is Django's: an
    inactive or anonymous user has none, a superuser has every permission that exists.
    """

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.all()
            else:
                rows = Permission.objects.filter(user=user_obj).order_by()
                rows = rows.union(Permission.objects.filter(group__user=user_obj).order_by())
            names = ("content_type__app_label", "codename")
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in rows.values_list(*names).order_by()
            }
        return user_obj._perm_cache
