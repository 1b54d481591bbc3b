"""Routes of the people app, mounted under /api/v1/ by config.api_urls."""

from people.api.views import AffiliationViewSet, OrganizationViewSet, PersonViewSet

ROUTES = [
    ("persons", PersonViewSet, "person"),
    ("organizations", OrganizationViewSet, "organization"),
    ("affiliations", AffiliationViewSet, "affiliation"),
]
