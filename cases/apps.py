from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from monitor import roles


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases, events and follow-ups")
    default_auto_field = "django.db.models.BigAutoField"
    #: What the role groups may do with each model (``monitor.roles``).
    model_roles = {
        "case": roles.DOMAIN,
        "caseperson": roles.DOMAIN,
        "allegation": roles.DOMAIN,
        "allegationperpetrator": roles.DOMAIN,
        "detention": roles.DOMAIN,
        "detentionstep": roles.DOMAIN,
        "event": roles.DOMAIN,
        "eventfigure": roles.DOMAIN,
        "facility": roles.REFERENCE,  # places of detention, like places
        "groupdetention": roles.DOMAIN,
        "groupdetentionfigure": roles.DOMAIN,
        "followup": roles.DOMAIN,
        "followupresponse": roles.DOMAIN,
        "reminderlog": roles.SYSTEM,  # written by send_reminders
        "calendarfeed": roles.SYSTEM,  # each user's own feed address, through their page
    }

    def ready(self) -> None:
        from cases import pickers  # noqa: F401 (the forms' pickers register)
        from cases.views import sections

        sections.register()
