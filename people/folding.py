"""The transliteration-folded search key for person names.

The same person is written "Шоиширинов", "Shoishirinov" and "Shoishirinow"; "Нажмиддин",
"Nazhmiddin" and "Najmiddin"; "Джумаев", "Djumaev" and "Jumayev"; "Ёдгоров", "Едгоров" and
"Edgorov". :func:`fold_name` maps every spelling to one key so a search in either script
finds the others:

1. Russian and Tajik Cyrillic letters are transliterated to Latin (ё → yo, ҷ → j, ғ → gh, …);
2. Latin diacritics are dropped (ḥ → h), punctuation removed, case folded;
3. the usual spelling variants of transliteration are merged: kh/x/h (and ks, "Alexei"),
   zh/dzh/dj/j/ch, q/k, gh/g, y/i, w/v, p/f (Юсупов/Yusufov), doubled letters, and
   ё/yo/io/е with я/ya/ia (Ёдгоров/Едгоров/Edgorov, Ниёзов/Ниязов);
4. the endings -yev/-ev/-oyev/-oev/-ayev/-aev meet (Jumayev/Djumaev), -ov after a hushing
   consonant meets -ev (Irgashov/Irgashev), -zoda/-zade/-zodeh/-zadeh are one ending, joined
   to the name when written apart ("Rahmon zoda");
5. vowels that alternate between Tajik and Russian spellings, and in unstressed syllables,
   are merged: o/a (Yuldoshev/Yuldashev, Abdulloev/Abdullaev), e/i (Khurshed/Khurshid,
   Ergashev/Irgashev), ei/ai/ay/ey (Husein/Husayn, Alexei/Alexey).

The key is for finding and for spotting likely duplicates, never for display. General
transliteration libraries (anyascii, unidecode) stop at step 1 and pick one romanisation;
steps 2–5 are what make two romanisations meet, so the table is kept here, next to its tests.
Grammatical case (Павленского → Павленский) and initials are handled by the matcher
(:mod:`people.matching`), which ranks what this key finds.
"""

from __future__ import annotations

import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "gh", "д": "d", "е": "e", "ё": "yo",
    "ж": "zh", "з": "z", "и": "i", "ӣ": "i", "й": "y", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ӯ": "u", "ф": "f", "х": "kh", "ҳ": "h", "ц": "ts", "ч": "ch", "ҷ": "j", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # neighbours whose names reach Tajik records (Kyrgyz, Uzbek, Kazakh, Ukrainian)
    "і": "i", "ї": "yi", "є": "ye", "ң": "ng", "ө": "o", "ү": "u", "ў": "u", "ә": "a",
    "ұ": "u", "һ": "h",
}  # fmt: skip

# Applied in order, after transliteration; each merges spellings of one sound.
_VARIANTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"shch"), "sh"),
    (re.compile(r"dzh|dj|zh|ch"), "j"),
    (re.compile(r"ks"), "x"),  # Alexei / Алексей
    (re.compile(r"kh|x"), "h"),
    (re.compile(r"gh"), "g"),
    (re.compile(r"q"), "k"),
    (re.compile(r"w"), "v"),
    (re.compile(r"p"), "f"),  # Юсупов / Yusufov, Сапаров / Safarov, Пулод / Fulod
    (re.compile(r"ts"), "c"),
    (re.compile(r"y"), "i"),
    (re.compile(r"\bie"), "e"),
    (re.compile(r"(\w)\1+"), r"\1"),
    # -zoda written apart ("Rahmon zoda", "Rahmon-zoda"), then its spellings as one.
    (re.compile(r"(\w) (z[ao]d(?:a|e|eh|ah)\b)"), r"\1\2"),
    (re.compile(r"z[ao]d(?:a|e|eh|ah)\b"), "zoda"),
    # -yev/-oyev/-ayev: the y after a vowel is only how a romanisation writes the sound.
    (re.compile(r"([aoeu])iev(a?)\b"), r"\1ev\2"),
    # -ov after a hushing consonant is -ev in Russian spelling (Irgashov / Иргашев).
    (re.compile(r"(sh|j|c)ov(a?)\b"), r"\1ev\2"),
    # ё (yo, io) and е meet: Ёдгоров, Едгоров, Edgorov; Пётр, Петр. Tajik ё is Russian я
    # in many names (Ниёзов / Ниязов, Бахтиёр / Бахтияр): ya, ia meet them too.
    (re.compile(r"i[ao]"), "e"),
    (re.compile(r"ei"), "ai"),
    # Russian г for a Tajik or Arabic h between vowels: Ибрагим / Иброҳим, Тагиров / Тоҳиров.
    (re.compile(r"(?<=[aeiou])g(?=[aeiou])"), "h"),
    # Unstressed and Tajik/Russian vowel alternation: o/a, e/i.
    (re.compile(r"o"), "a"),
    (re.compile(r"e"), "i"),
    (re.compile(r"(\w)\1+"), r"\1"),
]
# Apostrophes and the hard and soft signs as romanisations print them (ALA-LC ʺ ʹ).
_APOSTROPHES = re.compile(r"['’ʼʻʺʹ`´]")
_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def transliterate(text: str) -> str:
    """Cyrillic to Latin letters, keeping everything else."""
    return "".join(_CYRILLIC.get(char, char) for char in text.lower())


def fold_name(text: str) -> str:
    """Return the search key for a name in any of its spellings."""
    latin = transliterate(unicodedata.normalize("NFKC", text or ""))
    decomposed = unicodedata.normalize("NFKD", latin)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    key = _NOT_WORD.sub(" ", _APOSTROPHES.sub("", stripped))
    key = _SPACES.sub(" ", key).strip()
    for pattern, replacement in _VARIANTS:
        key = pattern.sub(replacement, key)
    return key


def fold_terms(text: str) -> list[str]:
    """The folded words of a search query, each to be found in a name."""
    return [term for term in fold_name(text).split(" ") if term]


def fold_text(text: str) -> str:
    """Free text (a title, a summary) as a case-insensitive search meets it in any script.

    Letters are case-folded by Python, not by the database (SQLite's ``LIKE`` folds Latin
    letters only: "удальцов" missed "Удальцов"), ё is written е as most Russian text does,
    and white space is collapsed. Words keep their endings, so "Хорог" finds "в Хороге".
    """
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    return _SPACES.sub(" ", text).strip()


def text_key(*texts: str) -> str:
    """The search key of a record's free text: its :func:`fold_text` and, on a second line,
    its :func:`fold_name` key, so a name in a title is found in any spelling ("Petr" finds
    "Пётр") and a word in any letter case. Derived data: never typed, never shown."""
    joined = " ".join(text for text in texts if text)
    return f"{fold_text(joined)}\n{fold_name(joined)}"


def text_terms(text: str) -> list[tuple[str, str]]:
    """Each word of a query as the two forms :func:`text_key` holds: (text, name key)."""
    words = fold_text(text).split(" ")
    return [(word, fold_name(word)) for word in words if word and fold_name(word)]
