"""Generated documents: the UN submission pack and the follow-up letter (issue 17).

:mod:`.content` decides what a document says, for one reader; :mod:`.render` writes it as
DOCX (editable) and PDF (for the record); :mod:`.services` generates, logs and keeps it.
"""
