"""The sources app's pages, mounted at the root by ``config/urls.py``.

``evidence_urlpatterns`` is the evidence download, mounted under ``evidence/`` with the
``sources`` namespace (``sources:evidence-download``).
"""

from django.urls import path

from sources.views import browse, edit, evidence

urlpatterns = [
    path("sources/", browse.source_list, name="source-list"),
    path("sources/export.csv", browse.source_export, name="source-export"),
    path("sources/new/", edit.source_create, name="source-create"),
    path("sources/<uuid:pk>/", browse.source_detail, name="source-detail"),
    path("sources/<uuid:pk>/edit/", edit.source_edit, name="source-edit"),
    path("sources/<uuid:pk>/submit/", edit.source_submit, name="source-submit"),
]

evidence_urlpatterns = (
    [
        path("<uuid:pk>/download/", evidence.evidence_download, name="evidence-download"),
        path("<uuid:pk>/preview/", evidence.evidence_preview, name="evidence-preview"),
    ],
    "sources",
)
