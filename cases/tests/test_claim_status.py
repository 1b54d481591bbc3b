"""Claim status rules: corroboration needs independent sources, verification a reviewer,
and a disputed claim keeps both sides."""

# ruff: noqa: F811 — the persona fixtures are imported, then named as test arguments

from __future__ import annotations

import pytest

from cases.choices import ClaimStatus
from cases.models import Allegation
from cases.provenance import provenance_for
from cases.services import claim_set_status, claim_status_refusal
from monitor.choices import Confidentiality, ReviewState, Role
from monitor.models import StaleEdit
from monitor.services import ActionRefused, NotVisible, review_submit, review_verify
from sources.choices import Stance
from sources.services import citation_add
from tests.conftest import (  # noqa: F401 — fixtures
    monitor_off_team,
    monitor_on_team,
    reviewer,
    team,
    viewer,
)
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    DetentionStepFactory,
    SourceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team):
    return CaseFactory(team=team)


@pytest.fixture
def allegation(case):
    return AllegationFactory(case=case)


def source(team, title: str, publisher: str = "", **fields):
    return SourceFactory(title=title, publisher=publisher, team=team, **fields)


def cite(record, src, actor, stance=Stance.SUPPORTS):
    return citation_add(record=record, source=src, actor=actor, stance=stance)


def refusal_of(claim, actor, status=ClaimStatus.CORROBORATED) -> ActionRefused:
    with pytest.raises(ActionRefused) as refused:
        claim_set_status(claim=claim, status=status, actor=actor)
    claim.refresh_from_db()
    return refused.value


# -- corroboration ---------------------------------------------------------------------------


def test_corroboration_refused_with_two_sources_from_one_publisher(
    allegation, team, monitor_on_team
):
    cite(allegation, source(team, "Arrests in Khorog", "Asia-Plus"), monitor_on_team)
    cite(allegation, source(team, "Khorog update", "  asia-plus "), monitor_on_team)

    refusal = refusal_of(allegation, monitor_on_team)

    assert refusal.code == "not_independent"
    assert "Both sources are from Asia-Plus" in refusal.message
    assert "two independent sources" in refusal.message
    assert allegation.claim_status == ClaimStatus.ALLEGED


def test_corroboration_refused_when_one_source_repeats_the_other(allegation, team, monitor_on_team):
    release = source(team, "Ministry press release", "Ministry of Internal Affairs")
    story = source(team, "News story", "Asia-Plus")
    story.derived_from.add(release)
    cite(allegation, release, monitor_on_team)
    cite(allegation, story, monitor_on_team)

    refusal = refusal_of(allegation, monitor_on_team)

    assert "“News story” repeats “Ministry press release”" in refusal.message
    assert allegation.claim_status == ClaimStatus.ALLEGED


def test_corroboration_refused_when_a_source_repeats_the_other_through_a_third(
    allegation, team, monitor_on_team
):
    release = source(team, "Ministry press release", "Ministry")
    story = source(team, "News story", "Asia-Plus")
    blog = source(team, "Blog post", "A blogger")
    story.derived_from.add(release)
    blog.derived_from.add(story)  # blog → story → release: never cited together with story
    cite(allegation, release, monitor_on_team)
    cite(allegation, blog, monitor_on_team)

    refusal = refusal_of(allegation, monitor_on_team)

    assert "“Blog post” repeats “Ministry press release”" in refusal.message


def test_corroboration_refused_when_both_sources_repeat_a_common_original(
    allegation, team, monitor_on_team
):
    release = source(team, "Ministry press release", "Ministry")
    first = source(team, "Story one", "Asia-Plus")
    second = source(team, "Story two", "Radio Ozodi")
    first.derived_from.add(release)
    second.derived_from.add(release)
    cite(allegation, first, monitor_on_team)
    cite(allegation, second, monitor_on_team)

    refusal = refusal_of(allegation, monitor_on_team)

    assert "both repeat “Ministry press release”" in refusal.message


def test_corroboration_refused_with_a_single_source_names_it(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Only testimony", "Witness"), monitor_on_team)

    refusal = refusal_of(allegation, monitor_on_team)

    assert "cites only “Only testimony”" in refusal.message


def test_corroboration_accepted_with_two_independent_sources(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Court record", "Khorog city court"), monitor_on_team)
    cite(allegation, source(team, "UN letter", "OHCHR"), monitor_on_team)

    claim_set_status(
        claim=allegation,
        status=ClaimStatus.CORROBORATED,
        actor=monitor_on_team,
        comment="court record and UN letter agree",
    )

    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.CORROBORATED
    latest = allegation.history.first()
    assert latest.history_user == monitor_on_team
    assert "corroborated" in latest.history_change_reason
    assert "court record and UN letter agree" in latest.history_change_reason


def test_sources_without_a_publisher_are_not_dependent_on_each_other(
    allegation, team, monitor_on_team
):
    cite(allegation, source(team, "Testimony of a relative"), monitor_on_team)
    cite(allegation, source(team, "Testimony of a neighbour"), monitor_on_team)

    claim_set_status(claim=allegation, status=ClaimStatus.CORROBORATED, actor=monitor_on_team)

    assert Allegation.objects.get(pk=allegation.pk).claim_status == ClaimStatus.CORROBORATED


def test_contesting_source_does_not_count_towards_corroboration(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Testimony", "Witness"), monitor_on_team)
    cite(allegation, source(team, "Official denial", "Ministry"), monitor_on_team, Stance.CONTESTS)

    refusal = refusal_of(allegation, monitor_on_team)

    assert "cites only “Testimony”" in refusal.message


def test_a_source_the_monitor_cannot_see_does_not_count(
    allegation, team, monitor_on_team, monitor_off_team
):
    other_team = TeamFactory(members=[monitor_off_team])
    hidden = SourceFactory(
        title="Strict report", confidentiality=Confidentiality.STRICT, team=other_team
    )
    cite(allegation, source(team, "Visible report", "Asia-Plus"), monitor_on_team)
    # Cited by someone who may see both (a member of both teams).
    both = UserFactory(
        role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL, teams=[team, other_team]
    )
    cite(allegation, hidden, both)

    refusal = refusal_of(allegation, monitor_on_team)

    assert "cites only “Visible report”" in refusal.message
    assert "Strict report" not in refusal.message


def test_detention_fact_is_corroborated_by_the_same_rule(case, team, monitor_on_team):
    arrest = DetentionStepFactory(detention__case=case)
    cite(arrest, source(team, "Story A", "Asia-Plus"), monitor_on_team)
    cite(arrest, source(team, "Story B", "ASIA-PLUS"), monitor_on_team)

    refusal = refusal_of(arrest, monitor_on_team)
    assert "Both sources are from Asia-Plus" in refusal.message
    assert arrest.claim_status == ClaimStatus.ALLEGED

    cite(arrest, source(team, "Court record", "Khorog city court"), monitor_on_team)
    claim_set_status(claim=arrest, status=ClaimStatus.CORROBORATED, actor=monitor_on_team)
    arrest.refresh_from_db()
    assert arrest.claim_status == ClaimStatus.CORROBORATED


def test_refused_change_leaves_no_history_row(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Only one", "Asia-Plus"), monitor_on_team)
    rows = allegation.history.count()

    refusal_of(allegation, monitor_on_team)

    assert allegation.history.count() == rows


def test_refusal_can_be_read_before_trying(allegation, team, monitor_on_team):
    cite(allegation, source(team, "A", "Asia-Plus"), monitor_on_team)
    cite(allegation, source(team, "B", "Asia-Plus"), monitor_on_team)

    message = claim_status_refusal(
        claim=allegation, status=ClaimStatus.CORROBORATED, actor=monitor_on_team
    )

    assert "Both sources are from Asia-Plus" in message


def test_protected_sources_are_not_named_in_a_refusal_to_a_user_without_clearance(
    team, monitor_on_team
):
    open_case = CaseFactory(team=None, confidentiality=Confidentiality.CONFIDENTIAL)
    claim = AllegationFactory(case=open_case)
    coordinator_like = UserFactory(
        role=Role.REVIEWER, clearance=Confidentiality.STRICT, teams=[team]
    )
    for title in ("Witness statement", "Second statement"):
        cite(
            claim,
            SourceFactory(title=title, publisher="Secret NGO", is_protected=True, team=team),
            coordinator_like,
        )
    outsider = UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL)

    message = claim_status_refusal(claim=claim, status=ClaimStatus.CORROBORATED, actor=outsider)

    assert "Both sources have the same publisher." in message
    assert "Secret NGO" not in message
    assert "Witness statement" not in message


# -- who may change it -------------------------------------------------------------------------


def test_monitor_off_team_may_not_change_the_status(allegation, monitor_off_team):
    refusal = refusal_of(allegation, monitor_off_team, ClaimStatus.REFUTED)
    assert refusal.code == "permission"


def test_viewer_may_not_change_the_status(allegation, team, viewer, monitor_on_team):
    allegation.case.confidentiality = Confidentiality.INTERNAL
    allegation.case.save()
    refusal = refusal_of(allegation, viewer, ClaimStatus.REFUTED)
    assert refusal.code == "permission"


def test_hidden_claim_is_not_visible(monitor_off_team):
    strict = AllegationFactory(
        case=CaseFactory(confidentiality=Confidentiality.STRICT, team=TeamFactory())
    )
    with pytest.raises(NotVisible):
        claim_set_status(claim=strict, status=ClaimStatus.REFUTED, actor=monitor_off_team)


def test_stale_version_is_refused(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Denial", "Ministry"), monitor_on_team, Stance.CONTESTS)
    with pytest.raises(StaleEdit):
        claim_set_status(
            claim=allegation,
            status=ClaimStatus.REFUTED,
            actor=monitor_on_team,
            expected_version=allegation.version + 5,
        )
    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.ALLEGED


def test_status_change_sends_a_verified_case_back_to_review(
    case, allegation, team, monitor_on_team, reviewer
):
    cite(allegation, source(team, "Court record", "Court"), monitor_on_team)
    cite(allegation, source(team, "UN letter", "OHCHR"), monitor_on_team)
    review_submit(record=case, actor=monitor_on_team)
    review_verify(record=case, actor=reviewer)

    claim_set_status(claim=allegation, status=ClaimStatus.CORROBORATED, actor=monitor_on_team)

    case.refresh_from_db()
    assert case.review_state == ReviewState.SUBMITTED


# -- verified --------------------------------------------------------------------------------


@pytest.fixture
def corroborated(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Court record", "Khorog city court"), monitor_on_team)
    cite(allegation, source(team, "UN letter", "OHCHR"), monitor_on_team)
    claim_set_status(claim=allegation, status=ClaimStatus.CORROBORATED, actor=monitor_on_team)
    allegation.refresh_from_db()
    return allegation


def test_monitor_may_not_mark_a_claim_verified(corroborated, monitor_on_team):
    refusal = refusal_of(corroborated, monitor_on_team, ClaimStatus.VERIFIED)

    assert refusal.code == "permission"
    assert "reviewer's decision" in refusal.message
    assert corroborated.claim_status == ClaimStatus.CORROBORATED


def test_reviewer_who_sourced_the_claim_may_not_verify_it(corroborated, team, reviewer):
    cite(corroborated, source(team, "Third source", "RFE/RL"), reviewer)

    refusal = refusal_of(corroborated, reviewer, ClaimStatus.VERIFIED)

    assert refusal.code == "four_eyes"
    assert corroborated.claim_status == ClaimStatus.CORROBORATED


def test_another_reviewer_verifies_a_corroborated_claim(corroborated, reviewer):
    claim_set_status(
        claim=corroborated, status=ClaimStatus.VERIFIED, actor=reviewer, comment="checked"
    )

    corroborated.refresh_from_db()
    assert corroborated.claim_status == ClaimStatus.VERIFIED
    assert corroborated.history.first().history_user == reviewer


def test_only_a_corroborated_claim_can_be_verified(allegation, team, monitor_on_team, reviewer):
    cite(allegation, source(team, "Court record", "Court"), monitor_on_team)
    cite(allegation, source(team, "UN letter", "OHCHR"), monitor_on_team)

    refusal = refusal_of(allegation, reviewer, ClaimStatus.VERIFIED)

    assert refusal.code == "status_rule"
    assert "Only a corroborated claim can be verified" in refusal.message


def test_verification_rechecks_independence(corroborated, reviewer):
    first, second = [c.source for c in corroborated_citations(corroborated)]
    second.derived_from.add(first)  # learnt after corroboration: one repeats the other

    refusal = refusal_of(corroborated, reviewer, ClaimStatus.VERIFIED)

    assert refusal.code == "not_independent"
    assert "repeats" in refusal.message


def corroborated_citations(claim):
    from django.contrib.contenttypes.models import ContentType

    from sources.models import Citation

    return Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(claim), object_id=claim.pk
    ).select_related("source")


# -- disputed and refuted ---------------------------------------------------------------------


def test_disputed_keeps_both_sides_sources(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Testimony of the victim's wife", "Family"), monitor_on_team)
    cite(allegation, source(team, "Prosecutor's statement", "Prosecutor"), monitor_on_team,
         Stance.CONTESTS)  # fmt: skip

    claim_set_status(claim=allegation, status=ClaimStatus.DISPUTED, actor=monitor_on_team)

    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.DISPUTED
    provenance = provenance_for(allegation, monitor_on_team)
    assert [c.source.label for c in provenance.supporting] == ["Testimony of the victim's wife"]
    assert [c.source.label for c in provenance.contesting] == ["Prosecutor's statement"]
    assert corroborated_citations(allegation).filter(archived_at__isnull=True).count() == 2


def test_disputed_refused_without_a_contesting_source(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Testimony", "Family"), monitor_on_team)

    refusal = refusal_of(allegation, monitor_on_team, ClaimStatus.DISPUTED)

    assert "keeps both sides" in refusal.message
    assert "contesting source" in refusal.message


def test_refuted_needs_a_contesting_source(allegation, team, monitor_on_team):
    cite(allegation, source(team, "Testimony", "Family"), monitor_on_team)
    refusal = refusal_of(allegation, monitor_on_team, ClaimStatus.REFUTED)
    assert "refutes" in refusal.message

    cite(allegation, source(team, "Release order", "Court"), monitor_on_team, Stance.CONTESTS)
    claim_set_status(claim=allegation, status=ClaimStatus.REFUTED, actor=monitor_on_team)
    allegation.refresh_from_db()
    assert allegation.claim_status == ClaimStatus.REFUTED


def test_setting_the_same_status_again_is_refused(allegation, monitor_on_team):
    refusal = refusal_of(allegation, monitor_on_team, ClaimStatus.ALLEGED)
    assert refusal.code == "state"
