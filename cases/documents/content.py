"""What a generated document says: the UN submission pack and the follow-up letter, as
sections of facts, each fact with its footnotes (source and grading).

The content is built for one reader and rendered later (:mod:`cases.documents.render`), always
in English (``translation.override("en")``) whatever the interface language. Rules:

* Only what the reader may see (``visible_to``), and a person is named by
  :func:`person_name` alone: their name when they are not protected, or when a coordinator
  chose to include protected identities (with a recorded reason) and may identify them;
  otherwise their pseudonym.
* Every fact carries footnotes: the sources the reader may see that support it (its citations
  and, for a detention step, those of the step), each with its Admiralty grading (reliability
  letter + credibility number) and locator. A protected source is described — its kind and
  grading — never named, whoever generates the document: the document leaves Monitor.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from cases.choices import FollowUpKind, FollowUpStatus, StepKind
from cases.models import (
    Allegation,
    Case,
    CasePerson,
    Detention,
    FollowUp,
    FollowUpResponse,
)
from cases.naming import linked_person, person_display_name
from monitor.access import team_ids_of
from monitor.approxdate import ApproximateDate, Precision
from monitor.selectors import visible_prefetch
from people.selectors import organization_prefetch, person_prefetch
from sources.choices import Stance
from sources.models import Citation, Source


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str


@dataclass
class Fact:
    label: str
    text: str
    notes: list[int] = field(default_factory=list)


@dataclass
class Section:
    heading: str
    facts: list[Fact] = field(default_factory=list)
    empty: str = "Nothing recorded."


@dataclass
class Document:
    """A document ready to render: title, submitter, sections, footnotes."""

    kind: str  # "submission" or "followup_letter"
    title: str
    subtitle: str
    reference: str
    generated_on: datetime.date
    submitter: dict
    sections: list[Section]
    footnotes: list[Footnote]
    protected_shown: bool

    @property
    def filename_stem(self) -> str:
        stem = "un-submission" if self.kind == "submission" else "un-follow-up-letter"
        return f"{stem}-{self.reference}-{self.generated_on.isoformat()}"


def scrubbed(document: Document, scrub) -> Document:
    """``document`` with every text passed through ``scrub`` (a reader's
    :class:`monitor.redaction.TextScrubber`)."""
    if not scrub:
        return document
    return replace(
        document,
        title=scrub(document.title),
        subtitle=scrub(document.subtitle),
        sections=[
            replace(
                section,
                heading=scrub(section.heading),
                facts=[
                    replace(fact, label=scrub(fact.label), text=scrub(fact.text))
                    for fact in section.facts
                ],
            )
            for section in document.sections
        ],
        footnotes=[replace(note, text=scrub(note.text)) for note in document.footnotes],
    )


# -- who and where ---------------------------------------------------------------------------


def person_name(person, person_id: uuid.UUID, user, *, include_protected: bool, team_ids) -> str:
    """How a generated document names a person: a protected one by pseudonym unless a
    coordinator chose to include protected identities and may identify them
    (:func:`cases.naming.person_display_name`, the rule the register uses too)."""
    return person_display_name(
        person, person_id, user, team_ids=team_ids, protected_names=include_protected
    )[0]


class _Notes:
    """Footnotes numbered in order of first use; one per distinct source and locator."""

    def __init__(self, user):
        self.user = user
        self.footnotes: list[Footnote] = []
        self._numbers: dict[str, int] = {}
        self._citations: dict[uuid.UUID, list[Citation]] = defaultdict(list)

    def load(self, records) -> None:
        """Fetch the visible supporting citations of ``records`` (any models): one query per
        model."""
        by_model = defaultdict(list)
        for record in records:
            by_model[type(record)].append(record.pk)
        visible_sources = Source.objects.visible_to(self.user).active().values("pk")
        for model, pks in by_model.items():
            citations = (
                Citation.objects.active()
                .filter(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=pks,
                    source__in=visible_sources,
                    stance=Stance.SUPPORTS,
                )
                .select_related("source__kind")
                .order_by("created_at")
            )
            for citation in citations:
                self._citations[citation.object_id].append(citation)

    def numbers(self, *records, field_name: str | None = None) -> list[int]:
        found = []
        for record in records:
            for citation in self._citations.get(record.pk, ()):
                if field_name is not None and citation.field_name not in ("", field_name):
                    continue
                found.append(self._number(citation))
        return sorted(set(found))

    def _number(self, citation: Citation) -> int:
        text = describe_citation(citation)
        if text not in self._numbers:
            self._numbers[text] = len(self.footnotes) + 1
            self.footnotes.append(Footnote(self._numbers[text], text))
        return self._numbers[text]


def describe_citation(citation: Citation) -> str:
    """A footnote: the source (described, not named, when protected), grading, locator."""
    source = citation.source
    grading = f"{source.reliability}{citation.credibility}"
    if source.is_protected:
        kind = source.kind.label.lower() if source.kind_id else "source"
        what = f"Confidential source ({kind}), identity withheld"
    else:
        parts = [f"“{source.title}”"]
        if source.publisher:
            parts.append(source.publisher)
        if source.published:
            parts.append(str(source.published))
        if source.url:
            parts.append(source.url)
        what = ", ".join(parts)
    text = f"{what}. Grading {grading} (source reliability {source.reliability}, information "
    text += f"credibility {citation.credibility})"
    if citation.locator:
        text += f"; {citation.locator}"
    return text + "."


def _submitter() -> dict:
    return dict(getattr(settings, "SUBMITTER", {}) or {})


def _date(value) -> str:
    """An approximate date with its precision said, as a questionnaire asks."""
    if value is None:
        return "date not known"
    if not isinstance(value, ApproximateDate):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    said = {Precision.MONTH: " (month known, not the day)", Precision.YEAR: " (year only)"}
    return str(value) + said.get(value.precision, "")


# -- the submission pack ---------------------------------------------------------------------


def submission_pack(case: Case, user, *, include_protected: bool) -> Document:
    """The individual communication / WGAD questionnaire for ``case``, as ``user`` sees it."""
    with translation.override("en"):
        return _submission_pack(case, user, include_protected=include_protected)


def _detentions(case, user):
    def steps(rows):
        return (
            rows.filter(archived_at__isnull=True)
            .select_related("place", "facility")
            .prefetch_related("articles", organization_prefetch("authority", user))
        )

    return list(
        Detention.objects.visible_to(user)
        .filter(case=case, archived_at__isnull=True)
        .prefetch_related(
            person_prefetch("person", user), visible_prefetch(Detention, "steps", user, steps)
        )
        .order_by("created_at")
    )


def _submission_pack(case: Case, user, *, include_protected: bool) -> Document:
    team_ids = team_ids_of(user)
    notes = _Notes(user)

    def name(person, person_id):
        return person_name(
            person, person_id, user, include_protected=include_protected, team_ids=team_ids
        )

    links = list(
        CasePerson.objects.visible_to(user)
        .filter(case=case, archived_at__isnull=True)
        .prefetch_related(person_prefetch("person", user))
        .order_by("role", "created_at")
    )
    detentions = _detentions(case, user)
    steps = [step for detention in detentions for step in detention.ordered_steps()]
    allegations = list(
        Allegation.objects.visible_to(user)
        .filter(case=case, archived_at__isnull=True)
        .select_related("violation_type", "place")
        .prefetch_related(person_prefetch("victim", user))
        .order_by("date", "created_at")
    )
    followups = list(
        FollowUp.objects.visible_to(user)
        .filter(case=case, archived_at__isnull=True)
        .with_status()
        .select_related("communication_type")
        .prefetch_related(
            organization_prefetch("addressee", user),
            "mandates",
            visible_prefetch(
                FollowUp,
                "responses",
                user,
                lambda rows: rows.filter(archived_at__isnull=True).order_by("received"),
            ),
        )
        .order_by("sent", "created_at")
    )
    persons = [p for p in (linked_person(link, "person") for link in links) if p is not None]
    notes.load([case, *persons, *detentions, *steps, *allegations, *followups])

    identity = Section("1. Identity of the person(s) concerned")
    seen = set()
    concerned = [(d.person_id, linked_person(d, "person"), "detained") for d in detentions]
    concerned += [
        (link.person_id, linked_person(link, "person"), link.get_role_display()) for link in links
    ]
    for person_id, person, role in concerned:
        if person_id in seen:
            continue
        seen.add(person_id)
        details = [f"role: {role}"]
        shown = person is not None and name(person, person_id) != person.pseudonym
        if person is not None and shown:
            if person.gender:
                details.append(f"gender: {person.get_gender_display()}")
            if person.birth_date:
                details.append(f"born: {person.birth_date}")
            if person.occupation:
                details.append(f"occupation: {person.occupation}")
        elif person is not None and person.is_protected:
            details.append("identity protected (pseudonym)")
        identity.facts.append(
            Fact(
                name(person, person_id), "; ".join(details), notes.numbers(person) if person else []
            )
        )

    arrest = Section("2. Arrest")
    charges = Section("3. Charges and articles of the criminal code")
    places = Section("4. Places of detention")
    trial = Section("5. Trial and sentence")
    for detention in detentions:
        who = name(linked_person(detention, "person"), detention.person_id)
        for step in detention.ordered_steps():
            authority = step.authority.name if step.authority else ""
            where = step.place.name if step.place else ""
            footnotes = notes.numbers(step)
            if step.kind == StepKind.ARRESTED:
                text = [f"Date: {_date(step.date)}", f"place: {where or 'not recorded'}"]
                text.append(f"authority: {authority or 'not recorded'}")
                text.append(
                    "warrant shown: "
                    + (step.note if "warrant" in step.note.lower() else "not recorded")
                )
                arrest.facts.append(Fact(who, "; ".join(text) + ".", footnotes))
            if step.articles.all():
                articles = ", ".join(term.label for term in step.articles.all())
                charges.facts.append(
                    Fact(
                        who,
                        f"{step.get_kind_display().capitalize()} {_date(step.date)}: {articles}.",
                        footnotes,
                    )
                )
            if step.facility or step.kind in (StepKind.PRETRIAL, StepKind.TRANSFERRED):
                facility = step.facility.label if step.facility else "facility not recorded"
                places.facts.append(
                    Fact(
                        who,
                        f"{step.get_kind_display().capitalize()} {_date(step.date)}: {facility}"
                        f"{', ' + where if where else ''}.",
                        footnotes,
                    )
                )
            if step.kind in (StepKind.TRIAL, StepKind.SENTENCED, StepKind.APPEAL):
                text = f"{step.get_kind_display().capitalize()} {_date(step.date)}"
                if authority:
                    text += f", {authority}"
                if step.sentence_display:
                    text += f": sentence of {step.sentence_display}"
                trial.facts.append(Fact(who, text + ".", footnotes))
        if detention.current_status:
            trial.facts.append(
                Fact(
                    who,
                    f"Current status: {StepKind(detention.current_status).label}.",
                    notes.numbers(detention),
                )
            )

    violations = Section("6. Violations alleged")
    for allegation in allegations:
        victim = linked_person(allegation, "victim")
        who = (
            name(victim, allegation.victim_id)
            if allegation.victim_id
            else allegation.victim_description
        )
        text = f"{allegation.violation_type.label}, {_date(allegation.date)}"
        if allegation.place:
            text += f", {allegation.place.name}"
        text += f" ({allegation.get_claim_status_display()})"
        if allegation.description:
            text += f". {allegation.description}"
        violations.facts.append(Fact(who or "Victim not named", text, notes.numbers(allegation)))

    remedies = Section("7. Domestic remedies tried")
    communications = Section("8. Earlier communications and replies")
    for followup in followups:
        addressee = followup.addressee.name if followup.addressee else "addressee not recorded"
        when = _date(followup.sent or followup.occurs)
        text = f"{followup.get_kind_display().capitalize()}, {when}, to {addressee}"
        if followup.kind == FollowUpKind.UN_COMMUNICATION:
            if followup.reference:
                text += f", reference {followup.reference}"
            mandates = ", ".join(m.label for m in followup.mandates.all())
            if mandates:
                text += f", by {mandates}"
            replies = [
                f"{r.get_kind_display()} received {_date(r.received)}"
                for r in followup.responses.all()
            ]
            text += ". Replies: " + ("; ".join(replies) if replies else "none") + "."
            text += f" Status: {FollowUpStatus(followup.current_status).label}."
            communications.facts.append(Fact(followup.title, text, notes.numbers(followup)))
        else:
            remedies.facts.append(Fact(followup.title, text + ".", notes.numbers(followup)))

    summary = Section("Summary of the case", [Fact(case.title, case.summary, notes.numbers(case))])
    return Document(
        kind="submission",
        title="Submission to the United Nations special procedures",
        subtitle=(
            "Individual communication to the special procedures and model questionnaire of the "
            "Working Group on Arbitrary Detention"
        ),
        reference=case.reference,
        generated_on=timezone.localdate(),
        submitter=_submitter(),
        sections=[
            summary,
            identity,
            arrest,
            charges,
            places,
            trial,
            violations,
            remedies,
            communications,
        ],
        footnotes=notes.footnotes,
        protected_shown=include_protected,
    )


# -- the follow-up letter --------------------------------------------------------------------


def followup_letter(followup: FollowUp, user) -> Document:
    """A letter chasing an overdue UN communication: what was sent, when, to whom, and what
    is still unanswered. Persons appear by pseudonym when protected."""
    with translation.override("en"):
        return _followup_letter(followup, user)


def _followup_letter(followup: FollowUp, user) -> Document:
    today = timezone.localdate()
    notes = _Notes(user)
    case = followup.case
    responses = list(
        FollowUpResponse.objects.filter(followup=followup, archived_at__isnull=True).order_by(
            "received"
        )
    )
    notes.load([followup, case])
    addressee = followup.addressee.name if followup.addressee else "the Government"
    mandates = ", ".join(m.label for m in followup.mandates.all()) or "the special procedures"
    sent = Section("1. The communication")
    sent.facts.append(
        Fact(
            "Sent",
            f"{followup.get_kind_display().capitalize()} “{followup.title}”"
            + (f", reference {followup.reference}" if followup.reference else "")
            + f", sent on {_date(followup.sent)} to {addressee} by {mandates}.",
            notes.numbers(followup, field_name="sent"),
        )
    )
    if followup.description:
        sent.facts.append(Fact("Content", followup.description, notes.numbers(followup)))
    due = Section("2. What is unanswered")
    if followup.due_on:
        late = (today - followup.due_on).days
        due.facts.append(
            Fact(
                "Response due",
                f"{followup.due_on.isoformat()}" + (f" ({late} days ago)." if late > 0 else "."),
            )
        )
    replies = [f"{r.get_kind_display()} received {_date(r.received)}" for r in responses]
    due.facts.append(
        Fact("Replies received", "; ".join(replies) + "." if replies else "None to date.")
    )
    status = FollowUpStatus(followup.status(today)).label
    due.facts.append(Fact("Status", f"{status}."))
    request = Section("3. Request")
    request.facts.append(
        Fact(
            "",
            f"We respectfully ask {mandates} to remind {addressee} of the communication above, "
            "to publish it together with any reply, and to consider further action on the case "
            f"{case.reference} ({case.title}).",
            notes.numbers(case),
        )
    )
    return Document(
        kind="followup_letter",
        title="Follow-up on an unanswered communication",
        subtitle=f"{followup.title}",
        reference=case.reference,
        generated_on=today,
        submitter=_submitter(),
        sections=[sent, due, request],
        footnotes=notes.footnotes,
        protected_shown=False,
    )
