"""Monitor's one settings file.

Every value comes from a ``MONITOR_*`` environment variable (or ``DATABASE_URL``) through the
typed helpers in :mod:`monitor.env`. The defaults are the production ones: DEBUG off, no
secret key, no allowed host. ``MONITOR_DEMO=1`` (what ``make run`` sets) relaxes them
explicitly for a demo on this machine: a secret kept in ``var/``, localhost allowed, demo data.
"""

from __future__ import annotations

import base64
import datetime
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from monitor.env import (
    env_bool,
    env_database_url,
    env_int,
    env_key,
    env_keys,
    env_list,
    env_str,
    parse_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEMO = env_bool("MONITOR_DEMO", False)
DEBUG = env_bool("MONITOR_DEBUG", False)
DATA_DIR = Path(env_str("MONITOR_DATA_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")


def _demo_secret_key() -> str:
    """A secret kept beside the demo database, so demo sessions survive a restart."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = env_str("MONITOR_SECRET_KEY") or ""
if not SECRET_KEY:
    if DEMO:
        SECRET_KEY = _demo_secret_key()
    else:
        raise ImproperlyConfigured(
            "MONITOR_SECRET_KEY is not set. Set it (or MONITOR_SECRET_KEY_FILE) to a long random "
            "string, or set MONITOR_DEMO=1 for a local demo."
        )
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("MONITOR_SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("MONITOR_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEMO else [])
CSRF_TRUSTED_ORIGINS = env_list("MONITOR_CSRF_TRUSTED_ORIGINS", [])

# The demo accounts' password; generated and printed by ``load_demo`` when unset.
DEMO_PASSWORD = env_str("MONITOR_DEMO_PASSWORD")

INSTALLED_APPS = [
    # The admin, on Monitor's site: its one sign-in page and a verified second factor.
    "monitor.admin_site.MonitorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the docs page's Swagger UI files, served by the app
    "simple_history",
    "axes",  # lockout after repeated failed sign-ins (monitor.security.lockout)
    "csp",  # Content-Security-Policy header
    # Two-factor sign-in (monitor.security.twofactor): authenticator apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",  # the database task queue (monitor.tasks), run by `manage.py db_worker`
    "monitor",
    "sources",
    "people",
    "cases",
    "imports",  # spreadsheets brought in (issue 21): the top app, above cases
]

MIDDLEWARE = [
    # Outermost: no cyclic garbage collection while an answer is made (monitor/collector.py).
    "monitor.collector.CollectorPauseMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise: every answer a view makes is no-store; static files keep their cache.
    "monitor.security.NoStoreMiddleware",
    # Under /api/: a body over the size limit is a 413, and any error made outside a view
    # (URL resolution, a middleware, an uncaught exception) answers in the API's error shape.
    "monitor.api.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: the language cookie, else the browser's Accept-Language;
    # monitor.i18n.UserLanguageMiddleware then applies a signed-in user's saved choice.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified()
    "monitor.i18n.UserLanguageMiddleware",  # the language saved in the user's profile
    # A signed-in session without the second factor its user needs is signed out.
    "monitor.security.twofactor.TwoFactorMiddleware",
    "monitor.security.accesslog.AccessLogMiddleware",  # 403s and reads of confidential records
    # Every page needs a signed-in user; views that authenticate otherwise are marked
    # (django.contrib.auth.decorators.login_not_required, monitor.urls).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "monitor.access.ViewerMiddleware",  # str() of protected records follows request.user
    # A protected person's name in free text is withheld from who may not identify them.
    "monitor.redaction.FreeTextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits; before any view (LoginRequiredMiddleware's included).
    "monitor.security.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out sign-in into the lockout answer
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "monitor.i18n.language_context",
            ],
        },
    },
]

# SQLite by default (zero set-up); PostgreSQL when DATABASE_URL is set.
DATABASES = {
    "default": env_database_url()
    or {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "monitor.sqlite3",
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
    }
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Seconds a worker keeps its connection between requests (0: one per request). Each
    # gunicorn worker holds one: size workers × servers below PostgreSQL's max_connections
    # (README, "Production: workers and connections").
    DATABASES["default"]["CONN_MAX_AGE"] = env_int(
        "MONITOR_DB_CONN_MAX_AGE", 60, minimum=0, maximum=3600
    )
    # Parameters sent apart from the statement (psycopg's server-side binding), not quoted
    # into its text by psycopg in Python: that quoting was about a fifth of an import's time
    # on PostgreSQL (3,000-row bench, runs taken in turn: off 60.1 / 56.5 rows/s, on 74.4 /
    # 66.3). Statements are still not prepared
    # (Django's default), so a pooler in transaction mode works as before.
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env_bool(
        "MONITOR_DB_SERVER_SIDE_BINDING", True
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "monitor.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# The lockout check first: a locked-out username and address get no password check at all.
AUTHENTICATION_BACKENDS = [
    "monitor.security.lockout.LockoutBackend",
    # Django's ModelBackend, reading a user's permissions in one query.
    "monitor.security.backends.PermissionBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The interface languages (issue 16). Tajik is written in Cyrillic; Django ships Russian and
# Tajik catalogs of its own (the admin), ours (locale/) come on top.
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("tg", "Тоҷикӣ"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates: 2023-05-12 in English, 12.05.2023 in Russian and Tajik (config/formats/).
FORMAT_MODULE_PATH = ["config.formats"]
LANGUAGE_COOKIE_NAME = "monitor_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("MONITOR_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "monitor" / "static"]
# The demo serves static files straight from the apps, so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or DEMO
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Evidence files live outside any URL-served folder; they are only read by permission-checked
# views. There is deliberately no MEDIA_URL.
EVIDENCE_ROOT = Path(env_str("MONITOR_EVIDENCE_ROOT", str(DATA_DIR / "evidence")) or "")
EVIDENCE_MAX_BYTES = env_int("MONITOR_EVIDENCE_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
# Imports (issue 21): the largest spreadsheet taken, and the most rows in one file.
IMPORT_MAX_BYTES = env_int("MONITOR_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
IMPORT_MAX_ROWS = env_int("MONITOR_IMPORT_MAX_ROWS", 100_000, minimum=1)
#: An import's batch of more drafts than this is sent to review in the background (chunked);
#: of more waiting records, verified or returned as a whole in the background.
IMPORT_SUBMIT_BACKGROUND_RECORDS = env_int(
    "MONITOR_IMPORT_SUBMIT_BACKGROUND_RECORDS", 500, minimum=0
)
#: Up to this many visible person names, an import's chunk reads them all once and scores
#: every one (as on SQLite); above it, on PostgreSQL, the trigram index finds each row's
#: candidates (people.matching.name_index).
NAMES_READ_AT_ONCE = env_int("MONITOR_NAMES_READ_AT_ONCE", 20_000, minimum=0)


def _demo_evidence_key() -> bytes:
    """The demo's evidence master key, kept beside the demo database (never in it)."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "demo-evidence-key"
    if not path.exists():
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(), "utf-8")
        path.chmod(0o600)
    return parse_key("demo-evidence-key", path.read_text(encoding="utf-8"))


# Evidence files are encrypted at rest (monitor.at_rest): each with its own data key, wrapped
# by this master key, which never enters the database or a backup. Without one, uploads are
# refused and `check --deploy` fails (monitor.E005); the demo keeps one in var/.
EVIDENCE_KEY = env_key("MONITOR_EVIDENCE_KEY") or (_demo_evidence_key() if DEMO else None)
# Keys being rotated out: still able to unwrap, never used to wrap (rotate_evidence_key).
EVIDENCE_RETIRED_KEYS = env_keys("MONITOR_EVIDENCE_RETIRED_KEYS")

# -- backups (monitor.backups) -------------------------------------------------------------
# Archives are encrypted to these age public keys ("age1…"), comma- or line-separated; hold
# the matching private keys off-site (a coordinator abroad), never on this server.
BACKUP_RECIPIENTS = [
    item.strip()
    for item in (env_str("MONITOR_BACKUP_RECIPIENTS", "") or "").replace("\n", ",").split(",")
    if item.strip() and not item.strip().startswith("#")
]
# Where `manage.py backup` and the scheduled backup write; sync this folder off-site.
BACKUP_DIR = Path(env_str("MONITOR_BACKUP_DIR", str(DATA_DIR / "backups")) or "")
# How many scheduled backups are kept (older ones are removed after a new one succeeds).
BACKUP_KEEP = env_int("MONITOR_BACKUP_KEEP", 14, minimum=1, maximum=3650)

# Background work (django-tasks; monitor.tasks, monitor.progress): queued in the database and
# run by `manage.py db_worker` (`make run` starts one beside the server) — or, when
# MONITOR_REDIS_URL is set (redis://host:6379/0), queued in Redis and run by RQ's workers
# (`manage.py rqworker --job-class django_tasks_rq.Job default`). Code only ever uses the
# django-tasks API (`task.enqueue`, `get_result`), so either runs the same tasks.
REDIS_URL = env_str("MONITOR_REDIS_URL", "") or ""
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}

# Exports of lists (monitor.pages.listing, monitor.export_jobs): up to this many rows the file is
# made while the person waits; above it, a background task makes it, with a progress bar, and
# only the person who asked may download it, until it expires.
EXPORT_BACKGROUND_ROWS = env_int("MONITOR_EXPORT_BACKGROUND_ROWS", 5000, minimum=0)
EXPORT_TTL_HOURS = env_int("MONITOR_EXPORT_TTL_HOURS", 24, minimum=1, maximum=24 * 30)
# Where finished exports wait for their download (outside the web root, like evidence).
EXPORT_DIR = Path(env_str("MONITOR_EXPORT_DIR", str(DATA_DIR / "exports")) or "")

# How long an API Idempotency-Key is remembered (a retry after that creates a new record);
# expired keys are deleted by the background task `manage.py expire_idempotency_keys` queues.
IDEMPOTENCY_KEY_DAYS = env_int("MONITOR_IDEMPOTENCY_KEY_DAYS", 30, minimum=1, maximum=365)

# How many days a State has to answer a UN communication before it counts as overdue.
UN_RESPONSE_DAYS = env_int("MONITOR_UN_RESPONSE_DAYS", 60, minimum=1, maximum=3650)

# Reminders: what falls due within this many days goes into each owner's daily digest.
REMINDER_DAYS = env_int("MONITOR_REMINDER_DAYS", 14, minimum=0, maximum=366)
# The address people reach Monitor at, for links in e-mails and the calendar feed's URL.
SITE_URL = (env_str("MONITOR_SITE_URL", "http://127.0.0.1:8000" if DEMO else "") or "").rstrip("/")

# The organisation that submits UN communications and follow-up letters (issue 17): printed
# at the head of every generated document.
SUBMITTER = {
    "name": env_str("MONITOR_SUBMITTER_NAME", "") or "",
    "address": env_str("MONITOR_SUBMITTER_ADDRESS", "") or "",
    "email": env_str("MONITOR_SUBMITTER_EMAIL", "") or "",
    "contact": env_str("MONITOR_SUBMITTER_CONTACT", "") or "",
}

# Two-letter ISO country code for new case references (TJK-2023-0007).
CASE_REFERENCE_PREFIX = env_str("MONITOR_CASE_REFERENCE_PREFIX", "TJK") or "TJK"

# -- transport, cookies, headers, sessions (issue 8) ---------------------------------------
# Safe defaults are the production ones; demo and debug (plain http on this machine) relax
# only what needs TLS.
SECURE_DEFAULTS = not (DEBUG or DEMO)
# How many reverse proxies of ours stand in front of the app (0: clients connect directly).
# Only then are X-Forwarded-For (the client address: monitor.security.client_address) and
# X-Forwarded-Proto (https) believed; a client can send either header itself.
TRUSTED_PROXY_COUNT = env_int("MONITOR_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("MONITOR_SSL_REDIRECT", SECURE_DEFAULTS)
SECURE_HSTS_SECONDS = env_int("MONITOR_HSTS_SECONDS", 31536000 if SECURE_DEFAULTS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MONITOR_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("MONITOR_HSTS_PRELOAD", True)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A session ends after this long without a request, and this long after signing in
# (monitor.security.SessionLimitsMiddleware); the cookie dies with the browser.
SESSION_IDLE_MINUTES = env_int("MONITOR_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=24 * 60)
SESSION_MAX_HOURS = env_int("MONITOR_SESSION_MAX_HOURS", 12, minimum=1, maximum=24 * 30)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # listable: "sign out everywhere"

# Two-factor sign-in (issue 8, point 1): required of these roles and of superusers, and of
# everyone with MONITOR_TWO_FACTOR_EVERYONE=1. monitor.security.checks warns when it is off.
REQUIRE_TWO_FACTOR = env_bool("MONITOR_REQUIRE_2FA", True)
TWO_FACTOR_ROLES = env_list("MONITOR_TWO_FACTOR_ROLES", ["Reviewer", "Coordinator"])
TWO_FACTOR_EVERYONE = env_bool("MONITOR_TWO_FACTOR_EVERYONE", False)
OTP_TOTP_ISSUER = env_str("MONITOR_OTP_ISSUER", "Monitor") or "Monitor"
# Demo mode: the demo accounts' authenticator secret (base32); generated and printed if unset.
DEMO_TOTP_SECRET = env_str("MONITOR_DEMO_TOTP_SECRET")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("MONITOR_SECURE_COOKIES", not (DEBUG or DEMO))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Strict Content-Security-Policy (django-csp): the app's own scripts, styles and images
# only, no inline code, no third-party origin, never framed. The admin works under it
# (tests/security); its one inline <style> (a column width on lists without actions) and
# the API docs page's (box-sizing) are cosmetic and stay blocked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}

# -- lockout (django-axes) -----------------------------------------------------------------
# After AXES_FAILURE_LIMIT failures for one username from one client address, that pair is
# locked out for MONITOR_LOCKOUT_MINUTES (0: until a coordinator unlocks it in the admin).
# Another address, or another username, is not affected: a guesser cannot lock a colleague
# out from elsewhere.
AXES_FAILURE_LIMIT = env_int("MONITOR_LOCKOUT_FAILURES", 5, minimum=1, maximum=100)
_LOCKOUT_MINUTES = env_int("MONITOR_LOCKOUT_MINUTES", 30, minimum=0, maximum=7 * 24 * 60)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_LOCKOUT_MINUTES) if _LOCKOUT_MINUTES else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "monitor.security.client_address"  # the trusted-proxy rule, only
AXES_LOCKOUT_CALLABLE = "monitor.security.lockout.lockout_response"
AXES_CLIENT_STR_CALLABLE = "monitor.security.lockout.axes_client_str"  # no typed username in logs
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = False  # monitor.admin.accesslog shows lockouts to coordinators
AXES_DISABLE_ACCESS_LOG = True  # monitor.AccessLog is the access log
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "token", "code"]

# -- error reports -------------------------------------------------------------------------
# Reports show where the code failed, never the data: no form or query values, no local
# variables, no secrets (monitor.security).
DEFAULT_EXCEPTION_REPORTER = "monitor.security.SafeExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "monitor.security.SafeExceptionReporterFilter"

EMAIL_BACKEND = env_str(
    "MONITOR_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEMO or DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("MONITOR_DEFAULT_FROM_EMAIL", "monitor@localhost")
# The address people reach the site at ("https://monitor.example.org"), for the links in
# e-mails. Without it no review notice is sent (monitor.notifications): a link is their point.
SITE_URL = env_str("MONITOR_SITE_URL", "http://127.0.0.1:8000" if DEMO else "").rstrip("/")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate challenge makes an anonymous request a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "monitor.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "monitor.api.permissions.TokenScope",
    ],
    # JSON only: the browsable API would list every choice of every related field.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["monitor.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "monitor.api.schema.MonitorAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["monitor.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "monitor.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "monitor.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Monitor API",
    "DESCRIPTION": (
        "Case management for human-rights monitors. Every list is filtered to what you may "
        "see; a record you may not see answers 404. Authenticate with a session or with "
        "`Authorization: Bearer <token>` (tokens from POST /api/v1/auth/tokens/). Records are "
        "never deleted: archive them. Send the ETag you read as If-Match when you change a "
        "record (412 if it changed meanwhile), and an Idempotency-Key with a create you may "
        'retry. Errors answer {"error": {"code", "message", "fields"}}.'
    ),
    "VERSION": "1.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Like every endpoint, the schema and its docs page answer 401 without a session or token:
    # an anonymous visitor learns nothing, not even what the API holds.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Served by the app itself (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ConfidentialityEnum": "monitor.choices.Confidentiality",
        "ReviewStateEnum": "monitor.choices.ReviewState",
        "ClaimStatusEnum": "cases.choices.ClaimStatus",
        "StepKindEnum": "cases.choices.StepKind",
        "FollowUpStatusEnum": "cases.choices.FollowUpStatus",
        "FigureKindEnum": "cases.choices.FigureKind",
        "CountKindEnum": "cases.choices.CountKind",
        "PerpetratorRoleEnum": "cases.choices.PerpetratorRole",
        "ImportKindEnum": "imports.choices.ImportKind",
        "ImportStatusEnum": "imports.choices.JobStatus",
        "FacilityKindEnum": "cases.choices.FacilityKind",
        "AssemblyStatusEnum": "cases.choices.AssemblyStatus",
    },
}

# simple_history: keep who changed what, and why.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Exports logged to "monitor.access" become access-log rows (monitor.security.accesslog).
        "access_log": {"class": "monitor.security.AccessLogHandler"},
    },
    "loggers": {
        # Not to the console: an export's message names its filters, and a filter may be
        # a name. The access-log row keeps who, what and how many, not the values.
        "monitor.access": {"handlers": ["access_log"], "level": "INFO", "propagate": False},
        # Its sign-in chatter duplicates the access log; its warnings (lockouts) stay.
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env_str("MONITOR_LOG_LEVEL", "INFO")},
}
