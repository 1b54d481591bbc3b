"""Environment parsing: good values are read, a bad one stops start-up naming the variable."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from monitor.env import (
    env_bool,
    env_choice,
    env_database_url,
    env_int,
    env_key,
    env_keys,
    env_list,
    env_str,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "test-only-secret-key-not-for-any-deployment-0123456789"


# -- env_bool --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1", "true", "True", "YES", "on", " yes "])
def test_env_bool_reads_true(raw):
    assert env_bool("MONITOR_X", environ={"MONITOR_X": raw}) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_reads_false(raw):
    assert env_bool("MONITOR_X", True, environ={"MONITOR_X": raw}) is False


def test_env_bool_unset_gives_the_default():
    assert env_bool("MONITOR_X", True, environ={}) is True
    assert env_bool("MONITOR_X", environ={}) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_env_bool_refuses_anything_else_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="MONITOR_DEBUG") as caught:
        env_bool("MONITOR_DEBUG", environ={"MONITOR_DEBUG": raw})
    assert repr(raw) in str(caught.value)


# -- env_int ---------------------------------------------------------------------------------


def test_env_int_reads_a_number_within_bounds():
    environ = {"MONITOR_DAYS": " 60 "}
    assert env_int("MONITOR_DAYS", 1, minimum=1, maximum=3650, environ=environ) == 60


def test_env_int_unset_gives_the_default():
    assert env_int("MONITOR_DAYS", 60, environ={}) == 60


@pytest.mark.parametrize("raw", ["sixty", "6.5", "", "60d"])
def test_env_int_refuses_a_non_integer_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"MONITOR_DAYS=.* is not an integer"):
        env_int("MONITOR_DAYS", 60, environ={"MONITOR_DAYS": raw})


def test_env_int_refuses_a_number_below_the_minimum():
    with pytest.raises(ImproperlyConfigured, match="MONITOR_DAYS=0 is below the minimum of 1"):
        env_int("MONITOR_DAYS", 60, minimum=1, environ={"MONITOR_DAYS": "0"})


def test_env_int_refuses_a_number_above_the_maximum():
    with pytest.raises(ImproperlyConfigured, match="MONITOR_DAYS=5000 is above the maximum"):
        env_int("MONITOR_DAYS", 60, maximum=3650, environ={"MONITOR_DAYS": "5000"})


def test_env_int_accepts_the_bounds_themselves():
    assert env_int("N", 5, minimum=1, maximum=9, environ={"N": "1"}) == 1
    assert env_int("N", 5, minimum=1, maximum=9, environ={"N": "9"}) == 9


# -- env_list --------------------------------------------------------------------------------


def test_env_list_splits_on_commas_and_drops_blanks():
    environ = {"MONITOR_ALLOWED_HOSTS": " monitor.example.org, ,127.0.0.1,"}
    assert env_list("MONITOR_ALLOWED_HOSTS", environ=environ) == [
        "monitor.example.org",
        "127.0.0.1",
    ]


# -- env_key, env_keys (the evidence master key) ----------------------------------------------

KEY_BYTES = bytes(range(100, 132))


@pytest.mark.parametrize(
    "written",
    [
        base64.urlsafe_b64encode(KEY_BYTES).decode(),
        base64.b64encode(KEY_BYTES).decode(),
        base64.urlsafe_b64encode(KEY_BYTES).decode().rstrip("="),
        f"  {base64.b64encode(KEY_BYTES).decode()}\n",
    ],
)
def test_env_key_reads_32_bytes_in_any_base64_spelling(written):
    assert env_key("MONITOR_EVIDENCE_KEY", environ={"MONITOR_EVIDENCE_KEY": written}) == KEY_BYTES


def test_env_key_unset_or_empty_is_none():
    assert env_key("MONITOR_EVIDENCE_KEY", environ={}) is None
    assert env_key("MONITOR_EVIDENCE_KEY", environ={"MONITOR_EVIDENCE_KEY": " "}) is None


@pytest.mark.parametrize("written", ["not base64 at all!", base64.b64encode(b"short").decode()])
def test_env_key_refuses_anything_but_32_bytes_naming_the_variable(written):
    with pytest.raises(ImproperlyConfigured, match="MONITOR_EVIDENCE_KEY"):
        env_key("MONITOR_EVIDENCE_KEY", environ={"MONITOR_EVIDENCE_KEY": written})


def test_env_key_reads_the_key_from_a_file(tmp_path):
    path = tmp_path / "evidence.key"
    path.write_text(base64.b64encode(KEY_BYTES).decode() + "\n", encoding="utf-8")
    environ = {"MONITOR_EVIDENCE_KEY_FILE": str(path)}
    assert env_key("MONITOR_EVIDENCE_KEY", environ=environ) == KEY_BYTES


def test_env_keys_reads_a_comma_or_line_separated_list():
    first, second = base64.b64encode(KEY_BYTES).decode(), base64.b64encode(bytes(32)).decode()
    environ = {"MONITOR_EVIDENCE_RETIRED_KEYS": f"{first},\n{second}\n"}
    assert env_keys("MONITOR_EVIDENCE_RETIRED_KEYS", environ=environ) == [KEY_BYTES, bytes(32)]
    assert env_keys("MONITOR_EVIDENCE_RETIRED_KEYS", environ={}) == []


def test_env_list_unset_gives_a_copy_of_the_default():
    default = ["localhost"]
    value = env_list("MONITOR_ALLOWED_HOSTS", default, environ={})
    assert value == ["localhost"]
    value.append("evil.example")
    assert default == ["localhost"]


def test_env_list_set_but_empty_is_an_empty_list():
    assert (
        env_list("MONITOR_ALLOWED_HOSTS", ["localhost"], environ={"MONITOR_ALLOWED_HOSTS": ""})
        == []
    )


# -- env_choice ------------------------------------------------------------------------------


def test_env_choice_reads_a_listed_value():
    environ = {"MONITOR_LOG_LEVEL": "DEBUG"}
    assert env_choice("MONITOR_LOG_LEVEL", ["INFO", "DEBUG"], "INFO", environ=environ) == "DEBUG"
    assert env_choice("MONITOR_LOG_LEVEL", ["INFO", "DEBUG"], "INFO", environ={}) == "INFO"


def test_env_choice_refuses_an_unlisted_value_naming_the_variable_and_the_choices():
    with pytest.raises(ImproperlyConfigured, match="MONITOR_LOG_LEVEL='LOUD' must be one of"):
        env_choice(
            "MONITOR_LOG_LEVEL", ["INFO", "DEBUG"], "INFO", environ={"MONITOR_LOG_LEVEL": "LOUD"}
        )


# -- env_str and <NAME>_FILE -----------------------------------------------------------------


def test_env_str_reads_the_value_or_the_default():
    assert env_str("MONITOR_NAME", "x", environ={"MONITOR_NAME": "Monitor"}) == "Monitor"
    assert env_str("MONITOR_NAME", "x", environ={}) == "x"
    assert env_str("MONITOR_NAME", environ={}) is None


def test_env_str_reads_a_secret_from_the_file_named_by_name_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-a-file\n", encoding="utf-8")
    environ = {"MONITOR_SECRET_KEY_FILE": str(secret), "MONITOR_SECRET_KEY": "ignored"}
    # The file wins (it is how Docker and systemd hand over secrets), without its newline.
    assert env_str("MONITOR_SECRET_KEY", environ=environ) == "s3cret-from-a-file"


def test_env_str_with_an_unreadable_file_names_the_file_variable(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ImproperlyConfigured, match="MONITOR_SECRET_KEY_FILE: cannot read"):
        env_str("MONITOR_SECRET_KEY", environ={"MONITOR_SECRET_KEY_FILE": str(missing)})


def test_name_file_works_for_the_typed_helpers_too(tmp_path):
    path = tmp_path / "days"
    path.write_text("90\n", encoding="utf-8")
    assert env_int("MONITOR_DAYS", 60, environ={"MONITOR_DAYS_FILE": str(path)}) == 90


# -- env_database_url ------------------------------------------------------------------------


def test_database_url_unset_means_the_sqlite_default():
    assert env_database_url(environ={}) is None
    assert env_database_url(environ={"DATABASE_URL": ""}) is None


def test_database_url_for_postgresql_is_parsed():
    config = env_database_url(
        environ={"DATABASE_URL": "postgres://monitor:pw@127.0.0.1:5432/monitor_ci"}
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["HOST"], config["PORT"]) == (
        "monitor_ci",
        "monitor",
        "127.0.0.1",
        5432,
    )


def test_database_url_for_sqlite_is_parsed():
    config = env_database_url(environ={"DATABASE_URL": "sqlite:////tmp/monitor.sqlite3"})
    assert config["ENGINE"] == "django.db.backends.sqlite3"


def test_database_url_that_is_not_a_url_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not a valid database URL"):
        env_database_url(environ={"DATABASE_URL": "not a url"})


def test_database_url_for_an_unsupported_engine_names_the_variable():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must point at PostgreSQL"):
        env_database_url(environ={"DATABASE_URL": "mysql://monitor@db/monitor"})


# -- start-up, end to end --------------------------------------------------------------------


def _manage_check(tmp_path, set_vars: dict[str, str], unset: tuple[str, ...] = ()):
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MONITOR_") and key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environ.update(
        {"MONITOR_SECRET_KEY": GOOD_KEY, "MONITOR_DATA_DIR": str(tmp_path / "var")} | set_vars
    )
    for name in unset:
        environ.pop(name, None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=environ,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manage_check_passes_with_a_good_environment(tmp_path):
    result = _manage_check(tmp_path, {"MONITOR_DEBUG": "no"})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("set_vars", "unset", "named"),
    [
        ({"MONITOR_DEBUG": "maybe"}, (), "MONITOR_DEBUG"),
        ({"MONITOR_DEMO": "perhaps"}, (), "MONITOR_DEMO"),
        ({}, ("MONITOR_SECRET_KEY",), "MONITOR_SECRET_KEY is not set"),
        ({"MONITOR_SECRET_KEY": "short"}, (), "MONITOR_SECRET_KEY must be at least 32"),
        ({"DATABASE_URL": "mysql://monitor@db/monitor"}, (), "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, (), "DATABASE_URL is not a valid database URL"),
        ({"MONITOR_UN_RESPONSE_DAYS": "0"}, (), "MONITOR_UN_RESPONSE_DAYS"),
        ({"MONITOR_EVIDENCE_MAX_BYTES": "lots"}, (), "MONITOR_EVIDENCE_MAX_BYTES"),
    ],
    ids=[
        "debug-maybe",
        "demo-perhaps",
        "no-secret-key",
        "short-secret-key",
        "mysql-url",
        "garbage-url",
        "zero-response-days",
        "evidence-size-not-a-number",
    ],
)
def test_bad_environment_value_stops_start_up_naming_the_variable(tmp_path, set_vars, unset, named):
    result = _manage_check(tmp_path, set_vars, unset)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_demo_mode_starts_without_a_secret_key_and_keeps_one_in_the_data_dir(tmp_path):
    result = _manage_check(tmp_path, {"MONITOR_DEMO": "1"}, unset=("MONITOR_SECRET_KEY",))
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "var" / "demo-secret-key"
    assert len(key_file.read_text(encoding="utf-8").strip()) >= 32
    assert key_file.stat().st_mode & 0o077 == 0
