"""The REST API of people (mounted under /api/v1/ by config.api_urls)."""
