"""The starter vocabularies: the Terms a fresh Monitor begins with.

They are data a coordinator can edit afterwards (reword a label, add a child, archive a term);
the ``code`` is the stable key that code, imports and the demo data use. The data migration
``monitor/0002_starter_vocabularies`` calls :func:`sync_starter_vocabularies`, which only
creates what is missing: it never rewrites a term a coordinator has changed, so a later
migration may call it again after new starter terms are added here.

Violation types follow the HURIDOCS Events Standard Formats "types of acts" micro-thesaurus,
grouped by the right violated. Codes mirroring fixed sets of the ``cases`` app (detention
step kinds, response kinds) are the values of ``cases.choices.StepKind`` and
``cases.choices.ResponseKind``; they are written out here rather than imported because
``monitor`` never imports the apps above it (a test keeps the two in step).

This module imports no models, so a migration can import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

#: The reason written on the history row of every starter term.
HISTORY_REASON = "Starter vocabulary"


@dataclass(frozen=True)
class StarterTerm:
    """One starter term and the terms beneath it."""

    code: str
    label: str
    description: str = ""
    children: tuple[StarterTerm, ...] = field(default=())


T = StarterTerm

VIOLATION_TYPES = (
    T("right-to-life", "Violation of the right to life", "Unlawful deprivation of life.", (
        T("extrajudicial-killing", "Extrajudicial, summary or arbitrary killing",
          "Killing by State agents or with their acquiescence, outside any lawful process."),
        T("death-in-custody", "Death in custody",
          "Death of a person deprived of liberty, whatever the stated cause."),
        T("killing-excessive-force", "Killing through excessive use of force",
          "Death caused by force beyond what was necessary, e.g. when dispersing a crowd."),
        T("death-threat", "Death threat", "A threat to kill, made or conveyed to the victim."),
    )),
    T("arbitrary-detention", "Arbitrary arrest and detention",
      "Deprivation of liberty without a legal basis, due process or judicial control.", (
        T("arbitrary-arrest", "Arbitrary arrest"),
        T("detention-without-charge", "Detention without charge or judicial review"),
        T("incommunicado-detention", "Incommunicado detention",
          "Held with no contact with family, lawyer or doctor."),
        T("prolonged-pretrial-detention", "Prolonged pre-trial detention"),
    )),
    T("enforced-disappearance", "Enforced disappearance",
      "Deprivation of liberty followed by a refusal to acknowledge it or to disclose the "
      "person's fate or whereabouts.", (
        T("secret-detention", "Secret detention"),
        T("short-term-disappearance", "Short-term enforced disappearance",
          "Whereabouts concealed for days or weeks, typically before a person reappears in "
          "custody."),
    )),
    T("torture-ill-treatment", "Torture and ill-treatment",
      "Torture and other cruel, inhuman or degrading treatment or punishment.", (
        T("torture", "Torture"),
        T("cruel-inhuman-degrading-treatment", "Cruel, inhuman or degrading treatment"),
        T("coerced-confession", "Confession obtained under duress"),
        T("inhuman-detention-conditions", "Inhuman conditions of detention"),
        T("denial-of-medical-care", "Denial of medical care in detention"),
    )),
    T("fair-trial", "Violation of the right to a fair trial", "", (
        T("denial-of-legal-counsel", "Denial of access to a lawyer of one's choice"),
        T("closed-trial", "Trial held behind closed doors without justification"),
        T("coerced-evidence-admitted", "Conviction based on evidence obtained under duress"),
        T("lack-of-independent-tribunal", "Lack of an independent and impartial tribunal"),
        T("reprisals-against-lawyers", "Harassment or prosecution of defence lawyers"),
    )),
    T("freedom-of-expression", "Violation of freedom of opinion and expression", "", (
        T("prosecution-for-expression", "Prosecution for peaceful expression"),
        T("attack-on-journalist", "Attack on, or harassment of, a journalist or blogger"),
        T("censorship-blocking", "Censorship or blocking of websites and media"),
        T("internet-shutdown", "Internet or telecommunications shutdown"),
    )),
    T("assembly-association", "Violation of freedom of peaceful assembly and association", "", (
        T("dispersal-of-assembly", "Violent dispersal of a peaceful assembly"),
        T("ban-on-assembly", "Ban on, or prevention of, an assembly"),
        T("prosecution-for-participation", "Prosecution for taking part in an assembly"),
        T("banning-of-organisation", "Banning or dissolution of an association or party",
          "Including designation as “extremist” or “terrorist”."),
    )),
    T("reprisals-relatives", "Harassment and reprisals against relatives and defenders",
      "Pressure on relatives of activists (at home or abroad), on human-rights defenders, and "
      "on anyone who cooperates with the UN.", (
        T("harassment-of-relatives", "Harassment of relatives"),
        T("detention-of-relatives", "Detention or questioning of relatives as pressure"),
        T("reprisal-for-un-cooperation", "Reprisal for cooperation with the UN"),
        T("intimidation", "Intimidation and threats"),
    )),
    T("freedom-of-religion", "Violation of freedom of religion or belief", "", (
        T("restriction-of-worship", "Restriction of worship or religious practice"),
        T("prosecution-for-religion", "Prosecution for religious belief or affiliation"),
    )),
    T("discrimination", "Discrimination", "", (
        T("discrimination-ethnic", "Discrimination on ethnic, regional or minority grounds"),
        T("discrimination-sogi",
          "Discrimination on grounds of sexual orientation or gender identity"),
        T("discrimination-gender", "Gender-based discrimination and violence"),
    )),
    T("property-home", "Violation of the rights to property and home", "", (
        T("destruction-of-property", "Destruction of property"),
        T("confiscation-of-property", "Confiscation of property"),
        T("forced-eviction", "Forced eviction"),
        T("unlawful-search", "Unlawful search of a home"),
    )),
    T("movement-transnational", "Freedom of movement and transnational repression", "", (
        T("travel-ban", "Travel ban or denial of a passport"),
        T("forcible-return", "Forcible return, extradition or deportation to risk"),
        T("abduction-abroad", "Abduction or rendition from abroad"),
        T("movement-restriction", "Restriction of movement within the country",
          "Checkpoints, closure of a region, blocked roads."),
    )),
)  # fmt: skip

#: Codes are the values of ``cases.choices.StepKind``.
DETENTION_STEP_KINDS = (
    T("arrested", "Arrested", "Taken into custody, with or without a warrant."),
    T("charged", "Charged", "Formally charged; record the criminal-code articles."),
    T("pretrial_detention", "Pre-trial detention", "Held in custody awaiting trial."),
    T("trial", "Trial", "Trial opened or a hearing held."),
    T("sentenced", "Sentenced", "Convicted and sentenced; the step carries the term."),
    T("appeal", "Appeal", "Appeal decided; may change the term."),
    T("transferred", "Transferred", "Moved to another facility."),
    T("released", "Released", "Released, whether freed, on bail, pardoned or amnestied."),
    T("died_in_custody", "Died in custody", "Died while deprived of liberty."),
    T("whereabouts_unknown", "Whereabouts unknown",
      "The authorities do not disclose where the person is held."),
    T("released_without_charge", "Released without charge",
      "Released with no administrative or criminal charge."),
    T("warning", "Warning", "An administrative warning."),
    T("fined", "Fined", "An administrative fine; the step carries the amount and currency."),
    T("administrative_arrest", "Administrative arrest",
      "Administrative arrest ordered by a court; the step carries the days."),
    T("community_work", "Community work", "Compulsory community work."),
)  # fmt: skip

FACILITIES = (
    T("police-station", "Police station or temporary holding facility (IVS)",
      "Police custody before a court orders detention, usually up to 72 hours."),
    T("pretrial-centre", "Pre-trial detention centre (SIZO)",
      "Detention awaiting trial or the outcome of an appeal.", (
        T("tjk-sizo-1-dushanbe", "SIZO No. 1, Dushanbe",
          "Pre-trial detention centre No. 1 of the Ministry of Justice in Dushanbe."),
    )),
    T("prison-colony", "Prison colony", "Where sentences are served.", (
        T("tjk-colony-khujand", "Khujand prison colony",
          "High-security prison colony in Khujand, Sughd region."),
        T("tjk-colony-vahdat", "Vahdat prison colony",
          "High-security prison colony in Vahdat, near Dushanbe."),
    )),
    T("security-service", "Security-service detention facility",
      "Held by the security service rather than the police or the prison service.", (
        T("tjk-gknb-sizo-dushanbe", "GKNB pre-trial detention centre, Dushanbe",
          "Pre-trial detention centre of the State Committee for National Security."),
    )),
    T("psychiatric", "Psychiatric institution", "Forced psychiatric confinement."),
    T("unknown-facility", "Unknown or unofficial place of detention"),
)  # fmt: skip

SOURCE_KINDS = (
    T("testimony", "Testimony", "A victim's, witness's or relative's account."),
    T("court-record", "Court record", "Indictment, verdict, appeal ruling, hearing notes."),
    T("news-article", "News article"),
    T("ngo-report", "NGO report"),
    T("un-document", "UN document",
      "Communication, reply, opinion of a working group, report of a special rapporteur."),
    T("official-statement", "Official statement", "Press release or statement of a State body."),
    T("social-media", "Social media post"),
    T("other", "Other"),
)  # fmt: skip

#: Codes are the values of ``cases.choices.ResponseKind``.
RESPONSE_KINDS = (
    T("none", "No response", "The deadline passed without an answer."),
    T("acknowledged", "Acknowledgement", "Receipt acknowledged, nothing answered."),
    T("denial", "Denial", "The allegations are rejected without engaging with them."),
    T("partial", "Partial answer", "Some of the questions are answered."),
    T("full", "Full answer", "Every question is answered."),
)  # fmt: skip

UN_COMMUNICATION_TYPES = (
    T("AL", "Allegation letter",
      "Communicates information about violations that have already occurred."),
    T("UA", "Urgent appeal",
      "Sent when violations are ongoing or imminent and may cause irreparable harm."),
    T("OL", "Other letter",
      "Concerns legislation, policy or practice rather than an individual case."),
    T("JAL", "Joint allegation letter", "An allegation letter from several mandates."),
    T("JUA", "Joint urgent appeal", "An urgent appeal from several mandates."),
)  # fmt: skip

UN_MANDATES = (
    T("sr-human-rights-defenders",
      "Special Rapporteur on the situation of human rights defenders"),
    T("sr-freedom-of-expression",
      "Special Rapporteur on the promotion and protection of the right to freedom of "
      "opinion and expression"),
    T("sr-independence-of-judges-and-lawyers",
      "Special Rapporteur on the independence of judges and lawyers"),
    T("sr-minority-issues", "Special Rapporteur on minority issues"),
    T("sr-counter-terrorism",
      "Special Rapporteur on the promotion and protection of human rights and fundamental "
      "freedoms while countering terrorism"),
    T("sr-torture",
      "Special Rapporteur on torture and other cruel, inhuman or degrading treatment or "
      "punishment"),
    T("wg-arbitrary-detention", "Working Group on Arbitrary Detention"),
    T("wg-enforced-disappearances", "Working Group on Enforced or Involuntary Disappearances"),
    T("sr-assembly-and-association",
      "Special Rapporteur on the rights to freedom of peaceful assembly and of association"),
    T("sr-extrajudicial-executions",
      "Special Rapporteur on extrajudicial, summary or arbitrary executions"),
    T("sr-freedom-of-religion", "Special Rapporteur on freedom of religion or belief"),
    T("sr-privacy", "Special Rapporteur on the right to privacy"),
    T("sr-violence-against-women",
      "Special Rapporteur on violence against women and girls, its causes and consequences"),
    T("ie-sexual-orientation-gender-identity",
      "Independent Expert on protection against violence and discrimination based on sexual "
      "orientation and gender identity"),
    T("sr-migrants", "Special Rapporteur on the human rights of migrants"),
    T("sr-health",
      "Special Rapporteur on the right of everyone to the enjoyment of the highest "
      "attainable standard of physical and mental health"),
    T("other-mandate", "Other thematic or country mandate",
      "Record which one in the follow-up's description."),
)  # fmt: skip

EVENT_TYPES = (
    T("protest", "Protest", "A rally, demonstration, road blockade or strike."),
    T("security-operation", "Security operation",
      "A police, military or “anti-terrorist” operation."),
    T("trial", "Trial", "A trial followed as an event, e.g. a mass trial."),
    T("mass-arrest", "Mass arrest"),
    T("official-visit", "Official visit", "A visit, study tour or mission of officials."),
    T("armed-clash", "Armed clash"),
    T("other", "Other"),
)  # fmt: skip

CRIMINAL_ARTICLES = (
    T("tjk-cc", "Criminal Code of the Republic of Tajikistan",
      "Articles most often used against activists, journalists and residents of GBAO.", (
        T("tjk-cc-104", "Art. 104 CC RT — Murder"),
        T("tjk-cc-137", "Art. 137 CC RT — Public insult or slander of the President"),
        T("tjk-cc-179", "Art. 179 CC RT — Terrorism"),
        T("tjk-cc-186", "Art. 186 CC RT — Banditry"),
        T("tjk-cc-187", "Art. 187 CC RT — Organisation of a criminal community"),
        T("tjk-cc-189", "Art. 189 CC RT — Incitement to national, racial, local or religious "
          "hatred"),
        T("tjk-cc-195", "Art. 195 CC RT — Illegal acquisition, possession or carrying of "
          "weapons"),
        T("tjk-cc-237", "Art. 237 CC RT — Hooliganism"),
        T("tjk-cc-307-1", "Art. 307.1 CC RT — Public calls to extremist activity"),
        T("tjk-cc-307-2", "Art. 307.2 CC RT — Organisation of an extremist community"),
    )),
)  # fmt: skip

#: Every starter vocabulary, keyed by its ``monitor.choices.Vocabulary`` value. Tags start
#: empty: they are the team's own.
STARTER_VOCABULARIES: dict[str, tuple[StarterTerm, ...]] = {
    "violation_type": VIOLATION_TYPES,
    "detention_step_kind": DETENTION_STEP_KINDS,
    "facility": FACILITIES,
    "source_kind": SOURCE_KINDS,
    "response_kind": RESPONSE_KINDS,
    "un_communication_type": UN_COMMUNICATION_TYPES,
    "un_mandate": UN_MANDATES,
    "event_type": EVENT_TYPES,
    "criminal_article": CRIMINAL_ARTICLES,
}


def iter_starter_terms():
    """Yield ``(vocabulary, term, parent, position)`` for every starter term, parents first.

    ``position`` numbers a term among its siblings, from 1.
    """

    def walk(vocabulary, terms, parent):
        for position, term in enumerate(terms, start=1):
            yield vocabulary, term, parent, position
            yield from walk(vocabulary, term.children, term)

    for vocabulary, roots in STARTER_VOCABULARIES.items():
        yield from walk(vocabulary, roots, None)


def sync_starter_vocabularies(apps, schema_editor=None) -> None:
    """Create the starter terms that are missing, each with its history row.

    Usable from a migration (``RunPython``): it works on ``apps``' historical models, which
    have no history signals, so it writes the ``HistoricalTerm`` row itself: every change is
    in the history. Terms are looked up by vocabulary and code, so running it again creates
    nothing, and an existing term (perhaps reworded by a coordinator) is left as it is.
    """
    term_model = apps.get_model("monitor", "Term")
    history_model = apps.get_model("monitor", "HistoricalTerm")
    history_fields = {f.attname for f in history_model._meta.fields}
    now = timezone.now()
    saved: dict[tuple[str, str], object] = {}
    for vocabulary, starter, parent, position in iter_starter_terms():
        term = term_model._base_manager.filter(vocabulary=vocabulary, code=starter.code).first()
        if term is None:
            term = term_model(
                vocabulary=vocabulary,
                code=starter.code,
                label=starter.label,
                description=starter.description,
                parent=saved[(vocabulary, parent.code)] if parent else None,
                position=position,
            )
            term.save()
            values = {
                f.attname: getattr(term, f.attname)
                for f in term_model._meta.fields
                if f.attname in history_fields
            }
            history_model._base_manager.create(
                **values,
                history_date=now,
                history_type="+",
                history_change_reason=HISTORY_REASON,
                history_user=None,
            )
        saved[(vocabulary, starter.code)] = term
