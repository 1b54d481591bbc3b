"""The sources app's pages: one module per kind of page, routed by ``sources/urls.py``."""
