"""Import and export of the risk list (风险管控清单) as a spreadsheet.

The file format: one sheet (``DATA_SHEET``, else the first sheet) with a header row of fixed
Chinese column names, in any order, and one row per risk item. The column names and the
value words are the *file format*, not interface text (as in the registry's import format,
``kuangan.registry.columns``): a file written in one office is read in another whatever
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
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.registry.columns import CellError, cell_text, normalise_header, parse_date
from kuangan.registry.imports import (
    ImportRefused,
    check_file,
    check_xlsx_extent,
    read_csv,
)

from . import risks
from .choices import ControlLevel, RiskHazardType, RiskLevel
from .models import RiskItem

DATA_SHEET = "风险管控清单"
HELP_SHEET = "填写说明"
MAX_ROWS = 3000  # writing takes about 12 ms a row (each row through the services, audited)
HEADER_SEARCH_ROWS = 10
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


def export_word(words: dict[str, str], value: str) -> str:
    return next((w for w, v in words.items() if v == value), value)


def _word(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


def _choice(words: dict[str, str]):
    def parse(value: Any) -> str:
        word = _word(value)
        if word == "":
            return ""
        if word in words:
            return words[word]
        firsts = list(dict.fromkeys(export_word(words, v) for v in words.values()))
        raise CellError(
            _("Unknown value; write one of: %(values)s.") % {"values": "、".join(firsts)}
        )

    return parse


def _text(limit: int | None = None):
    def parse(value: Any) -> str:
        text = cell_text(value)
        if limit is not None and len(text) > limit:
            raise CellError(
                _("At most %(limit)d characters (this cell has %(n)d).")
                % {"limit": limit, "n": len(text)}
            )
        return text

    return parse


@dataclass(frozen=True)
class Column:
    header: str  # the column name in the file (format constant)
    key: str  # RiskItem field, or "mine" / "mine_name"
    parse: Any
    required: bool
    width: int
    words: dict[str, str] | None = None
    help: Any = ""


COLUMNS: tuple[Column, ...] = (
    Column("风险编号", "code", _text(40), False, 18),
    Column("矿山编码", "mine", _text(32), True, 16),
    Column("矿山名称", "mine_name", _text(128), False, 24),
    Column("风险点/位置", "location", _text(200), True, 24),
    Column("灾害类型", "hazard_type", _choice(TYPE_WORDS), True, 12, TYPE_WORDS),
    Column("风险描述", "description", _text(), True, 40),
    Column("风险等级", "level", _choice(LEVEL_WORDS), True, 10, LEVEL_WORDS),
    Column("管控措施", "control_measures", _text(), True, 40),
    Column("责任人", "responsible_person", _text(64), True, 12),
    Column("管控层级", "responsible_level", _choice(CONTROL_WORDS), True, 10, CONTROL_WORDS),
    Column("复核日期", "review_on", parse_date, True, 12),
)
BY_KEY = {c.key: c for c in COLUMNS}
_BY_HEADER = {normalise_header(c.header): c for c in COLUMNS}
# Fields of the model a row sets.
ROW_FIELDS = risks.RISK_FIELDS


def column_help() -> dict[str, str]:
    """What each column holds (interface text, translated)."""
    return {
        "code": _(
            "The number of a risk item already on the list, to change it. Leave it blank for a "
            "new risk item: the system gives it a number."
        ),
        "mine": _("The mine's code in the registry (a mine of your area)."),
        "mine_name": _("For reading only: the mine is found by its code."),
        "location": _("The risk point or location in the mine."),
        "hazard_type": _("The kind of disaster the risk can lead to."),
        "description": _("What the risk is."),
        "level": _("重大 (red), 较大 (orange), 一般 (yellow) or 低 (blue)."),
        "control_measures": _("How the risk is controlled."),
        "responsible_person": _("The person responsible for the control."),
        "responsible_level": _(
            "Who controls the risk: a major risk at least the mine, a significant one at least "
            "a department, a general one at least a team."
        ),
        "review_on": _("When the risk is identified and assessed again (YYYY-MM-DD)."),
    }


# --- results --------------------------------------------------------------------------------


@dataclass
class Issue:
    row: int  # the row number as the spreadsheet shows it
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RowOutcome:
    row: int
    action: str  # "create", "update", "unchanged"
    code: str
    mine: str
    location: str
    level: str
    changed: list[str] = field(default_factory=list)  # column names


@dataclass
class ImportResult:
    filename: str = ""
    dry_run: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
            "items": [asdict(r) for r in self.rows],
        }


# --- reading --------------------------------------------------------------------------------


def read_rows(filename: str, data: bytes) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of the data sheet. Raises ImportRefused for what is no spreadsheet,
    ValidationError for a damaged one."""
    ext = check_file(filename, data)
    if ext == "csv":
        return read_csv(data).rows
    import python_calamine

    check_xlsx_extent(data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(DATA_SHEET if DATA_SHEET in names else names[0])
        values = sheet.to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 (the reader's errors, and its Rust panics)
        raise ValidationError(_("The workbook is damaged and cannot be read.")) from exc
    return [(n, list(row)) for n, row in enumerate(values, start=1)]


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    raw: dict[str, str]
    values: dict[str, Any]
    failed: bool = False
    mine: Any = None
    item: RiskItem | None = None  # the stored risk item of the row's number
    action: str = ""
    changed: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


class _Importer:
    def __init__(self, *, by, filename: str, dry_run: bool):
        self.by = by
        self.result = ImportResult(filename=filename, dry_run=dry_run)
        self.present: set[str] = set()
        self.rows: list[_Row] = []

    def error(self, row: _Row | int, key: str, message, value: str | None = None) -> None:
        number = row.number if isinstance(row, _Row) else row
        column = BY_KEY[key].header if key in BY_KEY else key
        if value is None:
            value = row.raw.get(key, "") if isinstance(row, _Row) else ""
        self.result.errors.append(Issue(number, column, value, str(message)))
        if isinstance(row, _Row):
            row.failed = True

    # --- stage 1: header and cells ----------------------------------------------------------

    def parse(self, table: list[tuple[int, list[Any]]]) -> bool:
        anchor = {normalise_header(BY_KEY[k].header) for k in ("location", "description")}
        header_at = next(
            (
                i
                for i, (_n, cells) in enumerate(table[:HEADER_SEARCH_ROWS])
                if anchor & {normalise_header(c) for c in cells}
            ),
            None,
        )
        if header_at is None:
            self.error(
                1,
                "",
                _(
                    "No header row found: the first rows of the file must hold the column "
                    "names, among them “%(header)s”. Start from the template."
                )
                % {"header": BY_KEY["location"].header},
                value="",
            )
            return False
        header_number, header_cells = table[header_at]
        mapping: dict[int, Column] = {}
        for index, cell in enumerate(header_cells):
            column = _BY_HEADER.get(normalise_header(cell))
            if column is None:
                if cell_text(cell):
                    self.result.warnings.append(
                        Issue(
                            header_number, cell_text(cell), "", _("Unknown column; it is ignored.")
                        )
                    )
                continue
            if column.key in self.present:
                self.error(header_number, column.key, _("This column appears twice."), value="")
                continue
            self.present.add(column.key)
            mapping[index] = column
        for column in COLUMNS:
            if column.required and column.key not in self.present:
                self.error(
                    header_number,
                    column.key,
                    _("The file has no column “%(header)s”; it is required.")
                    % {"header": column.header},
                    value="",
                )
        if self.result.errors:
            return False
        data_rows = [
            (n, cells) for n, cells in table[header_at + 1 :] if any(map(cell_text, cells))
        ]
        if len(data_rows) > MAX_ROWS:
            self.error(
                header_number,
                "",
                _("The file has %(n)d rows; at most %(max)d can be imported at once.")
                % {"n": len(data_rows), "max": MAX_ROWS},
                value="",
            )
            return False
        if not data_rows:
            self.error(header_number, "", _("The file has no risk items below the header."), "")
            return False
        self.result.rows_read = len(data_rows)
        for number, cells in data_rows:
            row = _Row(number, {}, {})
            for index, column in mapping.items():
                cell = cells[index] if index < len(cells) else ""
                row.raw[column.key] = cell_text(cell)
                try:
                    row.values[column.key] = column.parse(cell)
                except CellError as exc:
                    self.error(row, column.key, exc.message)
            for column in COLUMNS:
                if (
                    column.required
                    and column.key in row.values
                    and row.values[column.key] in ("", None)
                ):
                    self.error(row, column.key, _("This cell must be filled in."))
            self.rows.append(row)
        return True

    # --- stage 2: mines, numbers, duplicates ------------------------------------------------

    def resolve(self) -> None:
        from kuangan.registry.models import Mine

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
                elif row.values.get("mine_name") and _key(row.values["mine_name"]) != _key(
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
                (item.mine_id, _key(item.location), item.hazard_type, _key(item.description))
            ] = item.code
        seen: dict[tuple, int] = {}
        for row in rows:
            key = (
                row.mine.pk,
                _key(row.values.get("location", "")),
                row.values.get("hazard_type"),
                _key(row.values.get("description", "")),
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
                self._model_errors(row, exc)
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

    def _model_errors(self, row: _Row, exc: ValidationError) -> None:
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        for name, messages in items:
            key = name if name in BY_KEY else ""
            if name == NON_FIELD_ERRORS:
                key = ""
            for message in messages:
                self.error(row, key, message)

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
                mine=row.mine.code,
                location=row.values.get("location", ""),
                level=row.values.get("level", ""),
                changed=[BY_KEY[k].header for k in row.changed],
            )
            for row in self.rows
        ]

    def write(self, sha256: str) -> None:
        taken: set[str] = set()
        with transaction.atomic():
            for row, outcome in zip(self.rows, self.result.rows, strict=True):
                fields = {k: row.values[k] for k in ROW_FIELDS if k in row.values}
                if row.action == "create":
                    code = risks.next_risk_code(row.mine, taken)
                    taken.add(code)
                    item = risks.risk_create(by=self.by, mine=row.mine, code=code, **fields)
                    outcome.code = item.code
                elif row.action == "update":
                    risks.risk_update(
                        by=self.by, risk=row.item, **{k: fields[k] for k in row.changed}
                    )
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


def import_risks(*, by, filename: str, data: bytes, dry_run: bool = False) -> ImportResult:
    """Check the risk-list file ``data`` in full and, unless ``dry_run`` or any row has an
    error, write it (all rows or none). Raises ``ImportRefused`` for a file that is no
    spreadsheet at all (or when ``by`` may neither add nor change risk items); every other
    problem is in the result's ``errors``."""
    if not (by.has_perm("hazards.add_riskitem") or by.has_perm("hazards.change_riskitem")):
        raise ImportRefused(_("You do not have permission to import risk items."), status=403)
    importer = _Importer(by=by, filename=filename, dry_run=dry_run)
    try:
        table = read_rows(filename, data)
    except ValidationError as exc:
        importer.result.errors.extend(Issue(0, "", "", m) for m in exc.messages)
        return importer.result
    if not importer.parse(table):
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


def workbook_bytes(items) -> bytes:
    """The risk items in the import format (an exported file imports back unchanged), with
    drop-down lists on the enumerated columns and an instruction sheet. No items: the blank
    template."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = book.add_worksheet(DATA_SHEET)
    head = book.add_format(
        {"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    required = book.add_format(
        {
            "bold": True,
            "bg_color": "#FDE7D3",
            "border": 1,
            "text_wrap": True,
            "valign": "vcenter",
        }
    )
    text = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "num_format": "@"})
    date = book.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd"})
    helps = column_help()
    for col, column in enumerate(COLUMNS):
        sheet.write_string(0, col, column.header, required if column.required else head)
        sheet.write_comment(0, col, str(helps[column.key]))
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
        if column.words is not None:
            firsts = list(
                dict.fromkeys(export_word(column.words, v) for v in column.words.values())
            )
            sheet.data_validation(
                1, c, last, c, {"validate": "list", "source": firsts, "ignore_blank": True}
            )
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
        words = ""
        if column.words is not None:
            firsts = dict.fromkeys(export_word(column.words, v) for v in column.words.values())
            words = "（" + "、".join(firsts) + "）"
        mark = _("(required)") if column.required else ""
        info.write_string(n, 0, column.header)
        info.write_string(n, 1, f"{helps[column.key]}{words} {mark}".strip(), wrap)
    book.close()
    return buffer.getvalue()


def export_filename(stem: str) -> str:
    return f"{stem}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
