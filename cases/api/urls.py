"""Routes of the cases app, mounted under /api/v1/ by config.api_urls."""

from cases.api.views import (
    AllegationViewSet,
    CaseViewSet,
    DetentionViewSet,
    EventViewSet,
    FacilityViewSet,
    FollowUpViewSet,
    GroupDetentionViewSet,
)

ROUTES = [
    ("cases", CaseViewSet, "case"),
    ("events", EventViewSet, "event"),
    ("allegations", AllegationViewSet, "allegation"),
    ("detentions", DetentionViewSet, "detention"),
    ("group-detentions", GroupDetentionViewSet, "group-detention"),
    ("facilities", FacilityViewSet, "facility"),
    ("follow-ups", FollowUpViewSet, "follow-up"),
]
