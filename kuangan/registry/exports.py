"""Export of the mine registry in the import format, and the blank import template.

Both are one workbook: the data sheet (``columns.DATA_SHEET``) with the header row in row 1,
drop-down lists on the enumerated columns, dates as dates, codes as text; and the
instruction sheet (``columns.HELP_SHEET``). An exported file imports back unchanged.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.spreadsheets import (
    export_filename,
    header_formats,
    new_workbook,
    write_value,
    xlsx_response,
)

from . import columns as cols
from .models import Mine
from .views.mines import MineLedger

TEMPLATE_ROWS = 5000  # rows of the template that carry the drop-down lists


def mine_rows(mines: Iterable[Mine]) -> Iterable[list[Any]]:
    for mine in mines:
        yield [cols.export_value(spec, mine) for spec in cols.COLUMNS]


def _help_rows() -> list[list[str]]:
    rules = [
        _("How to fill in the mine registry import file"),
        _(
            "1. One row per mine or tailings pond, on the sheet “%(sheet)s”. Keep the header "
            "row; the columns may be in any order, and columns the system does not know are "
            "ignored (with a warning)."
        )
        % {"sheet": cols.DATA_SHEET},
        _(
            "2. Columns marked as required must be present and filled in on every row. A "
            "column left out of the file leaves that data of existing mines as it is."
        ),
        _(
            "3. The mine code (矿山编码) identifies an existing mine. Without it, a mine is "
            "found by the enterprise's credit code and the mine name, or registered as a new "
            "mine with a new code."
        ),
        _(
            "4. Enterprises are registered or updated from the same rows: one credit code, one "
            "enterprise name and one group company in the whole file."
        ),
        _(
            "5. Yes/no columns take 是 or 否 (a blank cell means 否). Dates are written as "
            "YYYY-MM-DD. Choose enumerated values from the drop-down lists."
        ),
        _(
            "6. Attributes that do not apply to a kind of mine must stay blank (for example a "
            "coal mine has no tailings pond grade)."
        ),
        _(
            "7. The whole file is checked first. If any row has an error, nothing is imported "
            "and every error is listed with its row, column and value; correct them and import "
            "the file again. Importing the same file twice changes nothing."
        ),
        _("8. CSV files may be saved as UTF-8 (with or without BOM) or GB18030."),
    ]
    return [[text] for text in rules]


def write_workbook(target: str | IO[bytes], mines: Iterable[Mine] = ()) -> int:
    """Write the import-format workbook to ``target`` (a path or a binary file object) with
    the rows of ``mines``; return the number of rows written."""
    workbook = new_workbook(target, in_memory=True)
    sheet = workbook.add_worksheet(cols.DATA_SHEET)
    head, head_required = header_formats(workbook)
    text_fmt = workbook.add_format({"num_format": "@"})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for c, spec in enumerate(cols.COLUMNS):
        sheet.write_string(0, c, spec.header, head_required if spec.required else head)
        if spec.export_kind == "date":
            sheet.set_column(c, c, spec.width, date_fmt)
        elif spec.export_kind == "number":
            sheet.set_column(c, c, spec.width)
        else:
            sheet.set_column(c, c, spec.width, text_fmt)
        if spec.choices:
            sheet.data_validation(
                1,
                c,
                TEMPLATE_ROWS,
                c,
                {
                    "validate": "list",
                    "source": list(spec.choices),
                    "error_title": spec.header,
                    "error_message": _("Choose a value from the list.")[:255],
                    "error_type": "warning",
                },
            )
        sheet.write_comment(0, c, str(spec.help)[:1000], {"x_scale": 2, "y_scale": 2})
    sheet.set_row(0, 32)
    sheet.freeze_panes(1, 0)
    count = 0
    for r, row in enumerate(mine_rows(mines), start=1):
        for c, value in enumerate(row):
            write_value(sheet, r, c, value, date_format=date_fmt)
        count += 1
    if count:
        sheet.autofilter(0, 0, count, len(cols.COLUMNS) - 1)

    help_sheet = workbook.add_worksheet(cols.HELP_SHEET)
    title = workbook.add_format({"bold": True, "font_size": 14})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    help_sheet.set_column(0, 0, 26)
    help_sheet.set_column(1, 1, 8)
    help_sheet.set_column(2, 2, 40)
    help_sheet.set_column(3, 3, 70)
    rules = _help_rows()
    help_sheet.write_string(0, 0, rules[0][0], title)
    for r, (text,) in enumerate(rules[1:], start=1):
        help_sheet.merge_range(r, 0, r, 3, text, workbook.add_format({"text_wrap": True}))
        help_sheet.set_row(r, 30)
    start = len(rules) + 1
    for c, label in enumerate([_("Column"), _("Required"), _("Values"), _("Explanation")]):
        help_sheet.write_string(start, c, label, head)
    for r, spec in enumerate(cols.COLUMNS, start=start + 1):
        help_sheet.write_string(r, 0, spec.header, wrap)
        help_sheet.write_string(r, 1, cols.YES if spec.required else "", wrap)
        help_sheet.write_string(r, 2, "、".join(spec.choices), wrap)
        help_sheet.write_string(r, 3, str(spec.help), wrap)
    workbook.close()
    return count


# --- responses (pages and API) --------------------------------------------------------------


def filtered_mines(request: HttpRequest, *, everything: bool = False) -> tuple[QuerySet, dict]:
    """The mines of the registry ledger for this request: the same scope, filters, search and
    sort as the ledger page (``MineLedger.filtered``), so an export holds what the person
    sees; and the filter errors, if a parameter is invalid (the ledger then ignores the
    filters). ``everything``: all mines, for the command line run as the system."""
    view = MineLedger()
    view.setup(request)
    if everything:
        view.base_queryset = Mine.objects.all  # type: ignore[method-assign]  # every mine
    qs, filterset = view.filtered()
    errors = {}
    if filterset is not None and filterset.is_bound and not filterset.is_valid():
        errors = {k: [str(m) for m in v] for k, v in filterset.errors.items()}
    return qs.select_related("region", "enterprise", "enterprise__parent"), errors


def export_response(request: HttpRequest, qs: QuerySet | None = None) -> HttpResponseBase:
    """The filtered registry in the import format, as a download; the export is audited."""
    if qs is None:
        qs, _errors = filtered_mines(request)
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    tmp.close()
    try:
        count = write_workbook(tmp.name, qs.iterator(chunk_size=2000))
        title = _("Mine registry")
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            object_repr=str(title),
            changes={"rows": count, "filters": request.GET.dict(), "format": "import"},
            region=getattr(request.user, "audit_region", lambda: None)(),
        )
        return xlsx_response(tmp.name, export_filename(str(title)), rows=count)
    finally:
        os.unlink(tmp.name)  # the open handle keeps the data readable until it is sent


def template_response() -> HttpResponseBase:
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    tmp.close()
    try:
        write_workbook(tmp.name)
        return xlsx_response(tmp.name, _("mine-registry-import-template") + ".xlsx")
    finally:
        os.unlink(tmp.name)
