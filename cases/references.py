"""UN special-procedures communication references: ``AL TJK 2/2023`` and its kin.

A reference names the type of communication, the State it was sent to (an ISO 3166-1
alpha-3 code, or ``OTH`` for addressees other than States), and its number within that
year's communications to that addressee: ``JAL TJK 3/2023`` is the third joint allegation
letter to Tajikistan in 2023. Each State addressed by a joint letter gets its own reference,
so a follow-up carries the reference of its main addressee.

:func:`parse_un_reference` accepts what people copy from the communications database or
type by hand — any case, extra spaces, spaces around the slash — and returns the parts;
:attr:`UNReference.normalized` is the one form stored (``AL TJK 2/2023``). Anything else is
refused with a :class:`ValueError` whose message says what is wrong, fit to show next to the
form field.

This module is pure: no database, no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The communication types Monitor knows (the ``un_communication_type`` starter vocabulary).
#: The OHCHR database also uses JOL (joint other letter); add it to the vocabulary and here
#: together if monitors need it.
COMMUNICATION_TYPES = ("AL", "UA", "OL", "JAL", "JUA")

#: Used by OHCHR for addressees that are not States (companies, armed groups, organisations).
NON_STATE = "OTH"

#: ISO 3166-1 alpha-2 → alpha-3, with XK/XKX (Kosovo, user-assigned and in common UN use).
#: Alpha-2 is what Place.code holds; alpha-3 is what references use.
_ISO_PAIRS = """
AD AND AE ARE AF AFG AG ATG AI AIA AL ALB AM ARM AO AGO AQ ATA AR ARG AS ASM AT AUT AU AUS
AW ABW AX ALA AZ AZE BA BIH BB BRB BD BGD BE BEL BF BFA BG BGR BH BHR BI BDI BJ BEN BL BLM
BM BMU BN BRN BO BOL BQ BES BR BRA BS BHS BT BTN BV BVT BW BWA BY BLR BZ BLZ CA CAN CC CCK
CD COD CF CAF CG COG CH CHE CI CIV CK COK CL CHL CM CMR CN CHN CO COL CR CRI CU CUB CV CPV
CW CUW CX CXR CY CYP CZ CZE DE DEU DJ DJI DK DNK DM DMA DO DOM DZ DZA EC ECU EE EST EG EGY
EH ESH ER ERI ES ESP ET ETH FI FIN FJ FJI FK FLK FM FSM FO FRO FR FRA GA GAB GB GBR GD GRD
GE GEO GF GUF GG GGY GH GHA GI GIB GL GRL GM GMB GN GIN GP GLP GQ GNQ GR GRC GS SGS GT GTM
GU GUM GW GNB GY GUY HK HKG HM HMD HN HND HR HRV HT HTI HU HUN ID IDN IE IRL IL ISR IM IMN
IN IND IO IOT IQ IRQ IR IRN IS ISL IT ITA JE JEY JM JAM JO JOR JP JPN KE KEN KG KGZ KH KHM
KI KIR KM COM KN KNA KP PRK KR KOR KW KWT KY CYM KZ KAZ LA LAO LB LBN LC LCA LI LIE LK LKA
LR LBR LS LSO LT LTU LU LUX LV LVA LY LBY MA MAR MC MCO MD MDA ME MNE MF MAF MG MDG MH MHL
MK MKD ML MLI MM MMR MN MNG MO MAC MP MNP MQ MTQ MR MRT MS MSR MT MLT MU MUS MV MDV MW MWI
MX MEX MY MYS MZ MOZ NA NAM NC NCL NE NER NF NFK NG NGA NI NIC NL NLD NO NOR NP NPL NR NRU
NU NIU NZ NZL OM OMN PA PAN PE PER PF PYF PG PNG PH PHL PK PAK PL POL PM SPM PN PCN PR PRI
PS PSE PT PRT PW PLW PY PRY QA QAT RE REU RO ROU RS SRB RU RUS RW RWA SA SAU SB SLB SC SYC
SD SDN SE SWE SG SGP SH SHN SI SVN SJ SJM SK SVK SL SLE SM SMR SN SEN SO SOM SR SUR SS SSD
ST STP SV SLV SX SXM SY SYR SZ SWZ TC TCA TD TCD TF ATF TG TGO TH THA TJ TJK TK TKL TL TLS
TM TKM TN TUN TO TON TR TUR TT TTO TV TUV TW TWN TZ TZA UA UKR UG UGA UM UMI US USA UY URY
UZ UZB VA VAT VC VCT VE VEN VG VGB VI VIR VN VNM VU VUT WF WLF WS WSM XK XKX YE YEM YT MYT
ZA ZAF ZM ZMB ZW ZWE
""".split()  # noqa: SIM905 -- a table of pairs reads better as text than as a list literal
ALPHA2_TO_ALPHA3: dict[str, str] = dict(zip(_ISO_PAIRS[::2], _ISO_PAIRS[1::2], strict=True))
COUNTRY_CODES = frozenset(ALPHA2_TO_ALPHA3.values()) | {NON_STATE}

#: References of this form are far younger; a year outside this range is a typo.
FIRST_YEAR = 1980
LAST_YEAR = 2999

EXAMPLE = "AL TJK 2/2023"
_NUMBER_YEAR = re.compile(r"^(\d+)/(\d+)$")


@dataclass(frozen=True)
class UNReference:
    """The parts of a UN communication reference."""

    type: str
    country: str
    number: int
    year: int

    @property
    def normalized(self) -> str:
        """The stored form: ``AL TJK 2/2023``."""
        return f"{self.type} {self.country} {self.number}/{self.year}"

    @property
    def is_joint(self) -> bool:
        return self.type.startswith("J")

    def __str__(self) -> str:
        return self.normalized


def parse_un_reference(text: str) -> UNReference:
    """Parse a UN communication reference such as ``AL TJK 2/2023``.

    Tolerates any letter case, repeated or surrounding spaces, and spaces around the slash
    (``" jal  tjk 3 / 2023 "``). Leading zeros in the number are dropped (``02`` → ``2``).

    Raises:
        ValueError: the text is not a reference; the message names the faulty part and
            shows the expected form.
    """
    raw = " ".join(str(text or "").split())
    if not raw:
        raise ValueError(f"Enter a reference such as {EXAMPLE}, or leave it blank.")

    def refuse(problem: str) -> ValueError:
        return ValueError(f"“{raw}” is not a UN communication reference: {problem}")

    tokens = re.sub(r"\s*/\s*", "/", raw).upper().split(" ")
    if len(tokens) != 3:
        raise refuse(
            f"it needs the type, the country code and number/year, in that order, as in {EXAMPLE}."
        )
    kind, country, number_year = tokens
    if kind not in COMMUNICATION_TYPES:
        raise refuse(
            f"“{kind}” is not a communication type; use one of {', '.join(COMMUNICATION_TYPES)}."
        )
    if not re.fullmatch(r"[A-Z]{3}", country):
        raise refuse(
            f"“{country}” is not a three-letter country code (ISO 3166-1 alpha-3, such as TJK)."
        )
    if country not in COUNTRY_CODES:
        raise refuse(
            f"“{country}” is not an ISO 3166-1 alpha-3 country code (TJK is Tajikistan; "
            f"{NON_STATE} is for addressees other than States)."
        )
    match = _NUMBER_YEAR.match(number_year)
    if match is None:
        raise refuse(f"“{number_year}” should be the number and the year, as in 2/2023.")
    number, year = match.groups()
    if int(number) < 1:
        raise refuse("the number must be 1 or more.")
    if len(year) != 4:
        raise refuse("the year must have all four digits, as in 2/2023.")
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise refuse(f"{year} is not a plausible year for a communication.")
    return UNReference(type=kind, country=country, number=int(number), year=int(year))


def normalize_un_reference(text: str) -> str:
    """The stored form of ``text`` (blank stays blank). Raises ValueError like the parser."""
    if not (text or "").strip():
        return ""
    return parse_un_reference(text).normalized


def country_alpha3(place_code: str) -> str | None:
    """The alpha-3 code of a place coded ``TJ`` or ``TJ-GB`` (None when unknown)."""
    alpha2 = (place_code or "").split("-")[0].strip().upper()
    return ALPHA2_TO_ALPHA3.get(alpha2)
