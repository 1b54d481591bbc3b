"""The forms' type-ahead pickers in a real browser (issue 19): type, pick a suggestion, add a
record that does not exist yet in place, take a chip off with its button — at desktop and
at phone width, with the app's strict CSP reporting nothing blocked."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Case, Event
from monitor.choices import Confidentiality, ReviewState, Role
from tests.browser.test_monitor_journey import sign_in, watch_policy
from tests.factories import PlaceFactory, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_monitor_picks_a_place_and_adds_an_event_in_place_on_desktop_and_phone(
    new_page, screenshot
):
    team = TeamFactory(name="GBAO documentation team")
    UserFactory(
        username="alice-monitor",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    khorog = PlaceFactory(name="Khorog")
    rushan = PlaceFactory(name="Rushan")
    # Added by someone in place and not verified yet: it can be picked, and says it waits.
    PlaceFactory(name="Vomar", review_state=ReviewState.SUBMITTED)
    for number in range(30):
        PlaceFactory(name=f"Village {number:02d}")

    for width, height, name in ((1280, 900, "desktop"), (390, 844, "phone")):
        page = new_page(width=width, height=height)
        blocked = watch_policy(page)
        sign_in(page, "alice-monitor")
        page.goto(reverse("case-create"))
        # No <option> per place: the picker asks the server as one types.
        expect(page.locator("select[name=places]")).to_have_count(0)
        page.locator("#id_title").fill(f"Detentions in Khorog ({name})")

        places = page.get_by_role("combobox", name="Places", exact=True)
        places.fill("Khor")
        page.get_by_role("option", name="Khorog", exact=True).click()
        places.fill("Voma")
        expect(page.get_by_role("option", name="Vomar — waiting for review")).to_be_visible()
        places.fill("Rush")
        page.get_by_role("option", name="Rushan", exact=True).click()
        chips = page.locator(".pick:has(input[name=places]) .pick__chip")
        expect(chips).to_have_count(2)
        # Taken off with its own button (no Ctrl-click), on a phone as on a desktop.
        page.get_by_role("button", name="Remove: Rushan").click()
        expect(chips).to_have_count(1)

        events = page.get_by_role("combobox", name="Events", exact=True)
        title = f"Khorog rally, 16 May 2022 ({name})"
        events.fill(title)
        page.get_by_role("option", name=f"Add “{title}” as new").click()
        expect(page.locator(".pick:has(input[name=events]) .pick__chip")).to_contain_text(title)
        screenshot(page, f"picker-{name}")

        page.get_by_role("button", name="Save case").click()
        expect(page.locator(".messages, .alert").first).to_be_visible()
        case = Case.objects.get(title=f"Detentions in Khorog ({name})")
        assert list(case.places.all()) == [khorog]
        event = Event.objects.get(title=title)
        assert list(case.events.all()) == [event]
        # Added in place, the event is a draft of the team: it enters review like any other.
        assert (event.review_state, event.team) == (ReviewState.DRAFT, team)
        assert rushan not in case.places.all()
        assert blocked == []
