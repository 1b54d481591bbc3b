"""Build the name-matching corpus (``names_same.csv``, ``names_different.csv``).

    .venv/bin/python tests/data/make_names_corpus.py

Deterministic: the same files every run. The corpus is data, checked in; this script says
where each spelling comes from, so it can be reviewed and extended.

**Same person** (``names_same.csv``): a name as the Tajik civil registry writes it (Tajik
Cyrillic), then as it reaches a monitor:

* ``ru``: the Russian Cyrillic form of Soviet and Russian documents (ҷ → дж, ғ → г, қ → к,
  ҳ → х, ӣ → и, ӯ → у; for some names the Russianised stem, о → а: Юлдошев → Юлдашев,
  Абдуллоев → Абдуллаев; -ов after ш/ч/ж → -ев: Иргашов → Иргашев);
* ``bgn``: BGN/PCGN romanisation of the Russian form (е → ye after a vowel, ё → yo, й → y,
  х → kh, ю → yu, я → ya, -ий → -iy);
* ``alalc``: ALA-LC romanisation of the Russian form, diacritics as printed (й → ĭ, ё → ë,
  ю → iu, я → ia, э → ė);
* ``icao``: the Russian international passport (ICAO Doc 9303, since 2013: ё → e, й → i,
  х → kh, ц → ts, ю → iu, я → ia, ъ → ie);
* ``tjlat``: Tajik Latin as Tajik media print it (ҷ → j, ғ → gh, қ → q, ҳ → h, х → kh,
  ё → yo, ӣ → i, ӯ → u; -ев after a vowel → -yev, the RFE/RL / Radio Ozodi habit:
  Jumayev, Abdulloyev);
* ``uzlat``: the Uzbek-style Latin some passports and Central Asian outlets use (х → x,
  ҳ → h, ҷ → j, ш → sh, ч → ch, ё → yo, о → o);
* ``sloppy``: a hurried Latin typing of the Russian form (dzh → j, kh → h, doubled letters
  single, -iy → -y);
* word order swapped (surname first, as Russian lists and court papers put it), an
  initial for the given name ("T. Ayombekov"), a patronymic added ("…Karimovich").

**Different people** (``names_different.csv``): pairs of distinct names that look alike:
the same given name with a different but close surname, the same surname with a different
but close given name, and a man and a woman of one family name (Назаров / Назарова). Every
name is one of the public lists of Tajik given names and surnames below (names of the civil
registry's common stock), written the same way on both sides (Tajik Cyrillic or one Latin
system), so the pair differs by the name, not by the spelling.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Tajik given names (men), Tajik Cyrillic.
MEN = [
    "Толиб", "Нажмиддин", "Имумназар", "Мунаввар", "Ниёзшо", "Ҷамшед", "Фарҳод", "Фаррух",
    "Рустам", "Далер", "Зафар", "Баҳром", "Давлат", "Умед", "Акбар", "Асрор", "Шариф",
    "Ҳасан", "Ҳусейн", "Хуршед", "Юсуф", "Ёдгор", "Иброҳим", "Исмоил", "Мирзо", "Саид",
    "Назар", "Карим", "Раҳим", "Салим", "Нодир", "Олим", "Қодир", "Ғафур", "Ҷӯра", "Эргаш",
    "Шерали", "Сафар", "Раҷаб", "Маҳмуд", "Муҳаммад", "Ҳайдар", "Султон", "Нуриддин",
    "Ҷумъа", "Абдулло", "Бахтиёр", "Парвиз", "Сиёвуш", "Манучеҳр", "Ҳамза", "Шоҳрух",
    "Қурбон", "Ғулом", "Эмомалӣ", "Хайрулло", "Неъмат", "Алишер", "Ориф", "Абдураҳмон",
]  # fmt: skip
# Tajik given names (women).
WOMEN = [
    "Нигора", "Мавзуна", "Гулнора", "Зарина", "Малика", "Феруза", "Дилбар", "Шаҳло",
    "Мадина", "Нилуфар", "Тахмина", "Фотима", "Зебо", "Гулчеҳра", "Сурайё", "Меҳрона",
    "Парвина", "Манижа", "Шабнам", "Мунира",
]  # fmt: skip
# Tajik surnames as the registry writes them, with the Russianised stem where Soviet papers
# used one (None: the Russian form only changes the letters).
SURNAMES = [
    ("Аёмбеков", None), ("Шерчонов", None), ("Шоиширинов", None), ("Шанбиев", None),
    ("Гулобов", None), ("Ҷумаев", None), ("Абдуллоев", "Абдуллаев"), ("Иргашов", "Иргашев"),
    ("Юлдошев", "Юлдашев"), ("Ёдгоров", None), ("Юсуфов", "Юсупов"), ("Раҳмонов", "Рахманов"),
    ("Назаров", None), ("Каримов", None), ("Саидов", None), ("Шарипов", None),
    ("Ҳасанов", None), ("Умаров", None), ("Акбаров", None), ("Давлатов", None),
    ("Қодиров", "Кадыров"), ("Сафаров", None), ("Раҷабов", None), ("Маҳмудов", None),
    ("Исмоилов", "Исмаилов"), ("Иброҳимов", "Ибрагимов"), ("Ҳайдаров", None),
    ("Султонов", "Султанов"),
    ("Нуров", None), ("Азизов", None), ("Олимов", "Алимов"), ("Қурбонов", "Курбанов"),
    ("Ғуломов", "Гуламов"), ("Эргашев", None), ("Шарифзода", None), ("Раҳмонзода", None),
    ("Мирзоев", None), ("Ҷӯраев", "Джураев"), ("Бобоев", "Бабаев"), ("Содиқов", "Садыков"),
    ("Зоиров", None), ("Хушвахтов", None), ("Мамадов", None), ("Давлатшоев", None),
    ("Мамадназаров", None), ("Ҳакимов", None), ("Оламов", None), ("Шодиев", None),
    ("Муродов", "Мурадов"), ("Холов", None), ("Тоҳиров", "Тагиров"), ("Файзуллоев", "Файзуллаев"),
    ("Камолов", "Камалов"), ("Латифов", None), ("Ниёзов", "Ниязов"), ("Хоҷаев", "Ходжаев"),
    ("Ашуров", None), ("Самадов", None), ("Зиёев", "Зияев"), ("Қосимов", "Касымов"),
]  # fmt: skip

#: Pairs of distinct surnames that look alike (different families).
CLOSE_SURNAMES = [
    ("Каримов", "Камолов"), ("Раҳимов", "Раҳмонов"), ("Саидов", "Содиқов"),
    ("Назаров", "Нозиров"), ("Шарипов", "Шарофов"), ("Ҳасанов", "Ҳусейнов"),
    ("Умаров", "Умедов"), ("Акбаров", "Анваров"), ("Давлатов", "Дилшодов"),
    ("Қодиров", "Қосимов"), ("Сафаров", "Сатторов"), ("Раҷабов", "Расулов"),
    ("Маҳмудов", "Муҳаммадов"), ("Юсуфов", "Юнусов"), ("Исмоилов", "Исломов"),
    ("Иброҳимов", "Илҳомов"), ("Ҳайдаров", "Ҳамидов"), ("Султонов", "Салимов"),
    ("Нуров", "Нуриев"), ("Азизов", "Аминов"), ("Олимов", "Одинаев"), ("Қурбонов", "Қобилов"),
    ("Ғуломов", "Ғаффоров"), ("Эргашев", "Эшонов"), ("Мирзоев", "Миров"),
    ("Ҷӯраев", "Ҷумаев"), ("Бобоев", "Бобоҷонов"), ("Зоиров", "Зокиров"),
    ("Мамадов", "Маҳмадов"), ("Шодиев", "Шокиров"), ("Муродов", "Мухторов"),
    ("Холов", "Ҳолиқов"), ("Латифов", "Лутфуллоев"), ("Ашуров", "Ашрафов"),
    ("Самадов", "Саматов"), ("Зиёев", "Зоҳидов"), ("Шерчонов", "Шерматов"),
    ("Гулобов", "Гуломов"), ("Аёмбеков", "Аюбов"), ("Шанбиев", "Шамсиев"),
    ("Абдуллоев", "Абдуллозода"), ("Раҳмонзода", "Раҳимзода"), ("Шарифзода", "Шукурзода"),
    ("Назаров", "Назриев"), ("Каримов", "Кабиров"), ("Саидов", "Саъдиев"),
    ("Ёдгоров", "Ёқубов"), ("Юлдошев", "Юнусов"), ("Иргашов", "Ишонов"), ("Ниёзов", "Нуъмонов"),
]  # fmt: skip

#: Pairs of distinct given names that look alike (different people).
CLOSE_MEN = [
    ("Фарҳод", "Фаррух"), ("Раҳим", "Раҳмон"), ("Карим", "Камол"), ("Салим", "Салом"),
    ("Назар", "Нозир"), ("Шариф", "Шароф"), ("Ҳасан", "Ҳусейн"), ("Умед", "Умар"),
    ("Акбар", "Анвар"), ("Асрор", "Асад"), ("Нодир", "Назир"), ("Давлат", "Дилшод"),
    ("Баҳром", "Баҳодур"), ("Саид", "Саидалӣ"), ("Мирзо", "Мирзоалӣ"), ("Ҷамшед", "Ҷаъфар"),
    ("Рустам", "Рашид"), ("Зафар", "Зокир"), ("Олим", "Озод"), ("Қодир", "Қосим"),
    ("Ғафур", "Ғулом"), ("Сафар", "Саттор"), ("Раҷаб", "Расул"), ("Маҳмуд", "Муҳаммад"),
    ("Ҳайдар", "Ҳамид"), ("Нуриддин", "Нуруллоҳ"), ("Алишер", "Алимардон"),
    ("Бахтиёр", "Баҳриддин"), ("Парвиз", "Пайрав"), ("Сиёвуш", "Сино"), ("Шоҳрух", "Шуҳрат"),
    ("Толиб", "Тоҳир"), ("Юсуф", "Юнус"), ("Иброҳим", "Илҳом"), ("Исмоил", "Ислом"),
    ("Далер", "Дилёр"), ("Эргаш", "Эшон"), ("Ориф", "Орзу"), ("Неъмат", "Нусрат"),
    ("Хуршед", "Хусрав"),
]  # fmt: skip
CLOSE_WOMEN = [
    ("Нигора", "Нилуфар"), ("Мавзуна", "Мунира"), ("Гулнора", "Гулчеҳра"),
    ("Зарина", "Зебо"), ("Малика", "Мадина"), ("Феруза", "Фарангис"), ("Шаҳло", "Шабнам"),
    ("Тахмина", "Тамана"),
]  # fmt: skip


# -- the writing systems ---------------------------------------------------------------------

TAJIK_TO_RUSSIAN = {"ҷ": "дж", "ғ": "г", "қ": "к", "ҳ": "х", "ӣ": "и", "ӯ": "у"}

BGN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
ALALC = {**BGN, "ё": "ë", "й": "ĭ", "ю": "iu", "я": "ia", "э": "ė", "ъ": "ʺ", "ь": "ʹ"}
ICAO = {**BGN, "ё": "e", "й": "i", "ю": "iu", "я": "ia", "ъ": "ie", "ь": ""}
TJLAT = {
    **BGN, "ҷ": "j", "ғ": "gh", "қ": "q", "ҳ": "h", "ӣ": "i", "ӯ": "u", "ъ": "'",
}  # fmt: skip
UZLAT = {**TJLAT, "х": "x", "ғ": "g'", "ъ": "'", "ё": "yo", "ч": "ch"}
VOWELS = set("аеёиоуыэюяӣӯ")


def romanise(text: str, table: dict[str, str], *, ye: bool = False) -> str:
    out = []
    for index, char in enumerate(text):
        lower = char.lower()
        latin = table.get(lower, lower)
        if ye and lower == "е" and (index == 0 or text[index - 1].lower() in VOWELS | {" "}):
            latin = "ye"
        if char.isupper() and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
    return "".join(out)


def russian(word: str, russified: str | None = None) -> str:
    if russified:
        return russified
    return "".join(TAJIK_TO_RUSSIAN.get(c, TAJIK_TO_RUSSIAN.get(c.lower(), c).capitalize()
                                        if c.isupper() else TAJIK_TO_RUSSIAN.get(c, c))
                   for c in word)  # fmt: skip


def rferl(word: str) -> str:
    """Tajik Latin with -yev after a vowel (Jumayev, Abdulloyev)."""
    latin = romanise(word, TJLAT)
    for vowel in "aoeiu":
        latin = latin.replace(f"{vowel}ev", f"{vowel}yev")
    return latin


def sloppy(word: str) -> str:
    latin = romanise(word, BGN).replace("Dzh", "J").replace("dzh", "j").replace("kh", "h")
    latin = latin.replace("Kh", "H").replace("iy", "y")
    return "".join(c for i, c in enumerate(latin) if i == 0 or c != latin[i - 1])


SYSTEMS = {
    "ru": lambda w, r: russian(w, r),
    "bgn": lambda w, r: romanise(russian(w, r), BGN, ye=True),
    "alalc": lambda w, r: romanise(russian(w, r), ALALC),
    "icao": lambda w, r: romanise(russian(w, r), ICAO),
    "tjlat": lambda w, r: rferl(w),
    "uzlat": lambda w, r: romanise(w, UZLAT),
    "sloppy": lambda w, r: sloppy(russian(w, r)),
}


def spell(given: str, surname: tuple[str, str | None], system: str) -> str:
    word, russified = surname
    if system == "tj":
        return f"{given} {word}"
    make = SYSTEMS[system]
    return f"{make(given, None)} {make(word, russified)}"


def same_pairs() -> list[tuple[str, str, str, str]]:
    rows = []
    systems = ["tj", *SYSTEMS]
    combos = list(itertools.combinations(systems, 2))
    people = [(MEN[i % len(MEN)], SURNAMES[i % len(SURNAMES)]) for i in range(len(SURNAMES))] + [
        (WOMEN[i % len(WOMEN)], _feminine(SURNAMES[(i * 7) % len(SURNAMES)])) for i in range(20)
    ]
    for index, (given, surname) in enumerate(people):
        for step in range(5):
            one, other = combos[(index * 5 + step) % len(combos)]
            a, b = spell(given, surname, one), spell(given, surname, other)
            if step == 2:  # surname first, as Russian lists and court papers write it
                b = " ".join(reversed(b.split(" ")))
            if step == 3 and index % 2:  # an initial for the given name
                first, last = b.split(" ", 1)
                b = f"{first[0]}. {last}"
            if step == 4 and index % 3 == 0:  # a patronymic added
                b = f"{b} {spell('Каримович', ('', None), other).strip()}"
            rows.append((a, b, f"{one}/{other}", f"p{index}"))
    # The pairs of the issue, both ways.
    for a, b in [
        ("Jumayev", "Djumaev"), ("Djumaev", "Джумаев"), ("Abdulloyev", "Abdulloev"),
        ("Irgashov", "Irgashev"), ("Yuldoshev", "Yuldashev"), ("Ёдгоров", "Едгоров"),
        ("Ёдгоров", "Edgorov"), ("Husein", "Husayn"), ("Khurshed", "Khurshid"),
        ("Yusufov", "Yusupov"), ("Шоиширинов", "Shoishirinov"), ("Пётр", "Petr"),
        ("Алексей", "Alexei"), ("Павленский", "Pavlensky"), ("Rahmonzoda", "Rahmonzade"),
    ]:  # fmt: skip
        rows.append((a, b, "issue", f"issue-{a}"))
        rows.append((b, a, "issue", f"issue-{b}"))
    return rows


def _feminine(surname: tuple[str, str | None]) -> tuple[str, str | None]:
    word, russified = surname
    if word.endswith("зода"):
        return surname
    return word + "а", (russified + "а") if russified else None


def different_pairs() -> list[tuple[str, str, str]]:
    rows = []
    for index, (one, other) in enumerate(CLOSE_SURNAMES):
        for k in range(3):
            given = MEN[(index * 3 + k) % len(MEN)]
            system = ["tj", "tjlat", "bgn"][k]
            rows.append((spell(given, (one, None), system), spell(given, (other, None), system),
                         "surname"))  # fmt: skip
    for index, (one, other) in enumerate(CLOSE_MEN):
        for k in range(3):
            surname = SURNAMES[(index * 3 + k) % len(SURNAMES)]
            system = ["tj", "icao", "tjlat"][k]
            rows.append((spell(one, surname, system), spell(other, surname, system), "given"))
    for index, (one, other) in enumerate(CLOSE_WOMEN):
        for k in range(3):
            surname = _feminine(SURNAMES[(index * 5 + k) % len(SURNAMES)])
            system = ["tj", "bgn", "tjlat"][k]
            rows.append((spell(one, surname, system), spell(other, surname, system), "given"))
    for index, surname in enumerate(SURNAMES[:40]):  # a man and a woman of one family
        if surname[0].endswith("зода"):
            continue
        man, woman = MEN[index % len(MEN)], WOMEN[index % len(WOMEN)]
        rows.append((spell(man, surname, "tj"), spell(woman, _feminine(surname), "tj"),
                     "family"))  # fmt: skip
        rows.append((spell(man, surname, "bgn"), spell(woman, _feminine(surname), "bgn"),
                     "family"))  # fmt: skip
    return rows


def write(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


if __name__ == "__main__":
    # A pair written identically both ways tests nothing: left out.
    same = [row for row in dict.fromkeys(same_pairs()) if row[0] != row[1]]
    different = list(dict.fromkeys(different_pairs()))
    write(HERE / "names_same.csv", ["query", "recorded", "systems", "person"], same)
    write(HERE / "names_different.csv", ["query", "other_person", "how"], different)
    print(f"{len(same)} same-person pairs, {len(different)} different-people pairs")
