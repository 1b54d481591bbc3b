"""Starter terms added for protest detentions, with their Russian and Tajik labels.

The two codes of articles a detention can be charged under — the Criminal Code of the
Republic of Tajikistan and its Code of Administrative Offences — and the event kind of an
assembly. The data migration ``cases/migrations/0004_protest_vocabularies`` creates these
terms with their English label (it keeps its own frozen copy, as migrations must); the labels
in the other languages live here, one row per term, for the vocabulary translations to take
up. ``cases/tests/test_protest.py`` keeps the two lists in step.

Article numbers are those of the Criminal Code of 1998 and the Code of Administrative
Offences of 2008 as amended. Where a published source confirms a number, it is cited in a
comment above the term; the terms marked ``unverified`` were not found in a source yet:
check them against the current text before citing one in a submission.

This module imports no models, so a migration can import it.
"""

from __future__ import annotations

from typing import NamedTuple


class TermLabels(NamedTuple):
    """A term of a vocabulary (under ``parent``, a code, when it has one) and its labels."""

    vocabulary: str
    parent: str
    code: str
    en: str
    ru: str
    tg: str


_CC = "criminal_article"
_AC = "administrative_article"

TERMS: tuple[TermLabels, ...] = (
    # -- Criminal Code: the root and its articles (those of 0002 and the ones added here) --
    TermLabels(_CC, "", "tjk-cc", "Criminal Code of the Republic of Tajikistan",
               "Уголовный кодекс Республики Таджикистан",
               "Кодекси ҷиноятии Ҷумҳурии Тоҷикистон"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-104", "Art. 104 CC RT — Murder",
               "Ст. 104 УК РТ — Убийство", "Моддаи 104 КҶ ҶТ — Одамкушӣ"),
    # ARTICLE 19 and Khoma, submission to the UN Human Rights Committee (146th session,
    # 2019), quoting the Committee's list of issues: "insult or libel against the
    # President/Leader of the Nation (art. 137 and 137(1) of the Criminal Code)".
    TermLabels(_CC, "tjk-cc", "tjk-cc-137",
               "Art. 137 CC RT — Public insult or slander of the President",
               "Ст. 137 УК РТ — Публичное оскорбление или клевета в отношении Президента",
               "Моддаи 137 КҶ ҶТ — Таҳқири оммавӣ ё тӯҳмат нисбати Президент"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-160",
               "Art. 160 CC RT — Obstructing an assembly, rally, demonstration, march or "
               "picket",
               "Ст. 160 УК РТ — Воспрепятствование проведению собрания, митинга, "
               "демонстрации, шествия, пикетирования",
               "Моддаи 160 КҶ ҶТ — Монеъ шудан ба гузаронидани ҷамомад, митинг, намоиш, "
               "роҳпаймоӣ ва пикет"),
    # Partly: news.tj, 22 Dec 2016, on the amendments of 14 Nov 2016: "Article 179 (3)"
    # punishes public calls to terrorism-related crimes, i.e. 179 is the terrorism article;
    # the title "Terrorism" of 179 itself is unverified.
    TermLabels(_CC, "tjk-cc", "tjk-cc-179", "Art. 179 CC RT — Terrorism",
               "Ст. 179 УК РТ — Терроризм", "Моддаи 179 КҶ ҶТ — Терроризм"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-186", "Art. 186 CC RT — Banditry",
               "Ст. 186 УК РТ — Бандитизм", "Моддаи 186 КҶ ҶТ — Роҳзанӣ"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-187",
               "Art. 187 CC RT — Organisation of a criminal community",
               "Ст. 187 УК РТ — Организация преступного сообщества",
               "Моддаи 187 КҶ ҶТ — Ташкили иттиҳоди ҷиноятӣ"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-188", "Art. 188 CC RT — Mass riots",
               "Ст. 188 УК РТ — Массовые беспорядки",
               "Моддаи 188 КҶ ҶТ — Бетартибиҳои оммавӣ"),
    # UN Special Rapporteur on freedom of religion or belief, mission to Tajikistan,
    # A/HRC/7/10/Add.2 (2008), para. 16: "Article 189 of the Criminal Code establishes
    # penalties for acts intended to incite ethnic, racial, regional or religious enmity."
    TermLabels(_CC, "tjk-cc", "tjk-cc-189",
               "Art. 189 CC RT — Incitement to national, racial, local or religious hatred",
               "Ст. 189 УК РТ — Возбуждение национальной, расовой, местнической или "
               "религиозной вражды",
               "Моддаи 189 КҶ ҶТ — Барангехтани адовати миллӣ, нажодӣ, маҳаллгароӣ ё динӣ"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-195",
               "Art. 195 CC RT — Illegal acquisition, possession or carrying of weapons",
               "Ст. 195 УК РТ — Незаконное приобретение, хранение или ношение оружия",
               "Моддаи 195 КҶ ҶТ — Ғайриқонунӣ ба даст овардан, нигоҳ доштан ё бо худ "
               "гаштани силоҳ"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-237", "Art. 237 CC RT — Hooliganism",
               "Ст. 237 УК РТ — Хулиганство", "Моддаи 237 КҶ ҶТ — Авбошӣ"),
    # news.tj, 22 Dec 2016: "Article 307 (1) stipulates that public calls for extremist
    # activities and (or) public justification of extremist activities are punishable…".
    TermLabels(_CC, "tjk-cc", "tjk-cc-307-1",
               "Art. 307.1 CC RT — Public calls to extremist activity",
               "Ст. 307.1 УК РТ — Публичные призывы к осуществлению экстремистской "
               "деятельности",
               "Моддаи 307.1 КҶ ҶТ — Даъвати оммавӣ ба фаъолияти экстремистӣ"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-307-2",
               "Art. 307.2 CC RT — Organisation of an extremist community",
               "Ст. 307.2 УК РТ — Организация экстремистского сообщества",
               "Моддаи 307.2 КҶ ҶТ — Ташкили иттиҳоди экстремистӣ"),
    # The Tajik text of the Code (hozir.org copy, "Penal Code tg"): "Моддаи 307³. Ташкили
    # фаъолияти ташкилоти экстремистӣ (ифротгароӣ)".
    TermLabels(_CC, "tjk-cc", "tjk-cc-307-3",
               "Art. 307.3 CC RT — Organising the activity of an extremist organisation",
               "Ст. 307.3 УК РТ — Организация деятельности экстремистской организации",
               "Моддаи 307.3 КҶ ҶТ — Ташкили фаъолияти ташкилоти экстремистӣ"),
    # unverified
    TermLabels(_CC, "tjk-cc", "tjk-cc-328",
               "Art. 328 CC RT — Violence against a representative of authority",
               "Ст. 328 УК РТ — Применение насилия в отношении представителя власти",
               "Моддаи 328 КҶ ҶТ — Зӯроварӣ нисбати намояндаи ҳокимият"),
    # ARTICLE 19 and Khoma (2019), as for 137: "insult against other State officials
    # (art. 330 of the Criminal Code)".
    TermLabels(_CC, "tjk-cc", "tjk-cc-330",
               "Art. 330 CC RT — Insulting a representative of authority",
               "Ст. 330 УК РТ — Оскорбление представителя власти",
               "Моддаи 330 КҶ ҶТ — Таҳқири намояндаи ҳокимият"),
    # -- Code of Administrative Offences ---------------------------------------------------
    TermLabels(_AC, "", "tjk-coao",
               "Code of Administrative Offences of the Republic of Tajikistan",
               "Кодекс Республики Таджикистан об административных правонарушениях",
               "Кодекси ҳуқуқвайронкунии маъмурии Ҷумҳурии Тоҷикистон"),
    # unverified (as are 478 and 479: no source found gives the Code's article numbers)
    TermLabels(_AC, "tjk-coao", "tjk-coao-460", "Art. 460 CoAO RT — Petty hooliganism",
               "Ст. 460 КоАП РТ — Мелкое хулиганство",
               "Моддаи 460 КҲМ ҶТ — Авбошии хурд"),
    # unverified
    TermLabels(_AC, "tjk-coao", "tjk-coao-478",
               "Art. 478 CoAO RT — Breaking the rules for organising or holding assemblies, "
               "rallies, demonstrations, marches and pickets",
               "Ст. 478 КоАП РТ — Нарушение порядка организации или проведения собраний, "
               "митингов, демонстраций, шествий и пикетирования",
               "Моддаи 478 КҲМ ҶТ — Вайрон кардани тартиби ташкил ё гузаронидани ҷамомад, "
               "митинг, намоиш, роҳпаймоӣ ва пикет"),
    # unverified
    TermLabels(_AC, "tjk-coao", "tjk-coao-479",
               "Art. 479 CoAO RT — Disobeying a lawful order or demand of a police officer",
               "Ст. 479 КоАП РТ — Неповиновение законному распоряжению или требованию "
               "сотрудника милиции",
               "Моддаи 479 КҲМ ҶТ — Итоат накардан ба фармоиш ё талаби қонунии корманди "
               "милитсия"),
    # -- event kinds and the administrative outcomes of a detention --------------------------
    TermLabels("event_type", "", "assembly", "Assembly (rally, demonstration, picket, march)",
               "Собрание (митинг, демонстрация, пикет, шествие)",
               "Ҷамомад (митинг, намоиш, пикет, роҳпаймоӣ)"),
    TermLabels("detention_step_kind", "", "released_without_charge", "Released without charge",
               "Освобождён без обвинения", "Бе айбдоркунӣ озод карда шуд"),
    TermLabels("detention_step_kind", "", "warning", "Warning", "Предупреждение",
               "Огоҳонӣ"),
    TermLabels("detention_step_kind", "", "fined", "Fined", "Штраф", "Ҷарима"),
    TermLabels("detention_step_kind", "", "administrative_arrest", "Administrative arrest",
               "Административный арест", "Ҳабси маъмурӣ"),
    TermLabels("detention_step_kind", "", "community_work", "Community work",
               "Обязательные работы", "Корҳои ҳатмии ҷамъиятӣ"),
)  # fmt: skip


def labels_of(code: str, vocabulary: str) -> TermLabels | None:
    """The labels of one term, or None."""
    return next((t for t in TERMS if t.code == code and t.vocabulary == vocabulary), None)
