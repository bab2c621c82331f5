"""Cells of an imported sheet: text as the person sees it, and the parsers that turn a cell into
a Python value or a ``CellError`` that says what to write instead.

The yes/no words and the date forms are part of the file formats (a file written in one office
is read in another whatever language either screen shows), so they are not translated; the
explanations are.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

YES = "是"
NO = "否"
BOOL_WORDS: dict[str, bool] = {YES: True, NO: False, "1": True, "0": False}

Parser = Callable[[Any], Any]


class CellError(Exception):
    """A cell that cannot be read; the message says what to write instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def cell_text(value: Any) -> str:
    """A cell as text: floats that are whole numbers lose their ".0" (Excel stores every
    number as a float, so a phone number 13912345678 arrives as 13912345678.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def word(value: Any) -> str:
    """A cell as one word: Unicode NFKC (full-width brackets and digits become plain ones)
    with every space removed; how headers and vocabulary cells are compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


normalise_header = word


def first_words(words: Mapping[str, Any]) -> list[str]:
    """One word per value of a vocabulary: the first one listed (written on export and offered
    in drop-down lists)."""
    seen: dict[Any, str] = {}
    for text, value in words.items():
        seen.setdefault(value, text)
    return list(seen.values())


def export_word(words: Mapping[str, Any], value: Any) -> Any:
    """The first word of ``value`` in a vocabulary; the value itself when it has none."""
    return next((w for w, v in words.items() if v == value), value)


# --- parsers: cell value -> Python value (or CellError) -------------------------------------


def parse_text(value: Any) -> str:
    return cell_text(value)


def text_parser(limit: int | None = None) -> Parser:
    """A text cell of at most ``limit`` characters."""

    def parse(value: Any) -> str:
        text = cell_text(value)
        if limit is not None and len(text) > limit:
            raise CellError(
                _("At most %(limit)d characters (this cell has %(n)d).")
                % {"limit": limit, "n": len(text)}
            )
        return text

    return parse


def parse_upper(value: Any) -> str:
    return word(value).upper()


def parse_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise CellError(_("Write a number."))
    if isinstance(value, int | float):
        text = cell_text(value)
    else:
        text = word(value).replace(",", "")
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("Write a number.")) from exc
    if not number.is_finite():
        raise CellError(_("Write a number."))
    return number


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(_("Write the date as YYYY-MM-DD (for example 2026-12-31)."))
    text = word(value)
    if text == "":
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise CellError(_("Write the date as YYYY-MM-DD (for example 2026-12-31)."))
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise CellError(_("There is no such day in the calendar; check the date.")) from exc


def choice_parser(
    words: Mapping[str, Any],
    blank: Any = "",
    offer: Iterable[str] | None = None,
    *,
    message: Promise | None = None,
) -> Parser:
    """A cell holding one word of the vocabulary ``words`` (accepted text -> stored value);
    a blank cell gives ``blank``. An unknown word is refused with ``message`` (a lazy
    translation), or else with the words of ``offer`` (all words when not given)."""
    offered = "、".join(words if offer is None else offer)

    def parse(value: Any) -> Any:
        text = word(value)
        if text == "":
            return blank
        if text in words:
            return words[text]
        if message is not None:
            raise CellError(str(message))
        raise CellError(_("Unknown value; write one of: %(values)s.") % {"values": offered})

    return parse


_bool_word = choice_parser(
    BOOL_WORDS,
    False,
    message=gettext_lazy("Write “是” (yes) or “否” (no); a blank cell means “否”."),
)


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return bool(_bool_word(value))
