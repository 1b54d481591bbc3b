"""The admin review queue (see :mod:`monitor.admin.review.admin`).

Imported by ``monitor.admin`` so that the ReviewDecision admin and the queue's URLs are
registered with the admin site.
"""

from monitor.admin.review import admin  # noqa: F401
