"""What a partner's client needs to record a list without a request per fact (issue 20):
figures that are idempotent, change the event's ETag and can be corrected or archived; a
detention step's claim status; citations inside a claim's create and update; terms by their
code; sources by URL and follow-ups by sent date."""

from __future__ import annotations

import pytest

from cases.models import EventFigure
from sources.models import Citation
from tests.api.conftest import API
from tests.factories import CitationFactory, FollowUpFactory, SourceFactory

pytestmark = pytest.mark.django_db


def _figure(world, **extra) -> dict:
    return {
        "kind": "killed",
        "value": 10,
        "claimed_by": "Authorities",
        "source": str(world["source"].pk),
        **extra,
    }


def test_adding_a_figure_honours_the_idempotency_key(api, monitor_on_team, world):
    client = api(monitor_on_team)
    url = f"{API}/events/{world['rally'].pk}/figures/"
    first = client.post(url, _figure(world), HTTP_IDEMPOTENCY_KEY="fig-1")
    assert first.status_code == 200, first.content
    again = client.post(url, _figure(world), HTTP_IDEMPOTENCY_KEY="fig-1")
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert EventFigure.objects.filter(event=world["rally"]).count() == 1
    other = client.post(url, _figure(world, value=11), HTTP_IDEMPOTENCY_KEY="fig-1")
    assert other.status_code == 409


def test_a_new_figure_changes_the_events_etag(api, monitor_on_team, world):
    client = api(monitor_on_team)
    url = f"{API}/events/{world['rally'].pk}/"
    before = client.get(url)["ETag"]
    added = client.post(f"{url}figures/", _figure(world), HTTP_IF_MATCH=before)
    assert added.status_code == 200
    assert added["ETag"] != before
    assert client.get(url)["ETag"] == added["ETag"]
    # A client still holding the old ETag is refused.
    stale = client.patch(url, {"description": "x"}, HTTP_IF_MATCH=before)
    assert stale.status_code == 412


def test_a_figure_is_corrected_with_history_and_archived_by_a_coordinator(
    api, monitor_on_team, coordinator, world
):
    client = api(monitor_on_team)
    event_url = f"{API}/events/{world['rally'].pk}/"
    client.post(f"{event_url}figures/", _figure(world))
    figure = EventFigure.objects.get(event=world["rally"])
    etag = client.get(event_url)["ETag"]
    corrected = client.patch(
        f"{event_url}figures/{figure.pk}/",
        {"value": 12, "change_reason": "typo in the report"},
        HTTP_IF_MATCH=etag,
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected["ETag"] != etag
    figure.refresh_from_db()
    assert figure.value == 12
    assert figure.history.first().history_change_reason == "typo in the report"
    # The source cannot change: it is not a field of the correction.
    moved = client.patch(f"{event_url}figures/{figure.pk}/", {"source": str(world["source"].pk)})
    assert moved.status_code == 400 and "source" in moved.json()["error"]["fields"]
    # Archiving is a coordinator's, as for every record.
    refused = client.post(f"{event_url}figures/{figure.pk}/archive/", {"reason": "duplicate"})
    assert refused.status_code == 403
    archived = api(coordinator).post(
        f"{event_url}figures/{figure.pk}/archive/", {"reason": "duplicate"}
    )
    assert archived.status_code == 200, archived.content
    figure.refresh_from_db()
    assert figure.archived_at is not None
    assert archived.json()["figures"] == []


def test_a_figure_of_another_event_is_a_404(api, monitor_on_team, world):
    client = api(monitor_on_team)
    client.post(f"{API}/events/{world['rally'].pk}/figures/", _figure(world))
    figure = EventFigure.objects.get(event=world["rally"])
    response = client.patch(
        f"{API}/events/{world['crackdown'].pk}/figures/{figure.pk}/", {"value": 1}
    )
    assert response.status_code == 404


def test_a_detention_steps_claim_status_can_be_set(api, monitor_on_team, world, team):
    client = api(monitor_on_team)
    arrest = world["arrest"]
    url = f"{API}/detentions/{world['detention'].pk}/steps/{arrest.pk}/claim-status/"
    refused = client.post(url, {"status": "refuted"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "status_rule"
    contesting = SourceFactory(title="Official denial", team=team)
    CitationFactory(source=contesting, record=arrest, stance="contests")
    done = client.post(url, {"status": "refuted", "comment": "denied by the ministry"})
    assert done.status_code == 200, done.content
    arrest.refresh_from_db()
    assert arrest.claim_status == "refuted"
    steps = {s["id"]: s["claim_status"] for s in done.json()["steps"]}
    assert steps[str(arrest.pk)] == "refuted"


def test_a_step_of_another_detention_is_a_404(api, monitor_on_team, world):
    from tests.factories import DetentionFactory

    other = DetentionFactory(case=world["case"], person=world["victim"])
    url = f"{API}/detentions/{other.pk}/steps/{world['arrest'].pk}/claim-status/"
    assert api(monitor_on_team).post(url, {"status": "alleged"}).status_code == 404


def test_an_allegation_is_created_with_its_citations_in_one_request(api, monitor_on_team, world):
    response = api(monitor_on_team).post(
        f"{API}/allegations/",
        {
            "case": str(world["case"].pk),
            "victim": str(world["victim"].pk),
            "violation_type": world["torture"].code,  # a term by its code
            "citations": [
                {"source": str(world["source"].pk), "page": "12", "quote": "beaten"},
                {"source": str(world["source"].pk), "field_name": "date", "page": "13"},
            ],
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["violation_type"]["id"] == str(world["torture"].pk)
    cited = Citation.objects.filter(object_id=response.json()["id"])
    assert sorted(cited.values_list("page", flat=True)) == ["12", "13"]
    assert len(response.json()["provenance"]["citations"]) == 2


def test_a_bad_citation_leaves_nothing_written(api, monitor_on_team, world):
    from cases.models import Allegation

    before = Allegation.objects.count()
    response = api(monitor_on_team).post(
        f"{API}/allegations/",
        {
            "case": str(world["case"].pk),
            "victim": str(world["victim"].pk),
            "violation_type": str(world["torture"].pk),
            "citations": [{"source": str(world["source"].pk), "field_name": "no_such_field"}],
        },
    )
    assert response.status_code == 400
    assert "citations" in response.json()["error"]["fields"]
    assert Allegation.objects.count() == before


def test_citations_are_added_in_an_update(api, monitor_on_team, world):
    detention = world["detention"]
    response = api(monitor_on_team).patch(
        f"{API}/detentions/{detention.pk}/",
        {"citations": [{"source": str(world["source"].pk), "page": "7"}]},
    )
    assert response.status_code == 200, response.content
    assert Citation.objects.filter(object_id=detention.pk, page="7").count() == 1


def test_a_term_of_another_vocabulary_is_refused_by_code(api, monitor_on_team, world):
    response = api(monitor_on_team).post(
        f"{API}/allegations/",
        {
            "case": str(world["case"].pk),
            "victim": str(world["victim"].pk),
            "violation_type": world["article"].code,  # a criminal article, not a violation
        },
    )
    assert response.status_code == 400
    assert "violation_type" in response.json()["error"]["fields"]


def test_the_schema_names_the_vocabulary_of_each_term_field():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    field = schema["components"]["schemas"]["AllegationRequest"]["properties"]["violation_type"]
    assert "violation_type" in field["description"] and field["type"] == "string"


def test_sources_filtered_by_url(api, monitor_on_team, world, team):
    SourceFactory(title="Article", url="https://example.org/a", team=team)
    SourceFactory(title="Other", url="https://example.org/b", team=team)
    found = api(monitor_on_team).get(f"{API}/sources/?url=https://example.org/a").json()
    assert [s["title"] for s in found["results"]] == ["Article"]


def test_a_protected_sources_url_is_not_matched_for_who_may_not_identify_it(
    api, monitor_off_team, team
):
    SourceFactory(title="Secret", url="https://example.org/s", team=team, is_protected=True)
    found = api(monitor_off_team).get(f"{API}/sources/?url=https://example.org/s").json()
    assert found["results"] == []


def test_follow_ups_filtered_by_sent_date(api, monitor_on_team, world):
    FollowUpFactory(case=world["case"], addressee=world["police"], title="May", sent="2023-05-12")
    FollowUpFactory(case=world["case"], addressee=world["police"], title="Jan", sent="2024-01")
    client = api(monitor_on_team)
    found = client.get(f"{API}/follow-ups/?sent_from=2023-05&sent_to=2023-12").json()
    titles = {f["title"] for f in found["results"]}
    assert "May" in titles and "Jan" not in titles
    bad = client.get(f"{API}/follow-ups/?sent_from=soon")
    assert bad.status_code == 400 and "sent_from" in bad.json()["error"]["fields"]
