"""The journey of issue 5 in a real browser: a monitor records a detention case with an
allegation cited to a new source and submits it; a reviewer finds it in the admin review
queue, sees what changed and verifies it; the case then shows as verified.

One test, in one module: its steps depend on each other, and pytest-xdist runs a test on one
worker with its own live server.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Allegation, Case, DetentionStep
from monitor.choices import Confidentiality, ReviewState, Role
from sources.models import Citation, Source
from tests.browser.conftest import enrol_in_browser
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def watch_policy(page) -> list:
    """The Content-Security-Policy violations the browser reports on ``page``, as they come."""
    blocked: list = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


def cite_new_source(row) -> None:
    """In a row's "Cite a source" picker, choose the new source described on the page (the
    picker offers it first, as soon as the box has the focus)."""
    row.get_by_role("combobox", name="Cite a source").click()
    row.get_by_role("option", name="New source (described below on this page)").click()
    expect(row.locator(".cite .pick__chip")).to_contain_text("New source")


def sign_in(page, username: str, screenshot=None, second_factor: bool = False) -> None:
    """The password; with ``second_factor``, the account must enrol an authenticator first
    (a reviewer's first sign-in), done in the page as a person would."""
    page.goto(reverse("login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    if screenshot:
        screenshot(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    if second_factor:
        enrol_in_browser(page, screenshot)
    page.wait_for_url(re.compile(re.escape(reverse("dashboard")) + r"$"))


def test_monitor_records_and_submits_a_detention_case_and_a_reviewer_verifies_it(
    new_page, screenshot
):
    team = TeamFactory(name="GBAO documentation team")
    UserFactory(
        username="alice-monitor",
        first_name="Alice",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    UserFactory(
        username="rita-reviewer",
        first_name="Rita",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
        is_staff=True,  # the review queue is in the admin
    )

    # -- the monitor ------------------------------------------------------------------------
    page = new_page()
    blocked = watch_policy(page)
    sign_in(page, "alice-monitor", screenshot)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(page, "dashboard")

    page.goto(reverse("case-create"))
    expect(page.get_by_role("heading", name="New case")).to_be_visible()
    page.get_by_label("Title").first.fill("Detention of the journalist Daler Imomali")
    page.get_by_label("Summary").fill("Taken from his home in Dushanbe at night.")
    allegation = page.locator("#row-allegations-0")
    allegation.get_by_label("Violation").select_option(label="— Arbitrary arrest")
    allegation.get_by_label("…or a new person (full name)").fill("Daler Imomali")
    allegation.get_by_label("Date", exact=True).fill("June 2023")
    cite_new_source(allegation)
    allegation.get_by_label("Page", exact=True).fill("2")
    allegation.get_by_label("Quote").fill("He was taken from his home at night.")
    detention = page.locator("#row-detentions-0")
    detention.get_by_label("…or a new person (full name)").fill("Daler Imomali")
    detention.get_by_label("Arrested on").fill("2023-06-12")
    cite_new_source(detention)
    new_source = page.locator("#new-source")
    new_source.get_by_label("Title").fill("Statement of the family of Daler Imomali")
    new_source.get_by_label("Kind").select_option(index=1)
    new_source.get_by_label("Publisher").fill("The family")
    screenshot(page, "case-form")
    page.get_by_role("button", name="Save case").click()

    expect(page.get_by_text(re.compile(r"Case TJK-\d{4}-\d{4} was saved\."))).to_be_visible()
    case = Case.objects.get()
    assert Allegation.objects.get().victim is not None
    assert DetentionStep.objects.get().kind == "arrested"
    source = Source.objects.get()
    assert Citation.objects.filter(source=source).count() == 3
    page.get_by_role("button", name="Submit for review", exact=True).click()
    page.wait_for_url(re.compile(re.escape(reverse("case-detail", args=[case.pk])) + r"$"))
    expect(page.get_by_text("was submitted for review")).to_be_visible()
    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED
    assert blocked == []  # the pages run under the strict Content-Security-Policy

    # -- the reviewer -------------------------------------------------------------------------
    page = new_page()
    # A reviewer signs in with a second factor: her first sign-in enrols an authenticator.
    sign_in(page, "rita-reviewer", screenshot, second_factor=True)
    page.goto(reverse("admin:review_queue"))
    link = page.get_by_role("link", name=re.compile(re.escape(case.reference)))
    expect(link).to_be_visible()
    screenshot(page, "review-queue")
    link.click()
    # The item page shows what changed: everything is new since it was never verified.
    expect(page.get_by_text("Never: everything below is new.")).to_be_visible()
    expect(page.get_by_text("Detention of the journalist Daler Imomali").first).to_be_visible()
    screenshot(page, "review-item")
    page.get_by_role("button", name="Verify").click()
    case.refresh_from_db()
    assert case.review_state == ReviewState.VERIFIED

    page.goto(reverse("case-detail", args=[case.pk]))
    expect(page.get_by_text(re.compile("verified", re.IGNORECASE)).first).to_be_visible()
    screenshot(page, "case-page")


def test_case_form_adds_rows_and_shows_every_problem_with_the_input_kept(new_page, screenshot):
    team = TeamFactory(name="GBAO documentation team")
    UserFactory(
        username="alice-monitor",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    page = new_page(width=400, height=800)  # a phone
    blocked = watch_policy(page)
    sign_in(page, "alice-monitor")
    page.goto(reverse("case-create"))
    page.get_by_role("button", name="Add another allegation").click()
    second = page.get_by_role("group", name="Allegation 2", exact=True)
    expect(second).to_have_id("row-allegations-1")
    expect(page.locator('input[name="allegations-TOTAL_FORMS"]')).to_have_value("2")
    second.get_by_label("Victims, if not one known person").fill("About 200 residents of Rushan")
    second.get_by_label("Date", exact=True).fill("Mayember 2022")
    page.get_by_role("button", name="Save case").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role("link", name=re.compile("Title: This field is required"))
    ).to_be_visible()
    expect(page.locator("#id_allegations-1-date")).to_have_value("Mayember 2022")
    expect(page.locator("#id_allegations-1-date")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_allegations-1-date_error")).to_contain_text(
        "is not a date Monitor understands"
    )
    screenshot(page, "case-form-errors")
    summary.get_by_role("link", name=re.compile("Title")).click()
    expect(page.locator("#id_title")).to_be_focused()
    assert not Case.objects.exists()
    assert blocked == []
