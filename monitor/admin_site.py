"""The admin site: Monitor's sign-in and a verified second factor, for everyone.

The admin has no sign-in page of its own: ``/admin/login/`` sends to the one sign-in page
(``/accounts/login/``), so the password, the lockout and the second factor are one path.
Even an account that may sign in with a password alone (a monitor who has not enrolled)
opens the admin only with a verified second factor: it is sent to enrol, or to type a code.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class MonitorAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        user = request.user
        return super().has_permission(request) and user.is_verified()

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or request.POST.get("next") or reverse("admin:index")
        query = urlencode({"next": next_url})
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('login')}?{query}")
        if not (user.is_active and user.is_staff):
            messages.error(request, _("Your account has no access to the admin."))
            return redirect("dashboard")
        # Signed in with a password only: the second factor, then back here.
        from monitor.security import twofactor

        target = "two-factor-verify" if twofactor.is_enrolled(user) else "two-factor-setup"
        return redirect(f"{reverse(target)}?{query}")


class MonitorAdminConfig(AdminConfig):
    default_site = "monitor.admin_site.MonitorAdminSite"
