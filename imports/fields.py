"""The fields a column can be mapped to, for each kind of import.

A field's ``code`` is what a mapping names (``{"person_name": "ФИО"}``: the field, then the
column header); its label is what the mapping page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from imports.choices import ImportKind


@dataclass(frozen=True)
class Field:
    code: str
    label: object
    required: bool = False
    #: Header words that suggest this field when a file is first mapped (lower case).
    hints: tuple[str, ...] = ()


EXTERNAL_ID = Field("external_id", _("External id (updates the record it imported before)"),
                    hints=("external id", "id", "внешний id"))  # fmt: skip
SOURCE_URL = Field("source_url", _("Source URL"), hints=("url", "link", "ссылка", "источник"))
SOURCE_PUBLISHER = Field(
    "source_publisher", _("Source publisher"), hints=("publisher", "издание", "опубликовал")
)
NOTES = Field("notes", _("Free text"), hints=("notes", "comment", "примечание", "комментарий"))

DETENTION_FIELDS = (
    Field("person_name", _("Person's name"), required=True,
          hints=("name", "full name", "фио", "имя", "ф.и.о.")),
    Field("name_variants", _("Other spellings of the name (separated by ;)"),
          hints=("variants", "aliases", "варианты")),
    Field("birth_year", _("Year of birth"), hints=("birth", "born", "год рождения")),
    Field("arrest_date", _("Arrest date (12.05.2023, май 2023, 2022…)"),
          hints=("arrest", "arrested", "дата ареста", "задержан", "дата задержания")),
    Field("place", _("Place"), hints=("place", "city", "город", "место")),
    Field("facility", _("Facility"), hints=("facility", "prison", "сизо", "учреждение")),
    Field("articles", _("Criminal-code articles (separated by , or ;)"),
          hints=("articles", "article", "статья", "статьи")),
    Field("sentence", _("Sentence (7 years, 18 months, 7 лет)"),
          hints=("sentence", "приговор", "срок")),
    Field("sentence_date", _("Sentence date (records the sentence as a step)"),
          hints=("sentence date", "sentenced on", "дата приговора")),
    Field("status", _("Status"), hints=("status", "статус")),
    Field("release_date", _("Release date"), hints=("release", "released", "освобожден")),
    Field("violation", _("Violation"), hints=("violation", "нарушение")),
    Field("case_reference", _("Case reference (updates that case)"),
          hints=("case", "reference", "дело")),
    EXTERNAL_ID,
    SOURCE_URL,
    SOURCE_PUBLISHER,
    NOTES,
)  # fmt: skip

EVENT_FIELDS = (
    Field("event_date", _("Date"), required=True, hints=("date", "дата")),
    Field("event_title", _("Occasion"), hints=("occasion", "event", "повод", "акция")),
    Field("places", _("Places (separated by ;)"), hints=("city", "place", "город")),
    Field("facilities", _("Facilities (police stations; separated by ;)"),
          hints=("station", "police", "отдел", "овд")),
    Field("detained", _("Number detained"), required=True,
          hints=("detained", "number", "задержано", "число")),
    Field("counted_by", _("Counted by"), hints=("counted", "according", "по данным")),
    Field("persons", _("Names of the people detained (separated by ;)"),
          hints=("names", "persons", "имена")),
    EXTERNAL_ID,
    SOURCE_URL,
    SOURCE_PUBLISHER,
    NOTES,
)  # fmt: skip

FIELDS = {ImportKind.DETENTIONS: DETENTION_FIELDS, ImportKind.EVENTS: EVENT_FIELDS}


def fields_of(kind: str) -> tuple[Field, ...]:
    return FIELDS[ImportKind(kind)]


def suggest_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """A first mapping from the column names: a header equal to or containing a hint."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for field in fields_of(kind):
        for header in headers:
            name = header.strip().lower()
            if header in taken or not name:
                continue
            if name in field.hints or any(len(hint) > 3 and hint in name for hint in field.hints):
                mapping[field.code] = header
                taken.add(header)
                break
    return mapping
