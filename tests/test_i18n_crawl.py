"""Every page in Russian and in Tajik, as each persona: no English word of the interface.

The crawl enumerates the project's page routes (the URL resolver, as the anonymous crawl of
tests/security does) and fails on a route it does not know how to visit, so a new page is
crawled or the test says so. The records it shows are written in Cyrillic; what Latin words
the data still holds (usernames, references, factory defaults) are read back from the
database and set aside, so what is left in Latin is the interface itself. A few names are
not words of a language (Monitor, CSV, PDF, UUID…) and stay as they are.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.choices import CasePersonRole, FollowUpKind, StepKind
from imports.services import import_upload
from monitor.choices import Confidentiality, Vocabulary
from monitor.models import TaskProgress, Term
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    FacilityFactory,
    FollowUpFactory,
    FollowUpResponseFactory,
    GroupDetentionFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

LANGUAGES = ("ru", "tg")
PERSONAS = ("monitor_on_team", "monitor_off_team", "reviewer", "coordinator", "viewer")

#: Names, not words of a language: the product, file formats, standards, codes of the UN's
#: communications and of the Criminal Code, the apps a person installs, keys on a keyboard.
NOT_ENGLISH = {
    "Monitor", "CSV", "XLSX", "PDF", "DOCX", "URL", "SHA", "API", "QR", "ISO", "UUID",
    "HTML", "JPEG", "PNG", "ETag", "If-Match", "Accept-Language", "Idempotency-Key",
    "English", "TJK", "AL", "UA", "OL", "JAL", "JUA", "ИВС", "FreeOTP", "Aegis", "Google",
    "Authenticator", "1Password", "Ctrl", "Mac", "Bearer", "MONITOR_EVIDENCE_KEY",
    "DD", "MM", "YYYY", "app_label.model", "cases.allegation", "TOTP", "SHA-256",
    "Shoishirinov",  # the Latin spelling a search finds from «Шоиширинов» (a help text)
    "Djumaev",  # and the one that finds «Джумаев»
    "TJS",  # the somoni's ISO 4217 code
    "BOM", "Excel",  # an encoding's byte-order mark; the spreadsheet program, by its name
    "Axes",  # the sign-in lockout library, by its name (its app has no verbose name)
    "True", "False",  # the alt text of the admin's yes/no icons, which Django never translates
}  # fmt: skip

#: Routes that are not pages: downloads (CSV, XLSX, the calendar feed, evidence), and
#: answers to a form (they redirect or take a POST only).
NOT_PAGES = {
    "feed", "evidence-download", "logout", "set-language", "sign-out-everywhere",
    "communication-statistics-export", "register-export", "register-export-xlsx",
    "case-export", "event-export", "allegation-export", "detention-export",
    "followup-export", "person-export", "source-export", "case-submit", "person-submit",
    "source-submit", "two-factor-verify", "two-factor-setup", "password_change_done",
    "login", "suggest", "task-progress-json", "task-progress-cancel", "export-download",
    "import-failed", "person-unmerge", "detention-statistics-export", "facility-export",
    "session-status", "pick", "pick-new", "evidence-preview",
}  # fmt: skip

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.'’-]*[A-Za-z0-9]|[A-Za-z]{2,}")


@pytest.fixture
def cyrillic_world(team, personas):
    """Records written as monitors write them, in Russian and Tajik."""
    strict = {"confidentiality": Confidentiality.STRICT, "team": team}
    event = EventFactory(title="Разгон митинга в Хороге", **strict)
    source = SourceFactory(
        title="Показания родственников", publisher="Семья", author="Брат", **strict
    )
    person = PersonFactory(name="Далер Имомали", **strict)
    PersonNameFactory(person=person, full_name="Далер Имомалӣ")
    case = CaseFactory(
        title="Задержание журналиста", summary="Задержан ночью дома.", reference="TJK-2023-0901",
        **strict,
    )  # fmt: skip
    case.events.add(event)
    CasePersonFactory(case=case, person=person, role=CasePersonRole.VICTIM)
    torture = Term.objects.get(vocabulary=Vocabulary.VIOLATION_TYPE, code="torture")
    allegation = AllegationFactory(
        case=case, victim=person, violation_type=torture, date="2023-05", description="Избит."
    )
    detention = DetentionFactory(case=case, person=person, description="Содержится в СИЗО.")
    arrest = DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2023-05-18")
    DetentionStepFactory(
        detention=detention, kind=StepKind.SENTENCED, date="2023-12-01", sentence_months=84
    )
    CitationFactory(source=source, record=allegation)
    CitationFactory(source=source, record=arrest)
    followup = FollowUpFactory(
        case=case, title="Письмо Рабочей группе", kind=FollowUpKind.UN_COMMUNICATION,
        sent="2023-06-01",
    )  # fmt: skip
    FollowUpResponseFactory(followup=followup, summary="Ответ правительства.")
    facility = FacilityFactory(name="ИВС ОВД Хорога")
    monitor = personas["monitor_on_team"]
    spreadsheet = "ФИО;Дата задержания\nИванов Иван;12.05.2023\n".encode()
    imported = import_upload(
        actor=monitor,
        uploaded_file=SimpleUploadedFile("список.csv", spreadsheet, content_type="text/csv"),
        team=team,
    )
    progress = TaskProgress.objects.create(
        kind="export", title="Экспорт дел", owner=monitor, state="running", total=10, done=3
    )
    return {
        "case": case,
        "event": event,
        "allegation": allegation,
        "arrest": arrest,
        "source": source,
        "person": person,
        "detention": detention,
        "followup": followup,
        "facility": facility,
        "group": GroupDetentionFactory(case=case, event=event, facility=facility),
        "import": imported,
        "progress": progress,
    }


def _page_routes():
    """(name, route) of every page of the project outside the admin and the API."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) in ("admin/", "api/v1/"):
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield pattern.name, prefix + str(pattern.pattern)

    return list(walk(get_resolver().url_patterns))


def _kwargs(name: str, world) -> dict | None:
    by_name = {
        "case-detail": {"pk": world["case"].pk},
        "review-item": {"app_label": "cases", "model_name": "case", "pk": world["case"].pk},
        "case-edit": {"pk": world["case"].pk},
        "case-un-submission": {"pk": world["case"].pk},
        "detention-steps": {"case_pk": world["case"].pk, "pk": world["detention"].pk},
        "event-detail": {"pk": world["event"].pk},
        "event-edit": {"pk": world["event"].pk},
        "figure-create": {"pk": world["event"].pk},
        "allegation-status": {"pk": world["allegation"].pk},
        "step-status": {"pk": world["arrest"].pk},
        "followup-detail": {"pk": world["followup"].pk},
        "followup-edit": {"pk": world["followup"].pk},
        "followup-respond": {"pk": world["followup"].pk},
        "followup-un-letter": {"pk": world["followup"].pk},
        "person-detail": {"pk": world["person"].pk},
        "person-merge": {"pk": world["person"].pk},
        "facility-detail": {"pk": world["facility"].pk},
        "facility-edit": {"pk": world["facility"].pk},
        "groupdetention-edit": {"pk": world["group"].pk},
        "import-detail": {"pk": world["import"].pk},
        "task-progress": {"pk": world["progress"].pk},
        "person-edit": {"pk": world["person"].pk},
        "source-detail": {"pk": world["source"].pk},
        "source-edit": {"pk": world["source"].pk},
    }
    return by_name.get(name)


def page_urls(world) -> list[str]:
    urls, unknown = [], []
    for name, route in _page_routes():
        if name in NOT_PAGES:
            continue
        if "<" not in route and "(?P" not in route:
            urls.append(reverse(name))
            continue
        kwargs = _kwargs(name, world)
        if kwargs is None:
            unknown.append(name)
        else:
            urls.append(reverse(name, kwargs=kwargs))
    assert unknown == [], f"The i18n crawl does not know how to visit {unknown}: add them."
    return urls


class _Text(HTMLParser):
    """The text a person reads: text nodes and the attributes read aloud or shown."""

    SKIPPED = {"script", "style", "code", "kbd", "samp", "template"}
    READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.stack: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in self.SKIPPED or "mono" in (attrs.get("class") or "").split()
        if tag not in ("br", "img", "input", "meta", "link", "hr", "wbr", "source"):
            self.stack.append(tag)
            if skip or self.skipping:
                self.skipping += 1
        if not self.skipping:
            for name in self.READ_ATTRIBUTES:
                if attrs.get(name):
                    self.texts.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack:
                popped = self.stack.pop()
                if self.skipping:
                    self.skipping -= 1
                if popped == tag:
                    break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data)


def data_words() -> set[str]:
    """Every Latin word held in the records' own text (not the vocabularies' English
    labels, which pages never show in Russian or Tajik)."""
    words: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("monitor", "people", "sources", "cases", "auth"):
            continue  # (auth: the role groups' names, which are data)
        if model.__name__.startswith("Historical"):
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField))
        ]
        if not fields:
            continue
        rows = model._base_manager.all()
        if model is Term:
            # A term with labels in other languages is the interface's; one without (a tag,
            # a term a test made) is data, shown as written.
            words.update(rows.values_list("code", flat=True))  # codes are identifiers
            rows = rows.filter(labels={})
        for row in rows.values_list(*fields):
            for value in row:
                if value:
                    words.update(WORD.findall(str(value)))
    return words


#: A Latin letter glued to a Cyrillic one: an English plural "s" on a Russian word ("днейs").
GLUED = re.compile(r"[а-яёӣӯқғҳҷ][A-Za-z]|[A-Za-z][а-яёӣӯқғҳҷ]", re.IGNORECASE)


def english_words(html: str, allowed: set[str]) -> list[str]:
    reader = _Text()
    reader.feed(html)
    found = []
    for text in reader.texts:
        found.extend(GLUED.findall(text))
        for word in WORD.findall(text):
            if word in allowed or word.strip(".-") in allowed:
                continue
            if any(character.isdigit() for character in word):
                continue  # a reference, an identifier, a grading (TJK-2023-0007, B2)
            found.append(word)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_speaks_the_language_with_no_english_word(
    client, personas, cyrillic_world, language, persona
):
    user = personas[persona]
    client.force_login(user)
    allowed = NOT_ENGLISH | data_words()
    problems = {}
    for url in page_urls(cyrillic_world):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code in (302, 404):
            continue  # not theirs to see; the access tests prove who sees what
        assert response.status_code in (200, 403), (url, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, url
        found = english_words(html, allowed)
        if found:
            problems[url] = sorted(set(found))
    assert problems == {}, f"English words in the {language} pages seen by {persona}: {problems}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_before_signing_in_speak_the_language(client, language):
    allowed = NOT_ENGLISH | data_words()
    for url in (reverse("login"), reverse("login") + "?next=/cases/"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert english_words(html, allowed) == [], url


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("persona", ["coordinator", "reviewer"])
def test_the_admin_pages_speak_the_language(client, personas, cyrillic_world, language, persona):
    """The admin's index, the review queue and the list of every model of Monitor's apps a
    role may open (the lists of the libraries' own models — sign-in attempts, task results,
    one-time-password devices — are the libraries' and speak whatever they ship)."""
    user = personas[persona]
    user.is_staff = True
    user.save()
    client.force_login(user)
    allowed = NOT_ENGLISH | data_words()
    urls = [reverse("admin:index"), reverse("admin:review_queue")]
    for model in admin.site._registry:
        if model._meta.app_label not in ("monitor", "people", "sources", "cases", "auth"):
            continue
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    problems = {}
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code in (302, 403, 404):
            continue
        assert response.status_code == 200, url
        found = english_words(response.content.decode(), allowed)
        if found:
            problems[url] = sorted(set(found))
    assert problems == {}, f"English words in the {language} admin seen by {persona}: {problems}"


def test_the_crawl_sees_an_english_word_left_in_a_page():
    html = '<html lang="ru"><p>Дела</p><p aria-label="Main">x</p><code>TJK</code></html>'
    assert english_words(html, NOT_ENGLISH) == ["Main"]
    assert english_words("<p>3 днейs</p>", NOT_ENGLISH) == ["йs"]
