"""Two-factor sign-in (issue 8, point 1): a code from an authenticator app (TOTP, django-otp)
or a single-use recovery code, after the password.

* Who must: superusers, the roles in ``TWO_FACTOR_ROLES`` (reviewers and coordinators by
  default) and, with ``MONITOR_TWO_FACTOR_EVERYONE=1``, everyone (:func:`required_for`).
  Anyone who has enrolled is asked for a code too (:func:`needs_code`).
* A correct password alone signs nobody in who needs a code: the sign-in page keeps a
  *pending* sign-in in the session (who, through which backend, since when) and the session
  becomes authenticated only when the code is right
  (:mod:`monitor.security.twofactor_views`). Pages, the admin and the API never meet a
  half-signed-in user.
* A session that is signed in without a verified device although its user needs one (a
  session from before enrolment was required, a role given while signed in) is ended by
  :class:`TwoFactorMiddleware`: the user signs in again, with the code.
* The admin requires a verified device of everyone (:mod:`monitor.admin_site`); API tokens
  are issued only with a code (:mod:`monitor.api.views`).
* A code is accepted once: django-otp's TOTP device remembers the last time step used
  (``last_t``) and refuses it and every earlier one; a recovery code is deleted when used.
  Wrong codes are throttled per device (django-otp) and count as failed sign-ins for the
  lockout (django-axes), by username and address, like a wrong password.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import signals as auth_signals
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

#: How many recovery codes a user gets at a time.
RECOVERY_CODE_COUNT = 10
#: The session key of a sign-in whose password was right and whose code is still due.
PENDING = "monitor.2fa.pending"
#: A pending sign-in must be completed within this many seconds.
PENDING_SECONDS = 5 * 60
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"

_TOTP_CODE = re.compile(r"^\d{6}$")


# -- who must ---------------------------------------------------------------------------------


def required_for(user) -> bool:
    """Whether ``user`` must sign in with a second factor."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(settings, "REQUIRE_TWO_FACTOR", True):
        return False
    if user.is_superuser or getattr(settings, "TWO_FACTOR_EVERYONE", False):
        return True
    cached = getattr(user, "_monitor_2fa_required", None)
    if cached is None:
        roles = list(getattr(settings, "TWO_FACTOR_ROLES", ()))
        # The user's role groups, read once per request (``User.roles``) for every rule.
        cached = bool(roles) and bool(user.roles & {str(role) for role in roles})
        user._monitor_2fa_required = cached
    return cached


def authenticator(user) -> TOTPDevice | None:
    """The user's confirmed authenticator-app device, if they enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def is_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def needs_code(user) -> bool:
    """Whether signing in as ``user`` takes a code after the password."""
    return required_for(user) or is_enrolled(user)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# -- checking a code ----------------------------------------------------------------------------


def normalise(code: str | None) -> str:
    """A typed code without spaces or dashes, lower-case (recovery codes are base32)."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def check_code(user, code: str | None):
    """The device that accepts ``code`` for ``user`` (and spends it), or None.

    Six digits are an authenticator code; anything else is tried as a recovery code. Each
    device throttles its own failures and refuses a code it accepted before.
    """
    code = normalise(code)
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        if _TOTP_CODE.match(code):
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def is_recovery_device(device) -> bool:
    return isinstance(device, StaticDevice)


def record_code_failure(request, user) -> None:
    """A wrong code counts as a failed sign-in: logged, and towards the lockout."""
    auth_signals.user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), "second_factor": True},
        request=request,
    )


def is_locked_out(request, user) -> bool:
    """Whether the lockout refuses ``user`` from this request's address (django-axes)."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.update_request(request)
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


# -- enrolment ----------------------------------------------------------------------------------


def start_enrolment(user) -> TOTPDevice:
    """The unconfirmed authenticator device to show as a QR code (the same one until used)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def confirm_enrolment(device: TOTPDevice, code: str | None) -> bool:
    """Confirm ``device`` with a first code from the app; any older authenticator goes."""
    code = normalise(code)
    if not _TOTP_CODE.match(code):
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(code):
            return False
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones, returned once (as they'll type them)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def qr_svg(device: TOTPDevice):
    """The enrolment QR code as inline SVG markup (drawn here: no image service, no script)."""
    import segno
    from django.utils.safestring import mark_safe

    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, dark="#111", light="#fff", omitsize=True, title="Two-factor sign-in QR code"
    )
    # segno writes the markup itself (paths and an escaped title), with no user text in it:
    # the username is inside the encoded QR data only.
    return mark_safe(svg)  # noqa: S308


def secret_base32(device: TOTPDevice) -> str:
    """The device's key as the base32 text an authenticator app takes, in groups of four."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def reset(user) -> int:
    """Remove the user's devices (a lost phone): they enrol again at their next sign-in."""
    count, _ = TOTPDevice.objects.filter(user=user).delete()
    static, _ = StaticDevice.objects.filter(user=user).delete()
    return count + static


# -- the session ----------------------------------------------------------------------------------


def begin_pending(request, user, redirect_to: str) -> None:
    """Remember a sign-in whose password was right until its code comes."""
    request.session.cycle_key()  # nothing learnt before the password survives it
    request.session[PENDING] = {
        "user": str(user.pk),
        "backend": user.backend,
        "at": int(time.time()),
        "next": redirect_to,
    }


def pending_user(request):
    """The user of an unexpired pending sign-in, or None."""
    from django.contrib.auth import get_user_model

    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model()._default_manager.filter(pk=pending.get("user"), is_active=True)
    user = user.first()
    if user is not None:
        user.backend = pending.get("backend")
    return user


def pending_next(request) -> str:
    pending = request.session.get(PENDING) or {}
    return pending.get("next") or ""


def finish_sign_in(request, user, device) -> None:
    """Sign ``user`` in (a new session key) with ``device`` verified."""
    import django_otp
    from django.contrib.auth import login

    request.session.pop(PENDING, None)
    login(request, user, backend=user.backend)
    django_otp.login(request, device)


class TwoFactorMiddleware:
    """Ends a signed-in session that lacks the second factor its user needs.

    After django-otp's ``OTPMiddleware`` (which tells whether the session's device is
    verified) and before anything that serves the user: the request goes on anonymous, so
    the pages send it to the sign-in page and the API answers 401.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and required_for(user)
            and not user.is_verified()
        ):
            request.monitor_two_factor_missing = True
            logout(request)
        return self.get_response(request)


# -- demo mode ---------------------------------------------------------------------------------


def demo_secret(value: str | None) -> tuple[str, bool]:
    """The demo accounts' base32 TOTP secret and whether it was generated now.

    Raises:
        ValueError: ``value`` is not base32 or is shorter than 80 bits.
    """
    if not value:
        return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("="), True
    text = re.sub(r"\s+", "", value).upper()
    try:
        key = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error as exc:
        raise ValueError("MONITOR_DEMO_TOTP_SECRET is not base32 (A–Z, 2–7).") from exc
    if len(key) < 10:
        raise ValueError("MONITOR_DEMO_TOTP_SECRET is too short: at least 16 base32 characters.")
    return text.rstrip("="), False


def enrol_with_secret(user, secret_b32: str) -> bool:
    """Give ``user`` a confirmed authenticator device with this base32 secret.

    Returns whether anything changed (a device created or its key replaced)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8)).hex()
    device = authenticator(user)
    if device is not None and device.key == key:
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=key, confirmed=True)
    return True


def current_code(secret_b32: str, at: float | None = None) -> str:
    """The code an authenticator app shows for this secret now (for the demo's helpers)."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    totp = TOTP(key)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def enrol_demo_accounts(users, configured: str | None) -> list[str]:
    """Enrol the demo accounts with one authenticator key: ``MONITOR_DEMO_TOTP_SECRET``, or
    one generated now for the accounts that have none (an existing device keeps its key).

    Returns the lines to print: the generated key is shown this once, like the password.
    """
    secret, generated = demo_secret(configured)
    changed = []
    for user in users:
        if generated and is_enrolled(user):
            continue
        if enrol_with_secret(user, secret):
            changed.append(user.get_username())
    if not changed:
        return []
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    if generated:
        return [
            f"Two-factor sign-in for {', '.join(changed)}: add this key to an authenticator "
            f"app (shown only now): {spaced}  (set MONITOR_DEMO_TOTP_SECRET to choose it; "
            "`python manage.py demo_code` prints the current code)"
        ]
    return [f"Two-factor key set from MONITOR_DEMO_TOTP_SECRET for: {', '.join(changed)}."]
