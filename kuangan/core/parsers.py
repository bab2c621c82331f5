"""The API's request parsers (``DEFAULT_PARSER_CLASSES``): JSON, form and multipart bodies as
DRF parses them, then every text cleaned (``core.text.clean_text``) and held to the length
limit (``TEXT_MAX_LENGTH``); a JSON body nested deeper than ``JSON_MAX_DEPTH`` is refused
before it is decoded (a 400, never a ``RecursionError``)."""

from __future__ import annotations

import codecs
import re
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.settings import api_settings
from rest_framework.utils import json

from .text import clean_form_data, clean_text, text_max_length

JSON_MAX_DEPTH = 32

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of the JSON ``text`` nest (brackets inside strings are
    not counted); the text need not be valid JSON."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _too_long(path: str, limit: int) -> exceptions.ValidationError:
    return exceptions.ValidationError(
        {
            path or "non_field_errors": [
                _("Ensure this text has at most %(n)d characters.") % {"n": limit}
            ]
        }
    )


def clean_data(value: Any, limit: int, path: str = "") -> Any:
    """``value`` (parsed JSON) with every text cleaned; a text longer than ``limit`` is
    refused (400, on the field it was sent as)."""
    if isinstance(value, str):
        if len(value) > limit:
            raise _too_long(path, limit)
        return clean_text(value)
    if isinstance(value, dict):
        return {
            clean_text(str(k)): clean_data(v, limit, f"{path}.{k}" if path else str(k))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            clean_data(v, limit, f"{path}.{i}" if path else str(i)) for i, v in enumerate(value)
        ]
    return value


def clean_form_body(data: QueryDict, limit: int) -> QueryDict:
    """A form body (``data``) with every text cleaned; a text longer than ``limit`` is
    refused (400)."""
    for key, values in data.lists():
        if any(isinstance(v, str) and len(v) > limit for v in values):
            raise _too_long(key, limit)
    return clean_form_data(data)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": exc}
            ) from None
        if json_depth(text) > JSON_MAX_DEPTH:
            raise exceptions.ParseError(
                _("The JSON body nests deeper than %(n)d levels.") % {"n": JSON_MAX_DEPTH}
            )
        try:
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": exc}
            ) from None
        return clean_data(data, text_max_length())


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return clean_form_body(super().parse(stream, media_type, parser_context), text_max_length())


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        return parsers.DataAndFiles(clean_form_body(result.data, text_max_length()), result.files)
