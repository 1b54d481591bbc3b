from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from monitor import roles


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports")
    default_auto_field = "django.db.models.BigAutoField"
    #: Import jobs, their rows and saved mappings are the app's own bookkeeping: who may
    #: import is the right to add cases and events (``imports.services``), not a permission
    #: of these models.
    model_roles = {
        "importjob": roles.SYSTEM,
        "importrow": roles.SYSTEM,
        "mappingtemplate": roles.SYSTEM,
    }
