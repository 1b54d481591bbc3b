"""The REST API of sources (mounted under /api/v1/ by config.api_urls)."""
