"""The demo facts as data (``fixtures/demo/``): each cited word for word, read before any write."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cases.demo import DemoDataError, read_facts
from cases.demo.facts import DEFAULT_FOLDER, paragraphs
from cases.models import Case, Event
from people.models import Organization, Person
from sources.models import Citation

PASSWORD = "demo-passphrase-for-tests-7319"


@pytest.fixture(scope="module")
def facts():
    return read_facts()


@pytest.fixture
def copy(tmp_path) -> Path:
    """A copy of the demo fixtures to break."""
    folder = tmp_path / "demo"
    shutil.copytree(DEFAULT_FOLDER, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def every_cited_fact(facts):
    """Each fact that must rest on the article, with a label for the message."""
    for fact in facts.organizations:
        yield fact.name, fact.cites
    for fact in facts.persons:
        if fact.illustration:  # not in the article, and says so (test below)
            continue
        yield fact.key, fact.cites
        for affiliation in fact.affiliations:
            yield f"{fact.key} — {affiliation.role}", affiliation.cites
    for fact in facts.events:
        yield fact.title, fact.cites
        for figure in fact.figures:
            yield f"{fact.title} — {figure.kind}", (figure.cite,)
    for case in facts.cases:
        yield case.reference, case.cites
        for allegation in case.allegations:
            yield f"{case.reference} — {allegation.violation}", allegation.cites
        for detention in case.detentions:
            yield f"{case.reference} — {detention.person}", detention.cites
            for step in detention.steps:
                yield f"{case.reference} — {detention.person} — {step.kind}", step.cites
        for followup in case.followups:
            yield followup.title, followup.cites


# -- the files as they are ---------------------------------------------------------------------


def test_the_demo_reads_only_files_inside_the_repository(facts):
    repository = Path(settings.BASE_DIR).resolve()
    assert facts.folder.resolve().is_relative_to(repository)
    for source in facts.sources:
        assert (facts.folder / source.text).resolve().is_relative_to(repository)


def test_every_excerpt_is_word_for_word_in_the_paragraph_its_locator_names(facts):
    text = facts.source_text("article")
    found = paragraphs(text)
    assert len(found) == 12  # the article's body, after headline and dateline
    for key, excerpt in facts.excerpts.items():
        assert excerpt.source == "article", key
        assert " ".join(excerpt.quote.split()) in found[int(excerpt.paragraph) - 1], key


def test_every_fact_cites_the_article_and_every_excerpt_is_used(facts):
    used = set()
    for label, cites in every_cited_fact(facts):
        assert cites, f"{label} cites nothing"
        used |= {cite.excerpt.key for cite in cites}
    assert used == set(facts.excerpts)


def test_a_person_not_in_the_article_says_so_cites_nothing_and_is_protected(facts):
    illustrations = [fact for fact in facts.persons if fact.illustration]
    assert [fact.key for fact in illustrations] == ["Zarina Demoeva"]
    for fact in illustrations:
        assert "not in the article" in fact.illustration
        assert not fact.cites and fact.is_protected


def test_the_five_pamiris_are_named_in_the_sentence_their_records_cite(facts):
    (case,) = [c for c in facts.cases if c.reference == "TJK-2023-0002"]
    assert len(case.detentions) == 5
    for detention in case.detentions:
        assert any(detention.person in cite.excerpt.quote for cite in detention.cites)


def test_the_project_points_to_nothing_outside_it():
    # Whoever clones the project has only the project: no README, doc, fixture or module may
    # send them to a folder beside it.
    outside = "../" + "shared"
    root = Path(settings.BASE_DIR)
    skipped = {".venv", ".git", "var", "staticfiles", "node_modules"}
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file()
        and not any(
            part in skipped or part.endswith(".egg-info") for part in path.relative_to(root).parts
        )
        and path.suffix in {".md", ".py", ".yaml", ".yml", ".toml", ".txt", ".html", ""}
        and outside in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


# -- broken files: a clear message, nothing written ----------------------------------------------


def test_a_misquoted_excerpt_is_refused_with_its_file_and_name(copy):
    edit(
        copy,
        "sources.yaml",
        "quote: As a result, more than 40 local",
        "quote: As a result, more than 50 local",
    )

    with pytest.raises(DemoDataError, match=r"sources\.yaml: excerpts\.killed: the quote is not"):
        read_facts(copy)


def test_an_excerpt_in_another_paragraph_than_its_locator_says_is_refused(copy):
    edit(
        copy,
        "sources.yaml",
        "paragraph: 10\n    quote: As a result",
        "paragraph: 9\n    quote: As a result",
    )

    with pytest.raises(DemoDataError, match=r"excerpts\.killed: .*paragraph 9"):
        read_facts(copy)


def test_an_unknown_key_is_refused_with_the_entry_it_is_in(copy):
    edit(copy, "events.yaml", "    kind: protest\n", "    knd: protest\n")

    with pytest.raises(DemoDataError, match=r"events\.yaml: events\[3\]: unknown key knd"):
        read_facts(copy)


def test_a_citation_of_an_undefined_excerpt_is_refused(copy):
    edit(copy, "cases.yaml", "cites: [un-experts, un-letter]", "cites: [un-experts, un-leter]")

    with pytest.raises(
        DemoDataError, match=r"cases\.yaml: cases\[1\]\.cites\[1\]: no excerpt “un-leter”"
    ):
        read_facts(copy)


def test_a_victim_who_is_not_in_people_yaml_is_refused(copy):
    edit(copy, "cases.yaml", "person: Tolib Ayombekov", "person: Tolib Ayombekova")

    with pytest.raises(
        DemoDataError, match=r"cases\.yaml: person “Tolib Ayombekova” is not defined"
    ):
        read_facts(copy)


@pytest.mark.django_db
def test_a_fact_the_database_refuses_stops_the_command_and_writes_nothing(copy, settings):
    settings.DEMO, settings.DEMO_PASSWORD = True, PASSWORD
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A detention step kind that does not exist: only the model's validation knows.
    edit(copy, "cases.yaml", "- kind: arrested", "- kind: kidnapped")

    with pytest.raises(CommandError, match="kidnapped"):
        call_command("load_demo", fixtures=str(copy), stdout=StringIO())

    assert not Case.objects.exists()
    assert not Event.objects.exists()
    assert not Person.objects.exists()
    assert not Organization.objects.exists()
    assert not Citation.objects.exists()
