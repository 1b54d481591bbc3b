"""The review screen inside the app (issue 19, point 5): the queue, the diff since the last
verification and since the last return, word-level diffs, charges in the diff, Verify and
Return beside it, four eyes — tested as the people who must not see or decide.

Records are built through the services, as monitors build them (the helpers of the admin
queue's tests), so history and decisions are real.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.choices import StepKind
from cases.models import Detention, DetentionStep
from monitor.choices import Confidentiality, ReviewState, Vocabulary
from monitor.review_diff import Change
from monitor.services import record_save, review_return, review_submit, review_verify
from tests.factories import PersonFactory, TermFactory
from tests.test_review_queue import (  # the fixtures are the admin queue's personas
    cited_case,
    fresh,
    messages_of,
    submitted_case,
    uncleared_reviewer,  # noqa: F401 — a fixture, used by name
)

pytestmark = pytest.mark.django_db

LONG = (
    "He was detained at the Khorog checkpoint on the evening of 18 May and taken to the "
    "regional police department, where he was held without a lawyer for three days."
)


def page(record) -> str:
    opts = record._meta
    return reverse("review-item", args=[opts.app_label, opts.model_name, record.pk])


def decide(client, record, action: str, comment: str = ""):
    shown = client.get(page(record))
    assert shown.status_code == 200
    data = {"action": action, "comment": comment, "seen": shown.context["review"].token}
    return client.post(page(record), data)


def test_reviewer_sees_the_queue_in_the_app_with_links_to_the_review_page(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team, title="Arrest of a lawyer in Khorog")
    client.force_login(reviewer)

    response = client.get(reverse("review-queue"))

    assert response.status_code == 200
    assert [item.url for item in response.context["items"]] == [page(case)]
    assert "Arrest of a lawyer in Khorog" in response.content.decode()


@pytest.mark.parametrize("persona", ["monitor_on_team", "viewer", "coordinator", "no_role_user"])
def test_who_is_not_a_reviewer_gets_403_on_the_queue_and_404_on_the_item(
    client, team, monitor_on_team, personas, persona
):
    case = submitted_case(monitor_on_team, team)
    client.force_login(personas[persona])

    assert client.get(reverse("review-queue")).status_code == 403
    assert client.get(page(case)).status_code == 404  # as for an id that does not exist
    refused = client.post(page(case), {"action": "verify", "seen": ""})
    assert refused.status_code == 404
    assert fresh(case).review_state == ReviewState.SUBMITTED


def test_a_reviewer_who_may_not_see_the_record_gets_404_like_a_missing_one(
    client,
    team,
    monitor_on_team,
    uncleared_reviewer,  # noqa: F811 — the fixture imported above
):
    case = submitted_case(monitor_on_team, team, confidentiality=Confidentiality.STRICT)
    client.force_login(uncleared_reviewer)
    missing = reverse("review-item", args=["cases", "case", "00000000-0000-0000-0000-000000000000"])

    assert client.get(page(case)).status_code == 404
    assert client.get(missing).status_code == 404
    assert client.get(reverse("review-queue")).context["items"] == []


def test_reviewer_verifies_from_the_page_with_the_fingerprint_of_what_they_saw(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team)
    client.force_login(reviewer)

    response = decide(client, case, "verify")

    assert response.status_code == 302
    assert response.url == reverse("review-queue")
    assert fresh(case).review_state == ReviewState.VERIFIED


def test_a_change_after_the_page_was_opened_refuses_the_decision(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team)
    client.force_login(reviewer)
    shown = client.get(page(case))
    current = fresh(case)
    current.summary = "Changed while the reviewer was reading."
    record_save(record=current, actor=monitor_on_team)

    response = client.post(page(case), {"action": "verify", "seen": shown.context["review"].token})

    assert response.status_code == 200
    assert any("changed since you opened it" in m for m in messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED


def test_the_author_who_is_a_reviewer_cannot_verify_their_own_work(client, team, reviewer):
    case = submitted_case(reviewer, team)
    client.force_login(reviewer)

    shown = client.get(page(case))
    assert shown.context["barred"] is True
    assert 'id="review-verify"' not in shown.content.decode()
    response = client.post(page(case), {"action": "verify", "seen": shown.context["review"].token})

    assert any("cannot verify your own work" in m for m in messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED


def test_return_needs_a_comment_and_changes_nothing_without_one(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team)
    client.force_login(reviewer)

    response = decide(client, case, "return", comment="  ")

    assert response.status_code == 200
    assert any("comment is required" in m for m in messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED


def test_after_a_return_the_resubmitted_case_shows_what_changed_since_the_return(
    client, team, monitor_on_team, reviewer
):
    """Never verified, returned, fixed, resubmitted: the reviewer sees the fix, not
    "never verified: everything is new"."""
    case, allegation, _source = cited_case(monitor_on_team, team, summary="Arrested in May.")
    review_submit(record=case, actor=monitor_on_team)
    review_return(record=fresh(case), actor=reviewer, comment="Say when he was arrested.")
    current = fresh(case)
    current.summary = "Arrested on 18 May 2022 in Khorog."
    record_save(record=current, actor=monitor_on_team)
    review_submit(record=fresh(case), actor=monitor_on_team)
    client.force_login(reviewer)

    response = client.get(page(case))

    review = response.context["review"]
    assert response.context["since"] == "returned"
    assert review.since is not None and review.verified is None
    assert review.own.status == "changed"
    assert [(c.label, c.old, c.new) for c in review.own.changes] == [
        ("Summary", "Arrested in May.", "Arrested on 18 May 2022 in Khorog.")
    ]
    assert review.changed_parts == []  # the allegation did not change after the return
    body = response.content.decode()
    assert "Changes since the last return" in body
    assert "never verified" not in body.lower()
    # The other baseline stays one link away: since the last verification (never: all new).
    everything = client.get(page(case), {"since": "verified"}).context["review"]
    assert everything.since is None
    assert allegation.pk in {part.pk for part in everything.parts}


def test_a_long_text_is_shown_word_by_word(client, team, monitor_on_team, reviewer):
    case, _allegation, _source = cited_case(monitor_on_team, team, summary=LONG)
    review_submit(record=case, actor=monitor_on_team)
    review_return(record=fresh(case), actor=reviewer, comment="Which department?")
    current = fresh(case)
    current.summary = LONG.replace("regional police department", "GBAO interior department")
    record_save(record=current, actor=monitor_on_team)
    review_submit(record=fresh(case), actor=monitor_on_team)
    client.force_login(reviewer)

    body = client.get(page(case)).content.decode()

    assert 'class="word-diff"' in body
    assert "<del>regional police </del>" in body
    assert "<ins>GBAO interior </ins>" in body


def test_word_diff_leaves_short_values_whole():
    assert Change("Title", "Khorog", "Rushan").words is None
    words = Change("Summary", LONG, LONG.replace("three", "five")).words
    assert ("del", "three ") in words and ("ins", "five ") in words
    assert "".join(text for op, text in words if op != "del") == LONG.replace("three", "five")


def test_a_charge_added_after_the_return_is_in_the_diff(client, team, monitor_on_team, reviewer):
    case, _allegation, _source = cited_case(monitor_on_team, team)
    detention = record_save(
        record=Detention(case=case, person=PersonFactory(team=team)), actor=monitor_on_team
    )
    step = record_save(
        record=DetentionStep(detention=detention, kind=StepKind.CHARGED, date="June 2023"),
        actor=monitor_on_team,
    )
    review_submit(record=fresh(case), actor=monitor_on_team)
    review_return(record=fresh(case), actor=reviewer, comment="Which article?")
    article = TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307 (extremism)")
    record_save(record=fresh(step), actor=monitor_on_team, m2m={"articles": [article]})
    review_submit(record=fresh(case), actor=monitor_on_team)
    client.force_login(reviewer)

    review = client.get(page(case)).context["review"]

    changes = {(c.label, c.new) for part in review.changed_parts for c in part.changes}
    assert ("Criminal-code articles", "Art. 307 (extremism)") in changes


def test_a_verified_then_edited_case_compares_with_the_verified_version(
    client,
    team,
    monitor_on_team,
    reviewer,
    second_reviewer,
):
    case = submitted_case(monitor_on_team, team, title="Arrest in Khorog")
    review_verify(record=case, actor=reviewer)
    current = fresh(case)
    current.title = "Arrest and trial in Khorog"
    record_save(record=current, actor=monitor_on_team)  # back to review
    client.force_login(second_reviewer)

    response = client.get(page(case))

    assert response.context["since"] == "verified"
    assert [(c.old, c.new) for c in response.context["review"].own.changes] == [
        ("Arrest in Khorog", "Arrest and trial in Khorog")
    ]
    assert "Changes since the last verified version" in response.content.decode()


def test_the_queue_runs_as_many_queries_for_20_items_as_for_2(
    client, team, monitor_on_team, reviewer
):
    from tests.pages.test_queries import _queries

    for _index in range(2):
        submitted_case(monitor_on_team, team)
    client.force_login(reviewer)
    few = _queries(client, reverse("review-queue"))
    for _index in range(18):
        submitted_case(monitor_on_team, team)
    assert _queries(client, reverse("review-queue")) == few


def test_the_admin_item_too_shows_the_changes_since_the_return(
    client, team, monitor_on_team, reviewer
):
    case, _allegation, _source = cited_case(monitor_on_team, team, summary="Arrested in May.")
    review_submit(record=case, actor=monitor_on_team)
    review_return(record=fresh(case), actor=reviewer, comment="When exactly?")
    current = fresh(case)
    current.summary = "Arrested on 18 May 2022."
    record_save(record=current, actor=monitor_on_team)
    review_submit(record=fresh(case), actor=monitor_on_team)
    reviewer.is_staff = True
    reviewer.save()
    client.force_login(reviewer)

    opts = case._meta
    response = client.get(
        reverse("admin:review_item", args=[opts.app_label, opts.model_name, case.pk])
    )

    assert response.context["review"].own.changes[0].new == "Arrested on 18 May 2022."
    assert "Changes since the last return" in response.content.decode()
