"""Writing Excel workbooks safely, laying them out for print, and sending them.

Every workbook the system writes is opened with ``new_workbook``: a text that starts with "="
(or looks like a link or a number) stays text, so data a person typed can never become a
formula that runs when somebody else opens the file. A formal ledger to print and sign (a
mine's two lists, a blank checklist) takes its table formats from ``table_formats``, its
drop-down lists from ``offer_choices`` and its page from ``print_layout``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from ..text import clean_text
from .cells import NO, YES

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text is written as text: never turned into a formula, a link or a number.
SAFE_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def new_workbook(target: str | Path | IO[bytes], **options: Any) -> Any:
    """An ``xlsxwriter.Workbook`` writing to ``target`` (a path or a binary file object) that
    keeps text as text, without the characters no workbook can hold (``core.text``);
    ``options`` are further workbook options (``in_memory``, ``constant_memory``, …)."""
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    class CleanWorksheet(Worksheet):
        # Every text cell passes here (write, write_string, merge_range, write_row, …).
        def _write_string(self, row, col, string, cell_format=None):
            return super()._write_string(row, col, clean_text(string), cell_format)

    class Workbook(xlsxwriter.Workbook):
        worksheet_class = CleanWorksheet

    return Workbook(target, {**options, **SAFE_OPTIONS})


def header_formats(book: Any) -> tuple[Any, Any]:
    """The formats of a header cell and of a required column's header cell (bold, wrapped,
    bordered; a required column's in orange)."""
    head = {"bold": True, "border": 1, "text_wrap": True, "valign": "vcenter"}
    return (
        book.add_format({**head, "bg_color": "#E8EEF7"}),
        book.add_format({**head, "bg_color": "#FDE9D9"}),
    )


@dataclass(frozen=True)
class TableFormats:
    """The cell formats of a formal ledger's table."""

    head: Any  # a header cell: bold, bordered, centred, wrapped, on light blue
    cell: Any  # a text cell: bordered, wrapped, at the top
    centre: Any  # a short value, centred


def table_formats(book: Any, font: Mapping[str, Any]) -> TableFormats:
    """The formats of a formal ledger's table in ``font`` (``font_name``, ``font_size``)."""
    return TableFormats(
        head=book.add_format(
            {
                **font,
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#E8EEF7",
            }
        ),
        cell=book.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"}),
        centre=book.add_format(
            {**font, "border": 1, "align": "center", "text_wrap": True, "valign": "top"}
        ),
    )


def offer_choices(
    sheet: Any, first_row: int, col: int, last_row: int, choices: Iterable[str]
) -> None:
    """A drop-down list of ``choices`` in the cells of column ``col`` from ``first_row`` to
    ``last_row`` (a blank cell stays allowed)."""
    sheet.data_validation(
        first_row,
        col,
        last_row,
        col,
        {"validate": "list", "source": list(choices), "ignore_blank": True},
    )


A4 = 9  # the paper size code of A4


def print_layout(
    sheet: Any,
    *,
    repeat_rows: tuple[int, int],
    last_row: int,
    last_col: int,
    footer_font_size: int | None = None,
) -> None:
    """Print ``sheet`` as a formal ledger: A4 landscape with narrow margins, fitted to the page
    width, the header rows ``repeat_rows`` (first, last) on every page, the page number in the
    footer, and the print area up to ``last_row`` and ``last_col``."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(*repeat_rows)
    size = f"&{footer_font_size}" if footer_font_size else ""
    sheet.set_footer(f"&C{size}" + _("Page &P of &N"))
    sheet.print_area(0, 0, last_row, last_col)


def write_value(
    sheet: Any, row: int, col: int, value: Any, cell_format: Any = None, date_format: Any = None
) -> bool:
    """Write ``value`` as a typed cell: yes/no as 是/否, numbers as numbers, dates as dates
    (in ``date_format``), anything else as text (in ``cell_format``). A blank value writes
    nothing; returns whether a cell was written."""
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        sheet.write_string(row, col, YES if value else NO, cell_format)
    elif isinstance(value, Decimal | int | float):
        sheet.write_number(row, col, float(value), cell_format)
    elif isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        sheet.write_datetime(row, col, local.replace(tzinfo=None), date_format)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), date_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)
    return True


def export_filename(stem: str) -> str:
    """``<stem>-<local date and time>.xlsx``, the name of an exported workbook."""
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def xlsx_response(
    content: bytes | str | Path, filename: str, rows: int | str | None = None
) -> HttpResponseBase:
    """A workbook as a download: ``content`` is the workbook's bytes, or the path of a file
    that is streamed (and may be deleted once the response holds it open). ``rows`` is sent
    as ``X-Export-Rows``."""
    response: HttpResponseBase
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=XLSX_MIME)
        response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    else:
        handle = open(content, "rb")  # noqa: SIM115 (FileResponse closes it)
        response = FileResponse(
            handle, as_attachment=True, filename=filename, content_type=XLSX_MIME
        )
    if rows is not None:
        response["X-Export-Rows"] = str(rows)
    return response
