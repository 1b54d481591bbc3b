"""The scrubber withholds exactly what one regular expression over every name would.

:class:`monitor.redaction.TextScrubber` indexes the names instead of compiling them into one
alternation (which took seconds per answer at 100,000 cases). The expression stays here as
the reference: for any names and any text, both withhold the same words.
"""

from __future__ import annotations

import html
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.redaction import (
    ENDING_LETTERS,
    ENDING_VOWELS,
    MIN_NAME,
    WITHHELD_NAME,
    TextScrubber,
)


def reference(names: set[str], text: str) -> str:
    """The scrubber as one regular expression (its definition before issue 14)."""
    variants: set[str] = set()
    for name in (name for name in names if len(name) >= MIN_NAME):
        variants |= {name, html.escape(name), json.dumps(name, ensure_ascii=False)[1:-1]}
    variants = {
        v[:-1] if v[-1].lower() in ENDING_VOWELS and len(v) > MIN_NAME else v for v in variants
    }
    if not variants:
        return text
    pattern = re.compile(
        r"(?<!\w)(?:"
        + "|".join(
            re.escape(v[0]) + "(?i:" + re.escape(v[1:]) + ")"
            for v in sorted(variants, key=len, reverse=True)
        )
        + rf")\w{{0,{ENDING_LETTERS}}}(?!\w)"
    )
    return pattern.sub(str(WITHHELD_NAME), text)


LETTERS = "RraAhimovОоВвТтайнaeу'\"&_1"
names = st.sets(st.text(alphabet=LETTERS + " ", min_size=1, max_size=9), max_size=6)
piece = st.one_of(
    st.text(alphabet=LETTERS + " <>.,;:-\\/", max_size=6),
    st.sampled_from(["Rahimov", "RAHIMOVA", "Тайновой", "rahimov", "Ra", "O'Neil", " "]),
)


@settings(max_examples=400, deadline=None)
@given(names=names, pieces=st.lists(piece, max_size=12), data=st.data())
def test_the_scrubber_withholds_what_the_expression_would(names, pieces, data):
    # Texts made of the names themselves (in any case, with endings) and of everything else.
    if names:
        pieces += data.draw(st.lists(st.sampled_from(sorted(names)), max_size=4))
        pieces = data.draw(st.permutations(pieces))
        pieces = [p.upper() if data.draw(st.booleans()) else p for p in pieces]
    text = "".join(pieces)
    scrub = TextScrubber(names)
    assert scrub(text) == reference(names, text)
    assert scrub.hides_in(text) == (reference(names, text) != text)


def test_thousands_of_names_are_withheld_without_one_expression():
    names = {f"Name{n:05d}ov" for n in range(50_000)}
    scrub = TextScrubber(names)
    assert scrub("Said Name04242ova and Name00001ovskaya; Name49999ov.") == (
        f"Said {WITHHELD_NAME} and Name00001ovskaya; {WITHHELD_NAME}."
    )
