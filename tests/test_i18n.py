"""Russian and Tajik (issue 16): the language each person gets, dates as people write them,
vocabulary labels per language, content kept in its own language, UN documents in English,
and the catalogs complete.

The crawl of every page in each language, as each persona, is in ``tests/test_i18n_crawl.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from cases.models import Case
from cases.vocabularies_data import labels_of
from monitor.approxdate import ApproximateDate
from monitor.choices import Confidentiality, Vocabulary
from monitor.models import Term
from monitor.vocabularies import iter_starter_terms
from monitor.vocabulary_translations import STARTER_TRANSLATIONS, set_translations
from tests.factories import CaseFactory
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
LANGUAGES = ("ru", "tg")


# -- which language a person gets ----------------------------------------------------------


def test_a_russian_browser_gets_the_sign_in_page_in_russian(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9").content.decode()
    assert '<html lang="ru">' in html
    assert "Войти" in html and "Имя пользователя" in html
    assert "Sign in" not in html


def test_a_tajik_browser_gets_the_sign_in_page_in_tajik(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="tg").content.decode()
    assert '<html lang="tg">' in html
    assert "Номи корбар" in html and "Username" not in html


def test_the_saved_preference_beats_the_browser(client, monitor_on_team):
    monitor_on_team.language = "tg"
    monitor_on_team.save()
    client.force_login(monitor_on_team)
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="tg">' in html and "Лавҳаи асосӣ" in html


def test_without_a_preference_the_browser_decides(client, monitor_on_team):
    client.force_login(monitor_on_team)
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="ru">' in html and "Панель" in html
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Dashboard" in html


def test_the_switcher_is_on_every_page_and_saves_the_choice_in_the_profile(client, monitor_on_team):
    client.force_login(monitor_on_team)
    html = client.get(reverse("case-list")).content.decode()
    assert f'action="{reverse("set-language")}"' in html
    assert '<option value="tg" lang="tg">Тоҷикӣ</option>' in html
    response = client.post(reverse("set-language"), {"language": "tg", "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    monitor_on_team.refresh_from_db()
    assert monitor_on_team.language == "tg"
    # The change is in the user's history, with its reason.
    latest = monitor_on_team.history.first()
    assert latest.language == "tg" and latest.history_change_reason == "Interface language chosen"
    # A fresh session (another browser, English by default) gets the saved choice.
    client.logout()
    client.cookies.clear()
    client.force_login(monitor_on_team)
    html = client.get(reverse("case-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="tg">' in html


def test_the_switcher_refuses_an_unknown_language_and_a_foreign_next(client, monitor_on_team):
    client.force_login(monitor_on_team)
    response = client.post(
        reverse("set-language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    monitor_on_team.refresh_from_db()
    assert monitor_on_team.language == ""


def test_a_visitor_not_signed_in_is_sent_back_to_the_sign_in_page(client):
    response = client.post(reverse("set-language"), {"language": "ru"})
    assert response["Location"] == reverse("login")
    response = client.post(
        reverse("set-language"), {"language": "ru", "next": "https://x.example/"}
    )
    assert response["Location"] == reverse("login")


def test_a_visitor_not_signed_in_keeps_the_choice_in_a_cookie(client):
    response = client.post(reverse("set-language"), {"language": "ru", "next": "/accounts/login/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="ru">' in html


def test_the_admin_speaks_the_chosen_language(client, coordinator):
    coordinator.is_staff = True
    coordinator.language = "ru"
    coordinator.save()
    client.force_login(coordinator)
    html = client.get(reverse("admin:index")).content.decode()
    # Django's own Russian ("Выйти", from its catalog) and ours ("Очередь проверки").
    assert "Очередь проверки" in html and "Выйти" in html
    coordinator.language = "tg"
    coordinator.save()
    html = client.get(reverse("admin:index")).content.decode()
    assert "Навбати санҷиш" in html


def test_api_errors_come_in_the_language_asked_for(monitor_on_team):
    api = APIClient()
    api.force_authenticate(monitor_on_team)
    answer = api.post("/api/v1/cases/", {}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["message"] == "Запрос неверен: см. ошибки по полям."
    # DRF's own field messages, from DRF's Russian catalog.
    assert error["fields"]["title"] == ["Обязательное поле."]
    answer = api.post("/api/v1/cases/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.json()["error"]["message"] == "The request is invalid: see the errors by field."


def test_an_api_client_asking_for_a_language_gets_it_over_the_saved_preference(
    client, monitor_on_team
):
    monitor_on_team.language = "tg"
    monitor_on_team.save()
    client.force_login(monitor_on_team)  # a session, as the browsable API would have
    answer = client.post(
        "/api/v1/cases/", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert answer.json()["error"]["message"] == "Запрос неверен: см. ошибки по полям."


# -- dates and numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("май 2022", ApproximateDate(2022, 5)),
        ("мая 2022", ApproximateDate(2022, 5)),
        ("в мае 2022 г.", ApproximateDate(2022, 5)),
        ("18 мая 2022", ApproximateDate(2022, 5, 18)),
        ("18 мая 2022 года", ApproximateDate(2022, 5, 18)),
        ("ок. 2021", ApproximateDate(2021, circa=True)),
        ("около 2021", ApproximateDate(2021, circa=True)),
        ("примерно сентябрь 2020", ApproximateDate(2020, 9, circa=True)),
        ("сент. 2020", ApproximateDate(2020, 9)),
        ("октябрь 2022", ApproximateDate(2022, 10)),  # "ок" here is not "около"
        ("моҳи майи 2022", ApproximateDate(2022, 5)),
        ("майи 2022", ApproximateDate(2022, 5)),
        ("18 майи 2022", ApproximateDate(2022, 5, 18)),
        ("октябри 2022", ApproximateDate(2022, 10)),
        ("тақрибан 2021", ApproximateDate(2021, circa=True)),
        ("тақр. 2021", ApproximateDate(2021, circa=True)),
        ("12.05.2023", ApproximateDate(2023, 5, 12)),
        ("May 2022", ApproximateDate(2022, 5)),
        ("c. 2021", ApproximateDate(2021, circa=True)),
    ],
)
def test_approximate_dates_are_accepted_as_people_write_them(text, expected):
    assert ApproximateDate.parse(text) == expected


@pytest.mark.parametrize(
    ("language", "day", "month", "circa"),
    [
        ("en", "12 May 2023", "May 2022", "c. 2021"),
        ("ru", "12.05.2023", "май 2022", "ок. 2021"),
        ("tg", "12.05.2023", "моҳи майи 2022", "тақр. 2021"),
    ],
)
def test_approximate_dates_are_shown_as_people_write_them(language, day, month, circa):
    with translation.override(language):
        assert str(ApproximateDate(2023, 5, 12)) == day
        assert str(ApproximateDate(2022, 5)) == month
        assert str(ApproximateDate(2021, circa=True)) == circa
        # What is shown parses back to the same value.
        for shown in (day, month, circa):
            assert str(ApproximateDate.parse(shown)) == shown


def test_a_date_monitor_does_not_understand_is_explained_in_russian():
    with translation.override("ru"), pytest.raises(ValueError, match="не дата, понятная Monitor"):
        ApproximateDate.parse("Mayember 2022")


def test_case_page_dates_are_12_05_2023_in_russian_and_tajik(client, monitor_on_team, team):
    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT, title="Дело")
    client.force_login(monitor_on_team)
    url = reverse("case-detail", args=[case.pk])
    created = case.created_at
    for language in LANGUAGES:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert created.strftime("%d.%m.%Y") in html, language
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert created.strftime("%Y-%m-%d") in html


def test_allegation_dates_typed_in_russian_are_saved(client, monitor_on_team, team):
    client.force_login(monitor_on_team)
    violation = Term.objects.of(Vocabulary.VIOLATION_TYPE).get(code="arbitrary-arrest")
    page = client.get(reverse("case-create"), HTTP_ACCEPT_LANGUAGE="ru")
    data = form_data(
        page,
        title="Задержание журналиста",
        **{
            "allegations-0-violation_type": str(violation.pk),
            "allegations-0-new_person": "Далер Имомали",
            "allegations-0-date": "май 2022",
        },
    )
    response = client.post(reverse("case-create"), data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302, response.content.decode()[:2000]
    allegation = Case.objects.get(title="Задержание журналиста").allegations.get()
    assert allegation.date == ApproximateDate(2022, 5)


# -- vocabularies ---------------------------------------------------------------------------


def test_every_starter_term_ships_in_russian_and_tajik():
    for vocabulary, starter, _parent, _position in iter_starter_terms():
        term = Term.objects.get(vocabulary=vocabulary, code=starter.code)
        assert term.labels.get("ru") and term.labels.get("tg"), (vocabulary, starter.code)
        expected = STARTER_TRANSLATIONS.get(vocabulary, {}).get(starter.code)
        if expected is None:  # a term the protest detentions added (cases/vocabularies_data.py)
            added = labels_of(starter.code, vocabulary)
            assert added is not None, (vocabulary, starter.code)
            expected = {"ru": added.ru, "tg": added.tg}
        assert term.labels == expected


def test_terms_use_the_words_of_the_un_and_the_criminal_code():
    def label(vocabulary, code, language):
        return Term.objects.get(vocabulary=vocabulary, code=code).label_in(language)

    assert label("un_mandate", "wg-arbitrary-detention", "ru") == (
        "Рабочая группа по произвольным задержаниям"
    )
    assert label("un_mandate", "sr-torture", "ru").startswith(
        "Специальный докладчик по вопросу о пытках и других жестоких, бесчеловечных или "
        "унижающих достоинство видах обращения"
    )
    assert label("criminal_article", "tjk-cc-307-1", "tg").startswith("Моддаи 307.1 КҶ ҶТ")
    assert label("violation_type", "torture", "tg") == "Шиканҷа"


def test_a_term_shows_its_label_in_the_active_language_else_english():
    term = Term.objects.get(vocabulary="violation_type", code="torture")
    with translation.override("ru"):
        assert str(term) == term.shown_label == "Пытки"
    with translation.override("en"):
        assert str(term) == "Torture"
    untranslated = Term.objects.create(vocabulary=Vocabulary.TAG, code="gbao", label="GBAO")
    with translation.override("tg"):
        assert str(untranslated) == "GBAO"


def test_set_translations_fills_missing_labels_and_keeps_a_coordinators_wording():
    from django.apps import apps

    term = Term.objects.get(vocabulary="event_type", code="protest")
    term.labels = {"ru": "Акция протеста"}
    term.save()
    changed = set_translations(
        apps, "event_type", {"protest": {"ru": "Протест", "tg": "Эътироз"}, "nope": {"ru": "x"}}
    )
    term.refresh_from_db()
    assert changed == 1
    assert term.labels == {"ru": "Акция протеста", "tg": "Эътироз"}
    assert term.history.first().history_type == "~"
    assert set_translations(apps, "event_type", {"protest": {"tg": "Эътироз"}}) == 0


def test_a_coordinator_edits_the_labels_in_the_admin(client, coordinator):
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    term = Term.objects.get(vocabulary="event_type", code="armed-clash")
    url = reverse("admin:monitor_term_change", args=[term.pk])
    html = client.get(url).content.decode()
    assert 'name="label_ru"' in html and 'value="Вооружённое столкновение"' in html
    data = {
        "vocabulary": term.vocabulary,
        "code": term.code,
        "label": term.label,
        "label_ru": "Вооружённый конфликт",
        "label_tg": "Бархӯрди мусаллаҳона",
        "description": "",
        "parent": "",
        "position": term.position,
        "expected_version": term.version,
        "change_reason": "Wording",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    term.refresh_from_db()
    assert term.labels == {"ru": "Вооружённый конфликт", "tg": "Бархӯрди мусаллаҳона"}


def test_a_coordinator_edits_the_labels_through_the_api_and_bad_ones_are_refused(coordinator):
    api = APIClient()
    api.force_authenticate(coordinator)
    term = Term.objects.get(vocabulary="event_type", code="mass-arrest")
    url = f"/api/v1/terms/{term.pk}/"
    answer = api.get(url, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.json()["labels"] == {"ru": "Массовые задержания", "tg": "Боздоштҳои оммавӣ"}
    etag = answer["ETag"]
    refused = api.patch(url, {"labels": {"fr": "Arrestations"}}, format="json", HTTP_IF_MATCH=etag)
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["labels"] == ["Unknown language: fr."]
    answer = api.patch(
        url,
        {"labels": {"ru": "Массовые аресты", "tg": "Ҳабсҳои оммавӣ"}},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert answer.status_code == 200, answer.json()
    term.refresh_from_db()
    assert term.labels == {"ru": "Массовые аресты", "tg": "Ҳабсҳои оммавӣ"}


def test_linked_terms_in_the_api_carry_the_label_of_the_language_asked_for(monitor_on_team):
    from tests.factories import AllegationFactory

    case = CaseFactory(confidentiality=Confidentiality.PUBLIC)
    torture = Term.objects.get(vocabulary="violation_type", code="torture")
    allegation = AllegationFactory(case=case, violation_type=torture)
    api = APIClient()
    api.force_authenticate(monitor_on_team)
    answer = api.get(f"/api/v1/allegations/{allegation.pk}/", HTTP_ACCEPT_LANGUAGE="tg")
    assert answer.json()["violation_type"]["label"] == "Шиканҷа"


# -- content keeps its language -------------------------------------------------------------


def test_a_case_written_in_a_russian_session_is_recorded_as_russian_and_not_translated(
    client, monitor_on_team
):
    client.force_login(monitor_on_team)
    page = client.get(reverse("case-create"), HTTP_ACCEPT_LANGUAGE="ru")
    # The form offers the interface language as the text's language.
    assert '<option value="ru" selected>' in page.content.decode()
    data = form_data(page, title="Задержание блогера", summary="Задержан ночью дома.")
    response = client.post(reverse("case-create"), data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    case = Case.objects.get(title="Задержание блогера")
    assert case.language == "ru"
    html = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert '<p lang="ru">Задержан ночью дома.</p>' in html
    # Listed by the language it is written in.
    listed = client.get(reverse("case-list") + "?language=ru").content.decode()
    assert "Задержание блогера" in listed
    listed = client.get(reverse("case-list") + "?language=tg").content.decode()
    assert "Задержание блогера" not in listed


# -- documents for the UN stay in English ----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_un_pack_is_english_for_a_user_who_chose_russian_or_tajik(
    client, monitor_on_team, team, language
):
    from tests.factories import AllegationFactory

    monitor_on_team.language = language
    monitor_on_team.save()
    case = CaseFactory(team=team, confidentiality=Confidentiality.STRICT, title="Арест")
    torture = Term.objects.get(vocabulary="violation_type", code="torture")
    AllegationFactory(case=case, violation_type=torture, date="2022-05")
    client.force_login(monitor_on_team)
    url = reverse("case-un-submission", args=[case.pk])
    page = client.get(url).content.decode()
    assert "Пакет материалов для ООН" in page or "Бастаи маводҳо барои СММ" in page
    response = client.post(url, {"format": "docx"})
    assert response.status_code == 200
    from tests.pages.test_documents import _docx_text

    text = _docx_text(response.content)
    assert "Identity of the person(s) concerned" in text
    assert "Torture" in text and "Пытки" not in text and "Шиканҷа" not in text
    assert "May 2022" in text


# -- the catalogs ---------------------------------------------------------------------------


def _entries(language: str) -> polib.POFile:
    return polib.pofile(str(BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_entry_is_translated_and_none_is_fuzzy(language):
    catalog = _entries(language)
    assert not catalog.metadata_is_fuzzy
    fuzzy = [entry.msgid for entry in catalog if "fuzzy" in entry.flags and not entry.obsolete]
    empty = [
        entry.msgid
        for entry in catalog
        if not entry.obsolete
        and not (entry.msgstr if not entry.msgid_plural else all(entry.msgstr_plural.values()))
    ]
    assert fuzzy == [] and empty == []
    plural_forms = 4 if language == "ru" else 2
    for entry in catalog:
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == plural_forms, entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}")
    for entry in _entries(language):
        if entry.msgid_plural:
            expected = set(placeholder.findall(entry.msgid_plural))
            for text in entry.msgstr_plural.values():
                assert set(placeholder.findall(text)) <= expected, (entry.msgid, text)
        else:
            assert sorted(placeholder.findall(entry.msgstr)) == sorted(
                placeholder.findall(entry.msgid)
            ), entry.msgid


def test_every_string_of_the_code_is_in_the_catalogs(tmp_path):
    """makemessages, run on a copy of the project, finds no msgid the catalogs lack."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: `apt-get install gettext` (.ci/run does).")
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "var", "staticfiles", "artifacts", "__pycache__", "*.mo", "*.pyc"
    )
    shutil.copytree(BASE_DIR, copy, ignore=ignore, symlinks=True)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-location",
         "-l", "ru", "-l", "tg", *MAKEMESSAGES_IGNORES],
        cwd=copy, check=True, capture_output=True,
    )  # fmt: skip
    for language in LANGUAGES:
        regenerated = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        kept = {(entry.msgctxt, entry.msgid): entry for entry in _entries(language)}
        missing = [
            entry.msgid
            for entry in regenerated
            if not entry.obsolete
            and (
                (entry.msgctxt, entry.msgid) not in kept
                or "fuzzy" in entry.flags
                or not (entry.msgstr or any(entry.msgstr_plural.values()))
            )
        ]
        assert missing == [], (
            f"{len(missing)} string(s) not translated into {language}; run `make messages` and "
            f"translate them: {missing[:20]}"
        )


#: What `make messages` leaves out: tests, and the UN documents (English whatever the
#: interface language). Keep in step with the Makefile.
MAKEMESSAGES_IGNORES = [
    f"--ignore={pattern}"
    for pattern in (
        ".venv/*",
        "tests/*",
        "*/tests/*",
        "templates/cases/documents/*",
        "cases/documents/*",
        "staticfiles/*",
        "var/*",
    )
]


def test_the_makefile_compiles_the_catalogs_for_the_demo_and_the_tests():
    makefile = (BASE_DIR / "Makefile").read_text()
    assert "manage.py compile_translations" in makefile
    run_demo = (BASE_DIR / "cases/management/commands/run_demo.py").read_text()
    assert 'call_command("compile_translations"' in run_demo
    assert "gettext" in (BASE_DIR / ".ci" / "run").read_text()


# -- e-mails ---------------------------------------------------------------------------------


def test_the_reminder_digest_is_written_in_the_owners_language(team):
    from io import StringIO

    from django.core import mail
    from django.core.management import call_command

    from monitor.choices import Role
    from tests.factories import FollowUpFactory, UserFactory

    owner = UserFactory(
        username="dilnoza",
        email="dilnoza@example.org",
        role=Role.MONITOR,
        clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )
    owner.language = "ru"
    owner.save()
    case = CaseFactory(reference="TJK-2024-0001", team=team)
    FollowUpFactory(case=case, sent="2023-05-12", owner=owner)  # due 11 July 2023: overdue
    call_command("send_reminders", today="2024-06-01", stdout=StringIO(), stderr=StringIO())
    [message] = [m for m in mail.outbox if "dilnoza@example.org" in m.to]
    assert message.subject.startswith("Сроки в Monitor: 1 просрочен")
    assert "Здравствуйте" in message.body and "11.07.2023" in message.body
    assert "Hello" not in message.body and "Overdue" not in message.body


def test_the_dashboard_chart_names_its_months_in_the_readers_language(client, monitor_on_team):
    from tests.factories import AllegationFactory

    case = CaseFactory(confidentiality=Confidentiality.PUBLIC)
    torture = Term.objects.get(vocabulary="violation_type", code="torture")
    AllegationFactory(case=case, violation_type=torture, date="2022-05-10")
    AllegationFactory(case=case, violation_type=torture, date="2022-06-10")
    client.force_login(monitor_on_team)
    for language, month in (("ru", "июнь 2022"), ("tg", "моҳи июни 2022"), ("en", "Jun 2022")):
        html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert month in html, language


def test_filter_labels_follow_the_reader_even_after_an_english_reader(client, monitor_on_team):
    """django-filter makes a missing label once, in the language of that moment, and keeps it:
    an English reader (or the API schema) first must not leave the Russian list in English."""
    from cases.filtersets import CaseFilterSet

    with translation.override("en"):
        # The API schema reads each filter's label and form field (which keeps the label it got).
        english = {name: str(f.field.label) for name, f in CaseFilterSet.base_filters.items()}
        client.force_login(monitor_on_team)
        assert (
            "Confidentiality" in client.get("/cases/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )
    assert english["confidentiality"] == "Confidentiality"
    assert english["review_state"] == "Review state"
    html = client.get("/cases/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Confidentiality" not in html and "Review state" not in html
    with translation.override("ru"):
        assert str(CaseFilterSet.base_filters["confidentiality"].label) in html
