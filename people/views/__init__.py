"""The people app's pages: one module per kind of page, routed by ``people/urls.py``."""
