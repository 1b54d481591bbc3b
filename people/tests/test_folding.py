"""The name key: a Cyrillic spelling finds the Latin one and back."""

from __future__ import annotations

import pytest

from people.folding import fold_name, fold_terms, transliterate
from people.matching import match_persons
from people.models import PersonName
from tests.factories import PersonFactory, PersonNameFactory

#: The five Pamiris of the seed article, as Latin and Cyrillic sources write them.
SEED_NAMES = [
    ("Tolib Ayombekov", "Толиб Аёмбеков"),
    ("Nazhmiddin Sherchonov", "Нажмиддин Шерчонов"),
    ("Imumnazar Shoishirinov", "Имумназар Шоиширинов"),
    ("Munavvar Shanbiev", "Мунаввар Шанбиев"),
    ("Niyozsho Gulobov", "Ниёзшо Гулобов"),
]


def found(query, *, user):
    """The persons a search finds, best first (the matcher every surface calls)."""
    return [match.person for match in match_persons(query, user=user)]


@pytest.fixture
def searcher(db):
    """Whoever searches: the search only reaches names they may see."""
    from monitor.models import User

    return User.objects.create_superuser("searcher", "searcher@example.org", "x" * 16)


@pytest.mark.parametrize(("latin", "cyrillic"), SEED_NAMES)
def test_seed_name_folds_the_same_from_latin_and_cyrillic(latin, cyrillic):
    assert fold_name(latin) == fold_name(cyrillic)
    assert fold_name(latin)  # never an empty key


def test_different_seed_names_fold_to_different_keys():
    keys = {fold_name(latin) for latin, _ in SEED_NAMES}
    assert len(keys) == len(SEED_NAMES)


@pytest.mark.parametrize(
    ("tajik", "latin"),
    [
        ("ҷ", "j"),
        ("ғ", "gh"),
        ("қ", "q"),
        ("ҳ", "h"),
        ("ӣ", "i"),
        ("ӯ", "u"),
    ],
)
def test_tajik_letters_transliterate_to_their_latin_form(tajik, latin):
    assert transliterate(tajik) == latin
    assert fold_name(tajik) == fold_name(latin)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ҷамшед", "Jamshed"),
        ("Ҷамшед", "Dzhamshed"),
        ("Ғулом", "Ghulom"),
        ("Ғулом", "Gulom"),
        ("Қурбонов", "Qurbonov"),
        ("Қурбонов", "Kurbonov"),
        ("Ҳасан", "Hasan"),
        ("Раҳмон", "Rakhmon"),
        ("Хоруғ", "Khorugh"),
        ("Хоруғ", "Xorug"),
        ("Ҷӯраев", "Juraev"),
        ("Шоиширинов", "Shoishirinow"),
    ],
)
def test_tajik_and_russian_spellings_meet_latin_romanisations(one, other):
    assert fold_name(one) == fold_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Najmiddin", "Nazhmiddin"),
        ("Shanbiyev", "Shanbiev"),
        ("Ayombekov", "Aiombekov"),
        ("Munavar", "Munavvar"),
        ("Niyozsho", "Niozsho"),
        ("Tolib  Ayombekov", "tolib ayombekov"),
        ("Gulobov-", "Gulobov"),
        ("Gulobóv", "Gulobov"),
    ],
)
def test_transliteration_variants_of_one_name_fold_together(one, other):
    assert fold_name(one) == fold_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("Gulobov", "Gulomov"), ("Tolib", "Tohir"), ("Shanbiev", "Sherchonov")],
)
def test_different_names_keep_different_keys(one, other):
    assert fold_name(one) != fold_name(other)


def test_query_folds_to_one_term_per_word():
    assert fold_terms("  Шоиширинов, Имумназар ") == [
        fold_name("Shoishirinov"),
        fold_name("Imumnazar"),
    ]
    assert fold_terms(" ,; ") == []


@pytest.mark.django_db
def test_saving_a_name_sets_its_folded_key():
    name = PersonNameFactory(full_name="Нажмиддин Шерчонов")
    assert name.folded == fold_name("Nazhmiddin Sherchonov")
    assert PersonName.objects.get(pk=name.pk).folded == fold_name("Najmiddin Sherchonov")


@pytest.mark.django_db
def test_renaming_updates_the_folded_key():
    name = PersonNameFactory(full_name="Tolib Ayombekov")
    name.full_name = "Niyozsho Gulobov"
    name.save()
    assert PersonName.objects.get(pk=name.pk).folded == fold_name("Ниёзшо Гулобов")


@pytest.mark.django_db
def test_cyrillic_search_finds_the_latin_named_person_and_no_one_else(searcher):
    shoishirinov = PersonFactory(name="Imumnazar Shoishirinov")
    PersonFactory(name="Tolib Ayombekov")
    PersonFactory(name="Munavvar Shanbiev")

    assert found("Шоиширинов", user=searcher) == [shoishirinov]
    assert found("Имумназар Шоиширинов", user=searcher) == [shoishirinov]


@pytest.mark.django_db
def test_latin_search_finds_the_cyrillic_named_person(searcher):
    gulobov = PersonFactory(name="Ниёзшо Гулобов")
    sherchonov = PersonFactory(name="Нажмиддин Шерчонов")

    assert found("Niyozsho", user=searcher) == [gulobov]
    assert found("Najmiddin Sherchonov", user=searcher) == [sherchonov]


@pytest.mark.django_db
def test_search_matches_any_name_variant_and_every_word(searcher):
    shanbiev = PersonFactory(name="Munavvar Shanbiev")
    PersonNameFactory(person=shanbiev, full_name="Мунаввар Шанбиев")
    PersonFactory(name="Munavvar Gulobov")

    assert found("Шанбиев", user=searcher) == [shanbiev]
    # Two variants match, but the person is listed once.
    assert len(found("Munavvar Shanbiyev", user=searcher)) == 1
    assert len(found("Munavvar", user=searcher)) == 2
    assert not found("Munavvar Ayombekov", user=searcher)


@pytest.mark.django_db
def test_empty_search_finds_no_one(searcher):
    PersonFactory(name="Tolib Ayombekov")
    assert not found("  ", user=searcher)


@pytest.mark.django_db
def test_a_protected_persons_real_name_cannot_be_confirmed_by_searching_for_it():
    from monitor.choices import Confidentiality, Role
    from tests.factories import UserFactory

    witness = PersonFactory(name="Imumnazar Shoishirinov", is_protected=True)
    uncleared = UserFactory(role=Role.MONITOR, clearance=Confidentiality.CONFIDENTIAL)
    cleared = UserFactory(role=Role.MONITOR, clearance=Confidentiality.STRICT)

    assert not found("Шоиширинов", user=uncleared)
    assert found("Шоиширинов", user=cleared) == [witness]
    assert not found("Шоиширинов", user=None)
