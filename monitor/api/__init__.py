"""The REST API of monitor (mounted under /api/v1/ by config.api_urls)."""
