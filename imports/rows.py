"""One row of a spreadsheet: what it says (:func:`plan_row`), then recording it
(:func:`record_row`) through the services every other surface calls.

A plan is what the preview shows: the values as they would be recorded, per-field errors,
and what each value matched (an existing person, place or term, or "new"). Recording a plan
writes only through ``cases.services``, ``people.services``, ``sources.services`` and
``monitor.services``, with the change reason "imported from <file> row N" on every record.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.choices import CaseType, FigureKind, FigureQualifier, StepKind
from cases.models import Allegation, Case, Detention, DetentionStep, Event
from cases.services import (
    AllegationInput,
    DetentionInput,
    StepInput,
    case_record,
    case_reference_check,
    case_reference_normalize,
    detention_steps_record,
    figure_add,
)
from imports.choices import ImportKind, RowOutcome
from imports.fields import fields_of
from imports.matching import VOCABULARY_OF, Lookups
from imports.models import ImportJob, ImportRow
from imports.reading import MAX_CELL
from monitor.approxdate import ApproximateDate
from monitor.choices import Vocabulary
from monitor.models import StaleEdit
from monitor.services import ActionRefused, NotVisible, PartError, PartErrors, record_save
from people.choices import NameKind
from people.models import Person, PersonName
from people.services import person_create
from sources.services import CitationInput, NewSource, citation_add, source_create_quick

#: A cell a spreadsheet would run as a formula: never recorded as a value.
_FORMULA = re.compile(r"^\s*[=@]|^\s*[+\-]\s*[A-Za-z(]")
_LIST_SPLIT = re.compile(r"\s*[;\n]\s*")
_ARTICLE_SPLIT = re.compile(r"\s*[;,\n]\s*")
_SENTENCE = re.compile(
    r"^(?:(\d{1,3})\s*(?:years?|yrs?|лет|года?|г\.?|сол))?\s*(?:(\d{1,3})\s*"
    r"(?:months?|mos?|мес\.?|месяц(?:а|ев)?|моҳ))?$",
    re.IGNORECASE,
)
_COUNT = re.compile(
    r"^(?P<prefix>около|примерно|about|approx\.?|c\.|более|больше|свыше|more than|over|"
    r"at least|не менее|минимум|до|up to)?\s*(?P<value>\d[\d\s]*)\s*(?P<plus>\+)?"
    r"(?:\s*[-–]\s*(?P<max>\d[\d\s]*))?$",
    re.IGNORECASE,
)
_QUALIFIERS = {
    "около": FigureQualifier.ABOUT, "примерно": FigureQualifier.ABOUT,
    "about": FigureQualifier.ABOUT, "approx": FigureQualifier.ABOUT,
    "approx.": FigureQualifier.ABOUT, "c.": FigureQualifier.ABOUT,
    "более": FigureQualifier.MORE_THAN, "больше": FigureQualifier.MORE_THAN,
    "свыше": FigureQualifier.MORE_THAN, "more than": FigureQualifier.MORE_THAN,
    "over": FigureQualifier.MORE_THAN, "at least": FigureQualifier.AT_LEAST,
    "не менее": FigureQualifier.AT_LEAST, "минимум": FigureQualifier.AT_LEAST,
    "до": FigureQualifier.UP_TO, "up to": FigureQualifier.UP_TO,
}  # fmt: skip
_RELEASED = {"released", "free", "освобожден", "освобождён", "освобождена", "на свободе", "озод"}


@dataclass
class RowPlan:
    """What a row would record, its errors and what its values matched."""

    number: int
    cells: list[str]
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    matches: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    parsed: dict = field(default_factory=dict)
    proposals: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def external_key(self) -> str:
        if self.values.get("external_id"):
            return "id:" + self.values["external_id"]
        if self.values.get("case_reference"):
            return "case:" + case_reference_normalize(self.values["case_reference"])
        return ""

    def fingerprint(self, kind: str) -> str:
        """The row's content whatever the file, the column order or the spaces."""
        content = {code: " ".join(value.split()) for code, value in self.values.items() if value}
        payload = json.dumps([kind, content], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def error_text(self) -> str:
        return "; ".join(f"{label}: {message}" for label, message in self.errors.items())


def _labels(kind: str) -> dict[str, str]:
    """The fields' labels in the language active now (asked twice a row: kept per language)."""
    return dict(_labels_in(kind, get_language()))


@functools.lru_cache(maxsize=64)
def _labels_in(kind: str, language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((f.code, str(f.label)) for f in fields_of(kind))


def row_values(job: ImportJob, cells: list[str]) -> dict[str, str]:
    """What the row's mapped cells hold, by field (stripped): its content."""
    index = {header: position for position, header in enumerate(job.headers)}
    labels = _labels(job.kind)
    values = {}
    for code, header in job.mapping.items():
        position = index.get(header)
        if position is None or code not in labels:
            continue
        values[code] = cells[position].strip() if position < len(cells) else ""
    return values


def person_names(job: ImportJob, rows: list[list[str]]) -> list[str]:
    """The person names ``rows`` will look up when planned (``Lookups.expect_names``): the
    detention's person, an event's persons."""
    names = []
    for cells in rows:
        values = row_values(job, cells)
        names.append(values.get("person_name", ""))
        names += _LIST_SPLIT.split(values.get("persons", ""))
    return [name for name in names if name]


def plan_row(*, job: ImportJob, number: int, cells: list[str], lookups: Lookups) -> RowPlan:
    """Read one row as the mapping says, matching its values; nothing is written."""
    plan = RowPlan(number=number, cells=cells, values=row_values(job, cells))
    labels = _labels(job.kind)
    for code, value in plan.values.items():
        if len(value) > MAX_CELL:
            plan.errors[labels[code]] = _("the cell is longer than %(n)s characters") % {
                "n": MAX_CELL
            }
        elif value and _FORMULA.match(value):
            plan.errors[labels[code]] = _(
                "“%(value)s” is a spreadsheet formula, not a value: put the value itself in "
                "the cell"
            ) % {"value": value[:60]}
    for f in fields_of(job.kind):
        if f.required and not plan.values.get(f.code) and str(f.label) not in plan.errors:
            plan.errors[str(f.label)] = _("this column is required and the cell is empty")
    if job.kind == ImportKind.EVENTS:
        _plan_event(plan, job, lookups, labels)
    else:
        _plan_detention(plan, job, lookups, labels)
    return plan


def _date(plan: RowPlan, code: str, labels) -> ApproximateDate | None:
    text = plan.values.get(code, "")
    if not text or labels[code] in plan.errors:
        return None
    try:
        return ApproximateDate.parse(text)
    except ValueError as error:
        plan.errors[labels[code]] = str(error)
        return None


def _term(plan: RowPlan, lookups: Lookups, code: str, text: str, labels):
    term = lookups.term(VOCABULARY_OF[code], text, code)
    if term is None:
        plan.proposals.setdefault(code, []).append(text)
        plan.matches[f"{labels[code]}: {text}"] = _("not in the vocabulary: proposed as a new term")
        plan.notes.append(
            _("%(field)s (not in the vocabulary yet): %(value)s")
            % {"field": labels[code], "value": text}
        )
    else:
        plan.matches[f"{labels[code]}: {text}"] = _("term “%(term)s”") % {"term": term.label}
    return term


def _place(plan: RowPlan, lookups: Lookups, code: str, text: str, labels):
    place = lookups.place(text, code)
    if place is None:
        plan.proposals.setdefault(code, []).append(text)
        plan.matches[f"{labels[code]}: {text}"] = _("unknown place: proposed")
        plan.notes.append(
            _("%(field)s (not among the places yet): %(value)s")
            % {"field": labels[code], "value": text}
        )
    else:
        plan.matches[f"{labels[code]}: {text}"] = _("place “%(place)s”") % {"place": place.name}
    return place


def _person(plan: RowPlan, lookups: Lookups, name: str, label: str):
    found = lookups.person(name)
    if found.ambiguous:
        plan.errors[label] = _(
            "%(count)s persons are recorded as “%(name)s”: record this row by hand, choosing "
            "the person"
        ) % {"count": len(found.ambiguous), "name": name}
        return None
    if found.person is not None and found.variant and found.variant != name:
        plan.matches[f"{label}: {name}"] = _(
            "existing person “%(name)s” (recorded as “%(variant)s”, %(score)s%% alike)"
        ) % {"name": found.person, "variant": found.variant, "score": round(found.score * 100)}
    elif found.person is not None:
        plan.matches[f"{label}: {name}"] = _("existing person “%(name)s”") % {"name": found.person}
    else:
        plan.matches[f"{label}: {name}"] = _("new person")
    if found.likely:
        plan.notes.append(
            _("“%(name)s” looks like %(others)s: recorded apart; merge them by hand if they "
              "are the same person") % {"name": name,
                                        "others": ", ".join(f"“{p}”" for p in found.likely)}
        )  # fmt: skip
    return found.person


def _plan_detention(plan: RowPlan, job: ImportJob, lookups: Lookups, labels) -> None:
    values, parsed = plan.values, plan.parsed
    name = " ".join(values.get("person_name", "").split())
    if name and labels["person_name"] not in plan.errors:
        parsed["person"] = _person(plan, lookups, name, labels["person_name"])
    parsed["name"] = name
    parsed["variants"] = [
        v for v in _LIST_SPLIT.split(values.get("name_variants", "")) if v and v != name
    ]
    if any(_FORMULA.match(v) for v in parsed["variants"]):
        plan.errors[labels["name_variants"]] = _("a spelling is a spreadsheet formula")
    year = values.get("birth_year", "")
    if year:
        try:
            born = ApproximateDate.parse(year)
            if not 1900 <= born.year <= timezone.localdate().year:
                raise ValueError(_("“%(value)s” is not a year of birth") % {"value": year})
            parsed["birth"] = born
        except ValueError as error:
            plan.errors[labels["birth_year"]] = str(error)
    parsed["arrest"] = _date(plan, "arrest_date", labels)
    parsed["release"] = _date(plan, "release_date", labels)
    parsed["sentenced"] = _date(plan, "sentence_date", labels)
    if parsed["arrest"] and parsed["release"] and parsed["release"].end < parsed["arrest"].start:
        plan.errors[labels["release_date"]] = _("the release is dated before the arrest")
    if parsed["release"] and not parsed["arrest"]:
        plan.notes.append(_("Released %(date)s (no arrest date in the row).")
                          % {"date": parsed["release"]})  # fmt: skip
    parsed["place"] = (
        _place(plan, lookups, "place", values["place"], labels) if values.get("place") else None
    )
    parsed["facility"] = (
        _term(plan, lookups, "facility", values["facility"], labels)
        if values.get("facility")
        else None
    )
    parsed["violation"] = (
        _term(plan, lookups, "violation", values["violation"], labels)
        if values.get("violation")
        else None
    )
    parsed["articles"] = [
        term
        for text in _ARTICLE_SPLIT.split(values.get("articles", ""))
        if text and (term := _term(plan, lookups, "articles", text, labels)) is not None
    ]
    sentence = values.get("sentence", "")
    if sentence:
        match = _SENTENCE.match(sentence.strip())
        if not match or not any(match.groups()):
            plan.errors[labels["sentence"]] = _(
                "“%(value)s” is not a sentence Monitor understands: write “7 years”, "
                "“18 months” or “7 лет 6 мес.”"
            ) % {"value": sentence}
        elif not int(match[1] or 0) * 12 + int(match[2] or 0):
            plan.errors[labels["sentence"]] = _("a sentence of no time is not a sentence")
        else:
            parsed["sentence_months"] = int(match[1] or 0) * 12 + int(match[2] or 0)
            plan.notes.append(_("Sentence: %(value)s.") % {"value": sentence})
    status = values.get("status", "")
    if status:
        plan.notes.append(_("Status in the spreadsheet: %(value)s.") % {"value": status})
        if status.casefold() in _RELEASED and not parsed["release"]:
            plan.notes.append(_("Released (date not given)."))
    reference = values.get("case_reference", "")
    if reference:
        try:
            case_reference_check(case_reference_normalize(reference))
        except ValidationError as error:
            plan.errors[labels["case_reference"]] = " ".join(error.messages)
    _plan_source(plan, labels)


def _plan_source(plan: RowPlan, labels) -> None:
    url = plan.values.get("source_url", "")
    if url and not re.match(r"^https?://\S+$", url):
        plan.errors[labels["source_url"]] = _("“%(value)s” is not a web address") % {"value": url}


def _plan_event(plan: RowPlan, job: ImportJob, lookups: Lookups, labels) -> None:
    values, parsed = plan.values, plan.parsed
    parsed["date"] = _date(plan, "event_date", labels)
    parsed["places"] = [
        place
        for text in _LIST_SPLIT.split(values.get("places", ""))
        if text and (place := _place(plan, lookups, "places", text, labels)) is not None
    ]
    parsed["facilities"] = [
        term
        for text in _LIST_SPLIT.split(values.get("facilities", ""))
        if text and (term := _term(plan, lookups, "facilities", text, labels)) is not None
    ]
    detained = values.get("detained", "")
    if detained and labels["detained"] not in plan.errors:
        match = _COUNT.match(detained.strip())
        if not match:
            plan.errors[labels["detained"]] = _(
                "“%(value)s” is not a number: write 40, “около 40”, “more than 40” or 30-40"
            ) % {"value": detained}
        else:
            qualifier = _QUALIFIERS.get((match["prefix"] or "").lower(), FigureQualifier.EXACT)
            if match["plus"]:
                qualifier = FigureQualifier.AT_LEAST
            value_max = int(match["max"].replace(" ", "")) if match["max"] else None
            parsed["detained"] = (int(match["value"].replace(" ", "")), qualifier, value_max)
    parsed["persons"] = []
    for name in _LIST_SPLIT.split(values.get("persons", "")):
        if not name:
            continue
        if _FORMULA.match(name):
            plan.errors[labels["persons"]] = _("a name is a spreadsheet formula")
            continue
        parsed["persons"].append((name, _person(plan, lookups, name, labels["persons"])))
    _plan_source(plan, labels)


# -- recording ---------------------------------------------------------------------------------


class RowRefused(Exception):
    def __init__(self, message: str, outcome: str = RowOutcome.FAILED):
        super().__init__(message)
        self.message = message
        self.outcome = outcome


@dataclass
class Recorded:
    outcome: str
    case: Case | None = None
    event: Event | None = None
    person: object = None
    person_is_new: bool = False
    version: int | None = None


def _message(error: Exception) -> str:
    if isinstance(error, PartErrors):
        return "; ".join(_message(part) for part in error.parts)
    if isinstance(error, PartError):
        return _message(error.error)
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{name}: {' '.join(ValidationError(errors).messages)}"
                for name, errors in error.error_dict.items()
            )
        return " ".join(error.messages)
    if isinstance(error, ActionRefused):
        return str(error)
    if isinstance(error, NotVisible):
        return _("a record it names is not visible to the importer")
    return str(error)


def reason_for(job: ImportJob, number: int) -> str:
    return _("imported from %(file)s row %(row)s") % {"file": job.file_name, "row": number}


def record_row(*, job: ImportJob, plan: RowPlan, lookups: Lookups, previous=None) -> Recorded:
    """Record ``plan`` (a row without errors); ``previous`` is the ImportRow that recorded
    the same external id before (the row then updates what it recorded).

    Raises:
        RowRefused: a service refused the row, or a hand edit would be overwritten.
    """
    reason = reason_for(job, plan.number)
    try:
        if job.kind == ImportKind.EVENTS:
            return _record_event(job, plan, lookups, reason, previous)
        return _record_detention(job, plan, lookups, reason, previous)
    except StaleEdit as error:
        raise RowRefused(
            _("the record was changed by hand since it was imported; not overwritten (%(e)s)")
            % {"e": _message(error)},
            RowOutcome.CONFLICT,
        ) from error
    except (ValidationError, ActionRefused, NotVisible) as error:
        raise RowRefused(_message(error)) from error


def _citation(job: ImportJob, plan: RowPlan) -> CitationInput:
    return CitationInput(source=job.source, page=_("row %(n)s") % {"n": plan.number})


def _row_source(job: ImportJob, plan: RowPlan, lookups: Lookups, reason: str):
    """The source a row names by its URL (found, or recorded once per run)."""
    url = plan.values.get("source_url", "")
    publisher = plan.values.get("source_publisher", "")
    if not url:
        return None
    found = lookups.source_by_url(url)
    if found is not None:
        return found
    kind = lookups.term(Vocabulary.SOURCE_KIND, "news-article") or lookups.term(
        Vocabulary.SOURCE_KIND, "other"
    )
    source = source_create_quick(
        actor=job.created_by,
        source=NewSource(title=publisher or url, kind=kind, publisher=publisher, url=url),
        team=job.team,
        confidentiality=job.confidentiality,
        reason=reason,
    )
    lookups.remember_source(url, source)
    return source


def edited_since(record, version: int) -> bool:
    """Whether anyone changed ``record`` after the import left it at ``version`` — a review
    decision (its state only) is not a change of what the import wrote."""
    rows = list(record.history.filter(version__gte=version).order_by("history_date"))
    for older, newer in itertools.pairwise(rows):
        delta = newer.diff_against(older, excluded_fields=["review_state", "updated_at"])
        if delta.changed_fields:
            return True
    return bool(rows) and rows[-1].version != record.version


def _expected_version(record, previous) -> int:
    if (
        previous is not None
        and previous.record_version
        and edited_since(record, previous.record_version)
    ):
        return previous.record_version  # stale on purpose: the save refuses (StaleEdit)
    return record.version


def _expected_step_version(step: DetentionStep, previous) -> int:
    """The version to update an imported step at: its version now, unless someone changed
    it by hand after the import that wrote it (or added it by hand): then a stale one, and
    the save refuses (StaleEdit, reported as a conflict)."""
    finished = previous.job.finished_at if previous is not None else None
    if finished is None:
        return step.version
    imported = step.history.filter(history_date__lte=finished).order_by("-history_date").first()
    if imported is None:
        return 0  # recorded by hand since the import: not the import's to change
    return imported.version if edited_since(step, imported.version) else step.version


def _step_updates(detention: Detention, plan: RowPlan, previous) -> list[StepInput]:
    """The sentence and the release an update row gives, as changes to the detention's
    steps of those kinds (or new steps): nothing for what is already so."""
    parsed = plan.parsed
    wanted = []
    if parsed.get("sentence_months"):
        sentence = {"sentence_months": parsed["sentence_months"]}
        wanted.append((StepKind.SENTENCED, sentence | _dated(parsed.get("sentenced"))))
    if parsed.get("release"):
        wanted.append((StepKind.RELEASED, _dated(parsed["release"])))
    steps = DetentionStep._base_manager.filter(detention=detention, archived_at__isnull=True)
    updates = []
    for kind, values in wanted:
        step = steps.filter(kind=kind).order_by("-created_at").first()
        if step is None:
            if "date" in values:  # a step is dated: without its date it stays a note
                updates.append(StepInput(step=DetentionStep(kind=kind, **values)))
        elif any(getattr(step, name) != value for name, value in values.items()):
            expected = _expected_step_version(step, previous)
            for name, value in values.items():
                setattr(step, name, value)
            updates.append(StepInput(step=step, expected_version=expected))
    return updates


def _dated(date) -> dict:
    return {"date": date} if date else {}


def _update_steps(case: Case, plan: RowPlan, previous, actor, reason: str) -> None:
    detention = (
        Detention._base_manager.filter(case=case, archived_at__isnull=True)
        .order_by("created_at")
        .first()
    )
    if detention is None:
        return
    updates = _step_updates(detention, plan, previous)
    if updates:
        detention_steps_record(actor=actor, detention=detention, steps=updates, reason=reason)


def _detention_description(plan: RowPlan) -> str:
    parts = list(plan.notes)
    if plan.values.get("notes"):
        parts.append(plan.values["notes"])
    return "\n".join(parts)


def _record_detention(job, plan, lookups, reason, previous) -> Recorded:
    actor, parsed, values = job.created_by, plan.parsed, plan.values
    title = _("Detention of %(name)s") % {"name": parsed["name"]}
    if parsed["arrest"]:
        title += f", {parsed['arrest']}"
    summary = _detention_description(plan)
    places = [parsed["place"]] if parsed["place"] else []
    existing = None
    if previous is not None and previous.case_id:
        existing = Case.objects.visible_to(actor).filter(pk=previous.case_id).first()
    elif values.get("case_reference"):
        reference = case_reference_normalize(values["case_reference"])
        existing = Case.objects.visible_to(actor).filter(reference=reference).first()
    if existing is not None:
        expected = _expected_version(existing, previous)
        existing.title, existing.summary = title[:300], summary
        case = case_record(
            actor=actor,
            case=existing,
            m2m={"places": places} if places else None,
            expected_version=expected,
            reason=reason,
        )
        _update_steps(case, plan, previous, actor, reason)
        return Recorded(RowOutcome.UPDATED, case=case, version=case.version)
    source = _row_source(job, plan, lookups, reason)
    person, names = parsed.get("person"), []
    if person is None:
        person, names = _new_person(job, plan, actor, reason)
    detention = Detention(person=person, description=summary)
    steps = []
    if parsed["arrest"]:
        steps.append(
            StepInput(
                step=DetentionStep(
                    kind=StepKind.ARRESTED,
                    date=parsed["arrest"],
                    facility=parsed["facility"],
                    place=parsed["place"],
                ),
                articles=parsed["articles"],
                # No citation of its own: the detention's ("row N") covers the row, and each
                # citation costs a visibility check across every model (the bench's worst).
            )
        )
        if parsed["release"]:
            steps.append(
                StepInput(step=DetentionStep(kind=StepKind.RELEASED, date=parsed["release"]))
            )
    if parsed.get("sentence_months") and parsed["sentenced"]:
        sentenced = DetentionStep(
            kind=StepKind.SENTENCED,
            date=parsed["sentenced"],
            sentence_months=parsed["sentence_months"],
        )
        steps.append(StepInput(step=sentenced))
    detentions = [
        DetentionInput(
            detention=detention,
            citation=_citation(job, plan),
            steps=steps or None,
        )
    ]
    allegations = []
    if parsed["violation"]:
        allegations.append(
            AllegationInput(
                allegation=Allegation(
                    victim=person,
                    violation_type=parsed["violation"],
                    date=parsed["arrest"],
                    place=parsed["place"],
                ),
                citation=_citation(job, plan),
            )
        )
    given = case_reference_normalize(values.get("case_reference", ""))
    case = Case(
        title=title[:300],
        summary=summary,
        case_type=CaseType.INDIVIDUAL,
        reference=given or lookups.next_reference(),
        team=job.team,
        confidentiality=job.confidentiality,
    )
    case = case_record(
        actor=actor,
        case=case,
        m2m={"places": places} if places else None,
        detentions=detentions,
        allegations=allegations,
        reason=reason,
    )
    if source is not None:
        citation_add(record=detention, source=source, actor=actor)
    if parsed.get("person") is None:
        # Last, once nothing of the row can be refused any more (its savepoint undoes it all).
        lookups.remember_person(parsed["name"], person)
        lookups.remember_names(person, names)
    return Recorded(
        RowOutcome.CREATED,
        case=case,
        person=person,
        person_is_new=parsed.get("person") is None,
        version=case.version,  # saved once, just now: its parts never save the case
    )


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def _new_person(job: ImportJob, plan: RowPlan, actor, reason: str) -> tuple[Person, list]:
    """The row's person, new to the register: its name, other spellings and year of birth,
    seen like the case (its team, its level); with its names as saved."""
    name = plan.parsed["name"]
    names = [PersonName(full_name=name, kind=NameKind.OFFICIAL, is_primary=True)]
    primary_cyrillic = _is_cyrillic(name)
    names += [
        PersonName(
            full_name=variant,
            kind=NameKind.TRANSLITERATION
            if _is_cyrillic(variant) != primary_cyrillic
            else NameKind.ALIAS,
        )
        for variant in plan.parsed["variants"]
    ]
    person = Person(
        team=job.team, confidentiality=job.confidentiality, birth_date=plan.parsed.get("birth")
    )
    return person_create(actor=actor, person=person, names=names, reason=reason), names


def _event_title(plan: RowPlan) -> str:
    values, parsed = plan.values, plan.parsed
    title = values.get("event_title") or _("Mass detention")
    where = values.get("places", "").replace(";", ",")
    if where:
        title += f", {where}"
    if parsed["date"]:
        title += f", {parsed['date']}"
    return title[:300]


def _record_event(job, plan, lookups, reason, previous) -> Recorded:
    actor, parsed, values = job.created_by, plan.parsed, plan.values
    description = "\n".join(
        [*plan.notes]
        + ([_("Facilities: %(list)s") % {"list": ", ".join(str(t) for t in parsed["facilities"])}]
           if parsed["facilities"] else [])
        + ([values["notes"]] if values.get("notes") else [])
    )  # fmt: skip
    if previous is not None and previous.event_id:
        event = Event.objects.visible_to(actor).filter(pk=previous.event_id).first()
        if event is not None:
            expected = _expected_version(event, previous)
            event.title, event.start, event.description = (
                _event_title(plan),
                parsed["date"],
                description,
            )
            record_save(
                record=event,
                actor=actor,
                reason=reason,
                expected_version=expected,
                m2m={"places": parsed["places"]},
            )
            return Recorded(RowOutcome.UPDATED, event=event, version=event.version)
    event = Event(
        title=_event_title(plan),
        start=parsed["date"],
        description=description,
        team=job.team,
        confidentiality=job.confidentiality,
    )
    record_save(record=event, actor=actor, reason=reason, m2m={"places": parsed["places"]})
    citation = _citation(job, plan)
    citation_add(record=event, source=job.source, actor=actor, page=citation.page)
    source = _row_source(job, plan, lookups, reason) or job.source
    if parsed.get("detained"):
        value, qualifier, value_max = parsed["detained"]
        figure_add(
            parent=event,
            kind=FigureKind.DETAINED,
            value=value,
            value_max=value_max,
            qualifier=qualifier,
            claimed_by=(
                values.get("counted_by") or values.get("source_publisher") or job.file_name
            )[:200],
            source=source,
            actor=actor,
            as_of=parsed["date"],
            page=citation.page if source == job.source else "",
        )
    case = None
    if parsed["persons"]:
        detentions = [
            DetentionInput(
                detention=Detention(person=person),
                new_person="" if person else name,
                arrested_on=parsed["date"],
                citation=_citation(job, plan),
            )
            for name, person in parsed["persons"]
        ]
        case = case_record(
            actor=actor,
            case=Case(
                title=event.title,
                case_type=CaseType.GROUP,
                team=job.team,
                confidentiality=job.confidentiality,
            ),
            m2m={"events": [event], "places": parsed["places"]},
            detentions=detentions,
            reason=reason,
        )
    event.refresh_from_db(fields=["version"])
    if any(person is None for _name, person in parsed["persons"]):
        lookups.forget_names()  # new persons, named by the case's service: read them again
    return Recorded(RowOutcome.CREATED, event=event, case=case, version=event.version)


def outcome_row(job: ImportJob, plan: RowPlan, recorded: Recorded | None, *, error: str = "",
                outcome: str = "") -> ImportRow:  # fmt: skip
    return ImportRow(
        job=job,
        number=plan.number,
        fingerprint=plan.fingerprint(job.kind),
        external_key=plan.external_key,
        outcome=outcome or (recorded.outcome if recorded else RowOutcome.FAILED),
        error=error,
        cells=plan.cells,
        case=recorded.case if recorded else None,
        event=recorded.event if recorded else None,
        person=recorded.person if recorded else None,
        person_is_new=recorded.person_is_new if recorded else False,
        record_version=recorded.version if recorded else None,
    )
