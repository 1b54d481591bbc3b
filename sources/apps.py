from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from monitor import roles
from monitor.registry import CITATION_MODEL


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = _("Sources and evidence")
    default_auto_field = "django.db.models.BigAutoField"
    #: What the role groups may do with each model (``monitor.roles``).
    model_roles = {
        "source": roles.DOMAIN,
        "evidencefile": roles.DOMAIN,
        "citation": roles.DOMAIN,
        "custodyevent": roles.READ_ONLY,  # written by sources.services only
    }

    def ready(self) -> None:
        from sources import pickers  # noqa: F401 (the forms' pickers register)
        from sources.models import Citation

        CITATION_MODEL.provide(Citation)
