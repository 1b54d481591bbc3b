"""A small world for the page tests: records only some personas may see.

* ``secret_case`` — strict, on ``team``: only ``monitor_on_team`` and ``reviewer`` see it.
* ``internal_case`` — internal, no team: every persona with a role sees it (the viewer's
  clearance is internal); ``no_role_user`` sees nothing.
* ``protected_person`` — internal, on ``team``, identity protected: every persona with a
  role sees the record, only the team (``monitor_on_team``, ``reviewer``) sees who it is.

Titles and names are distinctive words, so a test can assert their bytes are absent.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.choices import CasePersonRole, StepKind
from monitor.choices import Confidentiality
from tests.factories import (
    AllegationFactory,
    CaseFactory,
    CasePersonFactory,
    CitationFactory,
    DetentionFactory,
    DetentionStepFactory,
    EventFactory,
    FacilityFactory,
    FollowUpFactory,
    GroupDetentionFactory,
    GroupDetentionFigureFactory,
    PersonFactory,
    PersonNameFactory,
    SourceFactory,
)

SECRET = "Zeravshanskaya"  # in every hidden record's title or name
PROTECTED_NAME = "Farrukh Qalandarov"
PROTECTED_CYRILLIC = "Фаррух Каландаров"

#: Who sees the strict team records.
TEAM = ("monitor_on_team", "reviewer")
#: Who must not see them (signed in).
NOT_TEAM = ("monitor_off_team", "coordinator", "viewer", "no_role_user")
#: Every persona with a role.
WITH_ROLE = ("monitor_on_team", "monitor_off_team", "reviewer", "coordinator", "viewer")


@pytest.fixture
def world(team):
    """The records of the module docstring, with an allegation, a detention and a follow-up
    on the secret case, and the protected person linked to the internal case."""
    strict = {"confidentiality": Confidentiality.STRICT, "team": team}
    internal = {"confidentiality": Confidentiality.INTERNAL}
    secret_event = EventFactory(title=f"{SECRET} operation", **strict)
    secret_source = SourceFactory(
        title=f"{SECRET} testimony", publisher=f"{SECRET} Press", **strict
    )
    secret_person = PersonFactory(name=f"Hidden {SECRET}", **strict)
    secret_case = CaseFactory(title=f"{SECRET} detentions", reference="TJK-2023-0901", **strict)
    secret_case.events.add(secret_event)
    allegation = AllegationFactory(case=secret_case, victim=secret_person, date="May 2023")
    detention = DetentionFactory(case=secret_case, person=secret_person)
    arrest = DetentionStepFactory(detention=detention, kind=StepKind.ARRESTED, date="2023-05-18")
    CitationFactory(source=secret_source, record=allegation)
    CitationFactory(source=secret_source, record=arrest)
    secret_followup = FollowUpFactory(case=secret_case, title=f"{SECRET} letter", sent="2023-05-12")

    public_event = EventFactory(title="Khorog rally", **internal)
    public_source = SourceFactory(title="Open report", publisher="Open Press", **internal)
    internal_case = CaseFactory(title="Open detentions", reference="TJK-2023-0100", **internal)
    internal_case.events.add(public_event)
    protected_person = PersonFactory(
        name=PROTECTED_NAME,
        is_protected=True,
        team=team,
        **{"confidentiality": Confidentiality.INTERNAL},
    )
    PersonNameFactory(person=protected_person, full_name=PROTECTED_CYRILLIC)
    protected_person.occupation = "Journalist at a Khorog weekly"
    protected_person.save()
    open_person = PersonFactory(name="Tolib Ayombekov", **internal)
    PersonNameFactory(person=open_person, full_name="Толиб Аёмбеков")
    CasePersonFactory(case=internal_case, person=protected_person, role=CasePersonRole.WITNESS)
    CasePersonFactory(case=internal_case, person=open_person, role=CasePersonRole.VICTIM)
    open_allegation = AllegationFactory(case=internal_case, victim=open_person, date="June 2023")
    open_detention = DetentionFactory(case=internal_case, person=open_person)
    DetentionStepFactory(detention=open_detention, kind=StepKind.ARRESTED, date="2023-06-03")
    CitationFactory(source=public_source, record=open_allegation)
    internal_followup = FollowUpFactory(case=internal_case, title="Open letter", sent="2023-05-12")
    # People detained together: 77 at the secret operation, 25 at the rally, both taken to
    # the same police station (whose count differs by who may see the secret case).
    station = FacilityFactory(name="Khorog city police station", other_names="ОВД Хорога")
    secret_group = GroupDetentionFactory(case=secret_case, event=secret_event, facility=station)
    GroupDetentionFigureFactory(group=secret_group, value=77, source=secret_source)
    open_group = GroupDetentionFactory(
        case=internal_case, event=public_event, facility=station, date="June 2023"
    )
    GroupDetentionFigureFactory(group=open_group, value=25, source=public_source)
    return {
        "secret_case": secret_case,
        "secret_event": secret_event,
        "secret_source": secret_source,
        "secret_person": secret_person,
        "secret_followup": secret_followup,
        "internal_case": internal_case,
        "public_event": public_event,
        "public_source": public_source,
        "protected_person": protected_person,
        "open_person": open_person,
        "internal_followup": internal_followup,
        "station": station,
    }


def detail_urls(world) -> dict[str, str]:
    """The detail page of each secret record."""
    return {
        "case": reverse("case-detail", kwargs={"pk": world["secret_case"].pk}),
        "event": reverse("event-detail", kwargs={"pk": world["secret_event"].pk}),
        "source": reverse("source-detail", kwargs={"pk": world["secret_source"].pk}),
        "person": reverse("person-detail", kwargs={"pk": world["secret_person"].pk}),
        "followup": reverse("followup-detail", kwargs={"pk": world["secret_followup"].pk}),
    }


LIST_NAMES = (
    "case-list",
    "person-list",
    "event-list",
    "source-list",
    "followup-list",
    "allegation-list",
    "detention-list",
    "facility-list",
)
EXPORT_NAMES = tuple(name.replace("-list", "-export") for name in LIST_NAMES)
