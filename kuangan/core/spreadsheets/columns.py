"""The columns of a file format: each column's name in the file (a fixed Chinese name, a format
constant), the key it fills, how its cells are read, and what the template and the upload page
say about it. Headers are matched after NFKC normalisation with spaces removed, so
"边坡高度（米）" matches "边坡高度(米)"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .cells import Parser, normalise_header, parse_text


@dataclass(frozen=True)
class Column:
    header: str  # the column name in the file
    key: str  # the field (or other key) the column fills
    parse: Parser = parse_text
    required: bool = False
    help: Any = ""  # what to write (interface text, translated)
    choices: tuple[str, ...] = ()  # the words offered in the template's drop-down list
    width: int = 14  # the column's width in the template
    words: Mapping[str, Any] | None = None  # vocabulary: accepted text -> stored value


class ColumnSet:
    """The columns of one format, looked up by key and by (normalised) header."""

    def __init__(self, columns: Iterable[Column]):
        self.columns: tuple[Column, ...] = tuple(columns)
        self.by_key: dict[str, Column] = {c.key: c for c in self.columns}
        self.by_header: dict[str, Column] = {normalise_header(c.header): c for c in self.columns}

    def __iter__(self):
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def required_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.columns if c.required)

    def column_for(self, header: Any) -> Column | None:
        """The column a header cell names, if any."""
        return self.by_header.get(normalise_header(header))

    def find(self, key_or_header: str) -> Column | None:
        """The column of a key, or of a column name."""
        return self.by_key.get(key_or_header) or self.column_for(key_or_header)

    def order(self, header: str) -> int:
        """Position of a column in the standard order (for sorting messages); unknown last."""
        column = self.column_for(header) if header else None
        return self.columns.index(column) if column is not None else len(self.columns)

    def described(self) -> list[dict[str, Any]]:
        """The columns as the upload page lists them."""
        return [
            {"header": c.header, "required": c.required, "help": c.help, "words": c.choices}
            for c in self.columns
        ]
