"""The strict Content-Security-Policy in a real browser: the admin, the pages and the API
docs work under it, and the browser reports no blocked script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

# Debian's Chromium and the plain-http live server, as the browser journey uses them.
from tests.browser.conftest import (  # noqa: F401
    browser,
    enrol_in_browser,
    live_server,
    new_page,
    plain_http,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

#: The API docs page's template has one inline <style> (box-sizing, a background colour):
#: blocked, harmless, and left blocked rather than loosening the policy.
COSMETIC = "Applying inline style violates"


def test_admin_pages_and_api_docs_run_under_the_policy(new_page):  # noqa: F811 - the fixture
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page = new_page()
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append((page.url, message.text))
            if "Content Security Policy" in message.text and COSMETIC not in message.text
            else None
        ),
    )
    # The admin's sign-in is Monitor's, and a superuser enrols a second factor first: the
    # set-up page (its QR code drawn as inline SVG) runs under the policy too.
    page.goto("/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    enrol_in_browser(page)
    expect(page.get_by_role("heading", name="Administration", exact=True)).to_be_visible()

    for path in ("/admin/cases/case/", "/admin/cases/case/add/", "/admin/people/person/add/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    # The admin's own scripts ran: the two-box member picker is drawn by JavaScript.
    page.goto("/admin/monitor/team/add/")
    expect(page.locator(".selector-available").first).to_be_visible()

    page.goto("/cases/new/")
    page.wait_for_load_state("networkidle")
    page.goto("/api/v1/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert blocked == []
