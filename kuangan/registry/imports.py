"""Import of the mine registry from an Excel (.xlsx) or CSV file (format: ``columns.py``).

The whole file is read and checked, and everything happens inside one transaction that is
rolled back when any row has an error (or for a dry run), so a rejected file leaves nothing
behind. Each row is checked by the rules of the models themselves: ``Mine.full_clean`` (the
per-field validators and ``Mine.clean``) on the instance the row would become, the
``Mine`` check constraints, the registry's enterprise validation, and finally the importer's
scope with ``visible_to`` on what would be written, exactly as ``ensure_visible`` does after
a service's write. A file can therefore never bring in what the registry pages refuse.

Writing is done in bulk rather than through ``mine_create``/``mine_update`` one row at a time:
those run ``full_clean`` with a database query per constraint and field (about 60 queries
and 9 ms a row), which for a 10,000-row file is far over the minute it may take. The bulk
path keeps what the services keep: a ``MineHistory`` row for each change of a rule input
(through ``mine_history_record``), an audit event for each mine created or changed, and one
``data.imported`` audit event with the counts. Rows whose values equal the registry's are
left alone: a second import of the same file changes nothing and records nothing.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind
from kuangan.core.credit_code import validate_credit_code
from kuangan.core.files import check_name, inspect_upload
from kuangan.core.models import Region
from kuangan.core.services import save_versioned

from . import columns as cols
from .models import HISTORY_FIELDS, Enterprise, Mine
from .services import _clean_enterprise, mine_history_record

IMPORT_PERM = "registry.import_mines"
MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 10
EXTENSIONS = ("xlsx", "csv")
_CHUNK = 900  # SQLite allows a limited number of query parameters
MINE_CODE_RE = re.compile(r"KA\d{10,12}")

# Which column an error about a model field belongs to.
_FIELD_COLUMN = {spec.key: spec.header for spec in cols.COLUMNS}
_FIELD_COLUMN.update({"enterprise": cols.BY_KEY["credit_code"].header})
_ENTERPRISE_FIELD_COLUMN = {
    "name": cols.BY_KEY["enterprise_name"].header,
    "credit_code": cols.BY_KEY["credit_code"].header,
    "parent": cols.BY_KEY["parent_credit_code"].header,
    "region": cols.BY_KEY["region"].header,
}


# --- results --------------------------------------------------------------------------------


@dataclass
class Issue:
    row: int  # the row number as the spreadsheet shows it (header row included)
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
    name: str
    changed: list[str] = field(default_factory=list)  # column names


@dataclass
class ImportResult:
    filename: str = ""
    dry_run: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    enterprises_created: int = 0
    enterprises_updated: int = 0
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "enterprises_created": self.enterprises_created,
            "enterprises_updated": self.enterprises_updated,
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }


class ImportRefused(Exception):
    """The file cannot be taken at all (not .xlsx/.csv, too large, a forbidden name)."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# --- reading the file -----------------------------------------------------------------------


@dataclass
class Table:
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells) for every row


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check_file(filename: str, data: bytes) -> str:
    """Refuse what is not an .xlsx or .csv file of an acceptable size; return the extension."""
    ext = extension_of(filename)
    if ext not in EXTENSIONS:
        raise ImportRefused(
            _("Only Excel (.xlsx) and CSV (.csv) files can be imported."), status=415
        )
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size).1f MB; files may be at most %(max)d MB.")
            % {"size": len(data) / 1024 / 1024, "max": settings.UPLOAD_MAX_BYTES // 1048576},
            status=413,
        )
    try:
        check_name(filename)
        if not data:
            raise ValidationError(_("The file is empty."))
        if ext == "xlsx":
            if not data.startswith(b"PK\x03\x04"):
                raise ValidationError(_("This is not an Excel (.xlsx) workbook."))
            inspect_upload(filename, data)  # an OOXML workbook, and no archive bomb
        elif data.startswith(b"PK\x03\x04"):
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
MAX_SHEET_ROWS = MAX_ROWS + 1000
MAX_SHEET_COLUMNS = 200


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


def check_xlsx_extent(data: bytes) -> None:
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
                    if max_row > MAX_SHEET_ROWS or max_col > MAX_SHEET_COLUMNS:
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
                                "max_rows": MAX_SHEET_ROWS,
                                "max_cols": MAX_SHEET_COLUMNS,
                            }
                        )


def read_xlsx(data: bytes) -> Table:
    import python_calamine

    check_xlsx_extent(data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = workbook.sheet_names
        sheet = workbook.get_sheet_by_name(
            cols.DATA_SHEET if cols.DATA_SHEET in names else names[0]
        )
        values = sheet.to_python(skip_empty_area=False)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 (the reader's errors, and its Rust panics)
        raise ValidationError(_("The workbook is damaged and cannot be read.")) from exc
    return Table([(n, list(row)) for n, row in enumerate(values, start=1)])


def read_table(filename: str, data: bytes) -> Table:
    ext = check_file(filename, data)
    return read_xlsx(data) if ext == "xlsx" else read_csv(data)


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    raw: dict[str, str]  # key -> cell text as in the file
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # keys of the cells with an error
    failed: bool = False
    enterprise: Enterprise | None = None
    mine: Mine | None = None
    action: str = ""
    changes: dict = field(default_factory=dict)

    def good(self, key: str) -> bool:
        return key not in self.bad and self.values.get(key) not in (None, "")


class _Rollback(Exception):
    pass


class _Importer:
    def __init__(self, *, by, filename: str, dry_run: bool, sha256: str = ""):
        self.by = by
        self.sha256 = sha256
        self.result = ImportResult(filename=filename, dry_run=dry_run)
        self.present: set[str] = set()
        self.rows: list[_Row] = []
        self.written_enterprises: list[tuple[Enterprise, _Row]] = []

    # --- issues -------------------------------------------------------------------------

    def error(self, row: _Row | int, key_or_header: str, message, value: str | None = None):
        """Report a problem at a row and a column (a column key or a column name)."""
        number = row.number if isinstance(row, _Row) else row
        spec = cols.BY_KEY.get(key_or_header) or cols.column_for(key_or_header)
        header = spec.header if spec else key_or_header
        if value is None:
            value = row.raw.get(spec.key, "") if isinstance(row, _Row) and spec else ""
        self.result.errors.append(Issue(number, header, value, str(message)))
        if isinstance(row, _Row):
            row.failed = True
            if spec is not None:
                row.bad.add(spec.key)

    def model_errors(self, row: _Row, exc: ValidationError, mapping: dict[str, str]) -> None:
        items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        for name, messages in items:
            header = mapping.get(name, "") if name != NON_FIELD_ERRORS else ""
            for message in messages:
                self.error(row, header, message)

    def _may(self, perm: str) -> bool:
        return self.by is None or self.by.has_perm(perm)

    # --- stage 1: header and cells --------------------------------------------------------

    def parse(self, table: Table) -> bool:
        name_spec = cols.BY_KEY["name"]
        header_at = None
        for index, (_number, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
            if any(cols.column_for(c) is name_spec for c in cells):
                header_at = index
                break
        if header_at is None:
            self.error(
                1,
                name_spec.header,
                _(
                    "No header row found: the first rows of the file must hold the column "
                    "names, among them “%(header)s”. Start from the template."
                )
                % {"header": name_spec.header},
                value="",
            )
            return False
        header_number, header_cells = table.rows[header_at]
        mapping: dict[int, cols.ColumnSpec] = {}
        for index, cell in enumerate(header_cells):
            spec = cols.column_for(cell)
            text = cols.cell_text(cell)
            if spec is None:
                if text:
                    self.result.warnings.append(
                        Issue(header_number, text, "", _("Unknown column; it is ignored."))
                    )
                continue
            if spec.key in self.present:
                self.error(header_number, spec.key, _("This column appears twice."), value="")
                continue
            self.present.add(spec.key)
            mapping[index] = spec
        for spec in cols.COLUMNS:
            if spec.required and spec.key not in self.present:
                self.error(
                    header_number,
                    spec.key,
                    _("The file has no column “%(header)s”; it is required.")
                    % {"header": spec.header},
                    value="",
                )
        if self.result.errors:
            return False
        data_rows = [
            (n, cells)
            for n, cells in table.rows[header_at + 1 :]
            if any(cols.cell_text(c) for c in cells)
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
        self.result.rows_read = len(data_rows)
        regions = {r.code: r for r in Region.objects.all()}
        for number, cells in data_rows:
            self.rows.append(self._parse_row(number, cells, mapping, regions))
        return True

    def _parse_row(self, number, cells, mapping, regions) -> _Row:
        row = _Row(number, {}, {})
        for index, spec in mapping.items():
            cell = cells[index] if index < len(cells) else ""
            row.raw[spec.key] = cols.cell_text(cell)
            try:
                row.values[spec.key] = spec.parse(cell)
            except cols.CellError as exc:
                self.error(row, spec.key, exc.message)
        for key in cols.REQUIRED_KEYS:
            if key not in row.bad and row.values.get(key) in ("", None):
                self.error(row, key, _("This cell must be filled in."))
        for key in ("credit_code", "parent_credit_code"):
            if row.good(key):
                try:
                    row.values[key] = validate_credit_code(row.values[key])
                except ValidationError as exc:
                    for message in exc.messages:
                        self.error(row, key, message)
        if row.good("region"):
            code = row.values["region"]
            row.values["region"] = regions.get(code)
            if row.values["region"] is None:
                self.error(
                    row,
                    "region",
                    _("No division of Jilin province has the code %(code)s.") % {"code": code},
                )
        if row.good("parent_credit_code") and row.values["parent_credit_code"] == row.values.get(
            "credit_code"
        ):
            self.error(
                row, "parent_credit_code", _("An enterprise cannot be its own group company.")
            )
        for key, value in row.values.items():
            f = _mine_field(key)
            if isinstance(f, models.DecimalField) and isinstance(value, Decimal):
                row.values[key] = _fit_decimal(value, f.decimal_places)
        return row

    # --- stage 2: enterprises -------------------------------------------------------------

    def enterprises(self) -> None:
        by_code: dict[str, list[_Row]] = defaultdict(list)
        for row in self.rows:
            if row.good("credit_code"):
                by_code[row.values["credit_code"]].append(row)
        wanted = set(by_code) | {
            r.values["parent_credit_code"] for r in self.rows if r.good("parent_credit_code")
        }
        existing: dict[str, Enterprise] = {}
        for chunk in _chunks(sorted(wanted)):
            for org in Enterprise.objects.filter(credit_code__in=chunk):
                existing[org.credit_code] = org
        # One enterprise has one name and one group company in the whole file.
        plan: dict[str, dict] = {}
        for code, rows in by_code.items():
            named = [r for r in rows if r.good("enterprise_name")]
            name = named[0].values["enterprise_name"] if named else ""
            for row in named[1:]:
                if row.values["enterprise_name"] != name:
                    self.error(
                        row,
                        "enterprise_name",
                        _(
                            "Row %(row)d gives this credit code the enterprise name “%(name)s”; "
                            "one enterprise has one name."
                        )
                        % {"row": named[0].number, "name": name},
                    )
            parent_rows = [r for r in rows if "parent_credit_code" not in r.bad]
            parent = parent_rows[0].values.get("parent_credit_code", "") if parent_rows else ""
            for row in parent_rows[1:]:
                if row.values.get("parent_credit_code", "") != parent:
                    self.error(
                        row,
                        "parent_credit_code",
                        _("Row %(row)d gives this enterprise another group company.")
                        % {"row": parent_rows[0].number},
                    )
            plan[code] = {
                "rows": rows,
                "name": name,
                "parent": parent,
                "parent_ok": len(parent_rows) == len(rows),
                "org": existing.get(code),
            }
        done: dict[str, Enterprise | None] = {}
        visiting: set[str] = set()

        def resolve(code: str) -> Enterprise | None:
            """Write the enterprise of ``code`` (its group company first) and return it."""
            if code in done:
                return done[code]
            entry = plan[code]
            if code in visiting:
                self.error(
                    entry["rows"][0],
                    "parent_credit_code",
                    _("The group companies in the file form a circle."),
                )
                done[code] = None
                return None
            visiting.add(code)
            parent = None
            parent_code = entry["parent"]
            if parent_code:
                parent = resolve(parent_code) if parent_code in plan else existing.get(parent_code)
                if parent is None and parent_code not in plan:
                    for row in entry["rows"]:
                        self.error(
                            row,
                            "parent_credit_code",
                            _(
                                "No mining enterprise has this credit code: register the group "
                                "company first, or add it as the enterprise of a row."
                            ),
                        )
            ok = entry["parent_ok"] and (parent is not None or not parent_code)
            done[code] = self._write_enterprise(entry, code, parent) if ok else None
            return done[code]

        for code, entry in plan.items():
            org = resolve(code)
            for row in entry["rows"]:
                row.enterprise = org
                if org is None and not row.failed:
                    self.error(
                        row,
                        "credit_code",
                        _("The enterprise of this row could not be registered; see row %(row)d.")
                        % {"row": entry["rows"][0].number},
                    )

    def _write_enterprise(self, entry: dict, code: str, parent) -> Enterprise | None:
        rows = entry["rows"]
        first = rows[0]
        org = entry["org"]
        if not entry["name"]:
            return org
        if org is None:
            region_rows = [r for r in rows if r.good("region")]
            if not region_rows:
                return None
            if not self._may("registry.add_enterprise"):
                self.error(
                    first,
                    "credit_code",
                    _("The enterprise is not registered yet, and you may not register one."),
                )
                return None
            org = Enterprise(
                kind=OrganizationKind.ENTERPRISE,
                name=entry["name"],
                credit_code=code,
                region=region_rows[0].values["region"],
                parent=parent,
            )
            try:
                _clean_enterprise(org)
            except ValidationError as exc:
                self.model_errors(first, exc, _ENTERPRISE_FIELD_COLUMN)
                return None
            org.save()
            audit.record(
                actor=self.by,
                action=AuditAction.CREATED,
                obj=org,
                changes=audit.diff({}, audit.snapshot(org)),
            )
            self.result.enterprises_created += 1
            self.written_enterprises.append((org, first))
            return org
        changed = org.name != entry["name"]
        if "parent_credit_code" in self.present:
            changed |= org.parent_id != (parent.pk if parent is not None else None)
        if not changed:
            return org
        if not self._may("registry.change_enterprise"):
            self.error(
                first,
                "enterprise_name",
                _("The file changes this enterprise's data, and you may not change it."),
            )
            return None
        before = audit.snapshot(org)
        org.name = entry["name"]
        if "parent_credit_code" in self.present:
            org.parent = parent
        try:
            _clean_enterprise(org)
        except ValidationError as exc:
            self.model_errors(first, exc, _ENTERPRISE_FIELD_COLUMN)
            return None
        changes = audit.diff(before, audit.snapshot(org))
        save_versioned(org, expected_version=None, fields=[c.removesuffix("_id") for c in changes])
        audit.record(actor=self.by, action=AuditAction.UPDATED, obj=org, changes=changes)
        self.result.enterprises_updated += 1
        self.written_enterprises.append((org, first))
        return org

    # --- stage 3: mines -------------------------------------------------------------------

    def mines(self) -> None:
        rows = [r for r in self.rows if not r.failed and r.enterprise is not None]
        codes = sorted({r.values["code"] for r in rows if r.values.get("code")})
        enterprise_ids = sorted({r.enterprise.pk for r in rows})
        loaded: dict[int, Mine] = {}
        for chunk in _chunks(codes):
            loaded.update((m.pk, m) for m in _lock(Mine.objects.filter(code__in=chunk)))
        for chunk in _chunks(enterprise_ids):
            loaded.update((m.pk, m) for m in _lock(Mine.objects.filter(enterprise_id__in=chunk)))
        by_code = {m.code: m for m in loaded.values()}
        by_key: dict[tuple[int, str], list[Mine]] = defaultdict(list)
        for mine in loaded.values():
            by_key[(mine.enterprise_id, mine.name)].append(mine)
        visible = set(loaded)
        if self.by is not None:
            visible = set()
            for chunk in _chunks(sorted(loaded)):
                visible |= set(
                    Mine.objects.visible_to(self.by)
                    .filter(pk__in=chunk)
                    .values_list("pk", flat=True)
                )
        seen: dict[tuple, int] = {}
        for row in rows:
            code = row.values.get("code", "")
            name = row.values["name"]
            same = sorted(by_key.get((row.enterprise.pk, name), []), key=lambda m: m.code)
            target: Mine | None = None
            if code:
                target = by_code.get(code)
                if target is not None and target.pk not in visible:
                    self.error(row, "code", _("No mine of your jurisdiction has this code."))
                    continue
                if target is None and not MINE_CODE_RE.fullmatch(code):
                    self.error(
                        row,
                        "code",
                        _(
                            "This is not a mine code of the registry (KA + county code + "
                            "serial number). Leave the cell blank for a new mine: the system "
                            "gives it a code."
                        ),
                    )
                    continue
                if target is None and same:
                    self.error(
                        row,
                        "code",
                        _(
                            "This enterprise's mine “%(name)s” is registered under the code "
                            "%(code)s; give that code, or leave the cell blank."
                        )
                        % {"name": name, "code": same[0].code},
                    )
                    continue
            elif len(same) > 1:
                self.error(
                    row,
                    "name",
                    _(
                        "This enterprise has several mines of this name (%(codes)s); give the "
                        "mine code."
                    )
                    % {"codes": "、".join(m.code for m in same)},
                )
                continue
            elif same:
                target = same[0]
                if target.pk not in visible:
                    self.error(
                        row, "region", _("This mine is registered outside your jurisdiction.")
                    )
                    continue
            keys: list[tuple] = [("pk", target.pk)] if target is not None else []
            keys.append(("code", code) if code else ("name", row.enterprise.pk, name))
            duplicate = next((seen[k] for k in keys if k in seen), None)
            if duplicate is not None:
                self.error(
                    row,
                    "code" if code else "name",
                    _("This mine already appears in row %(row)d of the file.") % {"row": duplicate},
                )
                continue
            for k in keys:
                seen[k] = row.number
            self._build(row, target, code)
        for row in self.rows:
            if row.failed and row.mine is None:
                self._check_alone(row)

    def _check_alone(self, row: _Row) -> None:
        """The model's rules on the cells of a row that is refused already, so that the
        person sees all of the row's errors at once."""
        values = {
            k: v
            for k, v in row.values.items()
            if k in cols.MINE_KEYS and k != "code" and k not in row.bad
        }
        mine = Mine(**values)
        exclude = ["code", "region", "enterprise", *row.bad]
        errors: dict[str, list] = {}
        try:
            mine.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors = exc.message_dict
        for name, messages in errors.items():
            header = _FIELD_COLUMN.get(name, "") if name != NON_FIELD_ERRORS else ""
            spec = cols.column_for(header) if header else None
            if spec is not None and spec.key in row.bad:
                continue
            for message in messages:
                self.error(row, header, message)

    def _build(self, row: _Row, target: Mine | None, code: str) -> None:
        values = {k: v for k, v in row.values.items() if k in cols.MINE_KEYS and k != "code"}
        values["enterprise"] = row.enterprise
        if target is None:
            mine = Mine(code=code, **values)
            row.action = "create"
        else:
            mine = target
            names = [Mine._meta.get_field(k).attname for k in values]
            before = audit.snapshot(mine, names)
            for key, value in values.items():
                setattr(mine, key, value)
            row.changes = audit.diff(before, audit.snapshot(mine, names))
            row.action = "update" if row.changes else "unchanged"
        row.mine = mine
        try:
            mine.full_clean(
                exclude=["code", "region", "enterprise"],
                validate_unique=False,
                validate_constraints=False,
            )
            check_constraints(mine)
        except ValidationError as exc:
            self.model_errors(row, exc, _FIELD_COLUMN)
            return
        if row.action == "create" and not self._may("registry.add_mine"):
            self.error(
                row, "name", _("This mine is not registered yet, and you may not register one.")
            )
        elif row.action == "update" and not self._may("registry.change_mine"):
            self.error(
                row, "name", _("The file changes this mine's data, and you may not change it.")
            )

    # --- stage 4: writing -----------------------------------------------------------------

    def write(self) -> None:
        rows = [r for r in self.rows if r.mine is not None and not r.failed]
        creates = [r for r in rows if r.action == "create"]
        updates = [r for r in rows if r.action == "update"]
        now = timezone.now()
        # New mines that bring their code first, so that the codes allocated next follow them.
        Mine.objects.bulk_create([r.mine for r in creates if r.mine.code], batch_size=500)
        without = defaultdict(list)
        for r in creates:
            if not r.mine.code:
                without[r.mine.region_id].append(r)
        for region_rows in without.values():
            new_codes = Mine.objects.allocate_codes(region_rows[0].mine.region, len(region_rows))
            for r, new_code in zip(region_rows, new_codes, strict=True):
                r.mine.code = new_code
            Mine.objects.bulk_create([r.mine for r in region_rows], batch_size=500)
        if updates:
            names = {"version", "updated_at"}
            for r in updates:
                names |= {k.removesuffix("_id") for k in r.changes}
                r.mine.version += 1
                r.mine.updated_at = now
            Mine.objects.bulk_update([r.mine for r in updates], sorted(names), batch_size=500)
        for r in creates:
            mine_history_record(
                mine=r.mine,
                by=self.by,
                changes=audit.diff({}, audit.snapshot(r.mine, HISTORY_FIELDS)),
                at=now,
            )
            audit.record(
                actor=self.by,
                action=AuditAction.CREATED,
                obj=r.mine,
                changes=audit.diff({}, audit.snapshot(r.mine)),
            )
        for r in updates:
            mine_history_record(mine=r.mine, by=self.by, changes=r.changes, at=now)
            action = AuditAction.STATUS_CHANGED if "status" in r.changes else AuditAction.UPDATED
            audit.record(actor=self.by, action=action, obj=r.mine, changes=r.changes)
        self.check_scope(creates + updates)

    def check_scope(self, written: list[_Row]) -> None:
        """What was written must lie inside the importer's scope (as ``ensure_visible``)."""
        if self.by is None:
            return
        visible: set[int] = set()
        for chunk in _chunks([r.mine.pk for r in written]):
            visible |= set(
                Mine.objects.visible_to(self.by).filter(pk__in=chunk).values_list("pk", flat=True)
            )
        for r in written:
            if r.mine.pk not in visible:
                self.error(r, "region", _("This mine would lie outside your jurisdiction."))
        seen: set[int] = set()
        for chunk in _chunks([o.pk for o, _row in self.written_enterprises]):
            seen |= set(
                Enterprise.objects.visible_to(self.by)
                .filter(pk__in=chunk)
                .values_list("pk", flat=True)
            )
        for org, row in self.written_enterprises:
            if org.pk not in seen:
                self.error(
                    row, "credit_code", _("This enterprise would lie outside your jurisdiction.")
                )

    # --- the whole ------------------------------------------------------------------------

    def run(self, table: Table) -> ImportResult:
        result = self.result
        try:
            with transaction.atomic():
                if self.parse(table) and self.rows:
                    self.enterprises()
                    self.mines()
                    self.write()
                    self.tally()
                    changed = (
                        result.created
                        + result.updated
                        + result.enterprises_created
                        + result.enterprises_updated
                    )
                    if result.ok and changed:
                        self.record_summary()
                if not result.ok or result.dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        except IntegrityError as exc:  # the database's own constraints: a last safety net
            result.errors.append(
                Issue(0, "", "", _("The database refused the data: %(error)s") % {"error": exc})
            )
        if not result.ok:
            result.created = result.updated = result.unchanged = 0
            result.enterprises_created = result.enterprises_updated = 0
        result.errors.sort(key=lambda e: (e.row, cols.column_order(e.column)))
        return result

    def tally(self) -> None:
        for row in self.rows:
            if row.mine is None or row.failed:
                continue
            if row.action == "create":
                self.result.created += 1
            elif row.action == "update":
                self.result.updated += 1
            else:
                self.result.unchanged += 1
            changed = []
            for attname in row.changes:
                key = "credit_code" if attname == "enterprise_id" else attname.removesuffix("_id")
                if key in cols.BY_KEY:
                    changed.append(cols.BY_KEY[key].header)
            self.result.rows.append(
                RowOutcome(row.number, row.action, row.mine.code, row.mine.name, changed)
            )

    def record_summary(self) -> None:
        region = None
        if self.by is not None and getattr(self.by, "organization_id", None):
            region = self.by.organization.region
        audit.record(
            actor=self.by,
            action=AuditAction.IMPORTED,
            object_repr=str(Mine._meta.verbose_name_plural),
            region=region,
            actor_repr=None if self.by is not None else "system",
            changes={
                "file": self.result.filename,
                "sha256": self.sha256,
                "rows": self.result.rows_read,
                "created": self.result.created,
                "updated": self.result.updated,
                "unchanged": self.result.unchanged,
                "enterprises_created": self.result.enterprises_created,
                "enterprises_updated": self.result.enterprises_updated,
            },
        )


def import_mines(*, by, filename: str, data: bytes, dry_run: bool = False) -> ImportResult:
    """Import the registry file ``data`` (named ``filename``, .xlsx or .csv) as ``by``
    (``None``: the system, from the command line without --user: no scope and no permission
    check). Raises ``ImportRefused`` for a file that is not a spreadsheet at all; every other
    problem is in the result's ``errors``, and then nothing has been written."""
    if by is not None and not by.has_perm(IMPORT_PERM):
        raise ImportRefused(_("You do not have permission to import mines."), status=403)
    importer = _Importer(
        by=by, filename=filename, dry_run=dry_run, sha256=hashlib.sha256(data).hexdigest()
    )
    try:
        table = read_table(filename, data)
    except ValidationError as exc:
        importer.result.errors.extend(Issue(0, "", "", m) for m in exc.messages)
        return importer.result
    return importer.run(table)


# --- helpers --------------------------------------------------------------------------------


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock(qs):
    """Rows about to be updated are locked for the transaction (PostgreSQL; SQLite locks the
    whole database for a write transaction anyway)."""
    return qs.select_for_update().select_related("region", "enterprise")


def _mine_field(key: str):
    try:
        return Mine._meta.get_field(key)
    except Exception:  # noqa: BLE001 (enterprise columns are no Mine fields)
        return None


def _fit_decimal(value: Decimal, places: int) -> Decimal:
    """``value`` with exactly the field's decimal places when that changes nothing (1.5 and
    1.500 -> 1.50), so that it compares and is recorded like the stored value; a value with
    more places is left as it is, for the field's validator to refuse."""
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -places:
        try:
            return value.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            return value
    return value


# --- the model's check constraints, evaluated in Python -------------------------------------

_LOOKUPS = {"exact", "isnull", "gte", "gt", "lte", "lt", "in"}


class _Unsupported(Exception):
    pass


def _lookup(instance, name: str, expected) -> bool | None:
    parts = name.split("__")
    lookup = parts[-1] if len(parts) > 1 and parts[-1] in _LOOKUPS else "exact"
    field_parts = parts[:-1] if lookup != "exact" or parts[-1] == "exact" else parts
    if len(field_parts) != 1 or hasattr(expected, "resolve_expression"):
        raise _Unsupported(name)
    try:
        f = instance._meta.get_field(field_parts[0])
    except Exception as exc:  # noqa: BLE001
        raise _Unsupported(name) from exc
    if not getattr(f, "concrete", False):
        raise _Unsupported(name)
    value = getattr(instance, f.attname)
    if lookup == "isnull":
        return (value is None) == bool(expected)
    if lookup == "exact" and expected is None:
        return value is None
    if value is None:
        return None  # SQL: a comparison with NULL is unknown
    if lookup == "exact":
        return value == expected
    if lookup == "in":
        return value in list(expected)
    return {
        "gte": value >= expected,
        "gt": value > expected,
        "lte": value <= expected,
        "lt": value < expected,
    }[lookup]


def _evaluate(q: Q, instance) -> bool | None:
    """Three-valued (SQL) evaluation of a simple ``Q`` against an unsaved instance."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(_evaluate(child, instance))
        elif isinstance(child, tuple) and len(child) == 2:
            results.append(_lookup(instance, *child))
        else:
            raise _Unsupported(repr(child))
    if q.connector == Q.AND:
        value = False if False in results else (None if None in results else True)
    elif q.connector == Q.OR:
        value = True if True in results else (None if None in results else False)
    else:
        raise _Unsupported(q.connector)
    if q.negated and value is not None:
        value = not value
    return value


def check_constraints(instance: models.Model) -> None:
    """``validate_constraints`` without a query per constraint: a check constraint made of
    simple lookups is evaluated in Python like the database would (NULL passes); any other
    constraint is left to Django's own validation."""
    errors: list[ValidationError] = []
    for constraint in instance._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(constraint, models.CheckConstraint) and isinstance(condition, Q):
            try:
                if _evaluate(condition, instance) is False:
                    errors.append(
                        ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                    )
                continue
            except _Unsupported:
                pass
        try:
            constraint.validate(type(instance), instance)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
