"""Four eyes see links and every part (issue 12): one save is one history row, the reviewer's
diff shows "added Khorog", the fingerprint covers the whole review unit on every surface,
and the review unit is derived from the model graph."""

from __future__ import annotations

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from monitor.models import AuditedModel, ReviewedModel
from monitor.models.base import review_unit
from monitor.services import ActionRefused, record_save, review_submit, review_verify
from tests.factories import PlaceFactory
from tests.test_review_queue import cited_case, fresh, item_url, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def verified_case(team, monitor_on_team, second_reviewer_off):
    """A case verified by a reviewer, then given a place by its monitor."""
    case, _allegation, _source = cited_case(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)
    review_verify(record=fresh(case), actor=second_reviewer_off)
    return fresh(case)


@pytest.fixture
def second_reviewer_off(db, team):
    from monitor.choices import Confidentiality, Role
    from tests.factories import UserFactory

    return UserFactory(
        username="tara-reviewer", role=Role.REVIEWER, clearance=Confidentiality.CONFIDENTIAL,
        teams=[team],
    )  # fmt: skip


def test_one_save_with_links_writes_one_history_row(team, monitor_on_team):
    case, _allegation, _source = cited_case(monitor_on_team, team)
    khorog, rushan = PlaceFactory(name="Khorog"), PlaceFactory(name="Rushan")
    before = case.history.count()
    record_save(record=fresh(case), actor=monitor_on_team, m2m={"places": [khorog, rushan]})
    rows = list(case.history.order_by("-history_id"))
    assert len(rows) == before + 1
    versions = [row.version for row in rows]
    assert len(versions) == len(set(versions))  # no two rows of one version
    assert {link.place_id for link in rows[0].places.all()} == {khorog.pk, rushan.pk}


def test_editing_a_verified_record_reopens_it_in_the_same_version(verified_case, monitor_on_team):
    before = verified_case.history.count()
    record_save(record=verified_case, actor=monitor_on_team, m2m={"places": [PlaceFactory()]})
    case = fresh(verified_case)
    assert case.review_state == "submitted"
    assert case.history.count() == before + 1


def test_the_reviewers_diff_shows_link_changes_in_the_admin_and_the_api(
    client, verified_case, monitor_on_team, reviewer
):
    khorog = PlaceFactory(name="Khorog")
    record_save(record=verified_case, actor=monitor_on_team, m2m={"places": [khorog]})
    case = fresh(verified_case)

    page = login(client, reviewer).get(item_url(case))
    assert page.status_code == 200
    own = page.context["review"].own
    assert own.status == "changed"
    assert any(c.new == "Khorog" for c in own.changes)
    assert "Khorog" in page.content.decode()

    api = APIClient()
    api.force_authenticate(reviewer)
    review = api.get(f"/api/v1/cases/{case.pk}/review/").json()
    own = review["parts"][0]
    assert own["status"] == "changed"
    assert {"label": "Places", "old": "", "new": "Khorog"} in own["changes"]
    history = api.get(f"/api/v1/cases/{case.pk}/history/").json()["results"]
    link = next(c for c in history[0]["changes"] if c["field"] == "places")
    assert link["added"] == [str(khorog.pk)]

    admin_history = client.get(f"/admin/cases/case/{case.pk}/history/").content.decode()
    assert "added Khorog" in admin_history


def test_verify_in_the_api_refuses_a_fingerprint_a_part_changed_since(
    team, monitor_on_team, reviewer
):
    case, allegation, _source = cited_case(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)
    api = APIClient()
    api.force_authenticate(reviewer)
    seen = api.get(f"/api/v1/cases/{case.pk}/review/").json()["fingerprint"]
    allegation = fresh(allegation)
    allegation.description = "Beaten in the Khorog police station, then moved."
    record_save(record=allegation, actor=monitor_on_team)  # a part changes, not the case row

    refused = api.post(f"/api/v1/cases/{case.pk}/verify/", {"seen": seen}, format="json")
    assert refused.status_code in (400, 409)
    assert "changed" in refused.content.decode()
    assert fresh(case).review_state == "submitted"

    seen = api.get(f"/api/v1/cases/{case.pk}/review/").json()["fingerprint"]
    done = api.post(f"/api/v1/cases/{case.pk}/verify/", {"seen": seen}, format="json")
    assert done.status_code == 200, done.content
    assert fresh(case).review_state == "verified"


def test_the_service_itself_checks_the_fingerprint(team, monitor_on_team, reviewer):
    case, allegation, _source = cited_case(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)
    seen = fresh(case).review_fingerprint()
    record_save(record=fresh(allegation), actor=monitor_on_team, reason="touch")
    with pytest.raises(ActionRefused) as refused:
        review_verify(record=fresh(case), actor=reviewer, seen=seen)
    assert refused.value.code == "changed"


# -- the review unit comes from the model graph ----------------------------------------------------

#: Audited records that stand on their own: reference data and records reviewed as a whole.
STANDALONE = {"people.Organization", "monitor.Place", "monitor.Term", "cases.Facility"}


def test_every_audited_model_is_reviewed_part_of_a_review_or_standalone():
    """A new child model must declare ``review_parent`` (or say it stands alone here)."""
    unknown = []
    for model in apps.get_models():
        if not issubclass(model, AuditedModel) or issubclass(model, ReviewedModel):
            continue
        if model.review_parent or model.review_follows_record:
            continue
        if model._meta.label not in STANDALONE:
            unknown.append(model._meta.label)
    assert unknown == [], (
        "Declare review_parent = '<link to the record it is part of>' on these models, or "
        f"list them as standalone in this test: {unknown}"
    )


def test_the_history_of_every_record_follower_is_indexed_by_record():
    """A review reads a follower's history (a citation's) by the record's id: every such
    history table has an index that starts with ``object_id``."""
    followers = [
        model
        for model in apps.get_models()
        if getattr(model, "review_follows_record", False) and hasattr(model, "history")
    ]
    assert followers, "no model follows a record's review: this test checks nothing"
    unindexed = [
        model._meta.label
        for model in followers
        if not any(
            list(index.fields[:1]) == ["object_id"] for index in model.history.model._meta.indexes
        )
    ]
    assert unindexed == []


def test_every_part_is_in_its_roots_review_unit():
    for model in apps.get_models():
        link = getattr(model, "review_parent", None)
        if not link or hasattr(model, "instance_type"):
            continue
        parent = model._meta.get_field(link).related_model
        while getattr(parent, "review_parent", None):
            parent = parent._meta.get_field(parent.review_parent).related_model
        assert model in {part for part, _link in review_unit(parent)}, model


def test_a_case_review_unit_holds_its_allegations_steps_and_followups():
    from cases.models import Allegation, Case, DetentionStep, FollowUpResponse

    parts = {model for model, _link in review_unit(Case)}
    assert {Allegation, DetentionStep, FollowUpResponse} <= parts


def test_the_case_page_history_shows_field_and_link_changes(client, team, monitor_on_team):
    case, _allegation, _source = cited_case(monitor_on_team, team)
    case = fresh(case)
    case.title = "Detention of a Khorog lawyer, renamed"
    record_save(record=case, actor=monitor_on_team, m2m={"places": [PlaceFactory(name="Khorog")]})
    client.force_login(monitor_on_team)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "added Khorog" in body
    assert "Detention of a Khorog lawyer, renamed" in body
