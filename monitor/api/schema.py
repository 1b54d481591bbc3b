"""How the OpenAPI schema describes what the API really does.

drf-spectacular infers most of it; this module adds what it cannot see:

* the bearer-token scheme, approximate dates, and links that read as brief objects but are
  written as ids (:class:`~monitor.api.fields.RecordField`);
* the headers: ``ETag`` on every answer with a record, ``If-Match`` on updates and actions,
  ``Idempotency-Key`` on creates;
* the error answers each operation can give, all in the one error shape;
* descriptions for API users: a serializer's or view's *own* docstring only (a base class's
  docstring is written for contributors, about the code), its reStructuredText markup turned
  into Markdown (``tests/api/test_schema.py`` rejects code talk leaking into the schema).
"""

from __future__ import annotations

import inspect
import re

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from monitor.api.fields import APPROXIMATE_DATE_PATTERN
from monitor.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (`invalid`, with errors by field: an unknown field or query "
    "parameter is an error too) or a refused action (its code).",
    "401": "No valid credentials: sign in, or send `Authorization: Bearer <token>`.",
    "403": "Not allowed: your role, a read-only token, or a rule of the workflow.",
    "404": "No such record, or one you may not see.",
    "409": "A conflicting request (an Idempotency-Key reused for another request).",
    "412": "Stale: the record changed since the ETag given in If-Match.",
    "413": "The body is larger than the limit the message names (`too_large`).",
    "415": "The body is not JSON (`unsupported_media_type`).",
}


def public_doc(cls) -> str:
    """``cls``'s own docstring (never an inherited one), as Markdown."""
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    doc = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", doc)
    return doc.replace("``", "`")


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "monitor.api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from POST /api/v1/auth/tokens/.",
        }


class ApproximateDateFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "monitor.api.fields.ApproximateDateField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return {
                "type": "string",
                "pattern": APPROXIMATE_DATE_PATTERN,
                "example": "2022-05",
                "description": "An approximate date: 2022-05-18, 2022-05 or 2022, "
                "with “c. ” in front when approximate.",
            }
        return {
            "type": "string",
            "example": "2022-05",
            "description": "2022-05-18, 2022-05, 2022, May 2022, or c. 2021.",
        }


class RecordFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "monitor.api.fields.RecordField"
    match_subclasses = True  # e.g. a link read only as attached (cases' AttachedPersonField)

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            component = auto_schema.resolve_serializer(self.target.brief, direction)
            return component.ref
        return build_basic_type(OpenApiTypes.UUID)


class TermFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "monitor.api.fields.TermField"
    priority = 1  # before RecordFieldSchema, which matches its subclasses (TermField is one)

    def map_serializer_field(self, auto_schema, direction):
        vocabulary = self.target.vocabulary
        if direction == "response":
            component = auto_schema.resolve_serializer(self.target.brief, direction)
            return {
                "allOf": [component.ref],
                "description": f"A term of the vocabulary `{vocabulary}`.",
            }
        return {
            "type": "string",
            "minLength": 1,
            "description": f"A term of the vocabulary `{vocabulary}`: its id, or its code "
            f"(GET /api/v1/terms/?vocabulary={vocabulary} lists them).",
        }


class MonitorAutoSchema(AutoSchema):
    """AutoSchema with the API's headers and error answers."""

    def _action(self) -> str | None:
        action = getattr(self.view, "action", None)
        if (
            self.method.upper() in {"POST", "PATCH"}
            and "{" in self.path
            and action not in {"update", "partial_update"}
        ):
            return "record_action"  # submit, verify, archive…: all take If-Match, give ETag
        return action

    def _is_create_operation(self) -> bool:
        # A batch creates too: 201.
        return super()._is_create_operation() or self._action() == "batch"

    def _is_idempotent(self) -> bool:
        action = getattr(self.view, "action", None)
        return self._is_record_view() and (
            action in {"create", "batch"} or action in getattr(self.view, "idempotent_actions", ())
        )

    def get_description(self) -> str:
        action = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        action_doc = inspect.getdoc(action) if action is not None else ""
        if action_doc:
            return action_doc.replace("``", "`")
        return public_doc(type(self.view))

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if result and isinstance(field, serializers.ListSerializer):  # a batch's items: bounds
            bounds = {"minItems": field.min_length, "maxItems": field.max_length}
            result.update({key: value for key, value in bounds.items() if value is not None})
        return result

    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        description = public_doc(type(serializer))
        if description:
            result["description"] = description
        else:
            result.pop("description", None)
        return result

    def _is_record_view(self) -> bool:
        from monitor.api.viewsets import RecordViewSet

        return isinstance(self.view, RecordViewSet)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if not self._is_record_view():
            return parameters
        action = self._action()
        if action in {"update", "partial_update", "record_action"}:
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The ETag you read; the request is refused (412) if the "
                    "record has changed since.",
                )
            )
        if self._is_idempotent():
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    {"type": "string", "minLength": 1, "maxLength": 255},
                    OpenApiParameter.HEADER,
                    description="Any unique string (1–255 characters). Retrying with the "
                    "same key answers with what the first attempt made (its current state, "
                    "with `Idempotent-Replayed: true`) instead of making it again. Keys are "
                    "remembered for 30 days (MONITOR_IDEMPOTENCY_KEY_DAYS).",
                )
            )
        if action in {"retrieve", "create", "update", "partial_update", "record_action"}:
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="The record's id and version; send it back in If-Match.",
                    response=[200, 201],
                )
            )
        return parameters

    def error_codes(self) -> list[str]:
        action = self._action()
        method = self.method.upper()
        # Every operation refuses an unknown query parameter (400).
        codes = ["400"]
        # Even an operation open to anonymous clients (issuing a token with a password)
        # answers 401 to wrong credentials, and 403 to a token trying to issue one.
        codes += ["401", "403"]
        if "{" in self.path or self._is_list_view():
            codes.append("404")  # a hidden record; for lists, a page past the end
        if self._is_idempotent():
            codes.append("409")
        if action in {"update", "partial_update", "record_action"}:
            codes.append("412")
        if method in {"POST", "PUT", "PATCH"}:
            codes += ["413", "415"]
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self.error_codes():
            if code in responses:
                continue
            body = self._get_response_for_code(ErrorSerializer, code, direction=direction)
            body["description"] = ERROR_DESCRIPTIONS[code]
            responses[code] = body
        return responses
