"""Typed readers for the ``MONITOR_*`` environment variables.

Every setting that comes from the environment goes through one of these helpers, so a bad
value stops start-up with a message naming the variable instead of surfacing later as an
odd behaviour. A secret may also be given as ``<NAME>_FILE``: the path of a file holding it
(Docker and systemd credentials work that way).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    file_name = env.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r}: {exc}") from exc
    return env.get(name)


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """Return the variable as a string, or ``default`` when it is unset."""
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool = False, *, environ: Mapping[str, str] | None = None) -> bool:
    """Return the variable as a boolean; accepts 1/0, true/false, yes/no, on/off."""
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use one of 1, 0, true, false, yes, no, on, off."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Return the variable as an integer within optional bounds."""
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}.")
    return number


def env_list(
    name: str, default: list[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> list[str]:
    """Return a comma-separated variable as a list of non-empty, stripped items."""
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, choices: list[str], default: str, *, environ: Mapping[str, str] | None = None
) -> str:
    """Return the variable if it is one of ``choices``."""
    value = _raw(name, environ)
    if value is None:
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
    return value


def env_database_url(
    name: str = "DATABASE_URL", *, environ: Mapping[str, str] | None = None
) -> dict | None:
    """Parse a database URL (``postgres://user@host:5432/name``) into Django's format."""
    import dj_database_url

    value = _raw(name, environ)
    if not value:
        return None
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from exc
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"{name} must point at PostgreSQL or SQLite; got engine {engine or 'unknown'!r}."
        )
    return config


def parse_key(name: str, value: str) -> bytes:
    """A 256-bit key written in base64 (standard or URL-safe, padding optional)."""
    text = value.strip()
    try:
        key = base64.urlsafe_b64decode(
            text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4)
        )
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} is not base64.") from None
    if len(key) != 32:
        raise ImproperlyConfigured(
            f"{name} must be 32 random bytes in base64 (it is {len(key)} bytes); make one "
            "with: python3 -c 'import base64, os; "
            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
        )
    return key


def env_key(name: str, *, environ: Mapping[str, str] | None = None) -> bytes | None:
    """Return the variable as a 256-bit key (base64), or None when it is unset or empty."""
    value = _raw(name, environ)
    if not value or not value.strip():
        return None
    return parse_key(name, value)


def env_keys(name: str, *, environ: Mapping[str, str] | None = None) -> list[bytes]:
    """A comma- or line-separated list of 256-bit keys (base64)."""
    value = _raw(name, environ) or ""
    items = [item for item in value.replace("\n", ",").split(",") if item.strip()]
    return [parse_key(f"{name} (item {number})", item) for number, item in enumerate(items, 1)]
