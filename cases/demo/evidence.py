"""The demo's evidence file, and the whole life its chain of custody shows.

The seed article comes as text (``fixtures/demo/article.txt``), so the demo draws a small PNG
of it — the headline, the dateline and the paragraph the source's ``evidence`` fact names,
with a line saying the loader drew it (it is not a capture of the published page) — and puts
it through the real workflows of :mod:`sources.services`, as a monitor would:

1. uploaded to the article's source (type checked by content, SHA-256 and size recorded);
2. a copy made for sharing, without the image's metadata (the original is only read);
3. the original downloaded (checked against its hash before it is served);
4. both files' integrity verified, as ``manage.py verify_evidence`` does.

Each step leaves its custody event, so the original's log reads upload, derived copy,
download, integrity verified. The files go to the evidence storage (``EVIDENCE_ROOT``, under
``MONITOR_DATA_DIR``), never into the repository. Each step runs only when its trace is
missing, so a second run adds nothing.

Kept apart from :mod:`cases.demo.loader` because it is the one part of the demo that writes
files.
"""

from __future__ import annotations

import io
import re
import textwrap

from django.core.files.base import ContentFile

from cases.demo.facts import EvidenceFact, paragraphs
from sources.choices import CustodyAction
from sources.models import EvidenceFile, Source
from sources.services import (
    evidence_derive_copy,
    evidence_open_for_download,
    evidence_upload,
    evidence_verify,
)

VERIFY_NOTE = "Integrity check run by the demo loader."

_FOOTER = "Drawn by Monitor's demo loader from the article's text; not a capture of the page."


def excerpt_png(text: str, paragraph: int) -> bytes:
    """A small PNG of the article's head and one paragraph, with metadata a shared copy
    should not carry."""
    from PIL import Image, ImageDraw, ImageFont

    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text) if b.strip()]
    headline, dateline = blocks[0], blocks[1]
    # The built-in font has no en dash.
    dateline = dateline.replace("\N{EN DASH}", "-")
    body = paragraphs(text)[paragraph - 1]

    width, margin = 760, 24
    fonts = {size: ImageFont.load_default(size=size) for size in (22, 15, 12)}
    lines = [(line, 22) for line in textwrap.wrap(headline, 58)]
    lines += [("", 8), (dateline, 15), ("", 8)]
    lines += [(line, 15) for line in textwrap.wrap(body, 88)]
    lines += [("", 10), (_FOOTER, 12)]
    height = margin * 2 + sum(round(size * 1.5) for _line, size in lines)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    y = margin
    for line, size in lines:
        colour = "#555555" if size == 12 else "black"
        draw.text((margin, y), line, fill=colour, font=fonts.get(size, fonts[15]))
        y += round(size * 1.5)
    exif = Image.Exif()
    exif[0x010E] = "Seed article excerpt (Monitor demo)"  # ImageDescription
    exif[0x0131] = "Monitor demo loader"  # Software
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif.tobytes(), optimize=True)
    return out.getvalue()


def ensure_demo_evidence(*, source: Source, actor, fact: EvidenceFact, text: str) -> int:
    """Give ``source`` the demo evidence file drawn from ``text`` and its whole life.

    Returns:
        The number of files made (0 when they are all there already).
    """
    made = 0
    original = (
        EvidenceFile._base_manager.filter(
            source=source, original_name=fact.name, derived_from__isnull=True
        )
        .order_by("created_at", "pk")
        .first()
    )
    if original is None:
        original = evidence_upload(
            source=source,
            uploaded_file=ContentFile(excerpt_png(text, fact.paragraph), name=fact.name),
            actor=actor,
            description=fact.description,
        )
        made += 1
    copy = EvidenceFile._base_manager.filter(derived_from=original).order_by("created_at").first()
    if copy is None:
        copy = evidence_derive_copy(original=original, actor=actor)
        made += 1
    logged = set(original.custody_events.values_list("action", flat=True))
    if CustodyAction.DOWNLOAD not in logged:
        download = evidence_open_for_download(evidence=original, actor=actor)
        download.file.close()  # only the custody event is wanted
    for evidence in (original, copy):
        if not evidence.custody_events.filter(action=CustodyAction.VERIFY).exists():
            evidence_verify(evidence=evidence, actor=actor, note=VERIFY_NOTE)
    return made
