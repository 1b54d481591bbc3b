"""Reference data enters review like any record (issue 19): a court, place, place of detention
or vocabulary term added in place from a form — or through the API, the admin, any surface —
waits in the review queue from the start, and someone other than its author verifies it.

Tested as the people who must not do it too: the author (four eyes), a monitor and a viewer
(no verifying), and a team filter that must not show what belongs to no team.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Facility
from monitor.choices import ReviewState, Vocabulary
from monitor.labels import reviewed_models
from monitor.models import DecisionAction, Place, ReferenceData, ReviewDecision, Term
from monitor.models.places import PlaceKind
from monitor.services import (
    ActionRefused,
    record_save,
    review_return,
    review_submit,
    review_verify,
)
from people.choices import OrganizationKind
from people.models import Organization
from tests.factories import PlaceFactory
from tests.test_admin_editing import form_data

pytestmark = pytest.mark.django_db

REFERENCE_MODELS = (Place, Term, Facility, Organization)


def _add(client, source: str, name: str):
    return client.post(reverse("pick-new", kwargs={"source": source}), {"name": name})


def _decisions(record) -> list[tuple[str, str]]:
    rows = ReviewDecision.objects.for_record(record).order_by("at", "pk")
    return [(row.action, row.actor.username) for row in rows.select_related("actor")]


def _item_url(record) -> str:
    opts = record._meta
    return reverse("review-item", args=[opts.app_label, opts.model_name, record.pk])


def test_every_kind_of_reference_data_is_reviewed():
    # Declared once, on the model: a new kind of reference data inherits the review.
    for model in REFERENCE_MODELS:
        assert issubclass(model, ReferenceData), model
        assert model in reviewed_models(), model
        field = model._meta.get_field("review_state")
        assert field.default == ReviewState.SUBMITTED and not field.editable


@pytest.mark.parametrize(
    ("source", "name", "model", "author"),
    [
        ("court", "Khorog city court", Organization, "monitor_on_team"),
        ("organization", "GKNB of Gorno-Badakhshan", Organization, "monitor_on_team"),
        ("place", "Vomar", Place, "coordinator"),
        ("facility", "IVS of Khorog", Facility, "coordinator"),
        (f"term-{Vocabulary.CRIMINAL_ARTICLE}", "Article 307 (extremism)", Term, "coordinator"),
    ],
)
def test_reference_data_added_in_place_waits_for_review(
    request, signed_in, source, name, model, author
):
    user = request.getfixturevalue(author)
    response = _add(signed_in(user), source, name)
    assert response.status_code == 201, response.content
    record = model.objects.get(pk=response.json()["id"])
    assert record.review_state == ReviewState.SUBMITTED
    # Submitted by its author, with the decision that names them, as a submission is.
    assert _decisions(record) == [(DecisionAction.SUBMITTED, user.username)]
    # It can be picked while it waits: the form it was added from needs it now.
    picked = signed_in(user).get(reverse("pick", kwargs={"source": source}), {"q": name[:5]})
    assert {"id": str(record.pk), "label": name, "note": "waiting for review"} in (
        picked.json()["results"]
    )


def test_the_reviewer_finds_it_in_the_queue_and_verifies_it_in_the_app(
    signed_in, monitor_on_team, reviewer
):
    court_id = _add(signed_in(monitor_on_team), "court", "Khorog city court").json()["id"]
    court = Organization.objects.get(pk=court_id)
    client = signed_in(reviewer)

    queue = client.get(reverse("review-queue")).content.decode()
    assert "Khorog city court" in queue and _item_url(court) in queue
    # Filtered by its kind it is there; by a team it is not (it belongs to none).
    kind = client.get(reverse("review-queue"), {"type": "people.organization"}).content.decode()
    assert "Khorog city court" in kind
    team_id = reviewer.teams.get().pk
    by_team = client.get(reverse("review-queue"), {"team": team_id}).content.decode()
    assert "Khorog city court" not in by_team

    page = client.get(_item_url(court))
    assert page.status_code == 200
    assert "Khorog city court" in page.content.decode()
    response = client.post(
        _item_url(court),
        {"action": "verify", "seen": court.review_fingerprint(), "comment": "Known court."},
    )
    assert response.status_code == 302
    court.refresh_from_db()
    assert court.review_state == ReviewState.VERIFIED
    assert _decisions(court)[-1] == (DecisionAction.VERIFIED, reviewer.username)
    assert _item_url(court) not in client.get(reverse("review-queue")).content.decode()
    # The pickers said it was waiting; verified, it is a choice like any other.
    picked = client.get(reverse("pick", kwargs={"source": "court"}), {"q": "khorog"}).json()
    assert picked["results"] == [{"id": str(court.pk), "label": "Khorog city court"}]


def test_its_author_may_not_verify_it(signed_in, reviewer, second_reviewer):
    # A reviewer may verify records, but not the court they added themselves.
    court = Organization.objects.get(
        pk=_add(signed_in(reviewer), "court", "Ishkoshim district court").json()["id"]
    )
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=court, actor=reviewer)
    assert refused.value.code == "four_eyes"
    court.refresh_from_db()
    assert court.review_state == ReviewState.SUBMITTED
    review_verify(record=court, actor=second_reviewer)
    assert Organization.objects.get(pk=court.pk).review_state == ReviewState.VERIFIED


def test_those_who_do_not_review_cannot_verify_it(signed_in, monitor_on_team, viewer):
    court = Organization.objects.get(
        pk=_add(signed_in(monitor_on_team), "court", "Rushan district court").json()["id"]
    )
    for user in (monitor_on_team, viewer):
        client = signed_in(user)
        assert client.get(_item_url(court)).status_code == 404
        post = client.post(_item_url(court), {"action": "verify"})
        assert post.status_code == 404
        with pytest.raises(ActionRefused):
            review_verify(record=court, actor=user)
        api = client.post(
            f"/api/v1/organizations/{court.pk}/verify/", "{}", content_type="application/json"
        )
        assert api.status_code == 403, (user, api.content)
    assert Organization.objects.get(pk=court.pk).review_state == ReviewState.SUBMITTED


def test_returned_fixed_and_submitted_again(coordinator, reviewer, second_reviewer):
    place = record_save(
        record=Place(name="Vomarr", kind=PlaceKind.SETTLEMENT), actor=coordinator, reason="typed"
    )
    review_return(record=place, actor=reviewer, comment="Spelt Vomar.")
    place.refresh_from_db()
    assert place.review_state == ReviewState.RETURNED
    place.name = "Vomar"
    record_save(record=place, actor=coordinator, reason="Spelling")
    review_submit(record=Place.objects.get(pk=place.pk), actor=coordinator)
    review_verify(record=place, actor=second_reviewer)
    place.refresh_from_db()
    assert (place.name, place.review_state) == ("Vomar", ReviewState.VERIFIED)
    assert [action for action, _user in _decisions(place)] == [
        DecisionAction.SUBMITTED,
        DecisionAction.RETURNED,
        DecisionAction.SUBMITTED,
        DecisionAction.VERIFIED,
    ]


def test_editing_verified_reference_data_sends_it_back_to_review(coordinator, reviewer):
    khorog = PlaceFactory(name="Khorog")  # set up before: verified
    assert khorog.review_state == ReviewState.VERIFIED
    khorog.name = "Khorugh"
    record_save(record=khorog, actor=coordinator, reason="The official spelling")
    khorog.refresh_from_db()
    assert khorog.review_state == ReviewState.SUBMITTED
    assert _decisions(khorog) == [(DecisionAction.REOPENED, coordinator.username)]
    with pytest.raises(ActionRefused):
        review_verify(record=khorog, actor=coordinator)  # four eyes on the change too
    review_verify(record=khorog, actor=reviewer)


def test_added_through_the_api_it_waits_too_and_a_reviewer_verifies_it_there(
    api_client, monitor_on_team, reviewer
):
    client = api_client(monitor_on_team)
    created = client.post(
        "/api/v1/organizations/",
        {"name": "Prosecutor's office of GBAO", "kind": OrganizationKind.PROSECUTOR},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["review_state"] == ReviewState.SUBMITTED
    pk = created.json()["id"]
    client = api_client(reviewer)
    review = client.get(f"/api/v1/organizations/{pk}/review/")
    assert review.status_code == 200
    verified = client.post(
        f"/api/v1/organizations/{pk}/verify/", {"seen": review.json()["fingerprint"]}, format="json"
    )
    assert verified.status_code == 200, verified.content
    read = client.get(f"/api/v1/organizations/{pk}/")
    assert read.json()["review_state"] == ReviewState.VERIFIED
    # The state moves only through the actions: written in a body it is ignored.
    edited = api_client(monitor_on_team).patch(
        f"/api/v1/organizations/{pk}/",
        {"description": "Prosecutes the GBAO cases.", "review_state": "verified"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["review_state"] == ReviewState.SUBMITTED  # reopened by the edit


def test_added_in_the_admin_it_waits_too(client, coordinator):
    coordinator.is_staff = True
    coordinator.save()
    client.force_login(coordinator)
    url = reverse("admin:monitor_place_add")
    data = form_data(client.get(url))
    data.update(name="Roshtqal'a", kind=PlaceKind.DISTRICT)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    place = Place.objects.get(name="Roshtqal'a")
    assert place.review_state == ReviewState.SUBMITTED
    assert _decisions(place) == [(DecisionAction.SUBMITTED, coordinator.username)]


def test_returned_reference_data_is_on_its_author_s_dashboard(signed_in, monitor_on_team, reviewer):
    court = Organization.objects.get(
        pk=_add(signed_in(monitor_on_team), "court", "Vanj district court").json()["id"]
    )
    review_return(record=court, actor=reviewer, comment="It is the Vanj district court of GBAO.")
    html = signed_in(monitor_on_team).get("/").content.decode()
    returned = html.split('aria-labelledby="returned-heading"')[1].split("</section>")[0]
    assert "Vanj district court" in returned
    assert "It is the Vanj district court of GBAO." in returned
