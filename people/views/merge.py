"""Duplicate review and merges: the coordinator's pages (the API has the same, on the same
services and the same matcher).

* ``persons/duplicates/``: pairs of persons the coordinator may see whose names are a sure
  match, best first, with the score and the reasons, paginated; each pair leads to the
  merge page. On a large register the pairs are computed in the background: the page shows
  the latest result and starts a new computation (:mod:`people.duplicates`).
* ``persons/<survivor>/merge/``: merge a duplicate into that person, with a reason
  (:func:`people.services.person_merge`); the survivor then goes back to review.
* ``persons/<duplicate>/unmerge/``: undo a merge (:func:`people.services.person_unmerge`).

A person the user may not see answers 404 (the survivor in the URL, the duplicate in the
form alike); a user who is not a coordinator is told so (403).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from monitor.access import reveals_identity
from monitor.pages.editing import refused, visible_or_404
from monitor.progress import progress_url
from monitor.services import ActionRefused, NotVisible
from people import matching
from people.duplicates import duplicate_review, duplicates_start
from people.models import Person
from people.services import person_merge as merge_service
from people.services import person_unmerge as unmerge_service

PAIRS_PER_PAGE = 25


class MergeForm(forms.Form):
    duplicate = forms.UUIDField(
        label=_("The duplicate (merged into this person, then archived)"),
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Why these are one person"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why these are two persons"), max_length=500)


def _not_coordinator(user) -> bool:
    return not user.has_perm("monitor.archive_record")


@require_http_methods(["GET", "POST"])
def person_duplicates(request):
    """The pairs (:func:`people.duplicates.duplicate_review`); a POST starts computing them
    again in the background and leads to its progress."""
    if _not_coordinator(request.user):
        return refused(request, str(_("Only coordinators review duplicates.")))
    if request.method == "POST":
        return redirect(progress_url(duplicates_start(request.user)))
    review = duplicate_review(request.user)
    paginator = Paginator(review.rows, PAIRS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "people/person_duplicates.html",
        {
            "page_obj": page,
            "page_range": list(paginator.get_elided_page_range(page.number)),
            "pairs": matching.resolve_pairs(page.object_list, request.user),
            "count": paginator.count,
            "review": review,
        },
    )


@require_http_methods(["GET", "POST"])
def person_merge(request, pk):
    survivor = visible_or_404(Person, request.user, pk)
    back = reverse("person-detail", args=[survivor.pk])
    if _not_coordinator(request.user):
        return refused(request, str(_("Only coordinators merge persons.")), back=back)
    form = MergeForm(request.POST or None, initial={"duplicate": request.GET.get("duplicate")})
    wanted = request.POST.get("duplicate") or request.GET.get("duplicate")
    try:
        duplicate = visible_or_404(Person, request.user, wanted) if wanted else None
    except ValidationError:
        duplicate = None
    if duplicate is None or not (
        reveals_identity(request.user, survivor) and reveals_identity(request.user, duplicate)
    ):
        return refused(request, str(_("Choose a duplicate you may see and identify.")), back=back)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            merge_service(
                actor=request.user,
                survivor=survivor,
                duplicate=duplicate,
                reason=form.cleaned_data["reason"],
            )
        except NotVisible:
            return refused(request, str(_("Choose a duplicate you may see.")), back=back)
        except ActionRefused as refusal:
            error = refusal.message
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    context = {
        "survivor": survivor,
        "duplicate": duplicate,
        "form": form,
        "error": error,
    }
    return render(request, "people/person_merge.html", context, status=status)


@require_POST
def person_unmerge(request, pk):
    duplicate = visible_or_404(Person, request.user, pk)
    survivor_id = duplicate.merged_into_id
    back = reverse("person-detail", args=[survivor_id or duplicate.pk])
    if _not_coordinator(request.user):
        return refused(request, str(_("Only coordinators undo merges.")), back=back)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return refused(request, str(_("Say why these are two persons.")), back=back)
    try:
        unmerge_service(actor=request.user, duplicate=duplicate, reason=form.cleaned_data["reason"])
    except ActionRefused as refusal:
        return refused(request, refusal.message, back=back)
    return redirect(reverse("person-detail", args=[duplicate.pk]))
