from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from monitor import roles


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("People and organisations")
    default_auto_field = "django.db.models.BigAutoField"
    #: What the role groups may do with each model (``monitor.roles``).
    model_roles = {
        "person": roles.DOMAIN,
        "personname": roles.DOMAIN,
        "organization": roles.DOMAIN,
        "affiliation": roles.DOMAIN,
    }

    def ready(self) -> None:
        from people import pickers  # noqa: F401 (the forms' pickers register)
