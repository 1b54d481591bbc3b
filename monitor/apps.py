from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = _("Monitor core")
    default_auto_field = "django.db.models.BigAutoField"
