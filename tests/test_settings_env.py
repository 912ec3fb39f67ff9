"""Configuration comes from environment variables; a bad value stops the process at start
with one line naming the variable (unionreg/env.py, unionreg/settings.py, manage.py), and so
does a database that cannot be reached (manage.py)."""

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from unionreg.env import env_bool, env_int, env_list, env_networks, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_FILE = BASE_DIR / "unionreg" / "settings.py"
# Every variable settings.py reads; cleared so that the caller's environment
# (./dev test sets several) does not leak into a test.
SETTINGS_VARIABLES = [
    "DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "MEDIA_ROOT",
    "SESSION_IDLE_SECONDS", "LOGIN_FAILURE_LIMIT", "TASKS_BACKEND", "IMPORT_MAX_UPLOAD_BYTES",
    "IMPORT_MAX_UNCOMPRESSED_BYTES", "IMPORT_MAX_ROWS", "IMPORT_INLINE_MAX_BYTES",
    "EXPORT_INLINE_MAX_ROWS",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "LOG_LEVEL",
    "PERSONAL_DATA_READ_RETENTION_DAYS",
    "TRUSTED_PROXIES", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DATABASE_REPLICA_URL",
]


@pytest.fixture
def clean_env(monkeypatch):
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def load_settings():
    """Executes settings.py afresh as a throwaway module (Django's own settings stay)."""
    spec = importlib.util.spec_from_file_location("settings_under_test", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_manage(*args, **env):
    # Without the test-only DJANGO_ALLOW_ASYNC_UNSAFE (conftest.py): --deploy rejects it.
    ignored = {*SETTINGS_VARIABLES, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environ = {k: v for k, v in os.environ.items() if k not in ignored}
    environ.update(env)
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=120,
    )


# --- DATABASE_URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, complaint",
    [
        ("mysql://x", "unsupported scheme 'mysql'"),
        ("postgres://host/", "database name is missing"),
        ("postgres://user@host:port/name", "port is not a number"),
        ("sqlite://", "needs a file"),
        ("db.sqlite3", "unsupported scheme ''"),
    ],
)
def test_bad_database_url_names_the_variable(url, complaint):
    with pytest.raises(ImproperlyConfigured) as error:
        parse_database_url(url, base_dir=BASE_DIR)
    assert str(error.value).startswith(f"DATABASE_URL={url!r}")
    assert complaint in str(error.value)


def test_sqlite_urls_relative_to_the_project_or_absolute():
    relative = parse_database_url("sqlite:///db.sqlite3", base_dir=BASE_DIR)
    absolute = parse_database_url("sqlite:////var/lib/unionreg/db.sqlite3", base_dir=BASE_DIR)
    assert relative == {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
    assert absolute["NAME"] == "/var/lib/unionreg/db.sqlite3"


def test_postgres_url_with_credentials_port_and_options():
    db = parse_database_url(
        "postgresql://union%40reg:p%2Fss@db.internal:6543/register?sslmode=require",
        base_dir=BASE_DIR,
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("register", "union@reg", "p/ss")
    assert (db["HOST"], db["PORT"]) == ("db.internal", "6543")
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_database_matches_database_url():
    """Guards ./dev test: the PostgreSQL run really runs on PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")
    expected = "postgresql" if url.startswith(("postgres:", "postgresql:", "pgsql:")) else "sqlite"
    assert connection.vendor == expected


# --- Typed variables -----------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [("1", True), ("Yes", True), (" off ", False), ("", False)])
def test_env_bool_accepts(monkeypatch, value, expected):
    monkeypatch.setenv("FLAG", value)
    assert env_bool("FLAG") is expected


def test_env_bool_rejects_maybe(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a boolean"):
        env_bool("DEBUG")


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_ROWS", "lots")
    with pytest.raises(ImproperlyConfigured, match=r"IMPORT_MAX_ROWS='lots' is not an integer"):
        env_int("IMPORT_MAX_ROWS", 10)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " register.example.org, ,10.0.0.5 ")
    assert env_list("ALLOWED_HOSTS") == ["register.example.org", "10.0.0.5"]


def test_env_networks_reads_addresses_and_networks(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 172.16.0.0/12,::1")
    assert [str(n) for n in env_networks("TRUSTED_PROXIES")] == [
        "10.0.0.5/32", "172.16.0.0/12", "::1/128"]


def test_finding7_malformed_trusted_proxies_stop_the_start(clean_env):
    clean_env.setenv("DEBUG", "1")
    clean_env.setenv("TRUSTED_PROXIES", "10.0.0.5, proxy.internal")
    with pytest.raises(ImproperlyConfigured, match=r"TRUSTED_PROXIES: 'proxy.internal' is not"):
        load_settings()


def test_finding7_no_proxy_is_trusted_by_default(clean_env):
    clean_env.setenv("DEBUG", "1")
    assert load_settings().TRUSTED_PROXIES == []


# --- settings.py ---------------------------------------------------------------------------


def test_secret_key_is_required_without_debug(clean_env):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is required when DEBUG is off"):
        load_settings()


def test_debug_runs_without_secret_key_on_local_hosts(clean_env):
    clean_env.setenv("DEBUG", "1")
    loaded = load_settings()
    assert loaded.DEBUG is True
    assert loaded.ALLOWED_HOSTS == ["localhost", "127.0.0.1", "[::1]"]
    assert loaded.DATABASES["default"]["NAME"] == str(BASE_DIR / "db.sqlite3")


def test_production_settings_are_secure(clean_env):
    clean_env.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    clean_env.setenv("ALLOWED_HOSTS", "register.example.org")
    clean_env.setenv("DATABASE_URL", "postgres://unionreg@db:5432/unionreg")
    loaded = load_settings()
    assert loaded.DEBUG is False
    assert loaded.ALLOWED_HOSTS == ["register.example.org"]
    assert loaded.SECURE_SSL_REDIRECT and loaded.SESSION_COOKIE_SECURE and loaded.CSRF_COOKIE_SECURE
    assert loaded.SECURE_HSTS_SECONDS >= 31536000
    assert loaded.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert "whitenoise" in loaded.STORAGES["staticfiles"]["BACKEND"]


def test_limits_come_from_the_environment(clean_env):
    clean_env.setenv("DEBUG", "1")
    clean_env.setenv("SESSION_IDLE_SECONDS", "600")
    clean_env.setenv("LOGIN_FAILURE_LIMIT", "3")
    clean_env.setenv("EXPORT_INLINE_MAX_ROWS", "100")
    loaded = load_settings()
    assert (loaded.SESSION_COOKIE_AGE, loaded.AXES_FAILURE_LIMIT) == (600, 3)
    assert loaded.EXPORT_INLINE_MAX_ROWS == 100


def test_postgres_connections_are_kept_and_checked_by_default(clean_env):
    clean_env.setenv("DEBUG", "1")
    clean_env.setenv("DATABASE_URL", "postgres://unionreg@db:5432/unionreg")
    database = load_settings().DATABASES["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (60, True)


def test_connection_reuse_comes_from_the_environment(clean_env):
    clean_env.setenv("DEBUG", "1")
    clean_env.setenv("DATABASE_URL", "postgres://unionreg@db:5432/unionreg")
    clean_env.setenv("CONN_MAX_AGE", "0")
    clean_env.setenv("CONN_HEALTH_CHECKS", "off")
    database = load_settings().DATABASES["default"]
    assert (database["CONN_MAX_AGE"], database["CONN_HEALTH_CHECKS"]) == (0, False)


def test_sqlite_opens_a_connection_per_request_by_default(clean_env):
    clean_env.setenv("DEBUG", "1")
    assert load_settings().DATABASES["default"]["CONN_MAX_AGE"] == 0


def test_malformed_conn_max_age_stops_the_start(clean_env):
    clean_env.setenv("DEBUG", "1")
    clean_env.setenv("CONN_MAX_AGE", "forever")
    with pytest.raises(ImproperlyConfigured, match=r"CONN_MAX_AGE='forever' is not an integer"):
        load_settings()


def test_tests_run_with_debug_off():
    """The suite exercises production behaviour (manifest static files, secure cookies)."""
    assert settings.DEBUG is False


# --- manage.py in a subprocess -------------------------------------------------------------


def test_manage_py_reports_a_bad_database_url_in_one_line():
    result = run_manage("check", DATABASE_URL="mysql://x", DEBUG="0", SECRET_KEY="k" * 50)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: DATABASE_URL='mysql://x'")


def test_manage_py_reports_a_missing_secret_key_in_one_line():
    result = run_manage("check", DEBUG="0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip().startswith("Configuration error: SECRET_KEY is required")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output


def one_line_error(result):
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_manage_py_reports_a_database_server_that_is_down_in_one_line():
    # Port 1: nothing listens there. The password is not to be shown.
    result = run_manage(
        "migrate", DEBUG="1", DATABASE_URL="postgres://unionreg:s3cret@127.0.0.1:1/nope"
    )
    assert result.returncode == 1
    line = one_line_error(result)
    assert line.startswith("Cannot connect to the database postgres://unionreg:***@127.0.0.1:1/nope: ")
    assert line.endswith("Is the server running and does the database exist?")
    assert "s3cret" not in result.stdout + result.stderr


def test_manage_py_reports_a_database_that_cannot_be_opened_in_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}"
    result = run_manage("migrate", DEBUG="1", DATABASE_URL=url)
    assert result.returncode == 1
    assert one_line_error(result).startswith(f"Cannot connect to the database {url}: ")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs the PostgreSQL server")
def test_manage_py_reports_a_missing_postgres_database_in_one_line():
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/unionreg_no_such_database"
    result = run_manage("migrate", DEBUG="1", DATABASE_URL=url)
    assert result.returncode == 1
    line = one_line_error(result)
    assert line.startswith(f"Cannot connect to the database {url}: ")
    assert '"unionreg_no_such_database" does not exist' in line


def test_migrate_on_a_fresh_sqlite_database_prints_no_banner_and_no_warning(tmp_path):
    """No "AXES: BEGIN version …" line (AXES_VERBOSE) and no models.W040 (SQLite builds
    the covering indexes without their INCLUDE columns) at every command."""
    result = run_manage(
        "migrate", "-v0", DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).strip() == ""
