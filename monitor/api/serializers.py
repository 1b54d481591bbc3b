"""Serializers shared by every app, and those of the core app (terms, places, me, tokens).

Serializers translate; they do not decide. A write is validated here field by
field, then turned into an unsaved record (:meth:`RecordSerializer.to_record`) that the
viewset hands to :func:`monitor.services.record_save`, where the rules live.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from monitor import approxdate, redaction
from monitor.access import has_role
from monitor.api.fields import ApproximateDateField, RecordField, TermField, redaction_reader
from monitor.api.strict import StrictFields, StrictSerializer
from monitor.choices import Confidentiality
from monitor.models import ApiToken, Place, Team, Term, User
from monitor.models.api import TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS
from monitor.pages.editing import default_team

#: Written by the system, never by a client.
AUDIT_FIELDS = (
    "id",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "archived_at",
    "archived_by",
)

# -- brief representations of linked records -----------------------------------------------


class BriefUserSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(source="__str__", read_only=True)


class BriefTeamSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)


class BriefTermSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    vocabulary = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(
        read_only=True,
        source="shown_label",
        help_text=_("The label in the language asked for (Accept-Language), else English."),
    )


class BriefPlaceSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


# -- choices for linked records: always through visible_to ---------------------------------


def terms_of(vocabulary):
    """``choices`` for a RecordField limited to one vocabulary."""

    def choices(user):
        return Term.objects.visible_to(user).of(vocabulary).active()

    return choices


def VocabularyField(vocabulary, **kwargs) -> TermField:
    """A link to a term of ``vocabulary``, by id or by code."""
    return TermField(BriefTermSerializer, vocabulary, terms_of(vocabulary), **kwargs)


def visible_places(user):
    return Place.objects.visible_to(user).active()


def visible_teams(user):
    """Teams are not secret (their names appear on every record) but still need a role."""
    return Team.objects.all() if has_role(user) else Team.objects.none()


def visible_users(user):
    """Colleagues, for fields such as a follow-up's owner: active accounts, for a role."""
    return User.objects.filter(is_active=True) if has_role(user) else User.objects.none()


class CreatorsTeam:
    """The default team of a record created without one: its creator's team, when they are
    in exactly one (as the pages' forms propose it, ``monitor.pages.editing.default_team``), so
    teammates can edit what a script recorded."""

    requires_context = True

    def __call__(self, serializer_field):
        request = serializer_field.context.get("request")
        return default_team(getattr(request, "user", None))


def TeamField(**kwargs) -> RecordField:
    kwargs.setdefault(
        "help_text",
        _(
            "The team working on the record. Left out of a create: your team, if you are in "
            "exactly one."
        ),
    )
    return RecordField(
        BriefTeamSerializer,
        visible_teams,
        allow_null=True,
        default=serializers.CreateOnlyDefault(CreatorsTeam()),
        **kwargs,
    )


def UserField(**kwargs) -> RecordField:
    return RecordField(
        BriefUserSerializer, visible_users, allow_null=True, required=False, **kwargs
    )


# -- the base of every record serializer ---------------------------------------------------


@dataclass
class WritePlan:
    """An unsaved record and what is saved with it, for the viewset to hand to the services."""

    record: object
    m2m: dict = field(default_factory=dict)
    children: dict = field(default_factory=dict)
    reason: str = ""


class RecordSerializer(StrictFields, serializers.ModelSerializer):
    """Base of every serializer of an audited record.

    * Audit and workflow fields are read-only (``review_state`` moves through actions).
    * Every relation must be declared, as a :class:`RecordField` whose choices go through
      ``visible_to``: DRF's default (every row of the table) would confirm hidden ids, so
      an undeclared relation is a configuration error.
    * Uniqueness and the model's constraints are checked by ``full_clean()`` in the service,
      not twice here.
    * What identifies a protected record (the model's :class:`monitor.redaction.Redaction`)
      reads as null for a reader who may not identify it — in every serializer of the model,
      nested ones included, without the serializer naming the fields.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        approxdate.ApproximateDateField: ApproximateDateField,
    }

    created_by = RecordField(BriefUserSerializer, allow_null=True)
    archived_by = RecordField(BriefUserSerializer, allow_null=True)
    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=_("Why this change was made; kept in the record's history."),
    )

    #: Field names of nested lists of child records written with this one.
    children: tuple[str, ...] = ()

    def build_relational_field(self, field_name, relation_info):
        raise ImproperlyConfigured(
            f"{type(self).__name__}.{field_name}: declare relations as RecordField with "
            "choices through visible_to."
        )

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        validators = [v for v in kwargs.get("validators", []) if not isinstance(v, UniqueValidator)]
        if "validators" in kwargs:
            kwargs["validators"] = validators
        if field_class is ApproximateDateField:
            # A model DateField's kwargs that mean nothing to a text field.
            kwargs.pop("input_formats", None)
        if field_name in redaction.identifying_fields(self.Meta.model) and field_name != "id":
            kwargs["allow_null"] = True  # read as null when redacted (the schema says so)
        return field_class, kwargs

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        # Identifying text fields read as null when redacted; written back, null means "".
        model = self.Meta.model
        for name in redaction.identifying_fields(model):
            if name in values and values[name] is None:
                model_field = model._meta.get_field(name)
                if isinstance(model_field, (models.CharField, models.TextField)):
                    values[name] = ""
        return values

    def to_representation(self, instance):
        data = super().to_representation(instance)
        hidden = redaction_reader(self.context).hidden_fields(instance)
        for name in hidden:
            if name in data and name != "id":
                data[name] = None
        return data

    def get_validators(self):
        return []

    def to_record(self, instance=None) -> WritePlan:
        """The validated data as an unsaved record (``instance`` updated, or a new one)."""
        data = dict(self.validated_data)
        reason = data.pop("change_reason", "") or ""
        children = {}
        for name in self.children:
            source = self.fields[name].source
            if source in data:
                children[name] = data.pop(source)
        model = self.Meta.model
        record = instance if instance is not None else model()
        m2m = {}
        for name, value in data.items():
            if model._meta.get_field(name).many_to_many:
                m2m[name] = value
            else:
                setattr(record, name, value)
        return WritePlan(record=record, m2m=m2m, children=children, reason=reason)


class ChildSerializer(RecordSerializer):
    """A child record written inside its parent (a step in a detention, a name in a person).

    ``id`` is optional on input: an item with the id of an existing child updates it, an
    item without one adds a child. Children left out of a write are kept as they are.
    """

    id = serializers.UUIDField(
        required=False,
        help_text=_("Give it to update this item; leave it out to add a new item."),
    )
    change_reason = None  # the parent's reason covers its children

    #: The foreign key from the child to its parent.
    parent_field: str = ""

    def save_order(self, items: list) -> list[int]:
        """In which order the items are saved (their positions in ``items``)."""
        return list(range(len(items)))

    def item_to_record(self, data: dict, record) -> WritePlan:
        model = self.Meta.model
        m2m = {}
        for name, value in data.items():
            if model._meta.get_field(name).many_to_many:
                m2m[name] = value
            else:
                setattr(record, name, value)
        return WritePlan(record=record, m2m=m2m)


# -- reference data ------------------------------------------------------------------------


class TermSerializer(RecordSerializer):
    parent = RecordField(
        BriefTermSerializer,
        lambda user: Term.objects.visible_to(user),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Term
        fields = [
            "id",
            "vocabulary",
            "code",
            "label",
            "labels",
            "description",
            "parent",
            "position",
            "review_state",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


class PlaceSerializer(RecordSerializer):
    parent = RecordField(BriefPlaceSerializer, visible_places, allow_null=True, required=False)

    class Meta:
        model = Place
        fields = [
            "id",
            "name",
            "kind",
            "parent",
            "code",
            "latitude",
            "longitude",
            "review_state",
            *AUDIT_FIELDS[1:],
            "change_reason",
        ]
        read_only_fields = (*AUDIT_FIELDS, "review_state")


# -- actions, history, errors --------------------------------------------------------------


class CommentSerializer(StrictSerializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, help_text=_("Kept with the decision.")
    )


SEEN_HELP = _(
    "The `fingerprint` of the record's review (GET …/review/) you decided on. When given, "
    "the decision is refused (code `changed`) if the record or any of its parts changed since."
)


class VerifySerializer(CommentSerializer):
    seen = serializers.CharField(required=False, max_length=64, help_text=SEEN_HELP)


class ReturnSerializer(StrictSerializer):
    comment = serializers.CharField(
        max_length=5000, help_text=_("What needs fixing; required to return a record.")
    )
    seen = serializers.CharField(required=False, max_length=64, help_text=SEEN_HELP)


class ReviewChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class ReviewPartSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.UUIDField(source="pk")
    label = serializers.CharField()
    status = serializers.CharField(
        help_text=_("added, changed, archived, restored or unchanged since the last verification")
    )
    changes = ReviewChangeSerializer(many=True)


class ReviewSerializer(serializers.Serializer):
    """What a reviewer decides on: the field-by-field diff of the record and every part of
    its review unit against the last verified version, links included, as the reader may
    see it — the same view as the admin's review queue."""

    label = serializers.CharField()
    fingerprint = serializers.CharField(
        source="token", help_text=_("Send it back as `seen` with verify or return.")
    )
    last_verified_at = serializers.DateTimeField(source="verified.at", allow_null=True)
    identity_redacted = serializers.BooleanField(source="identity_hidden")
    parts = ReviewPartSerializer(many=True)


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=_("Kept in the history.")
    )


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    added = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("For a many-to-many link: the ids linked by this change."),
    )
    removed = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("For a many-to-many link: the ids unlinked by this change."),
    )


class HistoryEntrySerializer(serializers.Serializer):
    version = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField()
    user = BriefUserSerializer(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    changes = FieldChangeSerializer(many=True)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("A stable, machine-readable reason."))
    message = serializers.CharField(help_text=_("What went wrong, for a person."))
    fields = serializers.DictField(
        required=False,
        child=serializers.JSONField(),
        help_text=_("For invalid input: the messages by field (nested rows by position)."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# -- the signed-in user and their tokens ---------------------------------------------------


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="__str__")
    email = serializers.EmailField(allow_blank=True)
    roles = serializers.ListField(child=serializers.CharField())
    clearance = serializers.ChoiceField(choices=Confidentiality.choices)
    teams = BriefTeamSerializer(many=True)
    can_verify = serializers.BooleanField()
    can_archive = serializers.BooleanField()


class ApiTokenSerializer(serializers.ModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "hint",
            "read_only",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text=_("The secret: shown this once, never again.")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenRequestSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, help_text=_("What the token is for."))
    username = serializers.CharField(
        required=False,
        max_length=150,
        help_text=_("With the password, to get a token without a session."),
    )
    password = serializers.CharField(
        required=False, write_only=True, max_length=1000, style={"input_type": "password"}
    )
    otp = serializers.CharField(
        required=False,
        write_only=True,
        max_length=32,
        help_text=_(
            "With the username and password: the code your authenticator app shows now, or "
            "one of your recovery codes (each works once). Tokens are issued only with a "
            "second factor."
        ),
    )
    expires_in_days = serializers.IntegerField(
        required=False, min_value=1, max_value=TOKEN_MAX_DAYS, default=TOKEN_DEFAULT_DAYS
    )
    read_only = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if bool(attrs.get("username")) != bool(attrs.get("password")):
            raise serializers.ValidationError(_("Give both the username and the password."))
        if attrs.get("username") and not attrs.get("otp"):
            raise serializers.ValidationError(
                {
                    "otp": _(
                        "Give the code from your authenticator app (or a recovery code) with "
                        "the username and password."
                    )
                }
            )
        return attrs
