"""Protected identities on every surface: enumerated, not sampled (issue 12).

The rule: what identifies a protected person or source is declared once, on its model
(:class:`monitor.redaction.Redaction`), and no surface shows it to a user who may see the
record but may not identify it. These tests take the declarations and the URL map as they
are — every model with a policy, every field it names, every URL pattern of the project
(pages, API with its actions and filters, admin lists, change pages, history, inlines, CSV)
— so a new field, model, endpoint or admin page is covered without being listed here:

* every field of a model with a policy is classified (identifying or not), or the test says
  which and what to do;
* a world is built in which the protected records and their parts carry
  :data:`REDACT_CANARY` in every identifying field that can hold text (their real values —
  the file's hash, its stored name — where it cannot); every URL of the project is read as
  each persona who sees the records but may not identify them, and the canary must appear
  nowhere, while the team member who may identify them does see it;
* every identifying field an API serializer shows reads null for those personas.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework.test import APIClient

from monitor import redaction
from monitor.choices import Confidentiality
from people.models import Affiliation, Person
from sources.models import EvidenceFile, Source
from tests.factories import (
    AffiliationFactory,
    AllegationPerpetratorFactory,
    CustodyEventFactory,
    EvidenceFileFactory,
    OrganizationFactory,
    PersonNameFactory,
    PlaceFactory,
)
from tests.security.tampering_world import World, build_hidden, every_pattern
from tests.security.test_tampering import (
    ID_PARAMETERS,
    SPECIAL,
    body_of,
    is_id_bearing,
    surface_of,
    targets_of,
)

REDACT_CANARY = "Redact-canary"
SEARCH_WORD = "canary"
#: The level of the world: the personas below all see it.
LEVEL = Confidentiality.INTERNAL
#: Who sees the records but may not identify the protected ones (not on the team, cleared
#: below strict).
PERSONAS = ("monitor_off_team", "coordinator", "viewer")


# -- declarations -------------------------------------------------------------------------------


def test_every_field_of_a_protected_model_is_classified():
    """Add a field to Person (or Source, EvidenceFile…) and this fails until its policy says
    whether the field identifies the record."""
    missing = {
        model._meta.label: sorted(redaction.unclassified(model))
        for model in redaction.redacted_models()
        if redaction.unclassified(model)
    }
    assert missing == {}, (
        "Classify these fields in the model's `redaction = Redaction(identifying=…, public=…)` "
        "(monitor/redaction.py): identifying if it may say who a protected record is. Until "
        f"then they are hidden as identifying: {missing}"
    )


def test_every_model_pointing_at_a_protected_record_is_either_redacted_or_a_link():
    """A model with a foreign key to a person or a source either declares a policy (it is a
    part of the protected record) or only *links* to it — then surfaces show the linked
    record through ``str()``, which is its pseudonym. A new model must be one or the other."""
    from django.apps import apps

    bearers = {Person, Source, EvidenceFile}
    links = {
        "cases.Allegation",
        "cases.AllegationPerpetrator",
        "cases.CasePerson",
        "cases.Detention",
        "cases.EventFigure",
        "sources.Citation",
        "people.Affiliation",
        "people.PersonName",
        "sources.EvidenceFile",
        "sources.CustodyEvent",
        "sources.Source",
        # Links to persons and sources shown through their str() (the pseudonym):
        "cases.Case",  # its persons
        "cases.FollowUp",  # the persons it concerns
        "cases.FollowUpResponse",  # its document
        "cases.Event",  # its organisers
        "cases.Facility",  # the source of its coordinates
        "cases.GroupDetentionFigure",  # its source, like an event's figure
    }
    unknown = []
    for model in apps.get_models():
        if hasattr(model, "instance_type") or model._meta.app_label not in {
            "cases",
            "people",
            "sources",
            "monitor",
        }:
            continue
        points = any(
            f.is_relation and f.related_model in bearers
            for f in model._meta.get_fields()
            if f.concrete or f.many_to_many
        )
        if points and redaction.policy(model) is None and model._meta.label not in links:
            unknown.append(model._meta.label)
    assert unknown == [], (
        "These models point at a person, source or evidence file: give them a redaction "
        f"policy (if they say who it is) or add them to the list of links here: {unknown}"
    )


def test_parts_that_identify_as_a_whole_are_not_visible_to_those_who_may_not_identify(
    world, monitor_off_team, monitor_on_team
):
    for model in redaction.redacted_models():
        if not redaction.policy(model).whole:
            continue
        rows = model.objects.filter(**{redaction.policy(model).path("is_protected"): True})
        assert rows.exists(), model
        assert not rows.visible_to(monitor_off_team).exists(), model
        assert rows.visible_to(monitor_on_team).exists(), model


# -- the world ------------------------------------------------------------------------------------


def _plant(record, place) -> list[str]:
    """Fill every identifying field of ``record`` with the canary; return what to look for."""
    needles = []
    for name in sorted(redaction.identifying_fields(type(record))):
        try:
            f = type(record)._meta.get_field(name)
        except FieldDoesNotExist:  # an approximate date's companion column
            continue
        if not f.concrete or f.primary_key:
            continue
        if isinstance(f, models.URLField):
            setattr(record, name, f"https://{REDACT_CANARY.lower()}.example.org/{name}")
        elif isinstance(f, models.FileField):
            needles.append(getattr(record, name).name)
        elif f.name == "sha256" or f.name == "sha256_seen":
            needles.append(getattr(record, name))
        elif isinstance(f, (models.CharField, models.TextField)) and not f.choices:
            setattr(record, name, f"{REDACT_CANARY} {name}"[: f.max_length or 500])
        elif isinstance(f, models.ForeignKey) and f.related_model is type(place):
            setattr(record, name, place)
    return needles


@pytest.fixture
def world(team, monitor_on_team) -> tuple[World, list[str]]:
    """Records at a level every persona sees; the protected ones full of the canary."""
    world = build_hidden(team=team, owner=monitor_on_team, level=LEVEL)
    # A place is no secret (it is in every place picker); that the witness lives there is:
    # the API's null check below covers links to places.
    place = PlaceFactory(name="Vanj village")
    needles = [REDACT_CANARY]
    person = world["protected_person"]
    needles += _plant(person, place)
    person.save()
    name = world["protected_person_name"]
    name.full_name = f"{REDACT_CANARY} Свидетель"
    name.save()
    source = world["protected_source"]
    needles += _plant(source, place)
    source.title = f"{REDACT_CANARY} informant"
    source.save()
    evidence = EvidenceFileFactory(
        source=source,
        content=b"The protected testimony itself.",
        original_name=f"{REDACT_CANARY}-interview.m4a",
        description=f"{REDACT_CANARY} recorded at home",
    )
    needles += [evidence.sha256, evidence.file.name]
    custody = CustodyEventFactory(
        evidence=evidence, actor=monitor_on_team, note=f"{REDACT_CANARY} handed over"
    )
    needles += _name_in_free_text(world, person)
    world.records["evidence"] = evidence
    world.records["custody_event"] = custody
    strict = OrganizationFactory(
        name=f"{REDACT_CANARY} special unit", confidentiality=Confidentiality.STRICT
    )
    organization = world["organization"]
    world.records["affiliation"] = AffiliationFactory(
        person=person, organization=organization, role=f"{REDACT_CANARY} deputy head"
    )
    world.records["perpetrator"] = AllegationPerpetratorFactory(
        allegation=world["allegation"], organization=strict
    )
    return world, needles


#: Another name of the protected witness, and how free text writes it (a Russian genitive).
SECRET_NAME = "Нодира Тайнова"
SECRET_FAMILY_NAME = "Тайнова"
SECRET_WRITINGS = (SECRET_NAME, "Тайновой", "ТАЙНОВА")
#: What the crawl looks for: the stem of every writing.
SECRET_STEM = "Тайнов"


def free_text_fields(record) -> list[models.Field]:
    """The fields of ``record`` a person types prose into (long enough to hold a name)."""
    from tests.security.xss_helpers import SKIPPED, field_key, is_text

    return [
        f
        for f in type(record)._meta.concrete_fields
        if is_text(f)
        and not f.choices
        and not isinstance(f, models.URLField | models.EmailField | models.SlugField)
        and (f.max_length is None or f.max_length >= 60)
        and field_key(type(record), f.name) not in SKIPPED
    ]


def _name_in_free_text(world: World, person) -> list[str]:
    """Give the witness a second name, and write it into every free-text field of every
    record that is not itself a part of a protected record (those hold the canary)."""
    PersonNameFactory(person=person, full_name=SECRET_NAME, family_name=SECRET_FAMILY_NAME)
    planted = 0
    for record in list(world.records.values()):
        if redaction.policy(type(record)) is not None:
            continue
        changed = []
        for number, f in enumerate(free_text_fields(record)):
            writing = SECRET_WRITINGS[(planted + number) % len(SECRET_WRITINGS)]
            value = f"{getattr(record, f.attname) or ''} (со слов: {writing})"
            if f.max_length and len(value) > f.max_length:
                value = f"(со слов: {writing})"
            setattr(record, f.attname, value)
            changed.append(f.attname)
        if changed:
            type(record)._base_manager.filter(pk=record.pk).update(
                **{name: getattr(record, name) for name in changed}
            )
            planted += len(changed)
    assert planted >= 15, planted  # summaries, descriptions, quotes, notes, titles…
    return [SECRET_STEM]


# -- the crawl ------------------------------------------------------------------------------------


def _client(surface, user):
    if surface == "api":
        client = APIClient()
        client.force_authenticate(user)
        return client
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _filter_values(world: World) -> dict[str, str]:
    """List filters that name a protected record or one of its links."""
    person, source = world["protected_person"], world["protected_source"]
    return {
        "person": person.pk,
        "source": source.pk,
        "organization": world["organization"].pk,
        "residence": person.residence_id,
        # A search echoes its words: part of the canary, which matches the whole.
        "q": SEARCH_WORD,
        "name": SEARCH_WORD,
    }


def urls(world: World):
    """``(surface, path)`` for every URL of the project the personas read."""
    filters = _filter_values(world)
    for pattern in every_pattern():
        surface = surface_of(pattern)
        if pattern.name in ("admin:review_item", "review-item"):  # the diff of each protected one
            for key in ("protected_person", "protected_source"):
                opts = world[key]._meta
                yield (
                    surface,
                    pattern.path(
                        app_label=opts.app_label, model_name=opts.model_name, pk=str(world[key].pk)
                    ),
                )
            continue
        if pattern.name in SPECIAL:
            continue
        if "format" in pattern.kwargs and surface == "api":
            continue  # the same route as its suffix-less twin
        if is_id_bearing(pattern):
            for key in targets_of(pattern) or ():
                record = world.records.get(key)
                if record is None or isinstance(record.pk, int):
                    continue
                if pattern.positional:  # one past version (admin history)
                    version = record.history.order_by("-history_id").first().history_id
                    yield surface, pattern.path((str(record.pk), str(version)))
                    continue
                values = {name: str(record.pk) for name in pattern.kwargs if name in ID_PARAMETERS}
                if set(pattern.kwargs) - ID_PARAMETERS - {"format"}:
                    continue
                yield surface, pattern.path(**values)
            continue
        if pattern.kwargs:
            continue
        path = pattern.path()
        yield surface, path
        if surface == "admin":
            yield surface, f"{path}?q={SEARCH_WORD}"  # the admin's search
        else:
            for name, value in filters.items():
                yield surface, f"{path}?{name}={value}"


@pytest.mark.parametrize("persona_name", PERSONAS)
def test_no_surface_shows_what_identifies_a_protected_record(persona_name, world, request):
    world, needles = world
    persona = request.getfixturevalue(persona_name)
    persona.is_staff = True  # the admin too: what it shows is up to the same rules
    persona.save()
    clients = {surface: _client(surface, persona) for surface in ("api", "pages", "admin")}
    read, leaks = 0, []
    for surface, path in urls(world):
        response = clients[surface].get(path)
        if response.status_code >= 300:
            continue
        read += 1
        text = body_of(response)
        found = [needle for needle in needles if needle and needle.lower() in text.lower()]
        if found:
            leaks.append(f"{path}: {found}")
    assert leaks == [], f"{persona_name} was shown what identifies a protected record:\n" + (
        "\n".join(leaks)
    )
    assert read > 150  # the crawl reached the site, not only refusals


def test_the_team_member_sees_what_the_others_may_not(world, monitor_on_team):
    """The canaries are really there: the member of the team reads them."""
    world, _needles = world
    client = _client("api", monitor_on_team)
    person = client.get(f"/api/v1/persons/{world['protected_person'].pk}/").json()
    assert person["occupation"].startswith(REDACT_CANARY)
    evidence = client.get(f"/api/v1/evidence-files/{world['evidence'].pk}/").json()
    assert evidence["original_name"].startswith(REDACT_CANARY)
    affiliations = client.get(f"/api/v1/affiliations/?person={world['protected_person'].pk}")
    assert REDACT_CANARY in affiliations.content.decode()
    # The witness's name in free text, as the team wrote it, on the API and the pages.
    case = world["case"]
    summary = client.get(f"/api/v1/cases/{case.pk}/").json()["summary"]
    assert SECRET_STEM.lower() in summary.lower()
    page = _client("pages", monitor_on_team).get(f"/cases/{case.pk}/")
    assert SECRET_STEM.lower() in page.content.decode().lower()


@pytest.mark.parametrize("persona_name", PERSONAS)
def test_every_identifying_field_reads_null_in_the_api(persona_name, world, request):
    """Field by field, for every model with a policy that the API serves."""
    world, _needles = world
    persona = request.getfixturevalue(persona_name)
    client = _client("api", persona)
    served = {
        Person: f"/api/v1/persons/{world['protected_person'].pk}/",
        Source: f"/api/v1/sources/{world['protected_source'].pk}/",
        EvidenceFile: f"/api/v1/evidence-files/{world['evidence'].pk}/",
    }
    checked = 0
    for model, path in served.items():
        for suffix in ("", "history/"):
            response = client.get(path + suffix)
            assert response.status_code == 200, path + suffix
            body = response.json()
            if suffix:
                changed = {c["field"] for entry in body["results"] for c in entry["changes"]}
                leaked = changed & redaction.identifying_fields(model)
                assert leaked == set(), (path, leaked)
                continue
            for name in redaction.identifying_fields(model):
                if name in body and name != "title":
                    assert body[name] is None, (model.__name__, name, body[name])
                    checked += 1
    assert checked >= 12
    # Whole parts are not there at all, in lists or by id.
    affiliation = client.get(f"/api/v1/affiliations/{world['affiliation'].pk}/")
    assert affiliation.status_code == 404
    listed = client.get(f"/api/v1/persons/?organization={world['organization'].pk}").json()
    assert str(world["protected_person"].pk) not in {row["id"] for row in listed["results"]}


def test_every_admin_page_of_a_protected_part_is_in_the_crawl():
    """Each registered admin of a model with a policy has its pages in the URL map."""
    for model in redaction.redacted_models():
        assert model in admin.site._registry, model
    names = {pattern.name for pattern in every_pattern()}
    for model in redaction.redacted_models():
        opts = model._meta
        for page in ("changelist", "change", "history"):
            assert f"admin:{opts.app_label}_{opts.model_name}_{page}" in names
    assert Affiliation in admin.site._registry
