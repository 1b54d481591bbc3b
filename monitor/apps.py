from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from monitor import roles


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = _("Monitor core")
    default_auto_field = "django.db.models.BigAutoField"
    #: What the role groups may do with each model: every app of the project declares every
    #: model of its own (``monitor.roles``; a model left out fails tests/test_layering.py).
    model_roles = {
        "term": roles.REFERENCE,
        "place": roles.REFERENCE,
        "user": roles.SYSTEM,  # coordinators manage accounts: roles.ROLE_EXTRA_PERMISSIONS
        "team": roles.SYSTEM,
        "apitoken": roles.SYSTEM,
        "idempotencykey": roles.SYSTEM,
        "accesslog": roles.SYSTEM,
        "reviewdecision": roles.SYSTEM,
        "taskprogress": roles.SYSTEM,  # background work: its owner reads it (monitor.progress)
        "withheldnamesversion": roles.SYSTEM,  # monitor.redaction's cache key, nobody's record
        "summaryversion": roles.SYSTEM,  # monitor.summaries' cache keys, nobody's record
    }

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth import signals as auth_signals
        from django.db.models.signals import post_save, pre_save

        from monitor import security
        from monitor.models import ApiToken, User
        from monitor.security import accesslog, checks  # noqa: F401 (checks register)

        # Account security (issue 8): see monitor.security and monitor.security.accesslog.
        auth_signals.user_logged_in.connect(
            _start_session_clocks, dispatch_uid="monitor.session_clocks"
        )
        auth_signals.user_logged_in.connect(accesslog.on_logged_in, dispatch_uid="monitor.log_in")
        auth_signals.user_login_failed.connect(
            accesslog.on_login_failed, dispatch_uid="monitor.log_failed"
        )
        auth_signals.user_logged_out.connect(
            accesslog.on_logged_out, dispatch_uid="monitor.log_out"
        )
        user_locked_out.connect(accesslog.on_locked_out, dispatch_uid="monitor.log_locked")
        pre_save.connect(
            security.remember_active_state, sender=User, dispatch_uid="monitor.was_active"
        )
        post_save.connect(
            security.end_access_if_deactivated, sender=User, dispatch_uid="monitor.deactivated"
        )
        post_save.connect(
            security.revoke_tokens_on_password_change,
            sender=User,
            dispatch_uid="monitor.password_changed",
        )
        post_save.connect(accesslog.on_token_saved, sender=ApiToken, dispatch_uid="monitor.token")

        # The withheld names' version changes with every write that may change them, in its
        # transaction (monitor.redaction.text_scrubber keeps the names under it). Every app's
        # models are loaded before any ready() runs, so the name models are known here.
        from django.db.models.signals import post_delete

        from monitor import redaction

        for model in redaction.names_sources():
            for signal in (post_save, post_delete):
                signal.connect(
                    redaction.names_changed,
                    sender=model,
                    dispatch_uid=f"monitor.names_changed.{model._meta.label_lower}",
                )


def _start_session_clocks(sender, request, user, **kwargs) -> None:
    from monitor.security import mark_signed_in

    mark_signed_in(request)
