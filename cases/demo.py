"""The demo data: every fact of the seed article, and the loader that puts it into Monitor.

The article ("Tajikistan to Study France’s Human Rights Freedom, Terrorism Prevention",
London, 28 November 2023) is the project's seed (``../shared/seeds/``). Its facts are written
out below as data — places, organisations, people, events with their contested figures, and
three cases — each with the sentence of the article it comes from, which becomes the
``quote`` of a :class:`~sources.models.Citation` to the article. Nothing is added that the
article does not say: where it is silent (the sentence terms, the charges, the letter's
reference) the record says so instead of guessing.

:func:`load_demo` writes them the way a user's edit is written: each record is validated with
``full_clean()`` and saved one by one inside :func:`~monitor.history.acting_as`, so every row
has its history with an explicit actor (the demo ``coordinator``). Records are looked up by
natural key first (a case's reference, an event's title, a person's primary name, an
organisation's name…), so a second run creates nothing, and a record a user has edited since
is left as it is.

The article's source also gets an evidence file with its whole chain of custody (upload,
derived copy, download, integrity check), made through the evidence services by
:mod:`cases.demo_evidence` and stored under ``MONITOR_DATA_DIR`` like any upload.

Demo accounts (one per role) are created only in demo mode (``MONITOR_DEMO=1``).

The module is longer than STYLE.md's ~600 lines on purpose: most of it is the article's facts
as plain data, kept next to the loader that reads them (:func:`load_demo` and ``_Loader`` at
the end). If it grows further, split it into ``cases/demo/facts.py`` and ``loader.py``.
"""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction

from cases.choices import CasePersonRole as PersonRole
from cases.choices import CaseType, ClaimStatus, FigureKind, FigureQualifier, FollowUpKind, StepKind
from cases.choices import PerpetratorRole as Perp
from cases.demo_evidence import ensure_demo_evidence
from cases.models import (
    Allegation,
    AllegationPerpetrator,
    Case,
    CasePerson,
    Detention,
    DetentionStep,
    Event,
    EventFigure,
    FollowUp,
)
from monitor.choices import Confidentiality, Role, Vocabulary
from monitor.history import acting_as
from monitor.models import Place, Team, Term
from monitor.models.places import PlaceKind
from monitor.services import record_save
from people.choices import NameKind, OrganizationKind
from people.models import Affiliation, Organization, Person, PersonName
from sources.choices import Credibility, Reliability
from sources.models import Citation, EvidenceFile, Source

#: The reason on every history row the demo data writes.
REASON = "Demo data from the seed article"
ACCOUNT_REASON = "Demo account"

PUBLIC = Confidentiality.PUBLIC
INTERNAL = Confidentiality.INTERNAL
CONFIDENTIAL = Confidentiality.CONFIDENTIAL


# -- the shape of the facts ------------------------------------------------------------------


@dataclass(frozen=True)
class Cite:
    """A sentence of the article that supports a record (or one of its fields)."""

    quote: str
    field_name: str = ""
    note: str = ""
    credibility: int = Credibility.POSSIBLY_TRUE


@dataclass(frozen=True, kw_only=True)
class PlaceFact:
    name: str
    kind: str
    parent: str | None = None
    code: str = ""
    latitude: str | None = None
    longitude: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrganizationFact:
    name: str
    kind: str
    acronym: str = ""
    parent: str | None = None
    country: str | None = None
    description: str = ""
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NameFact:
    full_name: str
    given_name: str = ""
    family_name: str = ""
    kind: str = NameKind.OFFICIAL
    language: str = ""


@dataclass(frozen=True, kw_only=True)
class AffiliationFact:
    organization: str
    role: str
    cite: Cite


@dataclass(frozen=True, kw_only=True)
class PersonFact:
    """A person; the first name is the primary one and the person's natural key."""

    names: tuple[NameFact, ...]
    occupation: str = ""
    ethnicity: str = ""
    biography: str = ""
    confidentiality: int = INTERNAL
    affiliations: tuple[AffiliationFact, ...] = ()
    cites: tuple[Cite, ...] = ()

    @property
    def key(self) -> str:
        return self.names[0].full_name


@dataclass(frozen=True, kw_only=True)
class FigureFact:
    kind: str
    qualifier: str
    value: int
    claimed_by: str
    note: str = ""
    cite: Cite


@dataclass(frozen=True, kw_only=True)
class EventFact:
    title: str
    kind: str
    parent: str | None = None
    start: str | None = None
    end: str | None = None
    places: tuple[str, ...] = ()
    description: str = ""
    figures: tuple[FigureFact, ...] = ()
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AllegationFact:
    violation: str
    victim: str | None = None
    victim_description: str = ""
    date: str | None = None
    place: str | None = None
    description: str = ""
    perpetrators: tuple[tuple[str, str], ...] = ()  # (organisation, PerpetratorRole)
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StepFact:
    kind: str
    date: str
    note: str = ""
    cite: Cite


@dataclass(frozen=True, kw_only=True)
class DetentionFact:
    person: str
    description: str
    steps: tuple[StepFact, ...]
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FollowUpFact:
    title: str
    kind: str
    communication_type: str | None = None
    mandates: tuple[str, ...] = ()
    addressee: str | None = None
    sent: datetime.date | None = None
    description: str = ""
    cites: tuple[Cite, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CaseFact:
    reference: str
    title: str
    case_type: str
    summary: str
    confidentiality: int = INTERNAL
    events: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    victims: tuple[str, ...] = ()
    allegations: tuple[AllegationFact, ...] = ()
    detentions: tuple[DetentionFact, ...] = ()
    followups: tuple[FollowUpFact, ...] = ()
    cites: tuple[Cite, ...] = ()


# -- the article's sentences -----------------------------------------------------------------

Q_PROTESTS_QUASHED = (
    "Freedom of assembly is severely curtailed with any local protests, such as a series of "
    "protests in the Gorno-Badakhshan autonomous region (GBAO), violently quashed."
)
Q_OSCE_ORGANISERS = (
    "The Organization for Security and Co-operation in Europe (OSCE) Programme Office in "
    "Dushanbe, the OSCE Transnational Threats Department, and the Permanent Representation of "
    "France to the OSCE organized a study visit to Paris for government officials from "
    "Tajikistan, familiarizing them with France’s approach to the protection of soft targets "
    "from terrorist attacks."
)
Q_VISIT_DATES = (
    "During the study visit, held from 20 to 22 November 2023, officials from Tajikistan met "
    "with representatives of the city of Paris and the national Government."
)
Q_SAFARALIZODA = (
    "said Zafar Safaralizoda, Deputy Head of the Directorate on Human Rights Guarantees under "
    "the Presidential Office and Head of the delegation of Tajikistan on this study visit."
)
Q_TUONONEN = (
    "said Jukka Tuononen, Head of the Politico-Military Department and Officer-in-Charge of "
    "the OSCE Programme in Dushanbe."
)
Q_GOVERNMENT_OF_FRANCE = (
    "We thank the Government of France for welcoming the delegation of Tajikistan in their country"
)
Q_CONFRONTATION = (
    "The confrontation between the residents of GBAO, who are Pamiris, and the official "
    "authorities of Tajikistan has been ongoing since 2012."
)
Q_ARMY_2018 = (
    "In 2018, Tajik President Emomali Rahmon authorized the use of the regular army to "
    "suppress protests in the autonomy."
)
Q_SINCE_THEN = (
    "Since then, acts of civil disobedience have periodically occurred in Gorno-Badakhshan, "
    "which the security forces have harshly suppressed."
)
Q_RALLIES = (
    "The latest clash between GBAO residents and security forces occurred after rallies in "
    "Khorog on May 14 and 16, 2022."
)
Q_BLOCKADE = (
    "On May 18, in the Rushan district of the region, where, according to the Ministry of "
    "Internal Affairs, about 200 people blocked the Dushanbe-Khorog highway to prevent the "
    "arrival of a large convoy of security forces to the administrative center of "
    "Gorno-Badakhshan."
)
Q_OPERATION = "After this, the anti-terrorist operation began."
Q_KILLED = "As a result, more than 40 local residents died."
Q_DETAINED = "Dozens of people were detained, many of them were convicted."
Q_UN_EXPERTS = (
    "Eight United Nations experts are awaiting a response from Tajik authorities to a letter "
    "expressing concern about the fate of convicted journalists and civil activists."
)
Q_UN_LETTER = (
    "UN experts and special rapporteurs in their letter demanded an explanation from Dushanbe "
    "regarding reports of gross violations of the rights of nine convicted journalists and "
    "bloggers, as well as civil activists."
)
Q_LETTER_DATE = "The letter dated 12 May 2023, is published here."
Q_LAWLOR = (
    "UN Special Rapporteur on the situation of human rights defenders, Mary Lawlor has "
    "visited Tajikistan earlier to address the human rights violations in the country."
)
Q_FIVE_PAMIRIS = (
    "Tajikistan also announced the detention of five Pamiris in June of this year, "
    "presenting them as “leaders of an organized criminal group in the city of Khorog”."
)
Q_CONVICTED = (
    "Among those convicted are Tolib Ayombekov, Nazhmiddin Sherchonov, Imumnazar "
    "Shoishirinov, Munavvar Shanbiev and Niyozsho Gulobov."
)

#: Every quote above, for checking them against the article.
QUOTES = tuple(value for name, value in dict(globals()).items() if name.startswith("Q_"))

# -- the facts -------------------------------------------------------------------------------

SOURCE_TITLE = "Tajikistan to Study France’s Human Rights Freedom, Terrorism Prevention"
SOURCE = {
    "title": SOURCE_TITLE,
    "kind": "news-article",
    "published": "2023-11-28",
    "language": "en",
    "reliability": Reliability.C,
    "confidentiality": PUBLIC,
    "summary": (
        "News article datelined London, 28 November 2023 (“28/11 – 58”; publisher not named). "
        "Reports the OSCE study visit of Tajik officials to Paris (20–22 November 2023), then "
        "summarises the human-rights situation in Tajikistan: the GBAO protests of May 2022 "
        "and the anti-terrorist operation that followed, the unanswered letter of eight UN "
        "experts of 12 May 2023, and the detention in June 2023 of five Pamiris later "
        "convicted. The year is not printed in the dateline: it follows from the visit dates."
    ),
    "obtained_how": "The article Monitor's first users started from (the project's seed).",
}

TEAM_NAME = "GBAO documentation team"
TEAM_DESCRIPTION = "Demo team documenting the GBAO events of 2022 and what followed."

GBAO = "Gorno-Badakhshan Autonomous Region (GBAO)"
PLACES = (
    PlaceFact(name="Tajikistan", kind=PlaceKind.COUNTRY, code="TJ"),
    PlaceFact(name=GBAO, kind=PlaceKind.REGION, parent="Tajikistan", code="TJ-GB"),
    PlaceFact(
        name="Khorog",
        kind=PlaceKind.SETTLEMENT,
        parent=GBAO,
        latitude="37.489700",
        longitude="71.553000",
    ),
    PlaceFact(name="Rushan district", kind=PlaceKind.DISTRICT, parent=GBAO),
    PlaceFact(
        name="Dushanbe",
        kind=PlaceKind.SETTLEMENT,
        parent="Tajikistan",
        code="TJ-DU",
        latitude="38.559800",
        longitude="68.787000",
    ),
    PlaceFact(name="France", kind=PlaceKind.COUNTRY, code="FR"),
    PlaceFact(
        name="Paris",
        kind=PlaceKind.SETTLEMENT,
        parent="France",
        latitude="48.856600",
        longitude="2.352200",
    ),
)

GOVERNMENT = "Government of Tajikistan"
MINISTRY_OF_INTERIOR = "Ministry of Internal Affairs of Tajikistan"
SECURITY_FORCES = "Security forces of Tajikistan"
ARMY = "Armed forces of Tajikistan"
DIRECTORATE = "Directorate on Human Rights Guarantees under the Presidential Office"
OSCE = "Organization for Security and Co-operation in Europe"
OSCE_DUSHANBE = "OSCE Programme Office in Dushanbe"
OSCE_TNTD = "OSCE Transnational Threats Department"
FRANCE_GOVERNMENT = "Government of France"
FRANCE_OSCE = "Permanent Representation of France to the OSCE"
SR_HRD = "UN Special Rapporteur on the situation of human rights defenders"

ORGANIZATIONS = (
    OrganizationFact(
        name=GOVERNMENT,
        kind=OrganizationKind.GOVERNMENT,
        country="Tajikistan",
        description="The authorities of the Republic of Tajikistan.",
        cites=(Cite(Q_UN_EXPERTS),),
    ),
    OrganizationFact(
        name=MINISTRY_OF_INTERIOR,
        kind=OrganizationKind.MINISTRY,
        acronym="MVD",
        parent=GOVERNMENT,
        country="Tajikistan",
        cites=(Cite(Q_BLOCKADE),),
    ),
    OrganizationFact(
        name=SECURITY_FORCES,
        kind=OrganizationKind.SECURITY_FORCE,
        parent=GOVERNMENT,
        country="Tajikistan",
        description="“Security forces”, as the article names them, without saying which.",
        cites=(Cite(Q_SINCE_THEN), Cite(Q_RALLIES)),
    ),
    OrganizationFact(
        name=ARMY,
        kind=OrganizationKind.SECURITY_FORCE,
        parent=GOVERNMENT,
        country="Tajikistan",
        description="The regular army.",
        cites=(Cite(Q_ARMY_2018),),
    ),
    OrganizationFact(
        name=DIRECTORATE,
        kind=OrganizationKind.MINISTRY,
        parent=GOVERNMENT,
        country="Tajikistan",
        cites=(Cite(Q_SAFARALIZODA),),
    ),
    OrganizationFact(
        name=OSCE,
        kind=OrganizationKind.INTERGOVERNMENTAL,
        acronym="OSCE",
        cites=(Cite(Q_OSCE_ORGANISERS),),
    ),
    OrganizationFact(
        name=OSCE_DUSHANBE,
        kind=OrganizationKind.INTERGOVERNMENTAL,
        parent=OSCE,
        country="Tajikistan",
        cites=(Cite(Q_OSCE_ORGANISERS),),
    ),
    OrganizationFact(
        name=OSCE_TNTD,
        kind=OrganizationKind.INTERGOVERNMENTAL,
        parent=OSCE,
        cites=(Cite(Q_OSCE_ORGANISERS),),
    ),
    OrganizationFact(
        name=FRANCE_GOVERNMENT,
        kind=OrganizationKind.GOVERNMENT,
        country="France",
        cites=(Cite(Q_GOVERNMENT_OF_FRANCE),),
    ),
    OrganizationFact(
        name=FRANCE_OSCE,
        kind=OrganizationKind.MINISTRY,
        parent=FRANCE_GOVERNMENT,
        country="France",
        cites=(Cite(Q_OSCE_ORGANISERS),),
    ),
    OrganizationFact(name=SR_HRD, kind=OrganizationKind.UN_MANDATE, cites=(Cite(Q_LAWLOR),)),
)


def _names(
    latin: str,
    *,
    ru: str = "",
    tg: str = "",
    latin_kind: str = NameKind.TRANSLITERATION,
    latin_language: str = "en",
) -> tuple[NameFact, ...]:
    """A Latin primary name and its Russian and Tajik Cyrillic spellings ("given family")."""
    spellings = [
        (latin, latin_kind, latin_language),
        (ru, NameKind.OFFICIAL, "ru"),
        (tg, NameKind.OFFICIAL, "tg"),
    ]
    return tuple(
        NameFact(
            full_name=full,
            given_name=full.split(" ", 1)[0],
            family_name=full.split(" ", 1)[1],
            kind=kind,
            language=language,
        )
        for full, kind, language in spellings
        if full
    )


def _detainee(latin: str, ru: str, *, tg: str = "") -> PersonFact:
    """One of the five Pamiris named as convicted."""
    return PersonFact(
        names=_names(latin, ru=ru, tg=tg),
        ethnicity="Pamiri",
        confidentiality=INTERNAL,
        cites=(Cite(Q_CONVICTED), Cite(Q_FIVE_PAMIRIS)),
    )


DETAINEES = (
    _detainee("Tolib Ayombekov", "Толиб Аёмбеков"),
    _detainee("Nazhmiddin Sherchonov", "Нажмиддин Шерчонов", tg="Наҷмиддин Шерҷонов"),
    _detainee("Imumnazar Shoishirinov", "Имумназар Шоиширинов"),
    _detainee("Munavvar Shanbiev", "Мунаввар Шанбиев"),
    _detainee("Niyozsho Gulobov", "Ниёзшо Гулобов"),
)

PERSONS = (
    *DETAINEES,
    PersonFact(
        names=_names("Mary Lawlor", latin_kind=NameKind.OFFICIAL),
        occupation=SR_HRD,
        biography="Visited Tajikistan before November 2023 to address human-rights violations.",
        confidentiality=PUBLIC,
        affiliations=(
            AffiliationFact(organization=SR_HRD, role="Special Rapporteur", cite=Cite(Q_LAWLOR)),
        ),
        cites=(Cite(Q_LAWLOR),),
    ),
    PersonFact(
        names=_names("Zafar Safaralizoda", tg="Зафар Сафарализода"),
        occupation=f"Deputy Head, {DIRECTORATE}",
        confidentiality=PUBLIC,
        affiliations=(
            AffiliationFact(
                organization=DIRECTORATE, role="Deputy Head", cite=Cite(Q_SAFARALIZODA)
            ),
        ),
        cites=(Cite(Q_SAFARALIZODA),),
    ),
    PersonFact(
        names=_names("Jukka Tuononen", latin_kind=NameKind.OFFICIAL, latin_language="fi"),
        occupation="Head of the Politico-Military Department, OSCE Programme Office in Dushanbe",
        confidentiality=PUBLIC,
        affiliations=(
            AffiliationFact(
                organization=OSCE_DUSHANBE,
                role="Head of the Politico-Military Department",
                cite=Cite(Q_TUONONEN),
            ),
            AffiliationFact(
                organization=OSCE_DUSHANBE, role="Officer-in-Charge", cite=Cite(Q_TUONONEN)
            ),
        ),
        cites=(Cite(Q_TUONONEN),),
    ),
    PersonFact(
        names=_names("Emomali Rahmon", ru="Эмомали Рахмон", tg="Эмомалӣ Раҳмон"),
        occupation="President of Tajikistan",
        confidentiality=PUBLIC,
        affiliations=(
            AffiliationFact(organization=GOVERNMENT, role="President", cite=Cite(Q_ARMY_2018)),
        ),
        cites=(Cite(Q_ARMY_2018),),
    ),
)

CONFRONTATION = "Confrontation between GBAO residents and the authorities, since 2012"
ARMY_2018 = "2018 authorisation of the army in GBAO"
CRACKDOWN = "GBAO 2022 crackdown"
RALLY_14 = "Khorog rally, 14 May 2022"
RALLY_16 = "Khorog rally, 16 May 2022"
BLOCKADE = "Rushan road blockade, 18 May 2022"
OPERATION = "Anti-terrorist operation in GBAO"
OSCE_VISIT = "OSCE study visit to Paris, 20–22 November 2023"
UNATTRIBUTED = "Not attributed in the article"

EVENTS = (
    EventFact(
        title=CONFRONTATION,
        kind="other",
        start="2012",
        places=(GBAO,),
        description=(
            "The confrontation between the residents of GBAO, who are Pamiris, and the "
            "authorities of Tajikistan. Acts of civil disobedience recur and are harshly "
            "suppressed by the security forces."
        ),
        cites=(Cite(Q_CONFRONTATION), Cite(Q_SINCE_THEN)),
    ),
    EventFact(
        title=ARMY_2018,
        kind="other",
        parent=CONFRONTATION,
        start="2018",
        places=(GBAO,),
        description=(
            "President Emomali Rahmon authorised the use of the regular army to suppress "
            "protests in the autonomous region."
        ),
        cites=(Cite(Q_ARMY_2018),),
    ),
    EventFact(
        title=CRACKDOWN,
        kind="security-operation",
        parent=CONFRONTATION,
        start="May 2022",
        places=(GBAO,),
        description=(
            "The rallies in Khorog on 14 and 16 May 2022, the road blockade in Rushan district "
            "on 18 May, and the anti-terrorist operation that followed."
        ),
        cites=(Cite(Q_PROTESTS_QUASHED), Cite(Q_RALLIES)),
    ),
    EventFact(
        title=RALLY_14,
        kind="protest",
        parent=CRACKDOWN,
        start="2022-05-14",
        places=("Khorog",),
        description="Rally of GBAO residents in Khorog.",
        cites=(Cite(Q_RALLIES, field_name="start"),),
    ),
    EventFact(
        title=RALLY_16,
        kind="protest",
        parent=CRACKDOWN,
        start="2022-05-16",
        places=("Khorog",),
        description="Rally of GBAO residents in Khorog.",
        cites=(Cite(Q_RALLIES, field_name="start"),),
    ),
    EventFact(
        title=BLOCKADE,
        kind="protest",
        parent=CRACKDOWN,
        start="2022-05-18",
        places=("Rushan district",),
        description=(
            "According to the Ministry of Internal Affairs, about 200 people blocked the "
            "Dushanbe–Khorog highway to stop a large convoy of security forces from reaching "
            "Khorog, the administrative centre of GBAO."
        ),
        figures=(
            FigureFact(
                kind=FigureKind.PARTICIPANTS,
                qualifier=FigureQualifier.ABOUT,
                value=200,
                claimed_by=MINISTRY_OF_INTERIOR,
                note="People who blocked the Dushanbe–Khorog highway.",
                cite=Cite(Q_BLOCKADE),
            ),
        ),
        cites=(Cite(Q_BLOCKADE),),
    ),
    EventFact(
        title=OPERATION,
        kind="security-operation",
        parent=CRACKDOWN,
        start="2022-05-18",
        places=(GBAO,),
        description=(
            "The “anti-terrorist operation” that began after the Rushan road blockade of "
            "18 May 2022. More than 40 local residents died; dozens of people were detained, "
            "many of them later convicted."
        ),
        figures=(
            FigureFact(
                kind=FigureKind.KILLED,
                qualifier=FigureQualifier.MORE_THAN,
                value=40,
                claimed_by=UNATTRIBUTED,
                note="Local residents who died as a result of the operation.",
                cite=Cite(Q_KILLED),
            ),
            FigureFact(
                kind=FigureKind.DETAINED,
                qualifier=FigureQualifier.DOZENS,
                value=24,
                claimed_by=UNATTRIBUTED,
                note="“Dozens”: the value is the lowest reading (two dozen), not a count.",
                cite=Cite(Q_DETAINED),
            ),
        ),
        cites=(Cite(Q_OPERATION, field_name="start"),),
    ),
    EventFact(
        title=OSCE_VISIT,
        kind="official-visit",
        start="2023-11-20",
        end="2023-11-22",
        places=("Paris",),
        description=(
            "Study visit for Tajik government officials on France’s approach to protecting "
            "soft targets from terrorist attacks, organised by the OSCE Programme Office in "
            "Dushanbe, the OSCE Transnational Threats Department and the Permanent "
            "Representation of France to the OSCE. The delegation, headed by Zafar "
            "Safaralizoda, met representatives of the city of Paris and of the French "
            "government."
        ),
        cites=(Cite(Q_OSCE_ORGANISERS), Cite(Q_VISIT_DATES), Cite(Q_SAFARALIZODA)),
    ),
)

JUNE_OF_THIS_YEAR = "“June of this year”, read against the article’s date (28 November 2023)."
CONVICTED_NO_TERM = (
    "Presented by the authorities as one of the “leaders of an organized criminal group in "
    "the city of Khorog”. Convicted (term not stated in the source; charges not stated)."
)
UN_LETTER_TITLE = (
    "Letter of eight UN experts on nine convicted journalists, bloggers and civil activists"
)


def _five_pamiris_detention(person: str) -> DetentionFact:
    return DetentionFact(
        person=person,
        description=CONVICTED_NO_TERM,
        steps=(
            StepFact(
                kind=StepKind.ARRESTED,
                date="June 2023",
                note="Detention announced by the authorities.",
                cite=Cite(Q_FIVE_PAMIRIS, field_name="date", note=JUNE_OF_THIS_YEAR),
            ),
        ),
        cites=(Cite(Q_FIVE_PAMIRIS), Cite(Q_CONVICTED)),
    )


def _five_pamiris_allegation(person: str) -> AllegationFact:
    return AllegationFact(
        violation="arbitrary-detention",
        victim=person,
        date="June 2023",
        description=(
            "Detained and presented as a “leader of an organized criminal group in the city of "
            "Khorog”; later convicted. The source gives neither the charges nor the sentence."
        ),
        perpetrators=((GOVERNMENT, Perp.DIRECT),),
        cites=(Cite(Q_FIVE_PAMIRIS), Cite(Q_CONVICTED)),
    )


CASES = (
    CaseFact(
        reference="TJK-2022-0001",
        title="Deaths and detentions in the May 2022 anti-terrorist operation in GBAO",
        case_type=CaseType.SITUATION,
        summary=(
            "After rallies in Khorog on 14 and 16 May 2022 and a road blockade in Rushan "
            "district on 18 May, the authorities launched an “anti-terrorist operation” in "
            "GBAO. More than 40 local residents died; dozens of people were detained, many of "
            "them later convicted."
        ),
        events=(CRACKDOWN, RALLY_14, RALLY_16, BLOCKADE, OPERATION),
        places=(GBAO, "Khorog", "Rushan district"),
        allegations=(
            AllegationFact(
                violation="right-to-life",
                victim_description="More than 40 local residents of GBAO",
                date="c. May 2022",
                place=GBAO,
                description=(
                    "Local residents died as a result of the anti-terrorist operation that "
                    "began after 18 May 2022. The source does not say how they died."
                ),
                perpetrators=((SECURITY_FORCES, Perp.UNKNOWN),),
                cites=(Cite(Q_KILLED), Cite(Q_OPERATION)),
            ),
            AllegationFact(
                violation="arbitrary-detention",
                victim_description="Dozens of people detained in GBAO, many later convicted",
                date="2022",
                place=GBAO,
                description="Detentions during and after the anti-terrorist operation.",
                perpetrators=((SECURITY_FORCES, Perp.UNKNOWN),),
                cites=(Cite(Q_DETAINED),),
            ),
            AllegationFact(
                violation="dispersal-of-assembly",
                victim_description="Protesters in Khorog and Rushan district",
                date="May 2022",
                place=GBAO,
                description="Local protests in GBAO violently quashed.",
                perpetrators=((SECURITY_FORCES, Perp.DIRECT),),
                cites=(Cite(Q_PROTESTS_QUASHED), Cite(Q_RALLIES)),
            ),
        ),
        cites=(Cite(Q_RALLIES), Cite(Q_BLOCKADE), Cite(Q_KILLED), Cite(Q_DETAINED)),
    ),
    CaseFact(
        reference="TJK-2023-0001",
        title="Convicted journalists, bloggers and civil activists (UN letter of 12 May 2023)",
        case_type=CaseType.GROUP,
        summary=(
            "Eight UN experts wrote to the authorities of Tajikistan on 12 May 2023 about "
            "reports of gross violations of the rights of nine convicted journalists, bloggers "
            "and civil activists, and asked for an explanation. As of 28 November 2023 they "
            "were still awaiting a response. The source does not name the nine."
        ),
        places=("Tajikistan",),
        allegations=(
            AllegationFact(
                violation="freedom-of-expression",
                victim_description="Nine convicted journalists, bloggers and civil activists",
                place="Tajikistan",
                description=(
                    "Reports of gross violations of their rights, raised by eight UN experts. "
                    "The source does not detail the violations."
                ),
                perpetrators=((GOVERNMENT, Perp.UNKNOWN),),
                cites=(Cite(Q_UN_LETTER),),
            ),
        ),
        followups=(
            FollowUpFact(
                title=UN_LETTER_TITLE,
                kind=FollowUpKind.UN_COMMUNICATION,
                communication_type="JAL",
                mandates=("sr-human-rights-defenders", "sr-freedom-of-expression"),
                addressee=GOVERNMENT,
                sent=datetime.date(2023, 5, 12),
                description=(
                    "Letter from eight UN experts and special rapporteurs asking the "
                    "authorities to explain reports of gross violations of the rights of nine "
                    "convicted journalists, bloggers and civil activists. No response as of "
                    "28 November 2023. To check against the letter itself: its reference "
                    "(unknown), its type (a joint allegation letter is assumed from “eight "
                    "experts”) and the mandates that signed it (assumed from its subject)."
                ),
                cites=(
                    Cite(Q_UN_EXPERTS),
                    Cite(Q_UN_LETTER),
                    Cite(Q_LETTER_DATE, field_name="sent"),
                ),
            ),
        ),
        cites=(Cite(Q_UN_EXPERTS), Cite(Q_UN_LETTER)),
    ),
    CaseFact(
        reference="TJK-2023-0002",
        title="Five Pamiris detained in June 2023 as “leaders of an organised criminal group in "
        "Khorog”",
        case_type=CaseType.GROUP,
        summary=(
            "In June 2023 the authorities announced the detention of five Pamiris, presenting "
            "them as “leaders of an organized criminal group in the city of Khorog”. Tolib "
            "Ayombekov, Nazhmiddin Sherchonov, Imumnazar Shoishirinov, Munavvar Shanbiev and "
            "Niyozsho Gulobov are among those convicted. The source gives neither the charges "
            "nor the sentences."
        ),
        places=("Khorog",),
        victims=tuple(person.key for person in DETAINEES),
        allegations=tuple(_five_pamiris_allegation(p.key) for p in DETAINEES),
        detentions=tuple(_five_pamiris_detention(p.key) for p in DETAINEES),
        cites=(Cite(Q_FIVE_PAMIRIS), Cite(Q_CONVICTED)),
    ),
)


@dataclass(frozen=True)
class AccountFact:
    username: str
    role: str
    clearance: int
    first_name: str
    on_team: bool = False


#: The coordinator comes first: it is the actor of everything after it.
ACCOUNTS = (
    AccountFact("coordinator", Role.COORDINATOR, CONFIDENTIAL, "Demo coordinator"),
    AccountFact("monitor", Role.MONITOR, CONFIDENTIAL, "Demo monitor", on_team=True),
    AccountFact("reviewer", Role.REVIEWER, CONFIDENTIAL, "Demo reviewer", on_team=True),
    AccountFact("viewer", Role.VIEWER, INTERNAL, "Demo viewer"),
)


# -- loading ---------------------------------------------------------------------------------


class DemoRefused(Exception):
    """Demo accounts were asked for outside demo mode."""


class DemoConflict(Exception):
    """A natural key of the demo data is taken by a record that is not the demo's."""


@dataclass
class DemoReport:
    """What a run did: records created per kind, and the accounts."""

    created: Counter = field(default_factory=Counter)
    accounts_created: list[str] = field(default_factory=list)
    passwords_set: list[str] = field(default_factory=list)
    #: The generated password of the accounts created in this run; shown once, never stored.
    generated_password: str | None = None
    actor: object = None

    def lines(self) -> list[str]:
        """A short summary for the command's output."""
        if self.created:
            made = ", ".join(f"{count} {kind}" for kind, count in sorted(self.created.items()))
            lines = [f"Demo data loaded as {self.actor}: created {made}."]
        else:
            lines = ["Demo data already present: nothing created."]
        if self.accounts_created:
            lines.append(f"Demo accounts created: {', '.join(self.accounts_created)}.")
        if self.passwords_set:
            lines.append(
                f"Password set from MONITOR_DEMO_PASSWORD for: {', '.join(self.passwords_set)}."
            )
        if self.generated_password:
            lines.append(
                f"Their password (shown only now): {self.generated_password}  "
                "(set MONITOR_DEMO_PASSWORD to choose it)"
            )
        return lines


def load_demo(*, actor=None, accounts: bool = True) -> DemoReport:
    """Load the seed facts (and, in demo mode, the demo accounts), creating only what is missing.

    Args:
        actor: the user every history row is attributed to. Defaults to the demo
            ``coordinator`` when accounts are created; required otherwise.
        accounts: create the demo accounts and put the monitor and reviewer on the demo
            team. Refused unless ``settings.DEMO`` is on.

    Raises:
        DemoRefused: accounts asked for outside demo mode.
        DemoConflict: a case reference of the demo data belongs to another case.
        ValueError: no actor, or ``MONITOR_DEMO_PASSWORD`` too weak.
        django.core.exceptions.ValidationError: a fact fails validation (a bug).
    """
    if accounts and not settings.DEMO:
        raise DemoRefused(
            "Demo accounts are only created in demo mode (MONITOR_DEMO=1). To load the demo "
            "data alone, pass --no-accounts --actor USERNAME."
        )
    report = DemoReport()
    with transaction.atomic():
        users = _ensure_accounts(report) if accounts else {}
        actor = actor or users.get("coordinator")
        if actor is None:
            raise ValueError("The demo data needs an actor: the user its history names.")
        report.actor = actor
        with acting_as(actor, reason=REASON):
            _Loader(actor, report).load(
                team_members=[users[a.username] for a in ACCOUNTS if a.on_team and users]
            )
    return report


def _ensure_accounts(report: DemoReport) -> dict:
    """The demo accounts, created if missing; existing ones keep their password unless
    ``MONITOR_DEMO_PASSWORD`` is set."""
    user_model = get_user_model()
    chosen = settings.DEMO_PASSWORD or None
    if chosen:
        try:
            validate_password(chosen)
        except ValidationError as exc:
            raise ValueError(f"MONITOR_DEMO_PASSWORD is too weak: {' '.join(exc)}") from exc
    users: dict = {}
    actor = None
    for account in ACCOUNTS:
        user = user_model._default_manager.filter(username=account.username).first()
        with acting_as(actor, reason=ACCOUNT_REASON):
            if user is None:
                if not chosen and report.generated_password is None:
                    report.generated_password = secrets.token_urlsafe(12)
                user = user_model(
                    username=account.username,
                    first_name=account.first_name,
                    # example.org never delivers: the demo's console e-mail shows reminders.
                    email=f"{account.username}@example.org",
                    is_staff=True,
                    clearance=account.clearance,
                )
                user.set_password(chosen or report.generated_password)
                user.full_clean()
                if actor is None:
                    # The first account has nobody before it: its creation is its own.
                    user._history_user = user
                user.save()
                report.accounts_created.append(account.username)
            elif chosen and not user.check_password(chosen):
                user.set_password(chosen)
                user.save(update_fields=["password"])
                report.passwords_set.append(account.username)
        group = Group.objects.get(name=str(account.role))
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
        users[account.username] = user
        actor = actor or user
    return users


class _Loader:
    """Writes the facts, creating each record only when its natural key is not found."""

    def __init__(self, actor, report: DemoReport):
        self.actor = actor
        self.report = report
        self.places: dict[str, Place] = {}
        self.organizations: dict[str, Organization] = {}
        self.persons: dict[str, Person] = {}
        self.events: dict[str, Event] = {}
        self.terms: dict[tuple[str, str], Term] = {}

    def load(self, team_members: list) -> None:
        self.team = self._team(team_members)
        self.source = self._source()
        for fact in PLACES:
            self._place(fact)
        for fact in ORGANIZATIONS:
            self._organization(fact)
        for fact in PERSONS:
            self._person(fact)
        for fact in EVENTS:
            self._event(fact)
        for fact in CASES:
            self._case(fact)
        made = ensure_demo_evidence(source=self.source, actor=self.actor)
        if made:
            self.report.created[str(EvidenceFile._meta.verbose_name_plural)] += made

    # -- helpers ---------------------------------------------------------------------------

    def _ensure(self, model: type[models.Model], lookup: dict, m2m: dict | None = None, **values):
        """The record matching ``lookup``, or a new one validated and saved."""
        record = model._base_manager.filter(**lookup).first()
        if record is not None:
            return record
        return self._create(model, m2m, **lookup, **values)

    def _create(self, model: type[models.Model], m2m: dict | None = None, **values):
        """A new record, validated and saved like a user's edit (history by the actor)."""
        record = model(**values)
        # The same service a monitor's edit goes through: permission, validation, history.
        record_save(record=record, actor=self.actor, m2m=m2m, reason=REASON)
        self.report.created[str(model._meta.verbose_name_plural)] += 1
        return record

    def _term(self, vocabulary: str, code: str) -> Term:
        key = (vocabulary, code)
        if key not in self.terms:
            term = Term._base_manager.filter(vocabulary=vocabulary, code=code).first()
            if term is None:
                raise LookupError(
                    f"The starter term {vocabulary}/{code} is missing: run `manage.py migrate`."
                )
            self.terms[key] = term
        return self.terms[key]

    def _cite(self, record: models.Model, cite: Cite) -> Citation:
        return self._ensure(
            Citation,
            {
                "source": self.source,
                "content_type": ContentType.objects.get_for_model(type(record)),
                "object_id": record.pk,
                "field_name": cite.field_name,
                "quote": cite.quote,
            },
            credibility=cite.credibility,
            note=cite.note,
        )

    def _cite_all(self, record: models.Model, cites) -> None:
        for cite in cites:
            self._cite(record, cite)

    # -- facts -----------------------------------------------------------------------------

    def _team(self, members: list) -> Team:
        team = Team.objects.filter(name=TEAM_NAME).first()
        if team is None:
            team = Team(name=TEAM_NAME, description=TEAM_DESCRIPTION)
            team.full_clean()
            team.save()
            self.report.created[str(Team._meta.verbose_name_plural)] += 1
        missing = [user for user in members if not team.members.filter(pk=user.pk).exists()]
        if missing:
            # Only when someone is missing: every add() writes a history row, even an empty one.
            team.members.add(*missing)
        return team

    def _source(self) -> Source:
        values = dict(SOURCE)
        source = self._ensure(
            Source,
            {"title": values.pop("title")},
            kind=self._term(Vocabulary.SOURCE_KIND, values.pop("kind")),
            team=self.team,
            **values,
        )
        return source

    def _place(self, fact: PlaceFact) -> Place:
        parent = self.places[fact.parent] if fact.parent else None
        place = self._ensure(
            Place,
            {"parent": parent, "name": fact.name},
            kind=fact.kind,
            code=fact.code,
            latitude=fact.latitude,
            longitude=fact.longitude,
        )
        self.places[fact.name] = place
        return place

    def _organization(self, fact: OrganizationFact) -> Organization:
        organization = self._ensure(
            Organization,
            {"name": fact.name, "archived_at": None},
            kind=fact.kind,
            acronym=fact.acronym,
            parent=self.organizations[fact.parent] if fact.parent else None,
            country=self.places[fact.country] if fact.country else None,
            description=fact.description,
            confidentiality=PUBLIC,
        )
        self._cite_all(organization, fact.cites)
        self.organizations[fact.name] = organization
        return organization

    def _person(self, fact: PersonFact) -> Person:
        primary = (
            PersonName._base_manager.filter(
                full_name=fact.key, is_primary=True, archived_at__isnull=True
            )
            .select_related("person")
            .first()
        )
        if primary is not None:
            person = primary.person
        else:
            # A person's natural key is their primary name, saved just below.
            person = self._create(
                Person,
                occupation=fact.occupation,
                ethnicity=fact.ethnicity,
                biography=fact.biography,
                confidentiality=fact.confidentiality,
                team=self.team,
            )
        for position, name in enumerate(fact.names):
            self._ensure(
                PersonName,
                {"person": person, "full_name": name.full_name},
                given_name=name.given_name,
                family_name=name.family_name,
                kind=name.kind,
                language=name.language,
                is_primary=position == 0,
            )
        for affiliation in fact.affiliations:
            record = self._ensure(
                Affiliation,
                {
                    "person": person,
                    "organization": self.organizations[affiliation.organization],
                    "role": affiliation.role,
                },
            )
            self._cite(record, affiliation.cite)
        self._cite_all(person, fact.cites)
        self.persons[fact.key] = person
        return person

    def _event(self, fact: EventFact) -> Event:
        event = self._ensure(
            Event,
            {"title": fact.title},
            m2m={"places": [self.places[name] for name in fact.places]},
            kind=self._term(Vocabulary.EVENT_TYPE, fact.kind),
            parent=self.events[fact.parent] if fact.parent else None,
            start=fact.start,
            end=fact.end,
            description=fact.description,
            confidentiality=PUBLIC,
            team=self.team,
        )
        for figure in fact.figures:
            record = self._ensure(
                EventFigure,
                {
                    "event": event,
                    "kind": figure.kind,
                    "claimed_by": figure.claimed_by,
                    "source": self.source,
                },
                qualifier=figure.qualifier,
                value=figure.value,
                note=figure.note,
            )
            self._cite(record, figure.cite)
        self._cite_all(event, fact.cites)
        self.events[fact.title] = event
        return event

    def _case(self, fact: CaseFact) -> Case:
        existing = Case._base_manager.filter(reference=fact.reference).first()
        if existing is not None and existing.title != fact.title:
            raise DemoConflict(
                f"Case {fact.reference} exists with another title (“{existing.title}”): it is "
                "not the demo's. Load the demo data into a database of its own."
            )
        case = self._ensure(
            Case,
            {"reference": fact.reference},
            m2m={
                "events": [self.events[title] for title in fact.events],
                "places": [self.places[name] for name in fact.places],
            },
            title=fact.title,
            summary=fact.summary,
            case_type=fact.case_type,
            confidentiality=fact.confidentiality,
            team=self.team,
        )
        self._cite_all(case, fact.cites)
        for key in fact.victims:
            self._ensure(
                CasePerson,
                {"case": case, "person": self.persons[key], "role": PersonRole.VICTIM},
            )
        for allegation in fact.allegations:
            self._allegation(case, allegation)
        for detention in fact.detentions:
            self._detention(case, detention)
        for followup in fact.followups:
            self._followup(case, followup)
        return case

    def _allegation(self, case: Case, fact: AllegationFact) -> Allegation:
        allegation = self._ensure(
            Allegation,
            {
                "case": case,
                "violation_type": self._term(Vocabulary.VIOLATION_TYPE, fact.violation),
                "victim": self.persons[fact.victim] if fact.victim else None,
                "victim_description": fact.victim_description,
            },
            date=fact.date,
            place=self.places[fact.place] if fact.place else None,
            claim_status=ClaimStatus.ALLEGED,
            description=fact.description,
        )
        for organization, role in fact.perpetrators:
            self._ensure(
                AllegationPerpetrator,
                {"allegation": allegation, "organization": self.organizations[organization]},
                role=role,
            )
        self._cite_all(allegation, fact.cites)
        return allegation

    def _detention(self, case: Case, fact: DetentionFact) -> Detention:
        detention = self._ensure(
            Detention,
            {"case": case, "person": self.persons[fact.person]},
            description=fact.description,
        )
        for step_fact in fact.steps:
            step = self._ensure(
                DetentionStep,
                {"detention": detention, "kind": step_fact.kind},
                date=step_fact.date,
                note=step_fact.note,
            )
            self._cite(step, step_fact.cite)
        self._cite_all(detention, fact.cites)
        return detention

    def _followup(self, case: Case, fact: FollowUpFact) -> FollowUp:
        followup = self._ensure(
            FollowUp,
            {"case": case, "title": fact.title},
            m2m={"mandates": [self._term(Vocabulary.UN_MANDATE, code) for code in fact.mandates]},
            kind=fact.kind,
            communication_type=(
                self._term(Vocabulary.UN_COMMUNICATION_TYPE, fact.communication_type)
                if fact.communication_type
                else None
            ),
            addressee=self.organizations[fact.addressee] if fact.addressee else None,
            sent=fact.sent,
            due_on=FollowUp.default_due_on(fact.sent) if fact.sent else None,
            owner=self.actor,
            description=fact.description,
        )
        self._cite_all(followup, fact.cites)
        return followup
