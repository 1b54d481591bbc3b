"""Redaction of protected identities (persons and sources) in API responses.

:func:`monitor.access.reveals_identity` is the rule. Asked once per row it would cost a query
per protected row, so list querysets carry the answer as an annotation
(:func:`annotate_identity`, built from :func:`monitor.access.identity_q`, the same rule as a
filter), and :class:`IdentityPolicy` falls back to the function, remembered per team, for
rows loaded without it.
"""

from __future__ import annotations

import contextlib

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from monitor.access import identity_q, reveals_identity

ANNOTATION = "identity_revealed"


def annotate_identity(queryset: QuerySet, user, prefix: str = "") -> QuerySet:
    """Annotate ``identity_revealed``: whether ``user`` may see who each row is."""
    rule = identity_q(user, prefix)
    if rule is None:
        value = Value(False, output_field=BooleanField())
    elif rule == Q():
        value = Value(True, output_field=BooleanField())
    else:
        value = Case(
            When(rule, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    return queryset.annotate(**{ANNOTATION: value})


class IdentityPolicy:
    """Answers "may this request's user see who this is?" for each row it serializes."""

    def __init__(self, user):
        self.user = user
        self._by_team: dict = {}

    def reveals(self, record) -> bool:
        if not getattr(record, "is_protected", False):
            return True
        annotated = record.__dict__.get(ANNOTATION)
        if annotated is not None:
            return bool(annotated)
        # The rule depends on the user, the record's protection and its team only.
        key = (type(record), getattr(record, "team_id", None))
        if key not in self._by_team:
            self._by_team[key] = reveals_identity(self.user, record)
        return self._by_team[key]


def identity_policy(context) -> IdentityPolicy:
    """The request's policy, made once per serializer context."""
    policy = context.get("identity")
    if policy is None:
        request = context.get("request")
        policy = IdentityPolicy(getattr(request, "user", None))
        with contextlib.suppress(TypeError):  # an immutable context: just not remembered
            context["identity"] = policy
    return policy
