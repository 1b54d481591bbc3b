"""Routes of the sources app, mounted under /api/v1/ by config.api_urls."""

from sources.api.views import CitationViewSet, EvidenceFileViewSet, SourceViewSet

ROUTES = [
    ("sources", SourceViewSet, "source"),
    ("evidence-files", EvidenceFileViewSet, "evidence-file"),
    ("citations", CitationViewSet, "citation"),
]
