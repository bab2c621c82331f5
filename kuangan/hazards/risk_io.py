"""Import and export of the risk list (风险管控清单) as a spreadsheet.

The file format: one sheet (``DATA_SHEET``, else the first sheet) with a header row of fixed
Chinese column names, in any order, and one row per risk item. The column names and the
value words are the *file format*, not interface text (as in every import format, see
``kuangan.core.spreadsheets``): a file written in one office is read in another whatever
language either screen shows, so they are not translated; the explanations are.

An import is all or nothing. The whole file is read and every row checked (cells, the mine
within the importer's area, the risk number, duplicates within the file and against the
list, the model's own rules through ``full_clean``) before anything is written; a file with
any error changes nothing, and every error names its row, column, value and what is wrong.
Then every row is written through the services (``risk_create`` / ``risk_update``, so each
is audited) in one transaction, with one ``data.imported`` audit event for the file. Rows that
equal the list are left alone; risk items missing from the file are kept (an import never
deletes)."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.spreadsheets import (
    XLSX_MIME,
    Column,
    ColumnSet,
    ImportRefused,
    ImportResult,
    Issue,
    Row,
    RowOutcome,
    SheetImporter,
    choice_parser,
    export_filename,
    export_word,
    first_words,
    header_formats,
    new_workbook,
    offer_choices,
    parse_date,
    text_parser,
    word,
    xlsx_response,
)
from kuangan.registry.models import Mine

from .choices import ControlLevel, RiskHazardType, RiskLevel
from .models import RiskItem
from .services import RISK_FIELDS, next_risk_code, risk_create, risk_update

DATA_SHEET = "风险管控清单"
HELP_SHEET = "填写说明"
MAX_ROWS = 3000  # writing takes about 12 ms a row (each row through the services, audited)
XLSX_TYPE = XLSX_MIME

# --- value words: accepted text -> stored value; the first word of a value is written on
# export and offered in the drop-down list. -------------------------------------------------

LEVEL_WORDS: dict[str, str] = {
    "重大": RiskLevel.RED,
    "重大风险": RiskLevel.RED,
    "红": RiskLevel.RED,
    "红色": RiskLevel.RED,
    "较大": RiskLevel.ORANGE,
    "较大风险": RiskLevel.ORANGE,
    "橙": RiskLevel.ORANGE,
    "橙色": RiskLevel.ORANGE,
    "一般": RiskLevel.YELLOW,
    "一般风险": RiskLevel.YELLOW,
    "黄": RiskLevel.YELLOW,
    "黄色": RiskLevel.YELLOW,
    "低": RiskLevel.BLUE,
    "低风险": RiskLevel.BLUE,
    "蓝": RiskLevel.BLUE,
    "蓝色": RiskLevel.BLUE,
}
TYPE_WORDS: dict[str, str] = {
    "瓦斯": RiskHazardType.GAS,
    "水": RiskHazardType.WATER,
    "水害": RiskHazardType.WATER,
    "火": RiskHazardType.FIRE,
    "火灾": RiskHazardType.FIRE,
    "冲击地压": RiskHazardType.ROCKBURST,
    "顶板": RiskHazardType.ROOF,
    "粉尘": RiskHazardType.DUST,
    "跑车坠罐": RiskHazardType.RUNAWAY,
    "溃坝": RiskHazardType.DAM_FAILURE,
    "尾矿泄漏": RiskHazardType.TAILINGS_LEAK,
    "尾矿泄露": RiskHazardType.TAILINGS_LEAK,
    "爆破": RiskHazardType.BLASTING,
    "机电": RiskHazardType.ELECTROMECHANICAL,
    "运输": RiskHazardType.TRANSPORT,
    "其他": RiskHazardType.OTHER,
}
CONTROL_WORDS: dict[str, str] = {
    "公司级": ControlLevel.COMPANY,
    "公司": ControlLevel.COMPANY,
    "矿级": ControlLevel.MINE,
    "矿": ControlLevel.MINE,
    "科室级": ControlLevel.DEPARTMENT,
    "科室": ControlLevel.DEPARTMENT,
    "部门": ControlLevel.DEPARTMENT,
    "区队级": ControlLevel.TEAM,
    "区队": ControlLevel.TEAM,
    "车间": ControlLevel.TEAM,
    "班组级": ControlLevel.GROUP,
    "班组": ControlLevel.GROUP,
}


def _choice_column(header: str, key: str, words: dict[str, str], width: int, help: Any) -> Column:
    offer = tuple(first_words(words))
    return Column(
        header,
        key,
        choice_parser(words, offer=offer),
        required=True,
        help=help,
        choices=offer,
        width=width,
        words=words,
    )


COLUMNS: tuple[Column, ...] = (
    Column(
        "风险编号",
        "code",
        text_parser(40),
        width=18,
        help=gettext_lazy(
            "The number of a risk item already on the list, to change it. Leave it blank for a "
            "new risk item: the system gives it a number."
        ),
    ),
    Column(
        "矿山编码",
        "mine",
        text_parser(32),
        required=True,
        width=16,
        help=gettext_lazy("The mine's code in the registry (a mine of your area)."),
    ),
    Column(
        "矿山名称",
        "mine_name",
        text_parser(128),
        width=24,
        help=gettext_lazy("For reading only: the mine is found by its code."),
    ),
    Column(
        "风险点/位置",
        "location",
        text_parser(200),
        required=True,
        width=24,
        help=gettext_lazy("The risk point or location in the mine."),
    ),
    _choice_column(
        "灾害类型",
        "hazard_type",
        TYPE_WORDS,
        12,
        gettext_lazy("The kind of disaster the risk can lead to."),
    ),
    Column(
        "风险描述",
        "description",
        text_parser(),
        required=True,
        width=40,
        help=gettext_lazy("What the risk is."),
    ),
    _choice_column(
        "风险等级",
        "level",
        LEVEL_WORDS,
        10,
        gettext_lazy("重大 (red), 较大 (orange), 一般 (yellow) or 低 (blue)."),
    ),
    Column(
        "管控措施",
        "control_measures",
        text_parser(),
        required=True,
        width=40,
        help=gettext_lazy("How the risk is controlled."),
    ),
    Column(
        "责任人",
        "responsible_person",
        text_parser(64),
        required=True,
        width=12,
        help=gettext_lazy("The person responsible for the control."),
    ),
    _choice_column(
        "管控层级",
        "responsible_level",
        CONTROL_WORDS,
        10,
        gettext_lazy(
            "Who controls the risk: a major risk at least the mine, a significant one at least "
            "a department, a general one at least a team."
        ),
    ),
    Column(
        "复核日期",
        "review_on",
        parse_date,
        required=True,
        width=12,
        help=gettext_lazy("When the risk is identified and assessed again (YYYY-MM-DD)."),
    ),
)
FORMAT = ColumnSet(COLUMNS)
BY_KEY = FORMAT.by_key
# Fields of the model a row sets.
ROW_FIELDS = RISK_FIELDS


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Row(Row):
    mine: Any = None
    item: RiskItem | None = None  # the stored risk item of the row's number
    action: str = ""
    changed: list[str] = field(default_factory=list)


class _Importer(SheetImporter):
    columns = FORMAT
    anchor_keys = ("location", "description")
    anchor_error_column = False
    max_rows = MAX_ROWS
    sheet = DATA_SHEET
    row_class = _Row
    rows: list[_Row]

    def no_rows_message(self) -> str:
        return _("The file has no risk items below the header.")

    # --- stage 2: mines, numbers, duplicates ------------------------------------------------

    def resolve(self) -> None:
        codes = {r.values.get("mine") for r in self.rows if r.values.get("mine")}
        mines = {m.code: m for m in Mine.objects.visible_to(self.by).filter(code__in=codes)}
        numbers = {r.values.get("code") for r in self.rows if r.values.get("code")}
        items = {
            i.code: i
            for i in RiskItem.objects.visible_to(self.by)
            .filter(code__in=numbers)
            .select_related("mine")
        }
        seen_numbers: dict[str, int] = {}
        for row in self.rows:
            code = row.values.get("mine")
            if code:
                row.mine = mines.get(code)
                if row.mine is None:
                    self.error(row, "mine", _("No mine of your area has this code."))
                elif row.values.get("mine_name") and word(row.values["mine_name"]) != word(
                    row.mine.name
                ):
                    self.result.warnings.append(
                        Issue(
                            row.number,
                            BY_KEY["mine_name"].header,
                            row.raw.get("mine_name", ""),
                            _("The mine with this code is “%(name)s”; the code decides.")
                            % {"name": row.mine.name},
                        )
                    )
            number = row.values.get("code")
            if not number:
                continue
            if number in seen_numbers:
                self.error(
                    row,
                    "code",
                    _("This risk number already appears in row %(row)d of the file.")
                    % {"row": seen_numbers[number]},
                )
                continue
            seen_numbers[number] = row.number
            row.item = items.get(number)
            if row.item is None:
                self.error(
                    row,
                    "code",
                    _(
                        "No risk item of your area has this number. Leave the cell blank for a "
                        "new risk item."
                    ),
                )
            elif row.mine is not None and row.item.mine_id != row.mine.pk:
                self.error(
                    row,
                    "code",
                    _("Risk item %(code)s is on the list of the mine %(mine)s, not this one.")
                    % {"code": number, "mine": row.item.mine.code},
                )
        self._duplicates()

    def _duplicates(self) -> None:
        """The same risk (mine, location, hazard type, description) only once in the file, and
        a new row must not repeat a risk already on the list."""
        rows = [r for r in self.rows if not r.failed and r.mine is not None]
        mine_ids = {r.mine.pk for r in rows}
        stored: dict[tuple, str] = {}
        for item in RiskItem.objects.filter(mine_id__in=mine_ids).only(
            "code", "mine_id", "location", "hazard_type", "description"
        ):
            stored[
                (item.mine_id, word(item.location), item.hazard_type, word(item.description))
            ] = item.code
        seen: dict[tuple, int] = {}
        for row in rows:
            key = (
                row.mine.pk,
                word(row.values.get("location", "")),
                row.values.get("hazard_type"),
                word(row.values.get("description", "")),
            )
            if key in seen:
                self.error(
                    row,
                    "description",
                    _("This risk already appears in row %(row)d of the file.") % {"row": seen[key]},
                )
                continue
            seen[key] = row.number
            if row.item is None and key in stored:
                self.error(
                    row,
                    "code",
                    _(
                        "This risk is already on the list as %(code)s; give that number to change "
                        "it."
                    )
                    % {"code": stored[key]},
                    value="",
                )

    # --- stage 3: the model's rules ---------------------------------------------------------

    def check(self) -> None:
        may_add = self.by.has_perm("hazards.add_riskitem")
        may_change = self.by.has_perm("hazards.change_riskitem")
        for row in self.rows:
            if row.failed:
                continue
            fields = {k: row.values[k] for k in ROW_FIELDS if k in row.values}
            if row.item is None:
                if not may_add:
                    self.error(row, "code", _("You may not add risk items."), value="")
                    continue
                candidate = RiskItem(mine=row.mine, **fields)
            else:
                candidate = copy.copy(row.item)
                for key, value in fields.items():
                    setattr(candidate, key, value)
            try:
                candidate.full_clean(exclude=["code", "mine"])  # the mine: checked in scope above
            except ValidationError as exc:
                self.model_errors(row, exc)
                continue
            # Compare what would be stored (full_clean trims the texts).
            row.values.update({k: getattr(candidate, k) for k in fields})
            if row.item is None:
                row.action = "create"
                continue
            row.changed = [k for k in fields if getattr(row.item, k) != getattr(candidate, k)]
            row.action = "update" if row.changed else "unchanged"
            if row.changed and not may_change:
                self.error(row, "code", _("You may not change risk items."))

    # --- stage 4: write ---------------------------------------------------------------------

    def outcomes(self) -> None:
        r = self.result
        r.created = sum(1 for row in self.rows if row.action == "create")
        r.updated = sum(1 for row in self.rows if row.action == "update")
        r.unchanged = sum(1 for row in self.rows if row.action == "unchanged")
        r.rows = [
            RowOutcome(
                row=row.number,
                action=row.action,
                code=row.item.code if row.item is not None else "",
                changed=[BY_KEY[k].header for k in row.changed],
                details={
                    "mine": row.mine.code,
                    "location": row.values.get("location", ""),
                    "level": row.values.get("level", ""),
                },
            )
            for row in self.rows
        ]

    def write(self, sha256: str) -> None:
        taken: set[str] = set()
        with transaction.atomic():
            for row, outcome in zip(self.rows, self.result.rows, strict=True):
                fields = {k: row.values[k] for k in ROW_FIELDS if k in row.values}
                if row.action == "create":
                    code = next_risk_code(row.mine, taken)
                    taken.add(code)
                    item = risk_create(by=self.by, mine=row.mine, code=code, **fields)
                    outcome.code = item.code
                elif row.action == "update":
                    risk_update(by=self.by, risk=row.item, **{k: fields[k] for k in row.changed})
            audit.record(
                actor=self.by,
                action=AuditAction.IMPORTED,
                object_repr=str(RiskItem._meta.verbose_name_plural),
                region=getattr(self.by, "audit_region", lambda: None)(),
                changes={
                    "file": self.result.filename,
                    "sha256": sha256,
                    "rows": self.result.rows_read,
                    "created": self.result.created,
                    "updated": self.result.updated,
                    "unchanged": self.result.unchanged,
                },
            )


def import_risks(*, by: Any, filename: str, data: bytes, dry_run: bool = False) -> ImportResult:
    """Check the risk-list file ``data`` in full and, unless ``dry_run`` or any row has an
    error, write it (all rows or none). Raises ``ImportRefused`` for a file that is no
    spreadsheet at all (or when ``by`` may neither add nor change risk items); every other
    problem is in the result's ``errors``."""
    if not (by.has_perm("hazards.add_riskitem") or by.has_perm("hazards.change_riskitem")):
        raise ImportRefused(_("You do not have permission to import risk items."), status=403)
    importer = _Importer(
        by=by, result=ImportResult(filename=filename, dry_run=dry_run, list_rows=True)
    )
    table = importer.read(filename, data)
    if table is None or not importer.parse(table):
        return importer.result
    importer.resolve()
    importer.check()
    if importer.result.errors:
        return importer.result
    importer.outcomes()
    if not dry_run and importer.result.changes:
        try:
            importer.write(hashlib.sha256(data).hexdigest())
        except ValidationError as exc:
            # The list changed between the check and the write (another user): nothing stays.
            importer.result.errors.extend(Issue(0, "", "", m) for m in exc.messages)
    return importer.result


# --- export ---------------------------------------------------------------------------------


def export_value(column: Column, item: RiskItem) -> Any:
    if column.key == "mine":
        return item.mine.code
    if column.key == "mine_name":
        return item.mine.name
    value = getattr(item, column.key)
    if column.words is not None:
        return export_word(column.words, value)
    return value


def workbook_bytes(items: Iterable[RiskItem]) -> bytes:
    """The risk items in the import format (an exported file imports back unchanged), with
    drop-down lists on the enumerated columns and an instruction sheet. No items: the blank
    template."""
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    sheet = book.add_worksheet(DATA_SHEET)
    head, required = header_formats(book)
    text = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    date = book.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd"})
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header, required if column.required else head)
        sheet.write_comment(0, col, str(column.help))
        sheet.set_column(col, col, column.width, date if column.key == "review_on" else text)
    sheet.freeze_panes(1, 0)
    count = 0
    for r, item in enumerate(items, start=1):
        for c, column in enumerate(COLUMNS):
            value = export_value(column, item)
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            else:
                sheet.write_string(r, c, str(value or ""), text)
        count = r
    last = max(count, 0) + 500
    for c, column in enumerate(COLUMNS):
        if column.choices:
            offer_choices(sheet, 1, c, last, column.choices)
    sheet.autofilter(0, 0, max(count, 1), len(COLUMNS) - 1)
    info = book.add_worksheet(HELP_SHEET)
    info.set_column(0, 0, 16)
    info.set_column(1, 1, 90)
    bold = book.add_format({"bold": True, "font_size": 13})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    info.write_string(0, 0, _("How to fill in the risk list import file"), bold)
    rules = [
        _(
            "One row per risk item, on the sheet “%(sheet)s”. Keep the header row; the columns "
            "may be in any order, and unknown columns are ignored (with a warning)."
        )
        % {"sheet": DATA_SHEET},
        _(
            "The file is checked in full first: if any row has an error, nothing is imported, "
            "and every error is listed with its row, column and value."
        ),
        _(
            "A row with a risk number changes that risk item; a row without one adds a new "
            "risk item. Risk items missing from the file are kept."
        ),
    ]
    for n, rule in enumerate(rules, start=2):
        info.write_string(n, 1, rule, wrap)
    start = len(rules) + 3
    info.write_string(start, 0, _("Column"), bold)
    info.write_string(start, 1, _("What to write"), bold)
    for n, column in enumerate(COLUMNS, start=start + 1):
        words = "（" + "、".join(column.choices) + "）" if column.choices else ""
        mark = _("(required)") if column.required else ""
        info.write_string(n, 0, column.header)
        info.write_string(n, 1, f"{column.help}{words} {mark}".strip(), wrap)
    book.close()
    return buffer.getvalue()


def template_response() -> HttpResponseBase:
    """The blank import workbook as a download."""
    return xlsx_response(workbook_bytes([]), _("risk list template.xlsx"))


def export_response(*, by: Any, items: list[RiskItem], filters: dict[str, Any]) -> HttpResponseBase:
    """``items`` in the import format as a download; the export (with the ``filters`` that chose
    the items) is audited."""
    audit.record(
        actor=by,
        action=AuditAction.EXPORTED,
        object_repr=str(RiskItem._meta.verbose_name_plural),
        region=getattr(by, "audit_region", lambda: None)(),
        changes={"rows": len(items), "filters": filters, "format": "import"},
    )
    return xlsx_response(workbook_bytes(items), export_filename(_("risk list")), rows=len(items))
