"""The admin review queue: what waits for review, what changed, and Verify / Return.

The queue is one more client of the rules, not a back door around them:

* every list, count, filter choice, item page and label goes through ``visible_to``, and a
  protected person or source shows its pseudonym to a reader not cleared for it (the rule of
  :func:`monitor.access.reveals_identity`, taken as a query annotation from
  :func:`monitor.access.identity_q` so a page of items costs no query per item);
* decisions go through :func:`monitor.services.review_verify` and
  :func:`~monitor.services.review_return`, which check the role, the state and four eyes;
  the pages only hide buttons the services would refuse, and report their refusals.

Every role holder may read the queue (it holds only what they may see anyway); only users
with ``monitor.verify_record`` (reviewers) get the buttons. The URLs hang off the
ReviewDecision admin (``admin:review_queue``, ``admin:review_item``); the admin index shows
the queue's count through a thin wrapper around ``admin.site.index``, as Monitor has no
AdminSite subclass to carry it.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitor.access import has_role
from monitor.admin.base import ArchiveOnlyMixin
from monitor.admin.review.queue import (
    DONE,
    PAGE_SIZE,
    SERVICES,
    VERIFY_PERMISSION,
    QueueFilters,
    QueuePaginator,
    QueueSummary,
    decide,
    filter_choices,
    parse_uuid,
    queue_items,
    reason,
)
from monitor.choices import ReviewState
from monitor.labels import (
    item_url,
    labelled,
    reviewed_model,
    safe_label,
    visible,
)
from monitor.models import Reviewable, ReviewDecision
from monitor.review_diff import Review, build_review, default_since
from monitor.services import (
    ActionRefused,
    NotVisible,
    contributors_since_verification,
)

# -- the admin -------------------------------------------------------------------------------


class DecisionChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        self.model_admin.attach_records(request, self.result_list)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ArchiveOnlyMixin, admin.ModelAdmin):
    """The kept record of every review decision (read here, written by the services), and
    the review queue built on it."""

    list_display = ("at", "action", "record_display", "version", "actor", "comment")
    # Only the kinds of record decided on: not every content type of every library.
    list_filter = ("action", ("content_type", admin.RelatedOnlyFieldListFilter))
    search_fields = ("comment", "actor__username")
    list_select_related = ("content_type", "actor")
    date_hierarchy = "at"

    # -- the decision log ------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = ReviewDecision.objects.visible_to(request.user)
        return queryset.order_by(*(self.get_ordering(request) or ReviewDecision._meta.ordering))

    def get_changelist(self, request, **kwargs):
        return DecisionChangeList

    def attach_records(self, request, decisions) -> None:
        """Set ``visible_record`` on each decision: one query per kind of record."""
        wanted: dict[int, set] = defaultdict(set)
        for decision in decisions:
            wanted[decision.content_type_id].add(decision.object_id)
        found = {}
        for content_type_id, ids in wanted.items():
            model = ContentType.objects.get_for_id(content_type_id).model_class()
            if model is None or not issubclass(model, Reviewable):
                continue
            for record in labelled(visible(model, request.user).filter(pk__in=ids), request.user):
                found[(content_type_id, record.pk)] = record
        for decision in decisions:
            decision.visible_record = found.get((decision.content_type_id, decision.object_id))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            self.attach_records(request, [obj])
        return obj

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # A decision on a hidden record answers 404, like the record (see AuditedAdmin).
        raise Http404

    @admin.display(description=gettext_lazy("record"))
    def record_display(self, obj: ReviewDecision):
        record = getattr(obj, "visible_record", None)
        if record is None:
            return None
        return format_html('<a href="{}">{}</a>', item_url(record), safe_label(record))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ReviewDecision._meta.fields if f.name != "object_id"] + [
            "record_display"
        ]

    def get_fields(self, request, obj=None):
        return ["record_display", "content_type", "action", "actor", "at", "version", "comment"]

    def has_module_permission(self, request) -> bool:
        return has_role(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        # Decisions are seen by whoever sees the record decided on (get_queryset); the role
        # groups carry no model permission for them.
        return has_role(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    # -- the queue -------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("queue/", view(self.queue_view), name="review_queue"),
            path(
                "queue/<str:app_label>/<str:model_name>/<uuid:pk>/",
                view(self.item_view),
                name="review_item",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **values) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": ReviewDecision._meta,
            "queue_url": reverse("admin:review_queue"),
            "can_review": request.user.has_perm(VERIFY_PERMISSION),
            **values,
        }

    def queue_view(self, request):
        """Every submitted record the user may see, oldest first, with bulk decisions."""
        if not has_role(request.user):
            raise PermissionDenied
        if request.method == "POST":
            return self.bulk_decide(request)
        filters = QueueFilters.from_params(request.GET)
        paginator = QueuePaginator(PAGE_SIZE, user=request.user, filters=filters)
        page = paginator.get_page(request.GET.get("page"))
        page_params = filters.params()
        context = self._context(
            request,
            title=_("Review queue"),
            items=queue_items(list(page.object_list), request.user),
            page=page,
            filters=filters,
            filter_params=page_params,
            filter_query=urlencode(page_params),
            choices=filter_choices(request.user),
        )
        return TemplateResponse(request, "admin/monitor/review/queue.html", context)

    def bulk_decide(self, request):
        """Run the chosen service on each selected item and report, per item, what was done
        and what was refused and why. Each item is its own transaction."""
        filters = QueueFilters.from_params(request.POST)
        query = urlencode(filters.params())
        back = HttpResponseRedirect(reverse("admin:review_queue") + (f"?{query}" if query else ""))
        action = request.POST.get("action", "")
        comment = request.POST.get("comment", "").strip()
        keys = request.POST.getlist("items")
        if action not in SERVICES:
            messages.error(request, _("Choose Verify selected or Return selected."))
            return back
        if not keys:
            messages.warning(request, _("Select at least one item."))
            return back
        if action == "return" and not comment:
            messages.error(
                request, _("Say what needs fixing: returning needs a comment. Nothing was done.")
            )
            return back
        for record in self._selected(keys, request.user):
            if record is None:
                messages.error(request, _("An item was not found; it may have been withdrawn."))
                continue
            label = safe_label(record)
            try:
                SERVICES[action](record=record, actor=request.user, comment=comment)
            except NotVisible:
                messages.error(request, _("An item was not found; it may have been withdrawn."))
            except (ActionRefused, ValidationError) as refusal:
                messages.error(
                    request,
                    _("%(item)s — refused: %(why)s") % {"item": label, "why": reason(refusal)},
                )
            else:
                messages.success(request, f"{label} — {DONE[action]}")
        return back

    def _selected(self, keys: list[str], user) -> list:
        """The selected records the user may see, in the order selected (None: not found)."""
        wanted: dict[type, list] = defaultdict(list)
        parsed = []
        for key in dict.fromkeys(keys):  # each once, in order
            label, _sep, raw_pk = key.partition(":")
            pk = parse_uuid(raw_pk)
            try:
                model = apps.get_model(label) if pk else None
            except (LookupError, ValueError):
                model = None
            if model is None or not issubclass(model, Reviewable):
                parsed.append((key, None, None))
                continue
            wanted[model].append(pk)
            parsed.append((key, model, pk))
        found = {}
        for model, pks in wanted.items():
            for record in labelled(visible(model, user).filter(pk__in=pks), user):
                found[(model, record.pk)] = record
        return [found.get((model, pk)) for _key, model, pk in parsed]

    def item_view(self, request, app_label: str, model_name: str, pk: uuid.UUID):
        """One record: its diff against the last verified version, the sources behind each
        claim, the decisions so far, and Verify / Return."""
        model = reviewed_model(app_label, model_name)
        record = labelled(visible(model, request.user).filter(pk=pk), request.user).first()
        if record is None:
            raise Http404
        # Resubmitted after a return: what was fixed since, not "never verified".
        review = build_review(record, request.user, since=default_since(record))
        comment = ""
        if request.method == "POST":
            comment = request.POST.get("comment", "")
            if self.decide(request, review):
                return HttpResponseRedirect(reverse("admin:review_queue"))
        barred = request.user.pk in contributors_since_verification(record)
        if record.review_state != ReviewState.SUBMITTED:
            messages.info(
                request,
                _("This record is not waiting for review: it is %(state)s.")
                % {"state": record.get_review_state_display()},
            )
        decisions = ReviewDecision.objects.for_record(record).select_related("actor")
        context = self._context(
            request,
            title=_("Review: %(record)s") % {"record": review.label},
            review=review,
            record=record,
            kind=capfirst(model._meta.verbose_name),
            submitted=record.review_state == ReviewState.SUBMITTED,
            barred=barred,
            blockers=record.verification_blockers(),
            decisions=decisions.order_by("-at"),
            comment=comment,
        )
        return TemplateResponse(request, "admin/monitor/review/item.html", context)

    def decide(self, request, review: Review) -> bool:
        """Verify or return the record as the request's user; True when it was done."""
        return decide(request, review)


# -- the admin index -----------------------------------------------------------------------


def _index_with_queue(index):
    """``AdminSite.index`` with the review queue's link and count in its context."""

    @functools.wraps(index)
    def view(request, extra_context=None):
        context = dict(extra_context or {})
        if has_role(request.user):
            context.setdefault("review_queue", QueueSummary(request.user))
        return index(request, context)

    return view


admin.site.index = _index_with_queue(admin.site.index)
