"""Tests of the REST API (issue 4)."""
