"""The review screen inside the app (issue 19): the queue, one record's changes, Verify / Return.

A client of the same rules as the admin's queue (``monitor.admin.review``), nothing of its
own: the queue's rows and items (``monitor.admin.review.queue``), the one diff engine
(:func:`monitor.review_diff.build_review`, compared with the last verified version or the
version last returned), and the services ``review_verify`` / ``review_return`` with the
fingerprint of what the reviewer saw (``seen``). Long texts are shown word by word
(:attr:`monitor.review_diff.Change.words`, a rendering of the engine's values).

Reviewers only: anyone else gets 403 on the queue and 404 on every record's address, before
any record is looked up (exactly as for an id that does not exist); a record the reviewer may
not see is 404 too.
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from monitor.admin.review.queue import (
    PAGE_SIZE,
    VERIFY_PERMISSION,
    QueueFilters,
    QueuePaginator,
    decide,
    filter_choices,
    queue_items,
)
from monitor.choices import ReviewState
from monitor.labels import labelled, reviewed_model, safe_label, visible
from monitor.models import DecisionAction, ReviewDecision
from monitor.pages.editing import refused
from monitor.pages.helpers import detail_url
from monitor.review_diff import BASELINES, build_review, default_since
from monitor.services import contributors_since_verification


def page_url(record) -> str:
    """The review page of ``record``."""
    opts = record._meta
    return reverse("review-item", args=[opts.app_label, opts.model_name, record.pk])


def _is_reviewer(request: HttpRequest) -> bool:
    return request.user.has_perm(VERIFY_PERMISSION)


def queue(request: HttpRequest) -> HttpResponse:
    """Every submitted record the reviewer may see, oldest first, filtered like the admin's."""
    if not _is_reviewer(request):
        return refused(request, _("Only reviewers open the review screen."), back="/")
    filters = QueueFilters.from_params(request.GET)
    paginator = QueuePaginator(PAGE_SIZE, user=request.user, filters=filters)
    page = paginator.get_page(request.GET.get("page"))
    items = queue_items(list(page.object_list), request.user)
    for item in items:
        app_label, _sep, rest = item.key.partition(".")
        model_name, _sep, pk = rest.partition(":")
        item.url = reverse("review-item", args=[app_label, model_name, pk])
    return render(
        request,
        "monitor/review_queue.html",
        {
            "page_title": _("Review queue"),
            "items": items,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "filters": filters,
            "filter_query": urlencode(filters.params()),
            "choices": filter_choices(request.user),
        },
    )


def item(request: HttpRequest, app_label: str, model_name: str, pk: uuid.UUID) -> HttpResponse:
    """One record: what changed since the last verification or the last return, the sources
    behind each claim, the decisions so far, and Verify / Return beside them."""
    if not _is_reviewer(request):
        # Not "forbidden": whether a record of that id exists is not theirs to learn.
        raise Http404
    model = reviewed_model(app_label, model_name)
    record = labelled(visible(model, request.user).filter(pk=pk), request.user).first()
    if record is None:
        raise Http404
    if request.method == "POST":
        review = build_review(record, request.user)  # only its fingerprint and label count
        if decide(request, review):
            return HttpResponseRedirect(reverse("review-queue"))
    since = request.GET.get("since", "")
    since = DecisionAction(since) if since in BASELINES else default_since(record)
    review = build_review(record, request.user, since=since)
    decisions = ReviewDecision.objects.for_record(record).select_related("actor").order_by("-at")
    baselines = [
        (action, action == since, f"?{urlencode({'since': action.value})}") for action in BASELINES
    ]
    return render(
        request,
        "monitor/review_item.html",
        {
            "page_title": _("Review: %(record)s") % {"record": review.label},
            "review": review,
            "record": record,
            "kind": capfirst(model._meta.verbose_name),
            "since": since,
            "baselines": baselines,
            "submitted": record.review_state == ReviewState.SUBMITTED,
            "barred": request.user.pk in contributors_since_verification(record),
            "blockers": record.verification_blockers(),
            "decisions": decisions,
            "comment": request.POST.get("comment", ""),
            "record_url": detail_url(record),
            "companions": _companions(record, request.user),
        },
    )


def _companions(record, user) -> list[dict]:
    """The records that travel in this one's review (a case's new victims and sources),
    as the reviewer may see them: verified with it."""
    wanted: dict[type, list] = {}
    for companion in record.review_companions():
        wanted.setdefault(type(companion), []).append(companion.pk)
    shown = []
    for model, pks in wanted.items():
        for found in labelled(visible(model, user).filter(pk__in=pks), user):
            shown.append(
                {
                    "kind": capfirst(model._meta.verbose_name),
                    "label": safe_label(found),
                    "url": detail_url(found),
                    "state": found.get_review_state_display(),
                }
            )
    return shown
