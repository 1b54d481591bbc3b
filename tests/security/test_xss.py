"""Hostile text round-trips safely (issue 8): escaped in pages and the admin, unchanged in
the API's JSON, absent from the API docs page, neutralised in every CSV export.

Every text field of every domain model holds its own tagged payload (``xss_helpers.py``:
markup, quotes and a formula start), on one record of each model that the readers may see.
Then each surface is read as someone allowed to:

* the pages (lists, details, forms, the dashboard), as the team's reviewer and as the author;
* the admin (every model's change list, change form, history and past-version pages, the
  review queue and its items), as a superuser on the team;
* the API (every list and detail, and the docs page), as the superuser on the team (the
  owner of the hostile token);
* every CSV export, as the reviewer.

No HTML response may contain the markup raw, and every field must be shown escaped on at
least one HTML surface: a test that never rendered a field would prove nothing about it.
"""

from __future__ import annotations

import json
import re
from importlib import import_module
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import URLField
from django.urls import URLPattern, URLResolver, reverse
from rest_framework.test import APIClient

from config.api_urls import router
from tests.security.xss_helpers import (
    API_ONLY,
    CHANGE_REASON_KEY,
    CHOICE_CASES,
    DOMAIN_APPS,
    EVIDENCE_BYTES,
    FORMULA_STARTS,
    SKIPPED,
    all_text_fields,
    build_world,
    csv_rows,
    field_key,
    is_historical,
    is_text,
    payloads,
    raw_markup,
    shown_escaped,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def world(db):
    return build_world()


def signed_in(client, user):
    client.force_login(user)
    return client


# -- what is tested ----------------------------------------------------------------------------


def test_the_skip_list_names_only_text_fields_that_exist():
    existing = {field_key(model, field.name) for model, field in all_text_fields()}
    assert set(SKIPPED) - existing == set()
    assert CHOICE_CASES - existing == set()


def test_every_free_text_field_of_the_domain_apps_gets_a_payload():
    tested = set(payloads())
    for model, field in all_text_fields():
        key = field_key(model, field.name)
        if key in SKIPPED or (field.choices and key not in CHOICE_CASES):
            assert key not in tested
        else:
            assert key in tested, key
    # The fields the product is about are among them (the enumeration is not empty).
    assert {"cases.Case.title", "people.PersonName.full_name", "sources.Citation.quote"} <= tested


def test_the_world_holds_a_hostile_record_of_every_model_with_free_text(world):
    models_with_text = {key.rsplit(".", 1)[0] for key in payloads() if key != CHANGE_REASON_KEY}
    assert models_with_text - set(world) == set(), "add a record to xss_helpers.build_world"


def test_history_models_hold_no_text_beyond_their_records_and_the_change_reason():
    """The history tables copy their record's fields; the reason typed is tested on its own."""
    for label in DOMAIN_APPS:
        for model in apps.get_app_config(label).get_models():
            if not is_historical(model):
                continue
            base = {field.name for field in model.instance_type._meta.concrete_fields}
            extra = {
                field.name
                for field in model._meta.concrete_fields
                if is_text(field) and field.name not in base
            }
            # ``history_type`` is a choice of +, ~ and -; ``file`` is the evidence file's
            # stored path (a FileField upstream, made by the storage, not typed).
            assert extra <= {"history_change_reason", "history_type", "file"}, model
    assert CHANGE_REASON_KEY in payloads()


# -- HTML: pages and the admin -------------------------------------------------------------


#: The modules of the pages (``config/urls.py`` mounts them at the root, beside the dashboard).
PAGE_URLCONFS = ("monitor.urls", "cases.urls", "people.urls", "sources.urls", "imports.urls")
#: Page URLs not read here, by name, with the reason. The account pages (under
#: ``accounts/``) are read apart, as the author, whose own name is hostile.
NOT_PAGES = {
    "case-submit": "POST only: the detail page holds its form",
    "person-submit": "POST only: the detail page holds its form",
    "source-submit": "POST only: the detail page holds its form",
    "register-export-xlsx": "an XLSX file: its cells are checked in tests/pages/test_register.py",
    "suggest": "JSON for the filters' type-ahead (model and field in the address), not a page",
    "session-status": "JSON for the session warning's script (tests/security/test_keepalive.py)",
    "pick": "JSON for the forms' pickers (tests/forms/test_pickers.py), not a page",
    "pick-new": "POST only: JSON of a record added from a picker",
    "task-progress-json": "JSON for the progress page's polling: the page itself is read",
    "task-progress-cancel": "POST only: the progress page holds its form",
    "export-download": "the finished export's CSV file: the exports are read below",
    "person-unmerge": "POST only: the person's page holds its form",
    "import-failed": "a CSV of the rows that failed, not a page",
    "set-language": "POST only: the language menu of every page holds its form",
}
#: Pages read as the superuser, with the admin: merging people (a coordinator's), and the
#: progress of a background job (its owner's alone: the superuser's export).
SUPERUSER_PAGES = {
    "person-duplicates": lambda world: reverse("person-duplicates"),
    "person-merge": lambda world: (
        reverse("person-merge", args=[world["people.Person"].pk])
        + "?"
        + urlencode({"duplicate": world["duplicate_person"].pk})
    ),
    "task-progress": lambda world: reverse(
        "task-progress", args=[world["monitor.TaskProgress"].pk]
    ),
    # Places of detention are reference data: coordinators keep them, not reviewers.
    "facility-create": lambda world: reverse("facility-create"),
    "facility-edit": lambda world: reverse("facility-edit", args=[world["cases.Facility"].pk]),
}
#: Pages whose address names more than a record's id: read as the team's reviewer.
SPECIAL_PAGES = {
    "review-item": lambda world: reverse(
        "review-item", args=["cases", "case", world["cases.Case"].pk]
    ),
}
#: Query strings a page needs.
PAGE_QUERIES = {
    "followup-create": lambda world: {"case": world["cases.Case"].pk},
    "groupdetention-create": lambda world: {"case": world["cases.Case"].pk},
}
#: Which record fills a URL's ``pk``, by the URL name's first word; ``case_pk`` is the case.
RECORD_OF_URL = {
    "case": "cases.Case",
    "event": "cases.Event",
    "followup": "cases.FollowUp",
    "person": "people.Person",
    "source": "sources.Source",
    "detention": "cases.Detention",
    "facility": "cases.Facility",
    "groupdetention": "cases.GroupDetention",
    "task": "monitor.TaskProgress",
    "import": "imports.ImportJob",
    "allegation": "cases.Allegation",
    "step": "cases.DetentionStep",
    "figure": "cases.Event",
}


def test_the_page_modules_read_here_are_every_module_mounted_at_the_root():
    from config import urls

    mounted = {
        getattr(pattern.urlconf_name, "__name__", pattern.urlconf_name)
        for pattern in urls.urlpatterns
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == ""
    }
    assert mounted == set(PAGE_URLCONFS)


def page_patterns():
    from config import urls

    # The pages config/urls.py routes itself (the dashboard), then each app's.
    yield from (pattern for pattern in urls.urlpatterns if isinstance(pattern, URLPattern))
    for urlconf in PAGE_URLCONFS:
        yield from import_module(urlconf).urlpatterns


def account_urls() -> list[str]:
    return [
        reverse(pattern.name)
        for pattern in page_patterns()
        if str(pattern.pattern).startswith("accounts/") and pattern.name not in NOT_PAGES
    ]


def page_urls(world) -> list[str]:
    """Every page of the page modules, with the world's records, and each list searched for
    a payload (a search box echoes what was typed)."""
    urls = []
    for pattern in page_patterns():
        name = pattern.name
        if (
            name in NOT_PAGES
            or name in SUPERUSER_PAGES
            or str(pattern.pattern).startswith("accounts/")
            or name.endswith("-export")  # the CSV files: read below
        ):
            continue
        if name in SPECIAL_PAGES:
            urls.append(SPECIAL_PAGES[name](world))
            continue
        kwargs = {
            arg: world[RECORD_OF_URL["case" if arg == "case_pk" else name.split("-")[0]]].pk
            for arg in pattern.pattern.converters
        }
        query = PAGE_QUERIES[name](world) if name in PAGE_QUERIES else {}
        urls.append(reverse(name, kwargs=kwargs) + (f"?{urlencode(query)}" if query else ""))
        if name.endswith("-list"):
            search = {
                "name" if name == "person-list" else "q": payloads()["cases.Case.title"].value
            }
            urls.append(f"{reverse(name)}?{urlencode(search)}")
    return urls


def admin_urls(world) -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:review_queue")]
    for model in world["review_items"]:
        opts = model._meta
        urls.append(reverse("admin:review_item", args=[opts.app_label, opts.model_name, model.pk]))
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in DOMAIN_APPS:
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if admin.site._registry[model].search_fields:  # the search box echoes what was typed
            search = urlencode({"q": payloads()["cases.Case.title"].value})
            urls.append(f"{reverse(f'{prefix}_changelist')}?{search}")
        record = world.get(opts.label)
        if record is None:
            continue
        urls.append(reverse(f"{prefix}_change", args=[record.pk]))
        if hasattr(model, "history"):
            urls.append(reverse(f"{prefix}_history", args=[record.pk]))
            version = model.history.filter(id=record.pk).latest("history_date").history_id
            urls.append(reverse(f"{prefix}_simple_history", args=[record.pk, version]))
    return urls


def read_html(client, urls, *, elsewhere=()) -> tuple[list[str], set[str]]:
    """Problems found on ``urls`` (not 200, raw markup) and the payload keys shown escaped.

    ``elsewhere``: the statuses also accepted, unread (an account page that sends a signed-in
    user on, or takes POST only).
    """
    problems, shown = [], set()
    for url in urls:
        response = client.get(url)
        if response.status_code in elsewhere:
            continue
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        assert response["Content-Type"].startswith("text/html"), url
        text = response.content.decode()
        problems.extend(f"{url}: raw markup …{found}…" for found in raw_markup(text))
        shown |= shown_escaped(text)
    return problems, shown


def test_no_page_or_admin_page_shows_markup_raw_and_every_field_is_shown_escaped(client, world):
    problems, shown = read_html(signed_in(client, world["reviewer"]), page_urls(world))
    # The author sees the returned person's comment on the dashboard and the edit form, and
    # their own hostile name on their account pages.
    author_problems, author_shown = read_html(
        signed_in(client, world["author"]),
        [reverse("dashboard"), reverse("person-edit", args=[world["people.Person"].pk])],
    )
    account_problems, account_shown = read_html(client, account_urls(), elsewhere=(302, 405))
    author_problems += account_problems
    author_shown |= account_shown
    superuser_pages = [url_of(world) for url_of in SUPERUSER_PAGES.values()]
    admin_problems, admin_shown = read_html(
        signed_in(client, world["admin"]), admin_urls(world) + superuser_pages
    )

    assert problems + author_problems + admin_problems == []
    assert set(payloads()) - set(API_ONLY) - (shown | author_shown | admin_shown) == set()
    assert set(API_ONLY) <= set(payloads())  # still tested fields, read back by the API test


def test_a_not_found_page_does_not_echo_markup_from_its_address(client, world):
    client = signed_in(client, world["reviewer"])
    for prefix in ("/no-such-page/", "/admin/no-such-page/", "/cases/"):
        response = client.get(prefix + '<script>alert("xq404")</script>/')
        assert response.status_code == 404
        assert raw_markup(response.content.decode()) == [], prefix


# -- addresses and files: what escaping cannot stop ---------------------------------------


def test_no_address_field_accepts_a_script_scheme():
    """Pages link to the stored addresses (``href="{{ source.url }}"``): escaping cannot make
    a ``javascript:`` link safe, so every URL field's validation refuses such schemes (the
    forms, the admin and the API all run it)."""
    url_fields = [field for _model, field in all_text_fields() if isinstance(field, URLField)]
    assert url_fields
    for field in url_fields:
        for address in ('javascript:alert("xq")//https://x.example', "data:text/html,<script>"):
            with pytest.raises(ValidationError):
                field.run_validators(address)


def test_an_evidence_file_with_a_hostile_name_and_type_downloads_as_an_inert_attachment(
    client, world
):
    evidence = world["sources.EvidenceFile"]
    response = signed_in(client, world["reviewer"]).get(
        reverse("sources:evidence-download", args=[evidence.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == EVIDENCE_BYTES


# -- the API: JSON, unchanged ----------------------------------------------------------------


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def strings_in(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for item in data.values():
            yield from strings_in(item)
    elif isinstance(data, list):
        for item in data:
            yield from strings_in(item)


def read_json(response, url: str):
    assert response.status_code == 200, (url, response.status_code)
    # JSON is not HTML: no escaping, and never served as a page a browser would render.
    assert response["Content-Type"].split(";")[0] == "application/json", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    data = json.loads(response.content)
    escaped = [text for text in strings_in(data) if re.search(r"&(lt|gt|quot|#x27|amp);", text)]
    assert escaped == [], url
    return data


def api_routes(world):
    """(list URL, detail URL or None, record) of every route of the router."""
    for prefix, viewset, _basename in router.registry:
        model = getattr(viewset, "model", None) or viewset.serializer_class.Meta.model
        record = world[model._meta.label]
        detail = f"{API}/{prefix}/{record.pk}/" if hasattr(viewset, "retrieve") else None
        yield f"{API}/{prefix}/", detail, record


def listed(data, record) -> dict:
    rows = data["results"] if isinstance(data, dict) else data
    found = [row for row in rows if row.get("id") == str(record.pk)]
    assert found, f"{type(record).__name__} {record.pk} is not listed"
    return found[0]


def test_the_api_returns_every_payload_unchanged_as_json(world):
    client = api_client(world["admin"])  # on the team, and the owner of the token
    values_found = set()
    for list_url, detail_url, record in api_routes(world):
        label = record._meta.label
        # Terms: the seeded vocabularies fill the first pages; ask for the hostile one.
        query = {"code": record.code} if label == "monitor.Term" else {}
        data = read_json(client.get(list_url, query), list_url)
        values_found |= set(strings_in(data))
        shown = listed(data, record)
        if detail_url is not None:
            shown = read_json(client.get(detail_url), detail_url)
            values_found |= set(strings_in(shown))
        fields = {
            key.rsplit(".", 1)[1]: payload.value
            for key, payload in payloads().items()
            if key.startswith(f"{label}.")
        }
        returned = {name: shown[name] for name in fields if name in shown}
        assert returned, f"{detail_url or list_url} shows none of {sorted(fields)}"
        assert returned == {name: fields[name] for name in returned}, detail_url or list_url
    for url in (f"{API}/me/", f"{API}/deadlines/", f"{API}/statistics/communications/"):
        values_found |= set(strings_in(read_json(client.get(url), url)))
    # Wherever a payload appears, nested or in a label, it is whole: nothing stripped it.
    every_value = [payload.value for payload in payloads().values()]
    altered = [
        text
        for text in values_found
        if "xq0" in text and not any(value in text for value in every_value)
    ]
    assert altered == []


def test_the_api_never_answers_html_even_when_asked(world):
    client = api_client(world["admin"])
    for list_url, detail_url, _record in api_routes(world):
        for url in filter(None, (list_url, detail_url, f"{list_url}?format=api")):
            response = client.get(url, HTTP_ACCEPT="text/html")
            assert not response["Content-Type"].startswith("text/html"), url


# -- the API docs page ----------------------------------------------------------------------


def test_the_api_docs_page_runs_no_inline_script_and_holds_no_record(client, world):
    client = signed_in(client, world["reviewer"])
    response = client.get(f"{API}/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S | re.I)
    assert scripts, "the docs page loads Swagger UI"
    assert all(body.strip() == "" for body in scripts), "inline script on the docs page"
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", page, flags=re.I)), (
        "a script without a source"
    )
    assert re.search(r"\son[a-z]+\s*=", page, flags=re.I) is None, "an inline event handler"
    # The schema it shows describes the API, not the records: no payload reaches it.
    schema = client.get(f"{API}/schema/")
    assert schema.status_code == 200
    assert "xq0" not in schema.content.decode()
    assert "xq0" not in page


# -- CSV exports ------------------------------------------------------------------------------


def export_urls() -> list[str]:
    urls = [
        reverse(pattern.name) for pattern in page_patterns() if pattern.name.endswith("-export")
    ]
    return [*urls, reverse("api:communication-statistics-csv")]


def test_every_csv_export_neutralises_formulas_and_keeps_the_text(client, world):
    client = signed_in(client, world["reviewer"])
    by_value = {payload.value: key for key, payload in payloads().items()}
    exported = set()
    urls = export_urls()
    assert len(urls) >= 6  # cases, events, follow-ups, persons, sources, statistics
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        rows = csv_rows(response.getvalue())
        cells = [cell for row in rows for cell in row]
        formulas = [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
        assert formulas == [], url
        neutralised = [cell for cell in cells if cell.startswith(tuple(f"'{c}" for c in "=+-@"))]
        assert any("xq" in cell for cell in neutralised), f"{url}: no hostile cell exported"
        for cell in cells:
            text = cell[1:] if cell.startswith("'") else cell
            if text in by_value:  # a field exported whole: the same text, made safe
                expected = f"'{text}" if text.startswith(FORMULA_STARTS) else text
                assert cell == expected, (url, cell)
                exported.add(by_value[text])
    # The fields the lists are about are exported (the payloads did reach the files).
    assert {"cases.Case.title", "cases.Event.title", "sources.Source.title"} <= exported
