"""Signing in, out and changing the password; every page needs a signed-in user."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD
from tests.pages.conftest import EXPORT_NAMES, LIST_NAMES, detail_urls

pytestmark = pytest.mark.django_db


def _page_urls(world) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("password_change"),
        reverse("password_change_done"),
        *(reverse(name) for name in LIST_NAMES + EXPORT_NAMES),
        *detail_urls(world).values(),
    ]


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(client, world):
    for url in _page_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}", url


def test_anonymous_visitor_sees_no_record_title_on_the_way_to_sign_in(client, world):
    for url in _page_urls(world):
        response = client.get(url, follow=True)
        assert b"Zeravshanskaya" not in response.content, url
        assert response.templates[0].name == "registration/login.html"


def test_sign_in_page_is_public_and_labels_its_fields(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert '<html lang="en">' in html


def test_monitor_signs_in_and_lands_on_the_dashboard(client, monitor_on_team):
    response = client.post(
        reverse("login"), {"username": "alice-monitor", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert b"My drafts" in response.content


def test_sign_in_returns_to_the_page_asked_for(client, monitor_on_team):
    url = reverse("case-list")
    response = client.post(
        f"{reverse('login')}?next={url}",
        {"username": "alice-monitor", "password": PASSWORD, "next": url},
    )
    assert response["Location"] == url


def test_wrong_password_is_refused_with_a_message(client, monitor_on_team):
    response = client.post(reverse("login"), {"username": "alice-monitor", "password": "nope"})
    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_is_a_post_and_ends_the_session(client, monitor_on_team):
    client.force_login(monitor_on_team)
    assert client.get(reverse("logout")).status_code == 405  # a link cannot sign anyone out
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_sign_out_form_is_in_every_page_header(client, monitor_on_team):
    client.force_login(monitor_on_team)
    html = client.get(reverse("case-list")).content.decode()
    assert f'<form method="post" action="{reverse("logout")}"' in html
    assert f'href="{reverse("password_change")}"' in html


def test_password_change_needs_the_old_password(client, monitor_on_team):
    client.force_login(monitor_on_team)
    url = reverse("password_change")
    new = "a-new-long-passphrase-for-alice"
    refused = client.post(
        url, {"old_password": "wrong", "new_password1": new, "new_password2": new}
    )
    assert refused.status_code == 200
    assert b"field-error" in refused.content
    changed = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert changed["Location"] == reverse("password_change_done")
    monitor_on_team.refresh_from_db()
    assert monitor_on_team.check_password(new)


def test_api_answers_401_json_not_a_sign_in_redirect(client):
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_calendar_feed_is_reached_without_a_session(client):
    # A token that matches nothing: the feed itself answers (404), not the sign-in redirect.
    response = client.get(reverse("calendar:feed", kwargs={"token": "x" * 43}))
    assert response.status_code == 404


def test_admin_keeps_its_own_sign_in_page(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
