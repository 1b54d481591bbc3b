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
        from django.db.models.signals import post_delete, post_save

        from cases import pickers  # noqa: F401 (the forms' pickers register)
        from cases.counts import REGISTER_PER_MONTH, REGISTER_PER_MONTH_MODELS
        from cases.deadlines import release_refresh
        from cases.models import DetentionStep
        from cases.views import sections
        from monitor.summaries import receiver_for

        sections.register()
        # The kept summary of arrests and allegations per month (monitor.summaries): a new
        # version in the transaction of every save of what it counts.
        changed = receiver_for(REGISTER_PER_MONTH)
        for model in REGISTER_PER_MONTH_MODELS:
            for signal in (post_save, post_delete):
                signal.connect(
                    changed,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"cases.register_per_month.{model._meta.label_lower}",
                )
        # A detention's stored release dates (cases.deadlines.release_refresh) follow its
        # steps: every save of a step (add, edit, archive, restore, claim status, import,
        # admin) goes through DetentionStep.save, so this is the one place that keeps them.

        def step_saved(sender, instance, **kwargs) -> None:
            cached = instance._state.fields_cache.get("detention")  # the caller's copy
            release_refresh(instance.detention_id, detention=cached)

        post_save.connect(
            step_saved, sender=DetentionStep, weak=False, dispatch_uid="cases.release_refresh"
        )
