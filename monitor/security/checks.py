"""Monitor's own system checks (``manage.py check``; the ``deploy`` ones with ``--deploy``).

Django's deployment checks cover its settings; these cover Monitor's: session lifetimes,
two-factor enforcement, debug and demo modes, and the pieces the account security relies
on (the lockout backend first, sessions that can be listed, a strict content policy), the
evidence encryption key and the backups' recipients.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

#: Beyond these, a stolen or forgotten session stays usable for too long.
MAX_SAFE_IDLE_MINUTES = 120
MAX_SAFE_SESSION_HOURS = 24
#: Roles that must sign in with a second factor (issue 8); superusers always must.
TWO_FACTOR_REQUIRED_ROLES = ("Reviewer", "Coordinator")
#: Session engines whose sessions can be listed, so "sign out everywhere" finds them all.
LISTABLE_SESSION_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)
LOCKOUT_BACKEND = "monitor.security.lockout.LockoutBackend"
OTP_MIDDLEWARE = "django_otp.middleware.OTPMiddleware"
TWO_FACTOR_MIDDLEWARE = "monitor.security.twofactor.TwoFactorMiddleware"


@register("monitor", deploy=True)
def check_session_lifetimes(app_configs=None, **kwargs):
    problems = []
    idle = settings.SESSION_IDLE_MINUTES
    hours = settings.SESSION_MAX_HOURS
    if idle > MAX_SAFE_IDLE_MINUTES:
        problems.append(
            Warning(
                f"Sessions end after {idle} minutes without activity.",
                hint=f"Set MONITOR_SESSION_IDLE_MINUTES to {MAX_SAFE_IDLE_MINUTES} or less "
                "(default 30).",
                id="monitor.W001",
            )
        )
    if hours > MAX_SAFE_SESSION_HOURS:
        problems.append(
            Warning(
                f"A session lasts up to {hours} hours after signing in.",
                hint=f"Set MONITOR_SESSION_MAX_HOURS to {MAX_SAFE_SESSION_HOURS} or less "
                "(default 12).",
                id="monitor.W002",
            )
        )
    return problems


@register("monitor", deploy=True)
def check_two_factor(app_configs=None, **kwargs):
    if not getattr(settings, "REQUIRE_TWO_FACTOR", False):
        return [
            Warning(
                "Two-factor sign-in is not enforced.",
                hint="Set MONITOR_REQUIRE_2FA=1 (the default outside demo and debug).",
                id="monitor.W003",
            )
        ]
    problems = []
    roles = set(getattr(settings, "TWO_FACTOR_ROLES", ()))
    missing = [role for role in TWO_FACTOR_REQUIRED_ROLES if role not in roles]
    if missing:
        problems.append(
            Warning(
                f"Two-factor sign-in is not required of: {', '.join(missing)}.",
                hint="MONITOR_TWO_FACTOR_ROLES must include Reviewer and Coordinator.",
                id="monitor.W004",
            )
        )
    middleware = list(settings.MIDDLEWARE)
    enforced_by = [OTP_MIDDLEWARE, TWO_FACTOR_MIDDLEWARE]
    if not all(name in middleware for name in enforced_by) or middleware.index(
        OTP_MIDDLEWARE
    ) > middleware.index(TWO_FACTOR_MIDDLEWARE):
        problems.append(
            Error(
                "Two-factor sign-in is not enforced on every request.",
                hint=f"MIDDLEWARE must hold {OTP_MIDDLEWARE!r} and then "
                f"{TWO_FACTOR_MIDDLEWARE!r}, after the authentication middleware.",
                id="monitor.E004",
            )
        )
    return problems


@register("monitor", deploy=True)
def check_debug_and_demo(app_configs=None, **kwargs):
    problems = []
    if settings.DEBUG:
        problems.append(
            Error(
                "DEBUG is on: error pages would show code and settings.",
                hint="Unset MONITOR_DEBUG in production.",
                id="monitor.E001",
            )
        )
    if getattr(settings, "DEMO", False):
        problems.append(
            Error(
                "Demo mode is on: a secret kept on disk, demo accounts, relaxed transport "
                "security.",
                hint="Unset MONITOR_DEMO in production.",
                id="monitor.E002",
            )
        )
    return problems


@register("monitor")
def check_account_security(app_configs=None, **kwargs):
    problems = []
    backends = list(settings.AUTHENTICATION_BACKENDS)
    if not backends or backends[0] != LOCKOUT_BACKEND:
        problems.append(
            Error(
                "The lockout backend is not the first authentication backend.",
                hint=f"AUTHENTICATION_BACKENDS must start with {LOCKOUT_BACKEND!r}.",
                id="monitor.E003",
            )
        )
    if settings.SESSION_ENGINE not in LISTABLE_SESSION_ENGINES:
        problems.append(
            Warning(
                f"Sessions in {settings.SESSION_ENGINE} cannot be listed: signing out "
                "everywhere and deactivating an account would leave sessions open.",
                hint="Use the db or cached_db session engine.",
                id="monitor.W005",
            )
        )
    return problems


@register("monitor")
def check_content_security_policy(app_configs=None, **kwargs):
    policy = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES", {})
    problems = []
    for directive in ("default-src", "script-src", "style-src", "object-src", "base-uri"):
        if directive not in policy:
            problems.append(
                Warning(
                    f"The content security policy has no {directive}.",
                    id="monitor.W006",
                )
            )
    for directive, sources in policy.items():
        loose = [
            source
            for source in sources
            if source in ("'unsafe-inline'", "'unsafe-eval'", "*")
            or source.startswith(("http:", "https:"))
        ]
        if loose:
            problems.append(
                Warning(
                    f"The content security policy allows {', '.join(loose)} in {directive}.",
                    hint="Pages load only what the app serves itself, with no inline code.",
                    id="monitor.W007",
                )
            )
    return problems


@register("monitor", deploy=True)
def check_evidence_and_backups(app_configs=None, **kwargs):
    problems = []
    if not getattr(settings, "EVIDENCE_KEY", None):
        problems.append(
            Error(
                "No evidence encryption key: evidence files cannot be uploaded (they are never "
                "stored unencrypted).",
                hint="Set MONITOR_EVIDENCE_KEY_FILE (or MONITOR_EVIDENCE_KEY) to 32 random bytes "
                "in base64, kept outside the database and outside backups.",
                id="monitor.E005",
            )
        )
    if not getattr(settings, "BACKUP_RECIPIENTS", None):
        problems.append(
            Warning(
                "No backup recipient: `manage.py backup` and the scheduled backup cannot run.",
                hint="Set MONITOR_BACKUP_RECIPIENTS to the age public key(s) (age1…) of whoever "
                "holds the backups' private key off-site.",
                id="monitor.W008",
            )
        )
    return problems
