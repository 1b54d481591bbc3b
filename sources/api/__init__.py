"""The REST API of sources (mounted under /api/v1/ by monitor.api.urls)."""
