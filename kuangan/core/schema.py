"""OpenAPI description of the project's own API pieces (drf-spectacular): the token scheme, the
schema class that documents what every operation can answer (the errors of the API's one
shape, nullable read-only fields), and the field that names an object by its code."""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """``Authorization: Token <key>``, the key from ``POST /api/v1/auth/token/``."""

    target_class = "kuangan.core.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The header "Token <key>", the key from POST /api/v1/auth/token/.',
        }


class ScopedCodeFieldScheme(OpenApiSerializerFieldExtension):
    """An object named by its code (``ScopedCodeField``): a string; its id is still accepted
    from older clients, undocumented."""

    target_class = "kuangan.core.api.ScopedCodeField"

    def map_serializer_field(self, auto_schema, direction):
        name = self.target.queryset.model._meta.model_name
        return {"type": "string", "description": f"The {name}'s code."}


class ApiErrorSerializer(serializers.Serializer):
    """Every error of the API has this shape (``core.api.exception_handler``)."""

    error = inline_serializer(
        "ApiErrorDetail",
        {
            "code": serializers.CharField(
                help_text="A stable code: invalid, not_found, conflict, …"
            ),
            "message": serializers.CharField(help_text="What went wrong, for people to read."),
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text="The messages of each refused field, by field name.",
            ),
        },
    )


# The errors every operation can answer, and those of some kinds of operation.
ERRORS = {
    400: "The input (query parameters or body) is not valid; see error.fields.",
    401: "No valid token (or session) was sent.",
    403: "The user may not do this.",
    404: "No such object in the user's area (or no such page).",
}
WRITE_ERRORS = {
    409: "The object changed since it was loaded (a stale version), or the step "
    "does not apply to it now."
}
BODY_ERRORS = {415: "The body's media type is not one the operation reads."}
VERSION_ERRORS = {
    428: 'The version the client loaded is missing (the field "version" or the If-Match header).'
}
THROTTLE_ERRORS = {429: "Too many requests (or failed logins): try again later."}


def _model_field(field) -> models.Field | None:
    """The model field a serializer field reads directly (``source`` without dots), if any."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def paginated(handler):
    """Mark a viewset's own action that answers a page of rows (``paginate_queryset``), as
    ``list`` does; any other list is answered whole."""
    handler.paginated = True
    return handler


def _blank_email(field, schema) -> None:
    """An e-mail address that may be blank (optional, or read back from older rows) has no
    e-mail format: "" is no address."""
    if (
        isinstance(field, serializers.EmailField)
        and isinstance(schema, dict)
        and (field.allow_blank or field.read_only)
    ):
        schema.pop("format", None)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus what the API really answers: every error response, in
    the one shape, and null for the read-only fields that can be null."""

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and isinstance(field, serializers.Field):
            # ``default=None``: a missing value (``source="a.b"`` through an empty reference,
            # an absent annotation) is answered as null.
            if field.read_only and field.default is None:
                meta["nullable"] = True
            elif isinstance(field, serializers.RelatedField) and field.read_only:
                # A read-only reference reads an empty foreign key as null.
                if getattr(_model_field(field), "null", False):
                    meta["nullable"] = True
        return meta

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if (
            direction == "response"
            and isinstance(field, serializers.ChoiceField)
            and field.read_only
            and getattr(_model_field(field), "blank", False)
        ):
            # Read-only fields lose ``allow_blank``; a blank choice is still answered as "".
            field.allow_blank = True
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        _blank_email(field, schema)
        return schema

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        _blank_email(field, schema)

    def _get_paginator(self):
        action = getattr(self.view, "action", None)
        if (
            action is None
            or action == "list"
            or getattr(getattr(self.view, action, None), "paginated", False)
        ):
            return super()._get_paginator()
        return None

    def _error_codes(self) -> dict[int, str]:
        codes = dict(ERRORS)
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            codes |= WRITE_ERRORS
        if self.method in {"POST", "PUT", "PATCH"}:
            codes |= BODY_ERRORS
        if self.method in {"PUT", "PATCH"}:  # core.api.VersionedUpdateMixin
            codes |= VERSION_ERRORS
        if self.view.get_throttles():
            codes |= THROTTLE_ERRORS
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._error_codes().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ApiErrorSerializer, description=description),
                    str(code),
                    direction=direction,
                )
        return responses
