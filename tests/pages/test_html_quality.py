"""Every page is plain, accessible HTML: no inline script or style (ready for a strict
Content-Security-Policy: a script is only one of the app's static files), a language, one
main landmark, headings in order, every field labelled, every table header scoped, and no
asset from another origin."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.pages.conftest import LIST_NAMES, detail_urls

pytestmark = pytest.mark.django_db


class PageAudit(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.headings: list[int] = []
        self.labels: set[str] = set()
        self.fields: list[str] = []
        self.mains = 0
        self.lang = None
        self.in_thead = False
        self._svg = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.problems.append(f"style= on <{tag}>")
        if any(name.startswith("on") for name in attributes):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            # The app's own deferred files pass a strict CSP (script-src 'self'); inline code
            # or any other source does not.
            self.problems.append("<script>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "main":
            self.mains += 1
        if tag == "svg":
            self._svg += 1
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label" and attributes.get("for"):
            self.labels.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append(attributes.get("id") or f"<{tag} name={attributes.get('name')}>")
        if tag == "thead":
            self.in_thead = True
        if tag == "th" and self.in_thead and attributes.get("scope") != "col":
            self.problems.append("a column header without scope=col")
        for name in ("src", "href", "action"):
            value = attributes.get(name) or ""
            if tag != "a" and re.match(r"^(https?:)?//", value):
                self.problems.append(f"external asset {value}")

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_thead = False


def _audit(html: str) -> list[str]:
    audit = PageAudit()
    audit.feed(html)
    problems = list(audit.problems)
    if audit.lang != "en":
        problems.append("no lang on <html>")
    if audit.mains != 1:
        problems.append(f"{audit.mains} <main> elements")
    if audit.headings.count(1) != 1:
        problems.append(f"{audit.headings.count(1)} <h1>")
    for before, after in zip(audit.headings, audit.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading skips from h{before} to h{after}")
    for field in audit.fields:
        if field not in audit.labels:
            problems.append(f"field without a label: {field}")
    return problems


def _urls(world) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("password_change"),
        *(reverse(name) for name in LIST_NAMES),
        reverse("case-list") + "?review_state=bogus",
        *detail_urls(world).values(),
        reverse("case-detail", kwargs={"pk": world["internal_case"].pk}),
        reverse("person-detail", kwargs={"pk": world["protected_person"].pk}),
        reverse("event-detail", kwargs={"pk": world["public_event"].pk}),
    ]


@pytest.mark.parametrize("persona", ["monitor_on_team", "viewer", "no_role_user"])
def test_every_page_is_clean_accessible_html(client, personas, world, persona):
    client.force_login(personas[persona])
    for url in _urls(world):
        response = client.get(url)
        if response.status_code == 404:
            continue  # the outsiders' 404s are tested elsewhere
        assert response.status_code == 200, url
        assert _audit(response.content.decode()) == [], url


def test_sign_in_page_is_clean_accessible_html(client):
    assert _audit(client.get(reverse("login")).content.decode()) == []


def test_audit_catches_an_inline_script_and_a_style_attribute():
    bad = (
        '<html lang="en"><main><h1>x</h1><script>1</script><p style="color:red">y</p></main></html>'
    )
    assert set(_audit(bad)) == {"<script>", "style= on <p>"}


def test_every_page_links_the_stylesheet_and_has_a_skip_link(client, viewer):
    client.force_login(viewer)
    html = client.get(reverse("dashboard")).content.decode()
    assert '<link rel="stylesheet" href="/static/monitor/monitor.css">' in html
    assert '<a class="skip-link" href="#main">' in html
    from django.contrib.staticfiles import finders

    assert finders.find("monitor/monitor.css")
