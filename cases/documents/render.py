"""A :class:`~cases.documents.content.Document` as DOCX (python-docx) and PDF (WeasyPrint).

The two formats show the same text: the DOCX for a monitor to edit before sending, the PDF
for the record. Footnotes are numbered markers after each fact and the numbered list of
sources at the end (python-docx writes no native footnotes; a numbered notes section reads
the same in every word processor).
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import translation

from cases.documents.content import Document


def _submitter_lines(document: Document) -> list[str]:
    submitter = document.submitter
    lines = [submitter.get("name") or "Submitting organisation: not configured"]
    for key in ("address", "email", "contact"):
        if submitter.get(key):
            lines.append(submitter[key])
    return lines


def to_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    docx = Docx()
    docx.core_properties.title = document.title
    docx.core_properties.subject = document.reference
    docx.core_properties.language = "en"
    docx.add_heading(document.title, level=0)
    docx.add_paragraph(document.subtitle)
    meta = docx.add_paragraph()
    meta.add_run(f"Case {document.reference} · prepared on {document.generated_on.isoformat()}")
    docx.add_heading("Submitted by", level=2)
    for line in _submitter_lines(document):
        docx.add_paragraph(line)
    for section in document.sections:
        docx.add_heading(section.heading, level=1)
        if not section.facts:
            docx.add_paragraph(section.empty)
        for fact in section.facts:
            paragraph = docx.add_paragraph()
            if fact.label:
                paragraph.add_run(f"{fact.label}: ").bold = True
            paragraph.add_run(fact.text)
            if fact.notes:
                marker = paragraph.add_run(" [" + ", ".join(str(n) for n in fact.notes) + "]")
                marker.font.superscript = True
                marker.font.size = Pt(9)
    docx.add_heading("Sources", level=1)
    if not document.footnotes:
        docx.add_paragraph("No source recorded.")
    for note in document.footnotes:
        docx.add_paragraph(f"[{note.number}] {note.text}")
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()


def to_html(document: Document) -> str:
    with translation.override("en"):
        return render_to_string(
            "cases/documents/document.html",
            {"document": document, "submitter_lines": _submitter_lines(document)},
        )


def to_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    # No base URL: the document loads nothing from anywhere (no file, no network).
    return HTML(string=to_html(document)).write_pdf()
