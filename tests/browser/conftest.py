"""Browser tests: Playwright (Python, sync API) driving Debian's Chromium.

* The browser is ``/usr/bin/chromium`` from Debian (``.ci/run`` installs it); Playwright never
  downloads one. A missing browser FAILS the tests with a message saying what to install:
  a journey that silently skipped would pass CI without having run.
* The app is served by pytest-django's ``live_server`` (one per xdist worker), on a database
  that the tests write through the pages themselves. It speaks plain http on localhost, so
  the production https settings (redirect, secure cookies, HSTS) are turned off before it
  starts: its middleware reads them once, at start-up.
* Screenshots of the main pages go to ``artifacts/screenshots/`` (git-ignored; CI keeps them).

Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls
from a thread with a running loop (``SynchronousOnlyOperation``), though here the calls are
ordinary blocking ones made between browser steps. ``DJANGO_ALLOW_ASYNC_UNSAFE`` lifts that
check while the browser runs, and only then: the browser lives for one test, so the tests
that run after it in the same worker keep the check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


#: Production transport settings that a plain-http test server on localhost cannot meet.
PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}


@pytest.fixture(scope="session")
def plain_http():
    """The https settings off for the session's live server (restored afterwards)."""
    saved = {name: getattr(settings, name) for name in PLAIN_HTTP}
    for name, value in PLAIN_HTTP.items():
        setattr(settings, name, value)
    yield
    for name, value in saved.items():
        setattr(settings, name, value)


@pytest.fixture(scope="session")
def live_server(plain_http, live_server):
    """pytest-django's live server, started after :func:`plain_http`."""
    return live_server


@pytest.fixture
def browser(transactional_db):
    """Debian's Chromium, headless, for one test.

    Started after the test database is set up and stopped before it is torn down (hence
    ``transactional_db``): Playwright's event loop must not be running while pytest-django
    sets up or flushes the database, or Django would see an "async" thread and hand those
    steps a connection of their own (asgiref's thread-critical ``Local``), which lacks the
    serialized data that ``serialized_rollback`` restores from.
    """
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's Chromium is missing at {CHROMIUM}: the browser tests need it. Install "
            "it with `apt-get install chromium` (.ci/run does this before the tests).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
                # The connections the test opened while the loop ran (see above) are its
                # own: close them, or PostgreSQL could not drop the test database at the end.
                connections.close_all()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page()`` opens a page in a fresh context (its own cookies: one user each)."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        answer = page.request.get(live_server.url + "/accounts/login/", max_redirects=0)
        if answer.status in (301, 302) and answer.headers["location"].startswith("https:"):
            pytest.fail(
                "The live server redirects to https: it was started before tests/browser "
                "turned the https settings off (see PLAIN_HTTP in tests/browser/conftest.py).",
                pytrace=False,
            )
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, "case-form")`` saves ``artifacts/screenshots/case-form.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def enrol_in_browser(page, screenshot=None) -> str:
    """On the two-factor set-up page: read the key the page shows (as a person would type it
    into an authenticator app), type the code it makes now, and go on past the recovery
    codes. Returns the base32 key."""
    from playwright.sync_api import expect

    from monitor.security.twofactor import current_code

    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    if screenshot:
        screenshot(page, "two-factor-setup")
    page.get_by_label("Code").fill(current_code(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    if screenshot:
        screenshot(page, "recovery-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    return secret
