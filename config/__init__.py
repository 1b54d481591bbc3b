"""The project package: settings, root URLs, the API router, the dashboard, WSGI/ASGI.

It sits above every app (``cases`` → ``people`` → ``sources`` → ``monitor``) and is the one
place that names them all; the apps never import it (``docs/architecture.md``).
"""
