"""The one text-cleaning step: what a person sends is stored without the characters that no
document can hold.

``clean_text`` removes the C0 control characters except tab, line feed and carriage return,
DEL, the C1 control characters, the Unicode noncharacters (U+FFFE, U+FFFF, U+FDD0–U+FDEF and
the last two code points of every plane) and lone surrogates, and turns ``\\r\\n`` and a lone
``\\r`` into ``\\n``. The forms (``core.forms.CleanTextForm``, under ``StyledForm``) and the
API (``core.parsers``) clean every text they receive with it; the .docx and .xlsx writers
(``core.spreadsheets.new_workbook``, the orders' and reports' .docx) clean again what they
write, for a text stored before (or around) that step.

``TEXT_MAX_LENGTH`` is the default length limit of a text without its own (a model's
``TextField``): the forms and the API refuse a longer text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

_REMOVED = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f"  # C0 controls except \t \n \r
    "\x7f-\x9f"  # DEL and the C1 controls
    "\ud800-\udfff"  # surrogates (only lone ones reach a str)
    "\ufdd0-\ufdef"  # noncharacters
    "\ufffe\uffff"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
    )
    + "]"
)
_NEWLINES = re.compile("\r\n?")


def clean_text(value: str) -> str:
    """``value`` without the characters no document can hold, with ``\\n`` line ends."""
    if value.isascii() and value.isprintable():
        return value  # the common case: nothing to do
    return _REMOVED.sub("", _NEWLINES.sub("\n", value))


def clean_value(value: Any) -> Any:
    """``value`` (a JSON-like structure: dicts, lists, strings, …) with every string cleaned,
    keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def clean_form_data(data: Any) -> Any:
    """A copy of a form's ``data`` (a ``QueryDict``, or a plain dict in tests) with every text
    cleaned, keys included."""
    if isinstance(data, MultiValueDict):
        cleaned = data.copy()  # a QueryDict's copy is mutable
        cleaned.clear()
        for key, values in data.lists():
            cleaned.setlist(
                clean_text(key), [clean_text(v) if isinstance(v, str) else v for v in values]
            )
        if isinstance(cleaned, QueryDict):
            cleaned._mutable = False
        return cleaned
    if isinstance(data, Mapping):
        return {clean_text(k) if isinstance(k, str) else k: clean_value(v) for k, v in data.items()}
    return data


def text_max_length() -> int:
    """The default length limit of a text field (``KUANGAN_TEXT_MAX_LENGTH``)."""
    return int(getattr(settings, "TEXT_MAX_LENGTH", 5000))
