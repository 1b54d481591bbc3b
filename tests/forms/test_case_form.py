"""The case form: a detention case in one sitting, validation, stale edits, review, who may edit."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.html import escape

from cases.choices import CasePersonRole, StepKind
from cases.models import Allegation, Case, CasePerson, Detention, DetentionStep
from monitor.approxdate import ApproximateDate, Precision
from monitor.choices import Confidentiality, ReviewState
from monitor.models import DecisionAction, ReviewDecision
from monitor.services import record_save, review_return, review_submit
from people.models import Person
from sources.models import Citation, Source
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionFactory,
    PersonFactory,
    SourceFactory,
    TeamFactory,
)
from tests.forms.helpers import form_data

pytestmark = pytest.mark.django_db


def new_case_data(page, violation, source_kind, **changes) -> dict:
    """A detention case with an allegation cited to a new source, as a monitor fills it in."""
    values = {
        "title": "Detention of the journalist Daler Imomali",
        "summary": "Arrested in Dushanbe; charged over his reporting.",
        "allegations-0-violation_type": str(violation.pk),
        "allegations-0-new_person": "Daler Imomali",
        "allegations-0-date": "June 2023",
        "allegations-0-cite_source": "new",
        "allegations-0-cite_page": "2",
        "allegations-0-cite_quote": "He was taken from his home at night.",
        "allegations-0-cite_credibility": "2",
        "detentions-0-new_person": "Daler Imomali",
        "detentions-0-arrested_on": "2023-06-12",
        "detentions-0-cite_source": "new",
        "newsource-title": "Statement of the family of Daler Imomali",
        "newsource-kind": str(source_kind.pk),
        "newsource-publisher": "Family",
        "newsource-reliability": "B",
    }
    values.update(changes)
    return form_data(page, **values)


def create_case(client, violation, source_kind, **changes):
    page = client.get(reverse("case-create"))
    return client.post(
        reverse("case-create"), new_case_data(page, violation, source_kind, **changes)
    )


def citations_of(record):
    return Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    )


# -- recording a case ----------------------------------------------------------------------------


def test_monitor_records_detention_case_with_new_person_and_new_source_in_one_sitting(
    signed_in, monitor_on_team, team, violation, source_kind
):
    client = signed_in(monitor_on_team)
    response = create_case(client, violation, source_kind)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case-edit", args=[case.pk])
    assert re.fullmatch(r"TJK-\d{4}-0001", case.reference)
    assert case.team == team  # the monitor's one team, by default
    assert case.review_state == ReviewState.DRAFT
    # One new person for both rows, seen like the case, linked to it as a victim.
    person = Person.objects.get()
    assert str(person) == "Daler Imomali"
    assert (person.team, person.confidentiality) == (team, case.confidentiality)
    assert CasePerson.objects.filter(case=case, person=person, role=CasePersonRole.VICTIM).count()
    allegation = Allegation.objects.get()
    assert (allegation.victim, allegation.violation_type) == (person, violation)
    assert allegation.date == ApproximateDate(2023, 6)
    detention = Detention.objects.get()
    arrest = DetentionStep.objects.get()
    assert (detention.person, arrest.kind, str(arrest.date)) == (
        person,
        StepKind.ARRESTED,
        "12 June 2023",
    )
    # The new source is cited for the allegation, the detention and the arrest.
    source = Source.objects.get()
    assert source.title == "Statement of the family of Daler Imomali"
    cited = citations_of(allegation).get()
    assert (cited.source, cited.page, cited.credibility) == (source, "2", 2)
    assert cited.quote == "He was taken from his home at night."
    assert citations_of(detention).get().source == source
    assert citations_of(arrest).get().source == source
    assert case.verification_blockers() == []
    # Every record was written as the monitor.
    assert case.history.get().history_user == monitor_on_team
    assert allegation.history.get().history_user == monitor_on_team


def test_saved_case_page_posts_back_unchanged_without_a_new_version(
    signed_in, monitor_on_team, violation, source_kind
):
    client = signed_in(monitor_on_team)
    create_case(client, violation, source_kind)
    case = Case.objects.get()
    page = client.get(reverse("case-edit", args=[case.pk]))

    response = client.post(reverse("case-edit", args=[case.pk]), form_data(page))

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.version == 1
    assert Allegation.objects.get().version == 1
    assert Citation.objects.count() == 3


def test_invalid_input_is_shown_next_to_its_field_and_nothing_is_written(
    signed_in, monitor_on_team, violation, source_kind
):
    client = signed_in(monitor_on_team)
    response = create_case(
        client, violation, source_kind, title="", **{"allegations-0-date": "Mayember 2022"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    # A summary at the top, linking to each field…
    assert 'id="error-summary"' in html
    assert 'href="#id_title"' in html
    assert 'href="#id_allegations-0-date"' in html
    # …and each message next to its field, which points at it.
    assert '<ul class="errorlist" id="id_title_error"><li>This field is required.</li></ul>' in (
        html
    )
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_title_error[^"]*"', html)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_title"', html)
    assert "is not a date Monitor understands" in html
    # What was typed is still there to correct.
    assert 'value="Mayember 2022"' in html
    assert "Statement of the family of Daler Imomali" in html
    assert not Case.objects.exists()
    assert not Person.objects.exists()
    assert not Source.objects.exists()
    assert not Citation.objects.exists()


@pytest.mark.parametrize(
    ("typed", "shown", "precision", "circa"),
    [
        ("2022-05-18", "18 May 2022", Precision.DAY, False),
        ("2022-05", "May 2022", Precision.MONTH, False),
        ("May 2022", "May 2022", Precision.MONTH, False),
        ("2022", "2022", Precision.YEAR, False),
        ("c. 2021", "c. 2021", Precision.YEAR, True),
    ],
)
def test_date_inputs_accept_what_monitors_type(
    signed_in, monitor_on_team, violation, source_kind, typed, shown, precision, circa
):
    client = signed_in(monitor_on_team)
    response = create_case(
        client,
        violation,
        source_kind,
        **{"allegations-0-date": typed, "detentions-0-arrested_on": typed},
    )

    assert response.status_code == 302
    allegation = Allegation.objects.get()
    assert str(allegation.date) == shown
    assert (allegation.date_precision, allegation.date_circa) == (precision, circa)
    assert str(DetentionStep.objects.get().date) == shown
    page = client.get(response["Location"])
    assert f'value="{ApproximateDate.parse(typed).as_input()}"' in page.content.decode()


def test_a_row_citing_the_new_source_needs_it_described(
    signed_in, monitor_on_team, violation, source_kind
):
    client = signed_in(monitor_on_team)
    response = create_case(
        client, violation, source_kind, **{"newsource-title": "", "newsource-publisher": ""}
    )

    assert response.status_code == 400
    assert "Describe the new source under “New source” first." in response.content.decode()
    assert not Case.objects.exists()


# -- what may be chosen --------------------------------------------------------------------------


def test_choice_lists_hold_only_records_the_user_may_see(
    signed_in, monitor_on_team, violation, source_kind
):
    other_team = TeamFactory()
    PersonFactory(name="Visible Victim", confidentiality=Confidentiality.INTERNAL)
    hidden = PersonFactory(
        name="Hidden Witness", confidentiality=Confidentiality.STRICT, team=other_team
    )
    SourceFactory(title="Visible report", confidentiality=Confidentiality.INTERNAL)
    hidden_source = SourceFactory(
        title="Strict report", confidentiality=Confidentiality.STRICT, team=other_team
    )
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-create"))

    # Persons are picked by typing (monitor.suggest): the suggestions hold the visible one only.
    assert 'data-pick="/pick/person/"' in page.content.decode()

    def suggested(text):
        found = client.get(reverse("pick", kwargs={"source": "person"}), {"q": text}).json()
        return [each["label"] for each in found["results"]]

    assert suggested("Visible Victim") == ["Visible Victim"]
    assert suggested("Hidden Witness") == []
    assert "Hidden Witness" not in page.content.decode()
    # The sources to cite: found as one types (the page lists none), the hidden one never.
    assert 'data-pick="/pick/source/"' in page.content.decode()
    assert "Visible report" not in page.content.decode()
    cited = client.get(reverse("pick", kwargs={"source": "source"}), {"q": "report"}).json()
    assert [each["label"] for each in cited["results"]] == ["Visible report"]
    assert "Strict report" not in page.content.decode()

    # Naming them by id anyway is refused like any bad choice, and nothing is written.
    response = client.post(
        reverse("case-create"),
        new_case_data(
            page,
            violation,
            source_kind,
            **{
                "allegations-0-new_person": "",
                "allegations-0-victim": str(hidden.pk),
                "allegations-0-cite_source": str(hidden_source.pk),
            },
        ),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Hidden Witness" not in response.content.decode()
    assert not Case.objects.exists()


def test_a_hidden_victim_is_kept_unnamed_when_the_case_is_edited(signed_in, monitor_on_team, team):
    hidden = PersonFactory(
        name="Hidden Witness", confidentiality=Confidentiality.STRICT, team=TeamFactory()
    )
    case = CaseFactory(team=team)
    allegation = AllegationFactory(case=case, victim=hidden)
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-edit", args=[case.pk]))

    assert "Hidden Witness" not in page.content.decode()
    assert "(someone or something you may not see)" in page.content.decode()
    response = client.post(
        reverse("case-edit", args=[case.pk]),
        form_data(page, title="Renamed", **{"allegations-0-description": "More detail."}),
    )

    assert response.status_code == 302, response.context["summary"]
    allegation.refresh_from_db()
    assert (allegation.victim, allegation.description) == (hidden, "More detail.")


def test_a_new_person_who_may_already_be_recorded_is_shown_before_saving(
    signed_in, monitor_on_team, violation, source_kind
):
    existing = PersonFactory(name="Daler Imomali", confidentiality=Confidentiality.INTERNAL)
    client = signed_in(monitor_on_team)
    cyrillic = {"allegations-0-new_person": "Далер Имомали", "detentions-0-new_person": ""}
    cyrillic["detentions-0-person"] = str(existing.pk)
    response = create_case(client, violation, source_kind, **cyrillic)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Already recorded with a similar name: Daler Imomali" in html
    assert reverse("person-detail", args=[existing.pk]) in html
    assert not Case.objects.exists()

    response = client.post(
        reverse("case-create"),
        form_data(response, **{"allegations-0-confirm_new_person": "on"}),
    )
    assert response.status_code == 302
    assert Person.objects.count() == 2


@pytest.mark.parametrize(("first", "second"), [("Alla Nazarova", "Ala Nazarova"), ("A11", "A1")])
def test_two_new_persons_typed_alike_are_not_merged_the_form_asks_first(
    signed_in, monitor_on_team, violation, source_kind, first, second
):
    client = signed_in(monitor_on_team)
    response = create_case(
        client,
        violation,
        source_kind,
        **{"allegations-0-new_person": first, "detentions-0-new_person": second},
    )

    assert response.status_code == 400
    assert escape(f"“{second}” looks like “{first}” (Allegation 1)") in response.content.decode()
    assert not Case.objects.exists() and not Person.objects.exists()

    # "This is someone new": two people, each a victim of the case.
    response = client.post(
        reverse("case-create"),
        form_data(response, **{"detentions-0-confirm_new_person": "on"}),
    )
    assert response.status_code == 302
    assert sorted(str(person) for person in Person.objects.all()) == sorted([first, second])
    assert CasePerson.objects.filter(role=CasePersonRole.VICTIM).count() == 2


# -- stale edits ---------------------------------------------------------------------------------


def test_stale_edit_is_refused_with_who_changed_it_and_the_input_kept(
    signed_in, monitor_on_team, reviewer, team, violation
):
    case = CaseFactory(team=team, title="Original title")
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-edit", args=[case.pk]))
    # Meanwhile a reviewer corrects the case.
    fresh = Case.objects.get(pk=case.pk)
    fresh.summary = "Corrected by the reviewer."
    record_save(record=fresh, actor=reviewer, reason="Typo")

    response = client.post(
        reverse("case-edit", args=[case.pk]),
        form_data(
            page,
            title="My better title",
            **{
                "allegations-0-violation_type": str(violation.pk),
                "allegations-0-victim_description": "Residents of Rushan",
            },
        ),
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "This record was changed by rita-reviewer at" in html
    assert "since you opened it" in html
    assert 'value="My better title"' in html  # to re-apply after reloading
    assert 'value="Residents of Rushan"' in html
    case.refresh_from_db()
    assert (case.title, case.summary) == ("Original title", "Corrected by the reviewer.")
    assert not Allegation.objects.exists()  # the new row went back with the refusal


def test_stale_row_refuses_the_whole_page(signed_in, monitor_on_team, reviewer, team):
    case = CaseFactory(team=team, title="Original title")
    allegation = AllegationFactory(case=case, description="First account")
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-edit", args=[case.pk]))
    fresh = Allegation.objects.get(pk=allegation.pk)
    fresh.description = "The reviewer's account"
    record_save(record=fresh, actor=reviewer)

    response = client.post(
        reverse("case-edit", args=[case.pk]),
        form_data(page, title="New title", **{"allegations-0-description": "My account"}),
    )

    assert response.status_code == 409
    assert "since you opened it" in response.content.decode()
    case.refresh_from_db()
    allegation.refresh_from_db()
    assert case.title == "Original title"
    assert allegation.description == "The reviewer's account"


# -- detention steps -------------------------------------------------------------------------------


def test_steps_page_records_charges_and_a_sentence(signed_in, monitor_on_team, team):
    from monitor.choices import Vocabulary
    from monitor.models import Term

    case = CaseFactory(team=team)
    detention = DetentionFactory(case=case)
    url = reverse("detention-steps", args=[case.pk, detention.pk])
    article = Term.objects.create(
        vocabulary=Vocabulary.CRIMINAL_ARTICLE, code="art-307", label="Art. 307"
    )
    client = signed_in(monitor_on_team)
    page = client.get(url)
    response = client.post(
        url,
        form_data(
            page,
            **{
                "steps-0-kind": StepKind.ARRESTED,
                "steps-0-date": "2023-06-03",
                "steps-1-kind": StepKind.SENTENCED,
                "steps-1-date": "c. 2021",
            },
        ),
    )
    # A sentence without a term, dated before the arrest: both said next to their fields.
    assert response.status_code == 400
    html = response.content.decode()
    assert "A sentence step needs a term (months) or life." in html
    assert not DetentionStep.objects.exists()

    response = client.post(
        url,
        form_data(
            response,
            **{
                "steps-1-date": "October 2023",
                # Typed as pronounced, in years (and months): not "84".
                "steps-1-sentence_months_0": "7",
                "steps-1-sentence_months_1": "",
                "steps-1-articles": [str(article.pk)],
            },
        ),
    )
    assert response.status_code == 302
    steps = detention.ordered_steps()
    assert [s.kind for s in steps] == [StepKind.ARRESTED, StepKind.SENTENCED]
    assert steps[1].sentence_display == "7 years"
    assert list(steps[1].articles.all()) == [article]
    assert detention.current_status == StepKind.SENTENCED

    page = client.get(url)
    response = client.post(
        url, form_data(page, **{"steps-2-kind": StepKind.RELEASED, "steps-2-date": "2020"})
    )
    assert response.status_code == 400
    assert "is dated before the arrest" in response.content.decode()


# -- review ----------------------------------------------------------------------------------------


def test_submit_for_review_sends_a_draft_to_the_queue(signed_in, monitor_on_team, team):
    case = CaseFactory(team=team)
    client = signed_in(monitor_on_team)
    page = client.get(reverse("case-edit", args=[case.pk]))
    assert "Submit for review" in page.content.decode()

    response = client.post(reverse("case-submit", args=[case.pk]), {"comment": "Ready"})

    assert response.status_code == 302
    assert response["Location"] == reverse("case-detail", args=[case.pk])
    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED
    decision = ReviewDecision.objects.for_record(case).get()
    assert (decision.action, decision.actor, decision.comment) == (
        DecisionAction.SUBMITTED,
        monitor_on_team,
        "Ready",
    )
    # Submitting again is refused with the reason, and nothing more is recorded.
    response = client.post(reverse("case-submit", args=[case.pk]), follow=True)
    assert "Only a draft or a returned record can be submitted" in response.content.decode()
    assert ReviewDecision.objects.for_record(case).count() == 1
    assert client.get(reverse("case-submit", args=[case.pk])).status_code == 405


def test_returned_case_shows_the_reviewers_comment_on_its_form(
    signed_in, monitor_on_team, reviewer, team
):
    case = CaseFactory(team=team)
    review_submit(record=case, actor=monitor_on_team)
    review_return(record=case, actor=reviewer, comment="Cite the court record for the sentence.")
    client = signed_in(monitor_on_team)

    page = client.get(reverse("case-edit", args=[case.pk]))

    html = page.content.decode()
    assert "Review state: returned" in html
    assert "Cite the court record for the sentence." in html
    assert "Returned by rita-reviewer" in html
    assert "Submit for review" in html
    client.post(reverse("case-submit", args=[case.pk]))
    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED


# -- who may edit ----------------------------------------------------------------------------------


@pytest.fixture
def team_case(team):
    # Internal: the off-team monitor and the viewer see it, only the team edits it.
    return CaseFactory(team=team, title="The team's case", confidentiality=Confidentiality.INTERNAL)


def test_anonymous_visitor_is_sent_to_sign_in(client, team_case):
    for url in (
        reverse("case-create"),
        reverse("case-edit", args=[team_case.pk]),
        reverse("followup-create") + f"?case={team_case.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    response = client.post(reverse("case-submit", args=[team_case.pk]))
    assert response.status_code == 302
    team_case.refresh_from_db()
    assert team_case.review_state == ReviewState.DRAFT


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("monitor_off_team", "Only members of this record's team may edit it."),
        ("viewer", "Your role does not allow editing this record."),
    ],
)
def test_who_sees_but_may_not_edit_the_case_gets_403_with_why(
    request, signed_in, team_case, persona, message
):
    user = request.getfixturevalue(persona)
    client = signed_in(user)
    url = reverse("case-edit", args=[team_case.pk])
    page = client.get(url)
    assert page.status_code == 403
    assert escape(message) in page.content.decode()

    response = client.post(url, {"title": "Taken over", "version": str(team_case.version)})
    assert response.status_code == 403
    response = client.post(reverse("case-submit", args=[team_case.pk]))
    assert response.status_code == 403
    team_case.refresh_from_db()
    assert (team_case.title, team_case.review_state) == ("The team's case", ReviewState.DRAFT)


@pytest.mark.parametrize("persona", ["monitor_off_team", "viewer", "no_role_user"])
def test_who_may_not_see_the_case_gets_404(request, signed_in, team, persona):
    strict = CaseFactory(team=team, confidentiality=Confidentiality.STRICT, title="Strict")
    client = signed_in(request.getfixturevalue(persona))
    for url in (
        reverse("case-edit", args=[strict.pk]),
        reverse("followup-create") + f"?case={strict.pk}",
    ):
        assert client.get(url).status_code == 404
    detention = DetentionFactory(case=strict)
    assert client.get(reverse("detention-steps", args=[strict.pk, detention.pk])).status_code == 404
    assert client.post(reverse("case-submit", args=[strict.pk])).status_code == 404
    strict.refresh_from_db()
    assert strict.review_state == ReviewState.DRAFT


@pytest.mark.parametrize(
    ("persona", "message"),
    [
        ("viewer", "Your role does not allow editing this record."),
        ("no_role_user", "Your role does not allow editing this record."),
    ],
)
def test_who_may_not_write_cannot_open_a_new_case(
    request, signed_in, violation, source_kind, persona, message
):
    client = signed_in(request.getfixturevalue(persona))
    page = client.get(reverse("case-create"))
    assert page.status_code == 403
    assert message in page.content.decode()
    response = client.post(reverse("case-create"), {"title": "Sneaked in"})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_steps_of_a_detention_under_another_case_answer_404(signed_in, monitor_on_team, team):
    case = CaseFactory(team=team)
    other = CaseFactory(team=team)
    detention = DetentionFactory(case=other)
    client = signed_in(monitor_on_team)
    assert client.get(reverse("detention-steps", args=[case.pk, detention.pk])).status_code == 404
