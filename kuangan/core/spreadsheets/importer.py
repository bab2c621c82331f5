"""The first stage every import shares: find the header row, map the columns by their names,
read every cell of every row, and report each problem at its row and column.

An importer subclasses ``SheetImporter``, declares its columns and takes over from there (the
rows' own logic, the model's rules, writing)::

    class _Importer(SheetImporter):
        columns = ColumnSet(COLUMNS)
        anchor_keys = ("name",)
        max_rows = 50_000
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from .cells import CellError, cell_text
from .columns import Column, ColumnSet
from .reading import Table, read_table
from .results import ImportResult, Issue


@dataclass
class Row:
    number: int  # the row number as the spreadsheet shows it
    raw: dict[str, str] = field(default_factory=dict)  # key -> cell text as in the file
    values: dict[str, Any] = field(default_factory=dict)  # key -> parsed value
    bad: set[str] = field(default_factory=set)  # keys of the cells with an error
    failed: bool = False

    def good(self, key: str) -> bool:
        return key not in self.bad and self.values.get(key) not in (None, "")


class SheetImporter:
    columns: ColumnSet
    anchor_keys: tuple[str, ...] = ()  # the header row holds at least one of these columns
    anchor_error_column = True  # a missing header row is reported at the first anchor column
    max_rows: int = 50_000
    header_search_rows = 10
    sheet = ""  # the data sheet of a workbook (else the first sheet)
    row_class: type[Row] = Row

    def __init__(self, *, by: Any, result: ImportResult):
        self.by = by
        self.result = result
        self.present: set[str] = set()  # keys of the columns the file has
        self.rows: list[Any] = []

    # --- issues -------------------------------------------------------------------------

    def error(
        self, row: Row | int, key_or_header: str, message: Any, value: str | None = None
    ) -> None:
        """Report a problem at a row and a column (a column key or a column name)."""
        number = row.number if isinstance(row, Row) else row
        column = self.columns.find(key_or_header)
        header = column.header if column is not None else key_or_header
        if value is None:
            value = row.raw.get(column.key, "") if isinstance(row, Row) and column else ""
        self.result.errors.append(Issue(number, header, value, str(message)))
        if isinstance(row, Row):
            row.failed = True
            if column is not None:
                row.bad.add(column.key)

    def model_errors(
        self, row: Row, exc: ValidationError, mapping: Mapping[str, str] | None = None
    ) -> None:
        """A model's validation errors at the columns of their fields (``mapping``: field ->
        column name or key; by default a field is the column of the same key)."""
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        for name, messages in items:
            if name == NON_FIELD_ERRORS:
                column = ""
            elif mapping is not None:
                column = mapping.get(name, "")
            else:
                column = name if name in self.columns.by_key else ""
            for message in messages:
                self.error(row, column, message)

    # --- reading --------------------------------------------------------------------------

    def read(self, filename: str, data: bytes) -> Table | None:
        """The file's rows, or ``None`` with the reason in the errors (``ImportRefused`` for
        what is no spreadsheet at all)."""
        try:
            return read_table(filename, data, self.sheet)
        except ValidationError as exc:
            self.result.errors.extend(Issue(0, "", "", m) for m in exc.messages)
            return None

    def no_rows_message(self) -> str | None:
        """The error for a file with a header and no rows below it (``None``: no error)."""
        return None

    def parse(self, table: Table) -> bool:
        """Find the header, map the columns and read every row's cells into ``self.rows``;
        ``False`` when the file's header or size already refuses it."""
        header_at = next(
            (
                index
                for index, (_number, cells) in enumerate(table.rows[: self.header_search_rows])
                if any(
                    (c := self.columns.column_for(cell)) is not None and c.key in self.anchor_keys
                    for cell in cells
                )
            ),
            None,
        )
        if header_at is None:
            anchor = self.columns.by_key[self.anchor_keys[0]]
            self.error(
                1,
                anchor.header if self.anchor_error_column else "",
                _(
                    "No header row found: the first rows of the file must hold the column "
                    "names, among them “%(header)s”. Start from the template."
                )
                % {"header": anchor.header},
                value="",
            )
            return False
        header_number, header_cells = table.rows[header_at]
        mapping = self.map_header(header_number, header_cells)
        if self.result.errors:
            return False
        data_rows = [
            (n, cells) for n, cells in table.rows[header_at + 1 :] if any(map(cell_text, cells))
        ]
        if len(data_rows) > self.max_rows:
            self.error(
                header_number,
                "",
                _("The file has %(n)d rows; at most %(max)d can be imported at once.")
                % {"n": len(data_rows), "max": self.max_rows},
                value="",
            )
            return False
        empty = self.no_rows_message()
        if not data_rows and empty is not None:
            self.error(header_number, "", empty, value="")
            return False
        self.result.rows_read = len(data_rows)
        for number, cells in data_rows:
            self.rows.append(self.parse_row(number, cells, mapping))
        return True

    def map_header(self, number: int, cells: list[Any]) -> dict[int, Column]:
        """Which column each cell of the header row names; unknown names are a warning, a
        column named twice and a required column missing are errors."""
        mapping: dict[int, Column] = {}
        for index, cell in enumerate(cells):
            column = self.columns.column_for(cell)
            if column is None:
                if text := cell_text(cell):
                    self.result.warnings.append(
                        Issue(number, text, "", _("Unknown column; it is ignored."))
                    )
                continue
            if column.key in self.present:
                self.error(number, column.key, _("This column appears twice."), value="")
                continue
            self.present.add(column.key)
            mapping[index] = column
        for column in self.columns:
            if column.required and column.key not in self.present:
                self.error(
                    number,
                    column.key,
                    _("The file has no column “%(header)s”; it is required.")
                    % {"header": column.header},
                    value="",
                )
        return mapping

    def parse_row(self, number: int, cells: list[Any], mapping: dict[int, Column]) -> Any:
        """A row's cells read by their columns; a required cell left blank is an error."""
        row = self.row_class(number)
        for index, column in mapping.items():
            cell = cells[index] if index < len(cells) else ""
            row.raw[column.key] = cell_text(cell)
            try:
                row.values[column.key] = column.parse(cell)
            except CellError as exc:
                self.error(row, column.key, exc.message)
        for column in self.columns:
            if column.required and column.key not in row.bad:
                if row.values.get(column.key) in ("", None):
                    self.error(row, column.key, _("This cell must be filled in."))
        return row
