"""The cases app's pages: one module per kind of page, routed by ``cases/urls.py``."""
