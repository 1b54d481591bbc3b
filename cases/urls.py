"""The calendar feed, mounted at ``/calendar/`` (``monitor/urls.py``).

The token is what ``secrets.token_urlsafe(32)`` makes: 43 characters of ``A–Z a–z 0–9 - _``;
the pattern accepts a little more either way, and anything else never reaches the view.
"""

from django.urls import re_path

from cases.calendar import calendar_feed

app_name = "calendar"

urlpatterns = [
    re_path(r"^(?P<token>[A-Za-z0-9_-]{32,128})\.ics$", calendar_feed, name="feed"),
]
