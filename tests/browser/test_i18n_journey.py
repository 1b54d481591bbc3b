"""Issue 16's journey in a real browser: a monitor whose browser asks for Russian records a
case and submits it; a reviewer who chose Tajik verifies it in the admin's review queue.
Neither sees an English word of the interface on any page of the journey, and the UN
submission pack the monitor downloads is in English.

Screenshots of the dashboard, the case form and the review queue in each language go where
the other browser tests put theirs (artifacts/screenshots/).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Case
from monitor.choices import Confidentiality, ReviewState, Role, Vocabulary
from monitor.models import Term
from tests.factories import PASSWORD, TeamFactory, UserFactory
from tests.pages.test_documents import _docx_text
from tests.test_i18n_crawl import NOT_ENGLISH, data_words, english_words
from tests.twofactor import enrol, next_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def localized_page(browser, live_server):
    """``localized_page("ru-RU")``: a page in a fresh context whose browser asks for that
    language (its Accept-Language header and navigator.language)."""
    contexts = []

    def open_page(locale: str, width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def no_english(page, language: str) -> None:
    """The page is in ``language`` and shows no English word of the interface."""
    html = page.content()
    assert re.search(f'<html lang="{language}"[ >]', html), page.url
    found = english_words(html, NOT_ENGLISH | data_words())
    assert found == [], (page.url, sorted(set(found)))


def sign_in(page, username: str) -> None:
    page.goto(reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_a_russian_monitor_records_a_case_a_tajik_reviewer_verifies_it_the_un_pack_is_english(
    localized_page, screenshot
):
    team = TeamFactory(name="Группа ГБАО")
    UserFactory(
        username="alisher",
        first_name="Алишер",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    reviewer = UserFactory(
        username="rano",
        first_name="Раъно",
        role=Role.REVIEWER,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
        is_staff=True,
    )
    reviewer.language = "tg"  # chosen once, in her profile
    reviewer.save()
    device = enrol(reviewer)
    violation = Term.objects.of(Vocabulary.VIOLATION_TYPE).get(code="arbitrary-arrest")
    source_kind = Term.objects.of(Vocabulary.SOURCE_KIND).get(code="testimony")

    # -- the monitor: a Russian browser, no preference saved ----------------------------------
    page = localized_page("ru-RU")
    sign_in(page, "alisher")
    page.wait_for_url(re.compile(re.escape(reverse("dashboard")) + r"$"))
    expect(page.get_by_role("heading", name="Панель", level=1)).to_be_visible()
    no_english(page, "ru")
    screenshot(page, "ru-dashboard")

    page.goto(reverse("case-create"))
    expect(page.get_by_role("heading", name="Новое дело")).to_be_visible()
    no_english(page, "ru")
    page.locator("#id_title").fill("Задержание журналиста Далера Имомали")
    page.locator("#id_summary").fill("Задержан ночью у себя дома в Душанбе.")
    expect(page.locator("#id_language")).to_have_value("ru")
    allegation = page.locator("#row-allegations-0")
    allegation.locator("select[name$=violation_type]").select_option(value=str(violation.pk))
    allegation.locator("input[name$=new_person]").fill("Далер Имомали")
    allegation.locator("input[name$=-date]").fill("май 2023")
    # "Cite a source" is a picker: the new source described on the page is offered first.
    allegation.locator(".cite .pick__box").click()
    allegation.get_by_role("option", name="Новый источник (описан ниже на этой странице)").click()
    expect(allegation.locator(".cite .pick__chip")).to_contain_text("Новый источник")
    allegation.locator("input[name$=cite_page]").fill("2")
    new_source = page.locator("#new-source")
    new_source.locator("input[name=newsource-title]").fill("Заявление семьи Далера Имомали")
    new_source.locator("select[name=newsource-kind]").select_option(value=str(source_kind.pk))
    new_source.locator("input[name=newsource-publisher]").fill("Семья")
    screenshot(page, "ru-case-form")
    page.get_by_role("button", name="Сохранить дело").click()

    expect(page.get_by_text(re.compile(r"Дело TJK-\d{4}-\d{4} сохранено\."))).to_be_visible()
    no_english(page, "ru")
    case = Case.objects.get()
    assert case.language == "ru"
    assert str(case.allegations.get().date) == "May 2023"  # «май 2023», understood
    page.get_by_role("button", name="Отправить на проверку", exact=True).click()
    page.wait_for_url(re.compile(re.escape(reverse("case-detail", args=[case.pk])) + r"$"))
    expect(page.get_by_text("отправлено на проверку").first).to_be_visible()
    no_english(page, "ru")
    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED

    # The UN submission pack: the page in Russian, the document in English.
    page.goto(reverse("case-un-submission", args=[case.pk]))
    no_english(page, "ru")
    with page.expect_download() as download:
        page.locator("main form button[type=submit]").click()
    text = _docx_text(download.value.path().read_bytes())
    assert "Identity of the person(s) concerned" in text
    assert "Arbitrary arrest" in text and "Произвольный арест" not in text
    assert "May 2023" in text

    # -- the reviewer: Tajik, saved in her profile (her browser asks for English) -------------
    page = localized_page("en-US")
    sign_in(page, "rano")
    page.locator("#id_code").fill(next_code(device))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(reverse("dashboard")) + r"$"))
    expect(page.get_by_role("heading", name="Лавҳаи асосӣ", level=1)).to_be_visible()
    no_english(page, "tg")
    screenshot(page, "tg-dashboard")

    page.goto(reverse("admin:review_queue"))
    expect(page.get_by_role("heading", name=re.compile("Навбати санҷиш"))).to_be_visible()
    no_english(page, "tg")
    screenshot(page, "tg-review-queue")
    page.get_by_role("link", name=re.compile(re.escape(case.reference))).click()
    expect(page.get_by_text("Ҳеҷ гоҳ: ҳама чизи поён нав аст.")).to_be_visible()
    no_english(page, "tg")
    page.get_by_role("button", name="Тасдиқ кардан").click()
    case.refresh_from_db()
    assert case.review_state == ReviewState.VERIFIED
    no_english(page, "tg")

    page.goto(reverse("case-detail", args=[case.pk]))
    expect(page.get_by_text("тасдиқшуда").first).to_be_visible()
    no_english(page, "tg")

    # The other half of the screenshots: the case form in Tajik, the dashboard, the case
    # form and the review queue in Russian for a reviewer.
    page.goto(reverse("case-create"))
    no_english(page, "tg")
    screenshot(page, "tg-case-form")
    page.goto(reverse("dashboard"))
    page.locator("#interface-language").select_option("ru")
    page.get_by_role("button", name="Ивази забон").click()
    expect(page.get_by_role("heading", name="Панель", level=1)).to_be_visible()
    page.goto(reverse("admin:review_queue"))
    no_english(page, "ru")
    screenshot(page, "ru-review-queue")
    reviewer.refresh_from_db()
    assert reviewer.language == "ru"
