"""Every change is kept with who made it and why: in a command, in a request, in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from simple_history.middleware import HistoryRequestMiddleware

from cases.models import Allegation, Case
from monitor.approxdate import ApproximateDate
from monitor.choices import Role
from monitor.history import acting_as, current_actor
from monitor.models import Term
from tests.factories import AllegationFactory, CaseFactory, TermFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_save_inside_acting_as_records_the_user_and_the_reason():
    coordinator = UserFactory(role=Role.COORDINATOR)
    with acting_as(coordinator, reason="Imported from the 12 May 2023 letter"):
        case = CaseFactory(title="Nine convicted journalists")

    row = case.history.get()
    assert row.history_type == "+"
    assert row.history_user == coordinator
    assert row.history_change_reason == "Imported from the 12 May 2023 letter"


def test_every_save_in_the_block_is_attributed_including_children():
    monitor = UserFactory(role=Role.MONITOR)
    with acting_as(monitor, reason="Field interview"):
        allegation = AllegationFactory()
        allegation.description = "Beaten during arrest"
        allegation.save()

    rows = list(Allegation.history.filter(id=allegation.pk).order_by("history_date"))
    assert [row.history_type for row in rows] == ["+", "~"]
    assert {row.history_user for row in rows} == {monitor}
    # The case and the victim created on the way are attributed too.
    assert allegation.case.history.get().history_user == monitor
    assert allegation.victim.history.get().history_user == monitor


def test_actor_is_forgotten_after_the_block_even_on_error():
    reviewer = UserFactory(role=Role.REVIEWER)
    with pytest.raises(RuntimeError), acting_as(reviewer, reason="oops"):
        raise RuntimeError("the command failed")
    assert current_actor() is None

    case = CaseFactory()
    row = case.history.get()
    assert row.history_user is None
    assert row.history_change_reason in ("", None)


def test_nested_acting_as_restores_the_outer_actor():
    outer, inner = UserFactory(), UserFactory()
    with acting_as(outer, reason="outer"):
        with acting_as(inner, reason="inner"):
            first = CaseFactory()
        second = CaseFactory()

    assert (first.history.get().history_user, first.history.get().history_change_reason) == (
        inner,
        "inner",
    )
    assert (second.history.get().history_user, second.history.get().history_change_reason) == (
        outer,
        "outer",
    )


def test_an_explicit_change_reason_on_the_record_wins_over_the_block_reason():
    with acting_as(UserFactory(), reason="bulk import"):
        case = CaseFactory.build(reference="TJK-2023-0007", title="Khorog five")
        case._change_reason = "Corrected the reference from the court record"
        case.save()
    assert case.history.get().history_change_reason == (
        "Corrected the reference from the court record"
    )


def test_save_during_a_request_records_the_signed_in_user():
    monitor = UserFactory(role=Role.MONITOR)
    case = CaseFactory(title="Before")

    def view(request):
        case.title = "After"
        case.save()
        return HttpResponse("ok")

    request = RequestFactory().post("/cases/edit/")
    request.user = monitor
    HistoryRequestMiddleware(view)(request)

    latest = case.history.order_by("-history_date").first()
    assert latest.title == "After"
    assert latest.history_user == monitor


def test_save_during_an_anonymous_request_records_no_user():
    case = CaseFactory()

    def view(request):
        case.title = "Changed by nobody in particular"
        case.save()
        return HttpResponse("ok")

    request = RequestFactory().post("/somewhere/")
    request.user = AnonymousUser()
    HistoryRequestMiddleware(view)(request)
    assert case.history.order_by("-history_date").first().history_user is None


def test_acting_as_wins_over_the_request_user():
    # A service called from a view on behalf of someone else names its actor explicitly.
    signed_in, actor = UserFactory(), UserFactory()
    case = CaseFactory()

    def view(request):
        with acting_as(actor, reason="on behalf"):
            case.title = "Edited"
            case.save()
        return HttpResponse("ok")

    request = RequestFactory().post("/x/")
    request.user = signed_in
    HistoryRequestMiddleware(view)(request)
    assert case.history.order_by("-history_date").first().history_user == actor


def _form_data(form) -> dict:
    """What the browser would post back for an unchanged admin form."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False:
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


def test_admin_edit_records_the_signed_in_user(client, settings):
    # Production settings want collected, hashed static files; pages here need none.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    term = TermFactory(label="Torture")
    client.force_login(admin_user)
    url = reverse("admin:monitor_term_change", args=[term.pk])

    page = client.get(url)
    assert page.status_code == 200
    data = _form_data(page.context["adminform"].form) | {"label": "Torture and ill-treatment"}
    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    term.refresh_from_db()
    assert term.label == "Torture and ill-treatment"
    latest = term.history.order_by("-history_date").first()
    assert latest.history_user == admin_user
    assert latest.label == "Torture and ill-treatment"


def test_diff_between_two_versions_lists_the_changed_fields_only():
    case = CaseFactory(title="Khorog five", summary="")
    case.title = "Five Pamiris presented as a criminal group"
    case.summary = "Detained in June 2023."
    case.save()

    old, new = case.history.order_by("history_date")
    delta = new.diff_against(old)

    assert set(delta.changed_fields) == {"title", "summary"}
    change = next(c for c in delta.changes if c.field == "title")
    assert (change.old, change.new) == ("Khorog five", "Five Pamiris presented as a criminal group")


def test_diff_of_an_approximate_date_shows_the_date_as_people_read_it():
    allegation = AllegationFactory(date="May 2022")
    allegation.date = "c. 2021"
    allegation.save()

    old, new = Allegation.history.filter(id=allegation.pk).order_by("history_date")
    delta = new.diff_against(old)

    assert "date" in delta.changed_fields
    assert "victim" not in delta.changed_fields
    assert (old.date, new.date) == (ApproximateDate(2022, 5), ApproximateDate(2021, circa=True))
    assert str(new.date) == "c. 2021"


def test_history_keeps_a_term_rename_and_its_previous_label():
    term = TermFactory(label="Fair trial")
    term.label = "Right to a fair trial"
    term.save()
    labels = list(term.history.order_by("history_date").values_list("label", flat=True))
    assert labels == ["Fair trial", "Right to a fair trial"]
    assert Term.history.filter(id=term.pk).count() == 2


def test_case_history_is_kept_per_record():
    one, two = CaseFactory(), CaseFactory()
    one.title = "Edited"
    one.save()
    assert Case.history.filter(id=one.pk).count() == 2
    assert Case.history.filter(id=two.pk).count() == 1
