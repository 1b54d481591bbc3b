"""The sign-in pages with the second factor (:mod:`monitor.security.twofactor` has the rules).

* ``/accounts/login/`` — the password. Who needs no code is signed in; who does goes on,
  still signed out, to
* ``/accounts/two-factor/verify/`` — a code from the authenticator app or a recovery code;
* ``/accounts/two-factor/setup/`` — enrolment: a QR code drawn by the app, the secret as
  text, and a first code to confirm it; then the recovery codes, shown once;
* ``/accounts/two-factor/`` — for a signed-in user: their second factor, how many recovery
  codes are left, new recovery codes.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from monitor.models.accesslog import AccessAction
from monitor.security import twofactor
from monitor.security.accesslog import record_access
from monitor.security.lockout import lockout_response


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autofocus": True,
                "size": 12,
                "spellcheck": "false",
            }
        ),
        help_text=gettext_lazy(
            "The six digits your authenticator app shows, or one of your recovery codes."
        ),
    )


class SignInView(auth_views.LoginView):
    """The password step; a correct password for an account that needs a code signs in
    nobody yet."""

    redirect_authenticated_user = True
    template_name = "registration/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.needs_code(user):
            return super().form_valid(form)
        twofactor.begin_pending(self.request, user, self.get_success_url())
        if twofactor.is_enrolled(user):
            return HttpResponseRedirect(reverse("two-factor-verify"))
        return HttpResponseRedirect(reverse("two-factor-setup"))


def _safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _who(request):
    """(user, pending): the pending sign-in's user, or the signed-in user, or (None, False)."""
    if request.user.is_authenticated:
        return request.user, False
    user = twofactor.pending_user(request)
    return user, user is not None


def _refuse_locked(request, user):
    request.session.pop(twofactor.PENDING, None)
    return lockout_response(request)


@login_not_required
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code step of signing in (or of opening the admin in a session without one)."""
    user, pending = _who(request)
    if user is None:
        messages.info(request, _("Sign in first: your sign-in took too long or had not begun."))
        return redirect("login")
    if not twofactor.is_enrolled(user):
        return redirect("two-factor-setup")
    if not pending and request.user.is_verified():
        return redirect(_safe_next(request, request.GET.get("next", "")))
    next_url = twofactor.pending_next(request) if pending else request.GET.get("next", "")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if twofactor.is_locked_out(request, user):
            return _refuse_locked(request, user)
        if form.is_valid():
            device = twofactor.check_code(user, form.cleaned_data["code"])
            if device is not None:
                if pending:
                    twofactor.finish_sign_in(request, user, device)
                else:
                    request.session.cycle_key()
                    django_otp.login(request, device)
                if twofactor.is_recovery_device(device):
                    left = twofactor.recovery_codes_left(user)
                    record_access(AccessAction.RECOVERY_CODE_USED, request=request, user=user)
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code; %(left)d left. Each works "
                            "once: make new ones on your two-factor page if you run low."
                        )
                        % {"left": left},
                    )
                return redirect(_safe_next(request, next_url))
            twofactor.record_code_failure(request, user)
            if getattr(request, "axes_locked_out", False):
                return _refuse_locked(request, user)
            form.add_error(
                "code",
                _(
                    "That code is not right, or it was used already. Wait for the next code "
                    "in your app and try again, or use a recovery code."
                ),
            )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "pending": pending},
        status=400 if form.errors else 200,
    )


@login_not_required
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrolment: scan the QR code (or type the secret), then confirm with a first code."""
    user, pending = _who(request)
    if user is None:
        messages.info(request, _("Sign in first: your sign-in took too long or had not begun."))
        return redirect("login")
    if twofactor.is_enrolled(user):
        if pending:
            return redirect("two-factor-verify")
        if not request.user.is_verified():
            # Replacing an authenticator takes the current one (or a recovery code) first.
            return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.path})}")
    if request.method == "POST" and twofactor.is_locked_out(request, user):
        return _refuse_locked(request, user)
    device = twofactor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = _("The six digits your authenticator app shows now.")
    if request.method == "POST" and form.is_valid():
        if twofactor.confirm_enrolment(device, form.cleaned_data["code"]):
            next_url = twofactor.pending_next(request) if pending else request.GET.get("next", "")
            if pending:
                twofactor.finish_sign_in(request, user, device)
            else:
                request.session.cycle_key()
                django_otp.login(request, device)
            codes = twofactor.new_recovery_codes(user)
            record_access(AccessAction.TWO_FACTOR_ENROLLED, request=request, user=user)
            return render(
                request,
                "registration/two_factor_recovery_codes.html",
                {"codes": codes, "next": _safe_next(request, next_url), "first_time": True},
            )
        twofactor.record_code_failure(request, user)
        if getattr(request, "axes_locked_out", False):
            return _refuse_locked(request, user)
        form.add_error(
            "code",
            _(
                "That code does not match. Check that the app's clock is right and type the "
                "code it shows now."
            ),
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "pending": pending,
            "required": twofactor.required_for(user),
            "qr_svg": twofactor.qr_svg(device),
            "secret": twofactor.secret_base32(device),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def overview(request):
    """The signed-in user's second factor, and new recovery codes."""
    user = request.user
    enrolled = twofactor.is_enrolled(user)
    if request.method == "POST":
        if not (enrolled and user.is_verified()):
            messages.error(
                request,
                _("Sign in with your second factor before making new recovery codes."),
            )
            return redirect(f"{reverse('two-factor-verify')}?{urlencode({'next': request.path})}")
        codes = twofactor.new_recovery_codes(user)
        record_access(AccessAction.RECOVERY_CODES_ISSUED, request=request, user=user)
        return render(
            request,
            "registration/two_factor_recovery_codes.html",
            {"codes": codes, "next": reverse("two-factor"), "first_time": False},
        )
    return render(
        request,
        "registration/two_factor.html",
        {
            "enrolled": enrolled,
            "verified": user.is_verified(),
            "required": twofactor.required_for(user),
            "codes_left": twofactor.recovery_codes_left(user) if enrolled else 0,
        },
    )
