"""Test infrastructure shared by every test: database markers, static files, the browser.

Domain fixtures (the hand-built union tree, the named people) live in their own modules
and are hooked in through ``pytest_plugins`` below, not written here.

Run everything with ``./dev test`` (SQLite, then PostgreSQL). A single file on one
database: ``DEBUG=0 SECRET_KEY=x SECURE_SSL_REDIRECT=0 .venv/bin/pytest tests/test_x.py``.

Markers and helpers
-------------------
``@pytest.mark.postgres``
    The test needs PostgreSQL (a PostgreSQL-only feature, or behaviour that differs on
    it); it is skipped on SQLite. The ``postgres_only`` fixture does the same for a test
    that asks for it by argument::

        @pytest.mark.postgres
        def test_concurrent_codes(transactional_db): ...

        def test_search_ranking(postgres_only, db): ...

``@pytest.mark.browser``
    Added automatically to every test that uses ``page`` or ``browser``, so
    ``./dev test -m "not browser"`` runs the fast tests only.

``page``
    A fresh Chromium tab (Playwright sync API) pointed at a running ``live_server``:
    ``page.goto("/admin/login/")``. The test database is transactional, since the
    server thread must see what the test writes, and data loaded by migrations (such as
    the administrative divisions) is restored after every browser test
    (``serialized_rollback``), so browser tests find the same database as ``db`` tests.
    When a browser test fails, a full-page screenshot goes to
    ``test-artifacts/<database>/<test name>-failed.png``.

``screenshot(page, name)``
    Saves ``test-artifacts/<database>/<name>.png`` and returns its path.

``console_errors``
    The list of JavaScript errors and console errors (such as Content-Security-Policy
    violations) the current ``page`` has seen so far.
"""

import os
import re
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings

# Playwright's sync API drives the browser from an asyncio event loop that it keeps in
# the main thread while the browser is open. Django sees that running loop and refuses
# ORM calls from the test ("SynchronousOnlyOperation: You cannot call this from an async
# context") although the test code itself is plain synchronous code. The browser is
# session-scoped, so the loop stays around for every later test in the process, not
# only browser tests: the check is switched off for the whole test run.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# The same running loop makes Django's connection registry (a thread-critical asgiref
# Local) switch from per-thread to per-context storage, so after the browser starts the
# test would talk to the database through new connection objects: not the one
# pytest-django set up, which carries the serialized data for `serialized_rollback`,
# and not the one a `db` test's rollback wraps. Plain thread-local storage keeps one
# connection per thread, as in any synchronous Django process.
_thread_connections = threading.local()
for _connection in connections.all(initialized_only=True):
    setattr(_thread_connections, _connection.alias, _connection)
connections._connections = _thread_connections

# Domain fixtures, one module each: the hand-built union tree and the named people
# (``tree``, ``people``), and the small city the dashboard tests count (``world``).
pytest_plugins = ["tests.people", "tests.dashboard_data"]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_FIXTURES = {"browser", "page"}


def pytest_report_header(config):
    settings = connection.settings_dict
    return f"database: {connection.vendor} ({settings['NAME']}; the test database derives from it)"


def pytest_collection_modifyitems(items):
    for item in items:
        if BROWSER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


def _skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL; this run uses {connection.vendor}")


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        _skip_unless_postgres()


@pytest.fixture
def postgres_only():
    """Skips the test unless the run is on PostgreSQL (same as ``@pytest.mark.postgres``)."""
    _skip_unless_postgres()


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    """Two departures from production, both for speed, neither changing behaviour:

    - Password hashing with MD5: the production hasher takes a good fraction of a second
      per password by design, and every named person gets one.
    - Static files are collected into a temporary STATIC_ROOT once per session (well
      under a second). Pages then render with the storage production uses: with DEBUG
      off that is WhiteNoise's manifest storage, where ``{% static "missing.css" %}`` is
      an error. A fresh collection means a test never reads a stale manifest.
    """
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(
        STATIC_ROOT=root,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield


# --- Browser -------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Lets fixtures see in their teardown whether the test itself failed.
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server(request, _test_settings):
    """pytest-django's live server, except that static files go through WhiteNoise from
    the collected STATIC_ROOT, as in production. (pytest-django's own serves them from the
    app folders, where the hashed names of the manifest storage do not exist.)"""
    from pytest_django.live_server_helper import LiveServer

    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = lambda application: application
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's /usr/bin/chromium) for the whole session."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run ./dev test, or apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _artifact_path(name):
    folder = ARTIFACTS / connection.vendor
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{re.sub(r'[^0-9A-Za-z_.-]+', '-', name).strip('-')}.png"


@pytest.fixture
def screenshot():
    """``screenshot(page, name)`` saves a full-page PNG into test-artifacts/."""

    def save(page, name):
        path = _artifact_path(name)
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def page(request, browser, live_server, django_db_serialized_rollback):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors = request.node.console_errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))

    def on_console(message):
        # The browser's own request for /favicon.ico is not the page's error.
        url = message.location.get("url", "")
        if message.type == "error" and not url.endswith("/favicon.ico"):
            errors.append(f"{message.text} ({url})" if url else message.text)

    tab.on("console", on_console)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            tab.screenshot(path=str(_artifact_path(f"{request.node.name}-failed")), full_page=True)
        except Exception as exc:  # the page may be what broke; keep the real failure
            print(f"screenshot after failure not saved: {exc}")
    context.close()


@pytest.fixture
def console_errors(request, page):
    return request.node.console_errors


@pytest.fixture(autouse=True)
def no_figure_cache(settings):
    """Pages count their figures afresh in every test (the figure cache kept nothing
    across tests: a SQLite test's rollback takes the figures' version back with it).
    tests/test_figure_cache.py turns the cache on where it tests it."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
