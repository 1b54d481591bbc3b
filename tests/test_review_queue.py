"""The admin review queue (issue 3, point 4): what waits, what changed, Verify and Return.

Every page is tested as the people who must not see or do something too: an off-team
monitor, a reviewer without clearance for a protected witness, the submitter themselves.
Records are built through the services, as monitors build them, so history and decisions
are real.
"""

from __future__ import annotations

import datetime
import itertools
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Allegation, Case, Event
from monitor.admin.review.queue import QueueFilters, QueuePaginator, queue_rows
from monitor.choices import Confidentiality, ReviewState, Role, Vocabulary
from monitor.models import DecisionAction, ReviewDecision, User
from monitor.services import record_save, review_return, review_submit, review_verify
from people.models import Person, PersonName
from sources.choices import Credibility, Reliability
from sources.models import Citation, Source
from tests.factories import PersonFactory, TeamFactory, TermFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "admin:review_queue"
FOUR_EYES = "You cannot verify your own work"
_numbers = itertools.count(1)


# -- personas beyond the shared ones ---------------------------------------------------------


def staff(user: User) -> User:
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def uncleared_reviewer(db):
    """A reviewer in no team, cleared up to confidential: not cleared for protected identities
    of other teams, nor for strict records."""
    return UserFactory(
        username="una-reviewer", role=Role.REVIEWER, clearance=Confidentiality.CONFIDENTIAL
    )


@pytest.fixture
def internal_reviewer(db):
    """A reviewer in no team, cleared only up to internal."""
    return UserFactory(
        username="ivan-reviewer", role=Role.REVIEWER, clearance=Confidentiality.INTERNAL
    )


def login(client, user: User):
    client.force_login(staff(user))
    return client


# -- building work through the services ------------------------------------------------------


def fresh(record):
    return type(record)._base_manager.get(pk=record.pk)


def new_case(actor, team, **fields) -> Case:
    fields.setdefault("title", f"Detention of a Khorog lawyer {next(_numbers)}")
    case = Case(reference=f"TJK-2025-{next(_numbers):04d}", team=team, **fields)
    return record_save(record=case, actor=actor)


def new_event(actor, team, **fields) -> Event:
    fields.setdefault("title", f"Khorog rally {next(_numbers)}")
    return record_save(record=Event(team=team, start="16 May 2022", **fields), actor=actor)


def new_source(actor, team, **fields) -> Source:
    fields.setdefault("title", f"Verdict of the Dushanbe city court {next(_numbers)}")
    source = Source(kind=TermFactory(vocabulary=Vocabulary.SOURCE_KIND), team=team, **fields)
    return record_save(record=source, actor=actor)


def new_person(actor, team, name: str | None = None, **fields) -> Person:
    person = record_save(record=Person(team=team, **fields), actor=actor)
    record_save(
        record=PersonName(
            person=person, full_name=name or f"Person {next(_numbers)}", is_primary=True
        ),
        actor=actor,
    )
    return fresh(person)


def new_allegation(actor, case, **fields) -> Allegation:
    allegation = Allegation(
        case=case,
        victim=PersonFactory(team=case.team),
        violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE, label="Torture"),
        date="May 2022",
        **fields,
    )
    return record_save(record=allegation, actor=actor)


def cite(actor, record, source, **fields) -> Citation:
    return record_save(record=Citation(source=source, record=record, **fields), actor=actor)


def cited_case(actor, team, **fields) -> tuple[Case, Allegation, Source]:
    """A draft case with one allegation, cited."""
    case = new_case(actor, team, **fields)
    source = new_source(actor, team)
    allegation = new_allegation(actor, case)
    cite(actor, allegation, source, page="12", quote="He was beaten in custody.")
    return fresh(case), allegation, source


def submitted_case(actor, team, **fields) -> Case:
    case, _, _ = cited_case(actor, team, **fields)
    review_submit(record=case, actor=actor)
    return fresh(case)


def submit_at(record, actor, when: datetime.datetime):
    """Submit ``record`` as if at ``when`` (decisions are stamped with the clock)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        review_submit(record=record, actor=actor)


# -- reading the pages -----------------------------------------------------------------------


def queue(client, **params):
    return client.get(reverse(QUEUE), params)


def item_url(record) -> str:
    opts = record._meta
    return reverse("admin:review_item", args=[opts.app_label, opts.model_name, record.pk])


def labels(response) -> list[str]:
    return [item.label for item in response.context["items"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def decide(client, record, action: str, comment: str = ""):
    """Open the item page, then post the decision from it (with the version it showed)."""
    page = client.get(item_url(record))
    assert page.status_code == 200
    data = {"action": action, "comment": comment, "seen": page.context["review"].token}
    return client.post(item_url(record), data)


# -- the queue -------------------------------------------------------------------------------


def test_queue_lists_submitted_items_of_every_kind_oldest_first_with_submitter_and_age(
    client, team, monitor_on_team, reviewer
):
    now = timezone.now()
    case, _, _ = cited_case(monitor_on_team, team, title="Arrest of a lawyer in Khorog")
    event = new_event(monitor_on_team, team, title="Rushan road blockade")
    person = new_person(monitor_on_team, team, name="Tolib Ayombekov")
    source = new_source(monitor_on_team, team, title="UN experts' press release")
    submit_at(source, monitor_on_team, now - datetime.timedelta(days=5))
    submit_at(case, monitor_on_team, now - datetime.timedelta(days=3))
    submit_at(person, monitor_on_team, now - datetime.timedelta(days=2))
    submit_at(event, monitor_on_team, now - datetime.timedelta(hours=3))

    response = queue(login(client, reviewer))

    assert response.status_code == 200
    assert labels(response) == [
        "UN experts' press release",
        f"{case.reference} — Arrest of a lawyer in Khorog",
        "Tolib Ayombekov",
        "Rushan road blockade",
    ]
    items = response.context["items"]
    assert [item.kind for item in items] == ["Source", "Case", "Person", "Event"]
    assert {item.submitter for item in items} == {"alice-monitor"}
    ages = [item.age.replace("\xa0", " ") for item in items]  # timesince joins with a nbsp
    assert ages == ["5 days", "3 days", "2 days", "3 hours"]
    content = response.content.decode()
    assert "alice-monitor" in content and "3\xa0days" in content


def test_each_page_of_the_queue_holds_the_whole_queue_s_items_in_order(
    team, monitor_on_team, reviewer
):
    """A page reads only the first rows of each kind (up to the page's end): pages of two,
    one after another, give the whole queue's order, kinds interleaved by submission time."""
    now = timezone.now()
    records = [
        new_source(monitor_on_team, team, title="Press release"),
        new_case(monitor_on_team, team, title="First case"),
        new_person(monitor_on_team, team, name="Tolib Ayombekov"),
        new_case(monitor_on_team, team, title="Second case"),
        new_event(monitor_on_team, team, title="Rushan road blockade"),
        new_source(monitor_on_team, team, title="Court record"),
        new_case(monitor_on_team, team, title="Third case"),
    ]
    for days, record in zip(range(len(records), 0, -1), records, strict=True):
        submit_at(record, monitor_on_team, now - datetime.timedelta(days=days))
    filters = QueueFilters()
    whole = [(row["queue_kind"], row["id"]) for row in queue_rows(reviewer, filters)]
    assert whole == [(r._meta.label_lower, r.pk) for r in records]

    paginator = QueuePaginator(2, user=reviewer, filters=filters)
    pages = [
        [(row["queue_kind"], row["id"]) for row in paginator.page(number).object_list]
        for number in paginator.page_range
    ]

    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [row for page in pages for row in page] == whole
    cases = QueuePaginator(2, user=reviewer, filters=QueueFilters(kind="cases.case"))
    assert [row["id"] for row in cases.page(2).object_list] == [records[6].pk]


def test_queue_leaves_out_drafts_verified_returned_and_archived_records(
    client, team, monitor_on_team, reviewer, coordinator
):
    waiting = submitted_case(monitor_on_team, team, title="Waiting for review")
    cited_case(monitor_on_team, team, title="Still a draft")
    verified = submitted_case(monitor_on_team, team, title="Already verified")
    review_verify(record=verified, actor=reviewer)
    returned = submitted_case(monitor_on_team, team, title="Sent back")
    review_return(record=returned, actor=reviewer, comment="Cite the verdict.")

    response = queue(login(client, reviewer))

    assert labels(response) == [str(waiting)]
    content = response.content.decode()
    for title in ("Still a draft", "Already verified", "Sent back"):
        assert title not in content


def test_queue_filters_by_type_team_and_submitter_with_choices_from_visible_items(
    client, team, monitor_on_team, reviewer, second_reviewer
):
    case = submitted_case(monitor_on_team, team)
    event = new_event(second_reviewer, team, title="Khorog rally, 16 May 2022")
    review_submit(record=event, actor=second_reviewer)
    other_team = TeamFactory(name="Sughd team", members=[reviewer])
    elsewhere = submitted_case(reviewer, other_team, title="Khujand trial")
    secret_team = TeamFactory(name="Secret team")
    secret_monitor = UserFactory(username="sid-secret", role=Role.MONITOR, teams=[secret_team])
    submitted_case(secret_monitor, secret_team, confidentiality=Confidentiality.STRICT)
    login(client, reviewer)

    assert labels(queue(client, type="cases.event")) == [event.title]
    assert labels(queue(client, team=str(other_team.pk))) == [str(elsewhere)]
    assert labels(queue(client, submitter=str(second_reviewer.pk))) == [event.title]
    assert labels(queue(client, type="nonsense")) == [str(case), event.title, str(elsewhere)]
    choices = queue(client).context["choices"]
    assert {label for _, label in choices["team"]} == {"GBAO documentation team", "Sughd team"}
    assert {label for _, label in choices["submitter"]} == {
        "alice-monitor",
        "sam-reviewer",
        "rita-reviewer",
    }


def test_off_team_and_uncleared_users_neither_see_nor_count_hidden_items(
    client, team, monitor_on_team, monitor_off_team, reviewer, internal_reviewer
):
    strict = submitted_case(
        monitor_on_team,
        team,
        title="Strict: a witness in Khorog",
        confidentiality=Confidentiality.STRICT,
    )
    confidential = submitted_case(monitor_on_team, team, title="Confidential: a lawyer")
    public = submitted_case(
        monitor_on_team,
        team,
        title="Public: the Rushan blockade",
        confidentiality=Confidentiality.PUBLIC,
    )

    seen = {
        user.username: labels(queue(login(client, user)))
        for user in (reviewer, monitor_off_team, internal_reviewer)
    }
    counts = {}
    for user in (reviewer, monitor_off_team, internal_reviewer):
        login(client, user)
        counts[user.username] = client.get(reverse("admin:index")).context["review_queue"].count

    assert seen == {
        "rita-reviewer": [str(strict), str(confidential), str(public)],
        "bob-monitor": [str(confidential), str(public)],
        "ivan-reviewer": [str(public)],
    }
    assert counts == {"rita-reviewer": 3, "bob-monitor": 2, "ivan-reviewer": 1}
    login(client, internal_reviewer)
    response = queue(client)
    assert "Strict: a witness" not in response.content.decode()
    assert "Confidential: a lawyer" not in response.content.decode()
    assert client.get(item_url(strict)).status_code == 404
    assert client.get(item_url(confidential)).status_code == 404
    assert {label for _, label in response.context["choices"]["submitter"]} == {"alice-monitor"}


def test_admin_index_shows_the_queue_count(client, team, monitor_on_team, reviewer):
    submitted_case(monitor_on_team, team)
    submitted_case(monitor_on_team, team)
    cited_case(monitor_on_team, team)  # a draft: not counted

    login(client, reviewer)
    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Review queue (2)" in response.content.decode()
    assert reverse(QUEUE) in response.content.decode()


def test_staff_user_without_a_role_is_refused_the_queue_and_sees_no_count(client, no_role_user):
    login(client, no_role_user)

    assert queue(client).status_code == 403
    assert "Review queue" not in client.get(reverse("admin:index")).content.decode()


def test_anonymous_visitor_is_sent_to_sign_in(client, team, monitor_on_team):
    case = submitted_case(monitor_on_team, team)

    for url in (reverse(QUEUE), item_url(case)):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


def test_queue_runs_the_same_number_of_queries_for_2_and_20_items_of_each_kind(
    client, team, monitor_on_team, reviewer
):
    def add(count: int) -> None:
        for _ in range(count):
            for record in (
                new_case(monitor_on_team, team),
                new_event(monitor_on_team, team),
                new_person(monitor_on_team, team, is_protected=True),
                new_source(monitor_on_team, team),
            ):
                review_submit(record=record, actor=monitor_on_team)

    login(client, reviewer)
    add(2)
    queue(client)  # warm the caches (content types, permissions) once
    with CaptureQueriesContext(connection) as few:
        assert len(queue(client).context["items"]) == 8
    add(18)
    with CaptureQueriesContext(connection) as many:
        assert len(queue(client).context["items"]) == 50  # a full page of the 80
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_protected_person_in_the_queue_shows_only_a_pseudonym_to_an_uncleared_reviewer(
    client, team, monitor_on_team, uncleared_reviewer, reviewer
):
    witness = new_person(
        monitor_on_team, team, name="Gulnora Secretova", is_protected=True, contact="+992 555"
    )
    review_submit(record=witness, actor=monitor_on_team)

    login(client, uncleared_reviewer)
    listed = queue(client)
    page = client.get(item_url(witness))

    assert labels(listed) == [witness.pseudonym]
    for response in (listed, page):
        assert response.status_code == 200
        content = response.content.decode()
        assert witness.pseudonym in content
        assert "Secretova" not in content and "+992 555" not in content
    # The team's reviewer may know who it is.
    login(client, reviewer)
    assert labels(queue(client)) == ["Gulnora Secretova"]
    assert "+992 555" in client.get(item_url(witness)).content.decode()


def test_allegation_of_a_protected_victim_shows_the_pseudonym_in_the_case_diff(
    client, team, monitor_on_team, uncleared_reviewer
):
    case = new_case(monitor_on_team, team)
    other = TeamFactory(name="Witness protection team")
    victim = PersonFactory(name="Shahlo Hiddenova", team=other, is_protected=True)
    allegation = Allegation(
        case=case,
        victim=victim,
        violation_type=TermFactory(vocabulary=Vocabulary.VIOLATION_TYPE),
        date="May 2022",
    )
    record_save(record=allegation, actor=monitor_on_team)
    review_submit(record=fresh(case), actor=monitor_on_team)

    login(client, uncleared_reviewer)
    content = client.get(item_url(case))

    assert content.status_code == 200
    assert victim.pseudonym in content.content.decode()
    assert "Hiddenova" not in content.content.decode()


# -- the item page ---------------------------------------------------------------------------


def test_item_page_diffs_title_and_allegation_against_the_last_verified_version(
    client, team, monitor_on_team, reviewer, second_reviewer
):
    case, allegation, _ = cited_case(monitor_on_team, team, title="Arrest of a lawyer")
    review_submit(record=case, actor=monitor_on_team)
    review_verify(record=fresh(case), actor=reviewer)
    verified_version = fresh(case).version
    edited = fresh(case)
    edited.title = "Arrest and conviction of a lawyer"
    record_save(record=edited, actor=monitor_on_team)
    allegation = fresh(allegation)
    allegation.description = "Held incommunicado for ten days"
    record_save(record=allegation, actor=monitor_on_team)
    second_source = new_source(monitor_on_team, team, title="Letter of UN experts")
    cite(monitor_on_team, allegation, second_source, page="2")
    assert fresh(case).review_state == ReviewState.SUBMITTED

    login(client, second_reviewer)
    response = client.get(item_url(case))

    assert response.status_code == 200
    review = response.context["review"]
    assert review.verified.version == verified_version
    own = [(c.label, c.old, c.new) for c in review.own.changes]
    assert own == [("Title", "Arrest of a lawyer", "Arrest and conviction of a lawyer")]
    changed = {part.kind: part for part in review.changed_parts}
    assert changed["Allegation"].status == "changed"
    assert [(c.label, c.old, c.new) for c in changed["Allegation"].changes] == [
        ("Description", "", "Held incommunicado for ten days")
    ]
    assert changed["Citation"].status == "new"
    added = {c.label: c.new for c in changed["Citation"].changes}
    assert added["Source"] == "Letter of UN experts"
    assert added["Claim"] == changed["Allegation"].label
    assert [p.kind for p in review.changed_parts].count("Citation") == 1  # the old one is unchanged
    content = response.content.decode()
    assert "Arrest of a lawyer" in content and "Arrest and conviction of a lawyer" in content
    assert "Held incommunicado for ten days" in content


def test_never_verified_record_shows_every_field_and_part_as_new(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team, title="First submission", summary="Arrested.")

    login(client, reviewer)
    review = client.get(item_url(case)).context["review"]

    assert review.verified is None
    assert review.own.status == "new"
    assert ("Title", "", "First submission") in [
        (c.label, c.old, c.new) for c in review.own.changes
    ]
    assert ("Summary", "", "Arrested.") in [(c.label, c.old, c.new) for c in review.own.changes]
    kinds = {part.kind for part in review.changed_parts}
    assert "Allegation" in kinds
    assert "Citation" not in kinds  # listed beside their claims instead
    assert all(part.status == "new" for part in review.changed_parts)
    allegation = next(p for p in review.changed_parts if p.kind == "Allegation")
    assert ("Date", "", "May 2022") in [(c.label, c.old, c.new) for c in allegation.changes]


def test_item_page_shows_the_citations_behind_each_claim(client, team, monitor_on_team, reviewer):
    case = new_case(monitor_on_team, team)
    source = new_source(
        monitor_on_team, team, title="Verdict of the Khorog city court", reliability=Reliability.A
    )
    allegation = new_allegation(monitor_on_team, case)
    cite(
        monitor_on_team,
        allegation,
        source,
        page="7",
        paragraph="3",
        quote="sentenced to seven years",
        credibility=Credibility.CONFIRMED,
    )
    review_submit(record=fresh(case), actor=monitor_on_team)

    login(client, reviewer)
    response = client.get(item_url(case))

    claims = {part.kind: part for part in response.context["review"].claims}
    assert claims["Allegation"].citations == [
        {
            "source": "Verdict of the Khorog city court",
            "reliability": "A — completely reliable",
            "credibility": "1 — confirmed by other sources",
            "locator": "p. 7, ¶ 3",
            "quote": "sentenced to seven years",
            "field": "",
        }
    ]
    assert claims["Case"].citations == []
    content = response.content.decode()
    for text in ("Verdict of the Khorog city court", "A — completely reliable", "p. 7, ¶ 3"):
        assert text in content


def test_protected_source_of_a_citation_shows_its_pseudonym(
    client, team, monitor_on_team, uncleared_reviewer
):
    case = new_case(monitor_on_team, team)
    witness = new_source(monitor_on_team, team, title="Interview with Aziz Confidentov")
    witness.is_protected = True
    record_save(record=witness, actor=monitor_on_team)
    cite(monitor_on_team, new_allegation(monitor_on_team, case), fresh(witness), page="1")
    review_submit(record=fresh(case), actor=monitor_on_team)

    login(client, uncleared_reviewer)
    response = client.get(item_url(case))

    content = response.content.decode()
    assert witness.pseudonym in content
    assert "Confidentov" not in content


def test_hidden_record_answers_404_and_unknown_kinds_too(
    client, team, monitor_on_team, monitor_off_team
):
    strict = submitted_case(monitor_on_team, team, confidentiality=Confidentiality.STRICT)
    login(client, monitor_off_team)

    assert client.get(item_url(strict)).status_code == 404
    assert client.post(item_url(strict), {"action": "verify"}).status_code == 404
    bogus = reverse("admin:review_item", args=["monitor", "term", strict.pk])
    assert client.get(bogus).status_code == 404
    assert fresh(strict).review_state == ReviewState.SUBMITTED


def test_item_page_of_a_record_not_in_review_says_so_and_offers_no_buttons(
    client, team, monitor_on_team, reviewer
):
    case, _, _ = cited_case(monitor_on_team, team)

    login(client, reviewer)
    response = client.get(item_url(case))

    assert response.status_code == 200
    assert "not waiting for review: it is draft" in " ".join(messages_of(response))
    assert 'value="verify"' not in response.content.decode()


def test_second_reviewer_verifies_through_the_item_page_and_the_decision_is_kept(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team)
    login(client, reviewer)

    response = decide(client, case, "verify", comment="Matches the verdict.")

    assert response.status_code == 302 and response["Location"] == reverse(QUEUE)
    assert fresh(case).review_state == ReviewState.VERIFIED
    decision = ReviewDecision.objects.for_record(case).get(action=DecisionAction.VERIFIED)
    assert (decision.actor, decision.comment, decision.version) == (
        reviewer,
        "Matches the verdict.",
        fresh(case).version,
    )
    followed = client.get(response["Location"])
    assert f"{case} — verified" in " ".join(messages_of(followed))
    log = client.get(item_url(case)).content.decode()
    assert "Matches the verdict." in log and "rita-reviewer" in log


def test_submitter_who_is_a_reviewer_is_refused_by_four_eyes(client, team, reviewer):
    case = submitted_case(reviewer, team)
    login(client, reviewer)

    page = client.get(item_url(case))
    response = decide(client, case, "verify")

    assert page.context["barred"] is True
    assert (
        "You submitted or edited this since the last verification: another reviewer must "
        "verify it." in page.content.decode()
    )
    assert 'value="verify"' not in page.content.decode()
    assert response.status_code == 200
    assert FOUR_EYES in " ".join(messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED
    assert not ReviewDecision.objects.for_record(case).filter(action=DecisionAction.VERIFIED)


def test_monitor_cannot_verify_even_by_posting_the_form(client, team, monitor_on_team):
    case = submitted_case(UserFactory(role=Role.MONITOR, teams=[team]), team)
    login(client, monitor_on_team)

    page = client.get(item_url(case))
    response = decide(client, case, "verify")

    assert 'value="verify"' not in page.content.decode()
    assert "Only reviewers verify or return records." in " ".join(messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED


def test_return_needs_a_comment_and_the_comment_shows_in_the_decision_log(
    client, team, monitor_on_team, reviewer
):
    case = submitted_case(monitor_on_team, team)
    login(client, reviewer)

    refused = decide(client, case, "return", comment="   ")
    assert "a comment is required" in " ".join(messages_of(refused))
    assert fresh(case).review_state == ReviewState.SUBMITTED

    done = decide(client, case, "return", comment="Cite the court record for the charge.")
    assert done.status_code == 302
    assert fresh(case).review_state == ReviewState.RETURNED
    log = client.get(item_url(case))
    decisions = [(d.action, d.comment) for d in log.context["decisions"]]
    assert (DecisionAction.RETURNED, "Cite the court record for the charge.") in decisions
    assert "Cite the court record for the charge." in log.content.decode()


def test_decision_on_a_record_changed_since_the_page_was_opened_is_refused(
    client, team, monitor_on_team, reviewer
):
    case, allegation, _ = cited_case(monitor_on_team, team)
    review_submit(record=case, actor=monitor_on_team)
    login(client, reviewer)
    seen = client.get(item_url(case)).context["review"].token
    allegation = fresh(allegation)
    allegation.description = "Beaten during interrogation."
    record_save(record=allegation, actor=monitor_on_team)

    response = client.post(item_url(case), {"action": "verify", "seen": seen})

    assert "changed since you opened it" in " ".join(messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED


# -- bulk decisions --------------------------------------------------------------------------


def test_bulk_verify_reports_per_item_what_was_done_and_what_was_refused(
    client, team, monitor_on_team, reviewer
):
    own = submitted_case(reviewer, team)
    others = submitted_case(monitor_on_team, team)
    login(client, reviewer)
    keys = [f"cases.case:{own.pk}", f"cases.case:{others.pk}"]

    response = client.post(reverse(QUEUE), {"action": "verify", "items": keys}, follow=True)

    reports = messages_of(response)
    assert any(r.startswith(f"{own} — refused: {FOUR_EYES}") for r in reports), reports
    assert f"{others} — verified" in reports
    assert fresh(own).review_state == ReviewState.SUBMITTED
    assert fresh(others).review_state == ReviewState.VERIFIED
    assert labels(response) == [str(own)]


def test_bulk_return_needs_a_comment_and_then_returns_each_item(
    client, team, monitor_on_team, reviewer
):
    first = submitted_case(monitor_on_team, team)
    second = submitted_case(monitor_on_team, team)
    login(client, reviewer)
    keys = [f"cases.case:{first.pk}", f"cases.case:{second.pk}"]

    refused = client.post(reverse(QUEUE), {"action": "return", "items": keys}, follow=True)
    assert "returning needs a comment" in " ".join(messages_of(refused))
    assert fresh(first).review_state == fresh(second).review_state == ReviewState.SUBMITTED

    done = client.post(
        reverse(QUEUE),
        {"action": "return", "items": keys, "comment": "Add the arrest date."},
        follow=True,
    )
    assert {f"{first} — returned", f"{second} — returned"} <= set(messages_of(done))
    for case in (first, second):
        returned = ReviewDecision.objects.for_record(case).get(action=DecisionAction.RETURNED)
        assert returned.comment == "Add the arrest date."


def test_bulk_action_on_a_hidden_item_reveals_nothing_and_changes_nothing(
    client, team, monitor_on_team, uncleared_reviewer
):
    strict = submitted_case(monitor_on_team, team, confidentiality=Confidentiality.STRICT)
    login(client, uncleared_reviewer)

    response = client.post(
        reverse(QUEUE), {"action": "verify", "items": [f"cases.case:{strict.pk}"]}, follow=True
    )

    reports = " ".join(messages_of(response))
    assert "not found" in reports and strict.reference not in reports
    assert fresh(strict).review_state == ReviewState.SUBMITTED


def test_decision_log_admin_lists_decisions_with_a_safe_link_to_the_record(
    client, team, monitor_on_team, reviewer, uncleared_reviewer
):
    witness = new_person(monitor_on_team, team, name="Gulnora Secretova", is_protected=True)
    review_submit(record=witness, actor=monitor_on_team)
    strict = submitted_case(monitor_on_team, team, confidentiality=Confidentiality.STRICT)

    login(client, uncleared_reviewer)
    response = client.get(reverse("admin:monitor_reviewdecision_changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert witness.pseudonym in content and item_url(witness) in content
    assert "Secretova" not in content and strict.reference not in content
    seen = ReviewDecision.objects.for_record(witness).get()
    hidden = ReviewDecision.objects.for_record(strict).get()
    change = "admin:monitor_reviewdecision_change"
    page = client.get(reverse(change, args=[seen.pk]))
    assert page.status_code == 200 and witness.pseudonym in page.content.decode()
    assert "Secretova" not in page.content.decode()
    assert client.get(reverse(change, args=[hidden.pk])).status_code == 404


# -- end to end on the demo data -------------------------------------------------------------


@pytest.fixture
def demo(settings):
    settings.DEMO = True
    settings.DEMO_PASSWORD = "demo-passphrase-for-tests-7319"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = {user.username: user for user in User.objects.all()}
    team_cases = Case.objects.filter(
        team__members=users["monitor"], review_state=ReviewState.DRAFT
    ).order_by("reference")
    return users, list(team_cases)


def test_demo_monitor_draft_is_submitted_then_verified_by_the_demo_reviewer_in_the_queue(
    client, demo
):
    users, drafts = demo
    monitor, reviewer = users["monitor"], users["reviewer"]
    assert len(drafts) >= 2, "the demo needs two of the team's draft cases"
    case, other = drafts[0], drafts[1]
    review_submit(record=case, actor=monitor)
    review_submit(record=other, actor=monitor)

    # The demo monitor sees the queue but may not decide: the service refuses.
    client.force_login(monitor)
    assert str(case) in labels(queue(client))
    refused = decide(client, case, "verify")
    assert "Only reviewers verify or return records." in " ".join(messages_of(refused))
    assert fresh(case).review_state == ReviewState.SUBMITTED

    # The demo reviewer verifies it through the queue.
    client.force_login(reviewer)
    listed = queue(client)
    assert str(case) in labels(listed)
    assert "Review queue (2)" in client.get(reverse("admin:index")).content.decode()
    item = client.get(item_url(case))
    assert item.context["blockers"] == []
    done = decide(client, case, "verify", comment="Checked against the seed article.")
    assert done.status_code == 302
    assert fresh(case).review_state == ReviewState.VERIFIED
    verified = ReviewDecision.objects.for_record(case).get(action=DecisionAction.VERIFIED)
    assert verified.actor == reviewer
    assert str(case) not in labels(queue(client))


def test_demo_reviewer_who_submitted_a_case_is_refused_by_four_eyes(client, demo):
    users, drafts = demo
    reviewer = users["reviewer"]
    case = drafts[0]
    review_submit(record=case, actor=reviewer)
    client.force_login(reviewer)

    response = decide(client, case, "verify")

    assert FOUR_EYES in " ".join(messages_of(response))
    assert fresh(case).review_state == ReviewState.SUBMITTED


def test_submitter_choices_name_who_sent_each_waiting_item_last(
    client, team, monitor_on_team, reviewer, second_reviewer
):
    # Alice submitted, the reviewer returned it, Sam sent it back: Sam waits for an answer.
    case = submitted_case(monitor_on_team, team)
    review_return(record=case, actor=reviewer, comment="Cite the verdict.")
    review_submit(record=fresh(case), actor=second_reviewer)
    verified = submitted_case(monitor_on_team, team, title="Already decided")
    review_verify(record=verified, actor=reviewer)
    login(client, reviewer)

    response = queue(client)

    assert [item.submitter for item in response.context["items"]] == ["sam-reviewer"]
    assert {label for _, label in response.context["choices"]["submitter"]} == {"sam-reviewer"}
