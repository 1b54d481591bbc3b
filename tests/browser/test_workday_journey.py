"""A monitor's working day in Chromium (issue 19): nothing typed is lost when the session ends,
the session warning keeps a monitor signed in, and the whole journey — record, submit,
return, fix, verify, find the person again, export — counted in page loads.

Screenshots of each new screen at desktop and phone width go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Case, DetentionStep
from monitor.choices import Confidentiality, Role
from monitor.models import User
from monitor.security import LAST_SEEN
from tests.browser.test_monitor_journey import cite_new_source, watch_policy
from tests.factories import PASSWORD, TeamFactory, UserFactory
from tests.twofactor import enrol, next_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TESTIMONY = (
    "He was taken from his home in Khorog at night by men in plain clothes, held for three "
    "days without a lawyer and beaten during the questioning."
)


def sign_in_to(page, username: str, next_path: str | None = None, *, go: bool = True) -> None:
    """The sign-in form, as a person fills it; lands where ``next`` (or the dashboard) says.
    ``go=False``: the page is on the sign-in form already (a session that ended)."""
    if go:
        page.goto(reverse("login") + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def second_factor(page, device) -> None:
    """The code step of a reviewer's sign-in (an enrolled authenticator)."""
    page.get_by_label("Code").fill(next_code(device))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(re.compile(r"/$"))


def expire_sessions_of(username: str) -> None:
    """Let every session of ``username`` sit idle past the limit, as if the monitor had been
    typing for an hour without sending a request."""
    for session in Session.objects.all():
        data = session.get_decoded()
        if not data:
            continue
        user = User.objects.filter(pk=data.get("_auth_user_id")).first()
        if user is None or user.username != username:
            continue
        store = Session.get_session_store_class()(session.session_key)
        store[LAST_SEEN] = time.time() - 24 * 3600
        store.save()


def shoot(page, screenshot, name: str) -> None:
    """``name`` at desktop width, then at phone width (and back)."""
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    page.set_viewport_size(DESKTOP)


@pytest.fixture
def people(db):
    team = TeamFactory(name="GBAO documentation team")
    monitor = UserFactory(
        username="alice-monitor",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    reviewer = UserFactory(
        username="rita-reviewer",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    return {"team": team, "monitor": monitor, "reviewer": reviewer}


def test_a_session_that_expires_mid_form_gives_the_typed_text_back(new_page, screenshot, people):
    page = new_page()
    blocked = watch_policy(page)
    sign_in_to(page, "alice-monitor", next_path=reverse("case-create"))
    expect(page.get_by_role("heading", name="New case")).to_be_visible()
    page.get_by_label("Title").first.fill("Detention of a Khorog journalist")
    page.get_by_label("Summary").fill(TESTIMONY)
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => k.startsWith('monitor.draft:') &&"
        " localStorage.getItem(k).includes('three days'))"
    )

    expire_sessions_of("alice-monitor")
    page.get_by_role("button", name="Save case").click()

    # Save bounced to the sign-in page: nothing was saved, the text is in the browser.
    page.wait_for_url(re.compile(re.escape(reverse("login"))))
    expect(page.get_by_text("You were signed out after")).to_be_visible()
    assert not Case.objects.exists()
    sign_in_to(page, "alice-monitor", go=False)
    page.wait_for_url(re.compile(re.escape(reverse("case-create")) + r"$"))
    offer = page.get_by_role("button", name="Restore what I typed")
    expect(offer).to_be_visible()
    expect(page.get_by_label("Summary")).to_have_value("")
    shoot(page, screenshot, "draft-offer")
    offer.click()
    expect(page.get_by_label("Summary")).to_have_value(TESTIMONY)
    expect(page.get_by_label("Title").first).to_have_value("Detention of a Khorog journalist")

    # Signing out deletes the drafts: the next person at this browser finds none.
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(reverse("login"))))
    drafts = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('monitor.draft'))"
    )
    assert drafts == []
    assert blocked == []


def test_the_warning_before_the_session_ends_keeps_the_monitor_signed_in(
    new_page, screenshot, people, settings
):
    settings.SESSION_IDLE_MINUTES = 1  # the warning comes half a minute before the end
    page = new_page()
    blocked = watch_policy(page)
    sign_in_to(page, "alice-monitor", next_path=reverse("case-create"))
    warning = page.locator("#session-warning")
    expect(warning).to_be_hidden()
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_visible(timeout=45_000)
    shoot(page, screenshot, "session-warning")
    stay.click()
    expect(warning).to_be_hidden()
    status = page.request.get(reverse("session-status")).json()
    assert status["signed_in"] is True and status["idle_left"] > 40
    assert blocked == []


def test_review_screen_and_search_at_desktop_and_phone_width(new_page, screenshot, people):
    """The new screens, as a reviewer sees them (screenshots for the issue)."""
    from monitor.services import record_save, review_return, review_submit
    from tests.test_review_queue import cited_case, fresh

    monitor, reviewer, team = people["monitor"], people["reviewer"], people["team"]
    case, _allegation, _source = cited_case(
        monitor, team, title="Detention of Daler Imomali", summary=TESTIMONY
    )
    review_submit(record=case, actor=monitor)
    review_return(record=fresh(case), actor=reviewer, comment="Say how long he was held.")
    current = fresh(case)
    current.summary = TESTIMONY.replace("three days", "five days")
    record_save(record=current, actor=monitor)
    review_submit(record=fresh(case), actor=monitor)

    device = enrol(reviewer)
    page = new_page()
    blocked = watch_policy(page)
    sign_in_to(page, "rita-reviewer")
    second_factor(page, device)
    page.get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    shoot(page, screenshot, "review-queue-page")
    page.get_by_role("link", name=re.compile("Detention of Daler Imomali")).click()
    expect(page.get_by_role("heading", name="Changes since the last return")).to_be_visible()
    expect(page.locator(".word-diff del")).to_have_text("three ")
    expect(page.locator(".word-diff ins")).to_have_text("five ")
    shoot(page, screenshot, "review-item-page")

    page.get_by_label("Search everything").fill("Imomali")
    page.get_by_label("Search everything").press("Enter")
    expect(page.locator("#search-results")).to_contain_text("Detention of Daler Imomali")
    shoot(page, screenshot, "search-results")
    assert blocked == []


class LoadCounter:
    """Counts the pages a person waits for: every load of a page's main frame (a link, a
    form sent, a redirect's last stop), across every persona's page."""

    def __init__(self):
        self.urls: list[str] = []

    @property
    def count(self) -> int:
        return len(self.urls)

    def watch(self, page, who: str):
        page.on("load", lambda loaded: self.urls.append(f"{who}: {loaded.url}"))
        return page


#: The page loads the journey took when issue 19 was written.
LOADS_BEFORE = 29
#: At most half of them (the issue's target; see the breakdown the test prints).
LOADS_NOW = 14


def review_link(outbox, case) -> str:
    """The link to ``case``'s review screen in the newest review notice (an e-mail)."""
    notice = outbox[-1]
    assert case.reference in notice.subject
    return re.search(rf"https?://\S+/review/cases/case/{case.pk}/", notice.body).group(0)


def test_the_monitor_journey_counted_in_page_loads(
    new_page, screenshot, people, live_server, settings, mailoutbox
):
    """Record a case (an arrest in "June 2023", a charge, a 7-year sentence, an ill-treatment
    allegation citing a news article); submit; return; fix; verify; find the person again;
    export — counted in page loads, and the figure printed.

    The reviewer opens each item from the link in the notice the submission sent
    (:mod:`monitor.notifications`); the monitor saves and submits with one button, and goes
    from the new case straight to its detention's steps."""
    from django.db import transaction

    from monitor.choices import Vocabulary
    from tests.factories import TermFactory

    settings.SITE_URL = live_server.url
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with transaction.atomic():
        violation = TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Ill-treatment")
        news = TermFactory(vocabulary=Vocabulary.SOURCE_KIND, label="News article")
        article = TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307 (extremism)")
    device = enrol(people["reviewer"])
    loads = LoadCounter()

    # -- the monitor records the case ---------------------------------------------------------
    monitor = loads.watch(new_page(), "monitor")
    blocked = watch_policy(monitor)
    sign_in_to(monitor, "alice-monitor", next_path=reverse("case-create"))
    expect(monitor.get_by_role("heading", name="New case")).to_be_visible()
    monitor.get_by_label("Title").first.fill("Detention of the journalist Daler Imomali")
    monitor.get_by_label("Summary").fill("Taken from his home in Dushanbe at night.")
    allegation = monitor.locator("#row-allegations-0")
    allegation.get_by_label("Violation").select_option(value=str(violation.pk))
    allegation.get_by_label("…or a new person (full name)").fill("Daler Imomali")
    allegation.get_by_label("Date", exact=True).fill("June 2023")
    cite_new_source(allegation)
    allegation.get_by_label("Quote").fill("He was beaten during questioning.")
    detention = monitor.locator("#row-detentions-0")
    detention.get_by_label("…or a new person (full name)").fill("Daler Imomali")
    detention.get_by_label("Arrested on").fill("June 2023")
    cite_new_source(detention)
    new_source = monitor.locator("#new-source")
    new_source.get_by_label("Title").fill("Asia-Plus: journalist detained in Dushanbe")
    new_source.get_by_label("Kind").select_option(value=str(news.pk))
    new_source.get_by_label("Publisher").fill("Asia-Plus")
    # Saved, and straight on to the detention's steps (no trip back through the case form).
    monitor.get_by_role("button", name="Save, then record the steps").click()
    expect(monitor.get_by_text(re.compile(r"Case TJK-\d{4}-\d{4} was saved\."))).to_be_visible()
    case = Case.objects.get()

    # The charge and the sentence: the detention's steps. The article is picked as one types;
    # the court that sentenced him is added in place (no trip through the admin).
    expect(monitor.get_by_role("heading", name=re.compile("Steps:"))).to_be_visible()
    # The arrest is the first row; the page offers two empty rows after it.
    charged = monitor.locator("#row-steps-1")
    charged.get_by_label("Step").select_option(value="charged")
    charged.get_by_label("Date", exact=True).fill("June 2023")
    charged.get_by_role("combobox", name="Criminal-code articles").fill("307")
    monitor.get_by_role("option", name=article.label, exact=True).click()
    expect(charged.locator(".pick__chip")).to_contain_text(article.label)
    sentenced = monitor.locator("#row-steps-2")
    sentenced.get_by_label("Step").select_option(value="sentenced")
    sentenced.get_by_label("Date", exact=True).fill("October 2023")
    court = "Dushanbe city court"
    sentenced.get_by_role("combobox", name="Authority or court").fill(court)
    monitor.get_by_role("option", name=f"Add “{court}” as new").click()
    expect(sentenced.locator(".pick__chip")).to_contain_text(court)
    sentenced.get_by_role("spinbutton", name="years").fill("7")
    # The steps saved and the case sent to review, with one button.
    monitor.get_by_role("button", name="Save and submit for review").click()
    expect(monitor.get_by_text(re.compile("Steps saved"))).to_be_visible()
    expect(monitor.get_by_text("was submitted for review")).to_be_visible()
    shoot(monitor, screenshot, "saved-and-submitted")
    sentence = DetentionStep.objects.get(detention__case=case, kind="sentenced")
    assert (sentence.sentence_months, sentence.authority.name) == (84, court)
    charge = DetentionStep.objects.get(detention__case=case, kind="charged")
    assert list(charge.articles.all()) == [article]

    # -- the reviewer returns it, from the link in the notice -----------------------------------
    reviewer = loads.watch(new_page(), "reviewer")
    reviewer.goto(review_link(mailoutbox, case))  # not signed in yet: the sign-in form
    sign_in_to(reviewer, "rita-reviewer", go=False)
    reviewer.get_by_label("Code").fill(next_code(device))
    reviewer.get_by_role("button", name="Verify").click()
    heading = reviewer.get_by_role("heading", name=re.compile(re.escape(case.reference)))
    expect(heading).to_be_visible()
    reviewer.get_by_label("What needs fixing (required)").fill("Say where he is held now.")
    reviewer.get_by_role("button", name="Return").click()
    expect(reviewer.get_by_role("heading", name="Review queue")).to_be_visible()

    # -- the monitor fixes it and sends it again, with one button -------------------------------
    monitor.goto(reverse("case-edit", args=[case.pk]))
    monitor.get_by_label("Summary").fill(
        "Taken from his home in Dushanbe at night; held in the SCNS pre-trial centre."
    )
    monitor.get_by_role("button", name="Save and submit for review").click()
    expect(monitor.get_by_text("was submitted for review")).to_be_visible()

    # -- the reviewer sees what changed since the return and verifies ---------------------------
    reviewer.goto(review_link(mailoutbox, case))
    expect(reviewer.get_by_role("heading", name="Changes since the last return")).to_be_visible()
    expect(reviewer.locator("#review-changes ins").first).to_contain_text("SCNS")
    reviewer.get_by_role("button", name="Verify").click()
    case.refresh_from_db()
    assert case.review_state == "verified"

    # -- the monitor finds the person again and exports their cases ---------------------------
    monitor.get_by_label("Search everything").fill("Имомали")
    monitor.get_by_label("Search everything").press("Enter")
    monitor.get_by_role("link", name="Daler Imomali").first.click()
    with monitor.expect_download() as download:
        monitor.get_by_role("link", name="Export their cases (CSV)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert case.reference in exported

    print(f"\nissue 19 journey: {loads.count} page loads (before: {LOADS_BEFORE})")
    print("\n".join(f"  {number:2}. {url}" for number, url in enumerate(loads.urls, 1)))
    assert loads.count <= LOADS_NOW <= LOADS_BEFORE // 2
    assert blocked == []
