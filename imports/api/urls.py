"""Routes of the imports app, mounted under /api/v1/ by config.api_urls."""

from imports.api.views import ImportJobViewSet, MappingTemplateViewSet

ROUTES = [
    ("imports", ImportJobViewSet, "import"),
    ("import-templates", MappingTemplateViewSet, "import-template"),
]
