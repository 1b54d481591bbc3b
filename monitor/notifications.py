"""Review notices: a reviewer learns by e-mail that records wait for them, with a link to each.

When a transaction that submitted records commits, one background task is queued for all of
them (an import's batch of 1,000 records is one task and one e-mail per reviewer, not 1,000).
The task (:func:`send_review_notices`, run by the worker) writes to every active user who may
verify records (``monitor.verify_record``) and has an e-mail address, about the records that
are still waiting, that this reviewer may see (``visible_to``, as on their pages) and that they
did not submit themselves (four eyes). Nothing is sent without ``MONITOR_SITE_URL``: a notice is
its links.

An e-mail leaves the system, so a notice names no one: the kind of record, its reference (or
the start of its id), who submitted it and the link; the reader signs in to see the rest.
It is written in the reviewer's interface language.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitor.choices import ReviewState
from monitor.models import DecisionAction, ReviewDecision

logger = logging.getLogger(__name__)

#: At most this many records are listed in one notice; the queue's link covers the rest.
LISTED = 20


class _Pending:
    """The decisions a transaction submitted, sent to the worker once it commits."""

    def __init__(self):
        self.ids: list[str] = []

    def __call__(self) -> None:
        from monitor.tasks import review_notices_send

        review_notices_send.enqueue(decision_ids=self.ids)


def notice_after_commit(decision: ReviewDecision) -> None:
    """Queue a notice about ``decision`` (a submission) for when the transaction commits.

    Every submission of one transaction joins the same pending task. A decision whose
    savepoint was rolled back may stay on the list: the task reads decisions from the
    database, so it finds nothing to say about it.
    """
    if not settings.SITE_URL:
        return
    connection = transaction.get_connection()
    for _savepoints, callback, *_rest in connection.run_on_commit:
        if isinstance(callback, _Pending):
            callback.ids.append(str(decision.pk))
            return
    pending = _Pending()
    pending.ids.append(str(decision.pk))
    transaction.on_commit(pending)


def notice_label(record) -> str:
    """What a notice calls a record: its kind and its reference, never a name."""
    reference = getattr(record, "reference", "") or str(record.pk)[:8]
    return _("%(kind)s %(reference)s") % {
        "kind": capfirst(record._meta.verbose_name),
        "reference": reference,
    }


def send_review_notices(decision_ids: list[str]) -> int:
    """Send the notices of these submissions; returns how many e-mails went."""
    if not settings.SITE_URL:
        return 0
    decisions = list(
        ReviewDecision.objects.filter(pk__in=decision_ids, action=DecisionAction.SUBMITTED)
        .select_related("actor")
        .order_by("at")
    )
    submitted_by: dict[tuple[int, object], object] = {}
    by_type: dict[int, list] = defaultdict(list)
    for decision in decisions:
        submitted_by[(decision.content_type_id, decision.object_id)] = decision.actor
        by_type[decision.content_type_id].append(decision.object_id)
    if not by_type:
        return 0
    sent = 0
    reviewers = (
        get_user_model()
        .objects.with_perm(
            "monitor.verify_record",
            include_superusers=True,
            backend="monitor.security.backends.PermissionBackend",  # the one holding permissions
        )
        .filter(is_active=True)
        .exclude(email="")
        .order_by("username")
    )
    for reviewer in reviewers:
        waiting = []
        for content_type_id, pks in by_type.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            records = (
                model.objects.visible_to(reviewer)
                .filter(pk__in=pks, review_state=ReviewState.SUBMITTED)
                .order_by("pk")
            )
            for record in records:
                actor = submitted_by[(content_type_id, record.pk)]
                if actor is None or actor.pk != reviewer.pk:  # four eyes
                    waiting.append((record, actor))
        if waiting and _send(reviewer, waiting):
            sent += 1
    return sent


def _review_url(record) -> str:
    opts = record._meta
    return reverse("review-item", args=[opts.app_label, opts.model_name, record.pk])


def _send(reviewer, waiting: list) -> bool:
    base = settings.SITE_URL
    with translation.override(getattr(reviewer, "language", "") or settings.LANGUAGE_CODE):
        if len(waiting) == 1:
            subject = _("Waiting for your review: %(record)s") % {
                "record": notice_label(waiting[0][0])
            }
        else:
            subject = ngettext(
                "%(count)d record waiting for your review",
                "%(count)d records waiting for your review",
                len(waiting),
            ) % {"count": len(waiting)}
        lines = [_("Submitted for review:"), ""]
        for record, actor in waiting[:LISTED]:
            lines.append(
                _("- %(record)s, by %(who)s: %(link)s")
                % {
                    "record": notice_label(record),
                    "who": actor or _("someone"),
                    "link": base + _review_url(record),
                }
            )
        if len(waiting) > LISTED:
            lines.append(_("…and %(count)d more.") % {"count": len(waiting) - LISTED})
        lines += [
            "",
            _("The review queue: %(link)s") % {"link": base + reverse("review-queue")},
            "",
            _("This message names no one; sign in to read the records."),
        ]
        message = EmailMessage(
            subject=subject,
            body="\n".join(str(line) for line in lines) + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[reviewer.email],
        )
    try:
        message.send()
    except Exception:
        logger.exception("A review notice to %s could not be sent", reviewer.username)
        return False
    return True
