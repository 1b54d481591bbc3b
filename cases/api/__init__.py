"""The REST API of cases (mounted under /api/v1/ by config.api_urls)."""
