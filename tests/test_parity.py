"""Parity: the same input through the pages, the API and the admin gives the same records.

Each scenario is run once per surface, each time on a fresh database, and the outcome is
read back as a plain snapshot — rows, links between them, and their history (who, how, why)
— that must be the same whatever the surface: the rules live in the services
(``cases.services.case_record``, ``detention_steps_record``, ``people.services``), and every
surface only translates into them. A refusal is refused on every surface, with the same
message, and changes nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import CasePersonRole, StepKind
from cases.models import Allegation, Case, CasePerson, Detention, DetentionStep
from monitor.choices import Confidentiality, Vocabulary
from monitor.models import Term
from people.models import Person, PersonName
from tests.api.conftest import API
from tests.factories import (
    CaseFactory,
    DetentionFactory,
    DetentionStepFactory,
    PersonFactory,
    TermFactory,
)
from tests.forms.helpers import form_data as page_form_data
from tests.test_admin_editing import admin_url, all_errors, inline_prefix
from tests.test_admin_editing import form_data as admin_form_data

pytestmark = pytest.mark.django_db

SURFACES = ("page", "api", "admin")


@pytest.fixture
def alice(monitor_on_team):
    """The monitor on the team, with staff status so the admin is open to her too."""
    monitor_on_team.is_staff = True
    monitor_on_team.save()
    return monitor_on_team


@pytest.fixture
def violation(db):
    return Term.objects.get(vocabulary=Vocabulary.VIOLATION_TYPE, code="arbitrary-arrest")


@pytest.fixture
def victim(team):
    return PersonFactory(name="Daler Imomali", team=team)


def signed_in(client, user):
    client.force_login(user)
    return client


def api_client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def history(records) -> list[tuple]:
    """Who changed each record, how and why, oldest first (ids left out: they differ)."""
    rows = []
    for record in records:
        for entry in record.history.order_by("history_date", "history_id"):
            rows.append(
                (
                    type(record).__name__,
                    entry.history_type,
                    entry.history_user.username if entry.history_user else None,
                    entry.history_change_reason or "",
                )
            )
    return rows


def admin_inline_rows(response, model, rows: list[dict]) -> dict:
    """The management form and new rows of one inline, as the admin's "add another" does."""
    prefix = inline_prefix(response, model)
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows))}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


# -- recording a case ------------------------------------------------------------------------


def case_snapshot(case: Case) -> dict:
    allegations = list(Allegation.objects.filter(case=case))
    links = list(CasePerson.objects.filter(case=case))
    detentions = list(Detention.objects.filter(case=case))
    steps = list(DetentionStep.objects.filter(detention__case=case))
    return {
        "reference": case.reference,
        "case": (case.title, case.summary, case.team.name, case.confidentiality),
        "links": sorted((str(link.person), link.role) for link in links),
        "allegations": [(str(a.victim), a.violation_type.code, str(a.date)) for a in allegations],
        "detentions": [
            (str(d.person), [(s.kind, str(s.date)) for s in d.ordered_steps()]) for d in detentions
        ],
        "history": history([case])
        + history(allegations)
        + history(links)
        + history(detentions)
        + history(steps),
    }


def record_case_on_page(client, *, team, victim, violation):
    page = client.get(reverse("case-create"))
    data = page_form_data(
        page,
        title="Detention of Daler Imomali",
        summary="Arrested in Dushanbe.",
        team=str(team.pk),
        **{
            "allegations-0-victim": str(victim.pk),
            "allegations-0-violation_type": str(violation.pk),
            "allegations-0-date": "June 2023",
            "detentions-0-person": str(victim.pk),
            "detentions-0-arrested_on": "2023-06-12",
        },
    )
    response = client.post(reverse("case-create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]


def record_case_in_api(user, *, team, victim, violation):
    api = api_client(user)
    case = api.post(
        f"{API}/cases/",
        {"title": "Detention of Daler Imomali", "summary": "Arrested in Dushanbe.",
         "team": str(team.pk)},
        format="json",
    )  # fmt: skip
    assert case.status_code == 201, case.content
    allegation = api.post(
        f"{API}/allegations/",
        {"case": case.json()["id"], "victim": str(victim.pk),
         "violation_type": str(violation.pk), "date": "June 2023"},
        format="json",
    )  # fmt: skip
    assert allegation.status_code == 201, allegation.content
    detention = api.post(
        f"{API}/detentions/",
        {"case": case.json()["id"], "person": str(victim.pk),
         "steps": [{"kind": "arrested", "date": "2023-06-12"}]},
        format="json",
    )  # fmt: skip
    assert detention.status_code == 201, detention.content


def record_case_in_admin(client, *, team, victim, violation):
    add = admin_url(Case, "add")
    page = client.get(add)
    data = admin_form_data(page) | {
        "title": "Detention of Daler Imomali",
        "summary": "Arrested in Dushanbe.",
        "team": str(team.pk),
        "case_type": "individual",
        "confidentiality": str(Confidentiality.CONFIDENTIAL),
    }
    data |= admin_inline_rows(
        page,
        Allegation,
        [{"victim": str(victim.pk), "violation_type": str(violation.pk), "date": "June 2023"}],
    )
    response = client.post(add, data)
    assert response.status_code == 302, all_errors(response)
    case = Case.objects.get()
    add = admin_url(Detention, "add")
    page = client.get(add)
    data = admin_form_data(page) | {"case": str(case.pk), "person": str(victim.pk)}
    data |= admin_inline_rows(page, DetentionStep, [{"kind": "arrested", "date": "2023-06-12"}])
    response = client.post(add, data)
    assert response.status_code == 302, all_errors(response)


@pytest.mark.parametrize("surface", SURFACES)
def test_recording_a_case_gives_the_same_rows_links_and_history_on_every_surface(
    surface, client, alice, team, victim, violation
):
    record = {
        "page": lambda: record_case_on_page(
            signed_in(client, alice), team=team, victim=victim, violation=violation
        ),
        "api": lambda: record_case_in_api(alice, team=team, victim=victim, violation=violation),
        "admin": lambda: record_case_in_admin(
            signed_in(client, alice), team=team, victim=victim, violation=violation
        ),
    }[surface]
    record()

    year = timezone.localdate().year
    assert case_snapshot(Case.objects.get()) == {
        # A blank reference is numbered the same way everywhere.
        "reference": f"TJK-{year}-0001",
        "case": (
            "Detention of Daler Imomali",
            "Arrested in Dushanbe.",
            "GBAO documentation team",
            Confidentiality.CONFIDENTIAL,
        ),
        # The victim and the detained person is a person of the case, linked once.
        "links": [("Daler Imomali", CasePersonRole.VICTIM)],
        "allegations": [("Daler Imomali", "arbitrary-arrest", "June 2023")],
        "detentions": [("Daler Imomali", [(StepKind.ARRESTED, "12 June 2023")])],
        "history": [
            ("Case", "+", "alice-monitor", "Case opened"),
            ("Allegation", "+", "alice-monitor", ""),
            ("CasePerson", "+", "alice-monitor", ""),
            ("Detention", "+", "alice-monitor", ""),
            ("DetentionStep", "+", "alice-monitor", ""),
        ],
    }


# -- detention steps -------------------------------------------------------------------------


@pytest.fixture
def detention(alice, team, victim):
    """A detention with its arrest in June 2023 (known to the month)."""
    case = CaseFactory(team=team, reference="TJK-2023-0007", title="Daler Imomali")
    detention = DetentionFactory(case=case, person=victim)
    DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="June 2023")
    return detention


@pytest.fixture
def article(db):
    return TermFactory(vocabulary=Vocabulary.CRIMINAL_ARTICLE, label="Art. 307")


def steps_snapshot(detention: Detention) -> dict:
    steps = list(DetentionStep.objects.filter(detention=detention))
    return {
        "steps": [
            (s.kind, str(s.date), sorted(a.label for a in s.articles.all()), s.version)
            for s in detention.ordered_steps()
        ],
        "history": history(sorted(steps, key=lambda s: s.created_at)),
    }


def steps_on_page(client, detention, *, new=None, arrest_date=None):
    """Post the steps page: a new step in the first empty row, or the arrest moved."""
    url = reverse("detention-steps", args=[detention.case_id, detention.pk])
    page = client.get(url)
    changes = {}
    if new is not None:
        changes |= {f"steps-1-{name}": value for name, value in new.items()}
    if arrest_date is not None:
        changes["steps-0-date"] = arrest_date
    return client.post(url, page_form_data(page, **changes))


def steps_in_api(user, detention, *, new=None, arrest_date=None):
    arrest = detention.arrest_step
    steps = []
    if new is not None:
        steps.append(new)
    if arrest_date is not None:
        steps.append({"id": str(arrest.pk), "kind": "arrested", "date": arrest_date})
    return api_client(user).patch(
        f"{API}/detentions/{detention.pk}/", {"steps": steps}, format="json"
    )


def steps_in_admin(client, detention, *, new=None, arrest_date=None):
    url = admin_url(Detention, "change", detention.pk)
    page = client.get(url)
    data = admin_form_data(page)
    prefix = inline_prefix(page, DetentionStep)
    if new is not None:
        data[f"{prefix}-TOTAL_FORMS"] = "2"
        data |= {f"{prefix}-1-{name}": value for name, value in new.items()}
    if arrest_date is not None:
        data[f"{prefix}-0-date"] = arrest_date
    return client.post(url, data)


def post_steps(surface, client, user, detention, **change):
    if surface == "page":
        return steps_on_page(signed_in(client, user), detention, **change)
    if surface == "api":
        return steps_in_api(user, detention, **change)
    return steps_in_admin(signed_in(client, user), detention, **change)


def refusal_text(surface, response) -> str:
    """Where each surface says why it refused: the page, the API's error, the admin form."""
    if surface == "api":
        assert response.status_code == 400, response.content
        return str(response.json()["error"]["fields"])
    assert response.status_code in (200, 400), response.status_code
    return response.content.decode()


@pytest.mark.parametrize("surface", SURFACES)
def test_adding_a_charge_gives_the_same_step_and_history_on_every_surface(
    surface, client, alice, detention, article
):
    charge = {"kind": "charged", "date": "2023-07-01", "articles": str(article.pk)}
    if surface == "api":
        charge["articles"] = [str(article.pk)]
    response = post_steps(surface, client, alice, detention, new=charge)

    assert response.status_code in (200, 302), refusal_text(surface, response)[:3000]
    assert steps_snapshot(detention) == {
        "steps": [
            (StepKind.ARRESTED, "June 2023", [], 1),
            (StepKind.CHARGED, "1 July 2023", ["Art. 307"], 1),
        ],
        "history": [
            ("DetentionStep", "+", None, ""),  # the arrest, recorded by the factory
            # The step with its articles: one save, one history row (issue 12).
            ("DetentionStep", "+", "alice-monitor", ""),
        ],
    }


@pytest.mark.parametrize("surface", SURFACES)
def test_a_step_dated_before_the_arrest_is_refused_alike_everywhere_and_nothing_changes(
    surface, client, alice, detention
):
    before = steps_snapshot(detention)
    early = {"kind": "charged", "date": "2023-05-02"}

    response = post_steps(surface, client, alice, detention, new=early)

    assert "This step (2 May 2023) is dated before the arrest (June 2023)." in refusal_text(
        surface, response
    )
    assert steps_snapshot(detention) == before


@pytest.mark.parametrize("surface", SURFACES)
def test_moving_the_arrest_after_a_recorded_step_is_refused_alike_everywhere(
    surface, client, alice, detention
):
    DetentionStepFactory(detention=detention, kind=StepKind.CHARGED, date="2023-07-01")
    before = steps_snapshot(detention)

    response = post_steps(surface, client, alice, detention, arrest_date="2023-08")

    text = refusal_text(surface, response)
    assert "The arrest (August 2023) cannot come after steps already recorded" in text
    assert "charged (1 July 2023)" in text
    assert steps_snapshot(detention) == before


# -- creating a person -----------------------------------------------------------------------


def person_snapshot(person: Person) -> dict:
    names = list(PersonName.objects.filter(person=person))
    return {
        "person": (person.team.name, person.confidentiality, person.review_state),
        "names": [(n.full_name, n.kind, n.is_primary, n.script) for n in names],
        "history": history([person]) + history(names),
    }


def create_person(surface, client, user, team):
    if surface == "page":
        client = signed_in(client, user)
        page = client.get(reverse("person-create"))
        data = page_form_data(page, team=str(team.pk), **{"names-0-full_name": "Zarina Nazarova"})
        response = client.post(reverse("person-create"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
    elif surface == "api":
        response = api_client(user).post(
            f"{API}/persons/",
            {"team": str(team.pk), "names": [{"full_name": "Zarina Nazarova"}]},
            format="json",
        )
        assert response.status_code == 201, response.content
    else:
        client = signed_in(client, user)
        add = admin_url(Person, "add")
        page = client.get(add)
        data = admin_form_data(page) | {
            "team": str(team.pk),
            "confidentiality": str(Confidentiality.CONFIDENTIAL),
        }
        data |= admin_inline_rows(
            page, PersonName, [{"full_name": "Zarina Nazarova", "kind": "official"}]
        )
        response = client.post(add, data)
        assert response.status_code == 302, all_errors(response)


@pytest.mark.parametrize("surface", SURFACES)
def test_creating_a_person_gives_the_same_rows_and_history_on_every_surface(
    surface, client, alice, team
):
    create_person(surface, client, alice, team)

    assert person_snapshot(Person.objects.get()) == {
        "person": ("GBAO documentation team", Confidentiality.CONFIDENTIAL, "draft"),
        "names": [("Zarina Nazarova", "official", True, "latin")],
        "history": [
            ("Person", "+", "alice-monitor", "Person added"),
            ("PersonName", "+", "alice-monitor", "Person added"),
        ],
    }


def test_one_api_request_records_the_case_with_its_parts_as_the_page_does(
    client, alice, team, victim, violation
):
    """The case page's submission in one request (cases/api/recording.py): the same rows,
    links and history as the page (and so as three requests, or the admin)."""
    record_case_on_page(signed_in(client, alice), team=team, victim=victim, violation=violation)
    on_page = case_snapshot(Case.objects.get())
    api = api_client(alice)
    response = api.post(
        f"{API}/cases/",
        {
            "title": "Detention of Daler Imomali",
            "summary": "Arrested in Dushanbe.",
            "team": str(team.pk),
            "reference": f"TJK-{timezone.localdate().year}-0002",
            "new_allegations": [
                {"victim": str(victim.pk), "violation_type": str(violation.pk), "date": "June 2023"}
            ],
            "new_detentions": [{"person": str(victim.pk), "arrested_on": "2023-06-12"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    in_api = case_snapshot(Case.objects.get(pk=response.json()["id"]))
    assert in_api | {"reference": None} == on_page | {"reference": None}
    assert response.json()["allegations"] and response.json()["detentions"]


def test_one_request_with_a_new_person_and_source_and_a_refused_part(alice, team, violation):
    api = api_client(alice)
    kind = Term.objects.filter(vocabulary=Vocabulary.SOURCE_KIND).first()
    body = {
        "title": "Detention of a blogger",
        "team": str(team.pk),
        "new_source": {"title": "Radio Ozodi, 3 June 2023", "kind": str(kind.pk)},
        "new_allegations": [
            {
                "new_victim": "Abdullo Ghurbati",
                "violation_type": str(violation.pk),
                "citation": {"source": None, "quote": "He was taken from his home."},
            }
        ],
        "new_detentions": [{"new_person": "Abdullo Ghurbati", "arrested_on": "June 2023"}],
    }
    # A detention of nobody: refused by the service, named by its place in the request.
    no_person = {"new_detentions": [{"arrested_on": "June 2023"}]}
    refused = api.post(f"{API}/cases/", body | no_person, format="json")
    assert refused.status_code == 400, refused.content
    assert "new_detentions" in refused.json()["error"]["fields"], refused.json()
    assert not Case.objects.exists()  # nothing recorded
    response = api.post(f"{API}/cases/", body, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    allegation = case.allegations.get()
    detention = case.detentions.get()
    # One new person for the name typed twice, linked to the case once; the source cited.
    assert allegation.victim == detention.person
    assert str(allegation.victim) == "Abdullo Ghurbati"
    assert case.case_persons.count() == 1
    from sources.models import Citation

    citation = Citation.objects.get(object_id=allegation.pk)
    assert citation.source.title == "Radio Ozodi, 3 June 2023"
    assert citation.quote == "He was taken from his home."
