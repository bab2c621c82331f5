"""Reading an uploaded table: an Excel workbook (.xlsx) or a CSV file in UTF-8 (with or
without BOM), GB18030 or UTF-16 (with BOM), as numbered rows of cells.

What is no spreadsheet at all (another extension, too large, a forbidden name, a workbook
that is not one) is refused with ``ImportRefused``; a damaged or oversized sheet, or text in
no known encoding, raises ``ValidationError`` with what to do about it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kuangan.core.files import check_name, inspect_upload

from .results import ImportRefused

EXTENSIONS = ("xlsx", "csv")
MAX_SHEET_ROWS = 51_000
MAX_SHEET_COLUMNS = 200
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells) for every row


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check_size(size: int) -> None:
    """Refuse a file larger than uploads may be (413)."""
    if size > settings.UPLOAD_MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size).1f MB; files may be at most %(max)d MB.")
            % {"size": size / 1024 / 1024, "max": settings.UPLOAD_MAX_BYTES // 1048576},
            status=413,
        )


def check_upload(filename: str, size: int) -> str:
    """Refuse, before reading it, a file that is not named .xlsx or .csv (415) or that is
    larger than uploads may be (413); return the extension."""
    ext = extension_of(filename)
    if ext not in EXTENSIONS:
        raise ImportRefused(
            _("Only Excel (.xlsx) and CSV (.csv) files can be imported."), status=415
        )
    check_size(size)
    return ext


def check_file(filename: str, data: bytes) -> str:
    """Refuse what is not an .xlsx or .csv file of an acceptable size; return the extension."""
    ext = check_upload(filename, len(data))
    try:
        check_name(filename)
        if not data:
            raise ValidationError(_("The file is empty."))
        if ext == "xlsx":
            if not data.startswith(_ZIP_MAGIC):
                raise ValidationError(_("This is not an Excel (.xlsx) workbook."))
            inspect_upload(filename, data)  # an OOXML workbook, and no archive bomb
        elif data.startswith(_ZIP_MAGIC):
            raise ValidationError(_("This is an Excel workbook; name it .xlsx, or save it as CSV."))
    except ValidationError as exc:
        raise ImportRefused(" ".join(exc.messages), status=415) from exc
    return ext


def decode_csv(data: bytes) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM), GB18030 or UTF-16 (with BOM)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValidationError(
                _("The file is marked as UTF-8 but is not valid UTF-8 text.")
            ) from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValidationError(_("The file is not valid UTF-16 text.")) from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            _("The file's text encoding was not recognised; save it as UTF-8 or GB18030 CSV.")
        ) from exc
    if "\x00" in text:
        raise ValidationError(_("This is not a text (CSV) file."))
    return text


def read_csv(data: bytes) -> Table:
    """The rows of a CSV file; the delimiter (comma, tab or semicolon) is the one the first
    line holds most of."""
    text = decode_csv(data)
    if "\x00" in text:
        raise ValidationError(_("This is not a text (CSV) file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [(n, list(row)) for n, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ValidationError(
            _("The CSV file cannot be read: %(error)s") % {"error": str(exc)}
        ) from exc
    return Table(rows)


_CELL_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\sr=[\"']\$?([A-Za-z]+)\$?([0-9]+)[\"']")
_ROW_REF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr=[\"']([0-9]+)[\"']")


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


def check_xlsx_extent(
    data: bytes, *, max_rows: int = MAX_SHEET_ROWS, max_columns: int = MAX_SHEET_COLUMNS
) -> None:
    """Refuse a workbook whose cells span more rows or columns than an import can hold,
    before the reader lays out the sheet: it allocates every cell of the span, so two cells
    at A1 and XFD1048576 would ask for hundreds of gigabytes."""
    max_row = max_col = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if not info.filename.lower().endswith(".xml"):
                continue
            tail = b""
            with archive.open(info) as stream:
                while chunk := stream.read(1 << 20):
                    text = tail + chunk
                    for letters, row in _CELL_REF.findall(text):
                        max_col = max(max_col, _column_number(letters))
                        max_row = max(max_row, int(row))
                    for row in _ROW_REF.findall(text):
                        max_row = max(max_row, int(row))
                    tail = text[-4096:]
                    if max_row > max_rows or max_col > max_columns:
                        raise ValidationError(
                            _(
                                "The workbook's sheets reach row %(rows)d and column %(cols)d; "
                                "an import takes at most %(max_rows)d rows and %(max_cols)d "
                                "columns. Delete the cells outside the table, or copy the table "
                                "into a new workbook."
                            )
                            % {
                                "rows": max_row,
                                "cols": max_col,
                                "max_rows": max_rows,
                                "max_cols": max_columns,
                            }
                        )


def read_xlsx(data: bytes, sheet: str = "") -> Table:
    """The rows of the sheet named ``sheet`` (the first sheet when it has none of that name)."""
    import python_calamine

    check_xlsx_extent(data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        found = workbook.get_sheet_by_name(sheet if sheet in names else names[0])
        values = found.to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 (the reader's errors, and its Rust panics)
        raise ValidationError(_("The workbook is damaged and cannot be read.")) from exc
    return Table([(n, list(row)) for n, row in enumerate(values, start=1)])


def read_table(filename: str, data: bytes, sheet: str = "") -> Table:
    """The rows of an uploaded .xlsx (its sheet ``sheet``, else the first) or .csv file."""
    ext = check_file(filename, data)
    return read_xlsx(data, sheet) if ext == "xlsx" else read_csv(data)
