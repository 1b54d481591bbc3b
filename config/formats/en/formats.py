"""Dates as Monitor shows them in English: ISO days (2023-05-12), unambiguous for the UN."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATETIME_FORMAT = "j F Y, H:i"
