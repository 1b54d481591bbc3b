"""Routes of the cases app, mounted under /api/v1/ by config.api_urls."""

from cases.api.views import (
    AllegationViewSet,
    CaseViewSet,
    DetentionViewSet,
    EventViewSet,
    FollowUpViewSet,
)

ROUTES = [
    ("cases", CaseViewSet, "case"),
    ("events", EventViewSet, "event"),
    ("allegations", AllegationViewSet, "allegation"),
    ("detentions", DetentionViewSet, "detention"),
    ("follow-ups", FollowUpViewSet, "follow-up"),
]
