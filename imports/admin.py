"""Imports have no admin pages: a job is seen, run and reviewed on its own pages and through
the API (``imports.views``, ``imports.api``), and what it recorded is in the admin of the
records themselves (cases, events, persons), with their history."""
