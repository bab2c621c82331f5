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

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind
from kuangan.core.credit_code import validate_credit_code
from kuangan.core.models import Region
from kuangan.core.services import save_versioned
from kuangan.core.spreadsheets import (
    EXTENSIONS,
    Column,
    ImportRefused,
    ImportResult,
    Issue,
    Row,
    RowOutcome,
    SheetImporter,
    Table,
    check_constraints,
    extension_of,
)
from kuangan.core.spreadsheets import read_xlsx as read_sheet

from . import columns as cols
from .models import HISTORY_FIELDS, Enterprise, Mine
from .services import _clean_enterprise, mine_history_record

__all__ = [  # the toolkit is core's (kuangan.core.spreadsheets); kept here for their users
    "EXTENSIONS",
    "ImportRefused",
    "ImportResult",
    "Issue",
    "RowOutcome",
    "check_constraints",
    "extension_of",
    "import_mines",
    "read_xlsx",
]

IMPORT_PERM = "registry.import_mines"
MAX_ROWS = 50_000
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


@dataclass
class MineImportResult(ImportResult):
    """The registry's import also counts the enterprises it registers and changes."""

    COUNTS: ClassVar[tuple[str, ...]] = (
        "created",
        "updated",
        "unchanged",
        "enterprises_created",
        "enterprises_updated",
    )
    CHANGE_COUNTS: ClassVar[tuple[str, ...]] = (
        "created",
        "updated",
        "enterprises_created",
        "enterprises_updated",
    )

    enterprises_created: int = 0
    enterprises_updated: int = 0


def read_xlsx(data: bytes) -> Table:
    """The registry's data sheet of a workbook (else its first sheet)."""
    return read_sheet(data, cols.DATA_SHEET)


# --- the import -----------------------------------------------------------------------------


@dataclass
class _Row(Row):
    enterprise: Enterprise | None = None
    mine: Mine | None = None
    action: str = ""
    changes: dict = field(default_factory=dict)


class _Rollback(Exception):
    pass


class _Importer(SheetImporter):
    columns = cols.FORMAT
    anchor_keys = ("name",)
    max_rows = MAX_ROWS
    sheet = cols.DATA_SHEET
    row_class = _Row
    result: MineImportResult
    rows: list[_Row]

    def __init__(self, *, by: Any, filename: str, dry_run: bool, sha256: str = ""):
        super().__init__(by=by, result=MineImportResult(filename=filename, dry_run=dry_run))
        self.sha256 = sha256
        self.written_enterprises: list[tuple[Enterprise, _Row]] = []

    def _may(self, perm: str) -> bool:
        return self.by is None or self.by.has_perm(perm)

    # --- stage 1: the cells of a row (the header and the cells are read by core) ----------

    @cached_property
    def regions(self) -> dict[str, Region]:
        return {r.code: r for r in Region.objects.all()}

    def parse_row(self, number: int, cells: list[Any], mapping: dict[int, Column]) -> _Row:
        row: _Row = super().parse_row(number, cells, mapping)
        for key in ("credit_code", "parent_credit_code"):
            if row.good(key):
                try:
                    row.values[key] = validate_credit_code(row.values[key])
                except ValidationError as exc:
                    for message in exc.messages:
                        self.error(row, key, message)
        if row.good("region"):
            code = row.values["region"]
            row.values["region"] = self.regions.get(code)
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

    def run(self, table: Table) -> MineImportResult:
        result = self.result
        try:
            with transaction.atomic():
                if self.parse(table) and self.rows:
                    self.enterprises()
                    self.mines()
                    self.write()
                    self.tally()
                    if result.ok and result.changes:
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
            result.clear_counts()
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
                RowOutcome(row.number, row.action, row.mine.code, changed, {"name": row.mine.name})
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


def import_mines(*, by: Any, filename: str, data: bytes, dry_run: bool = False) -> MineImportResult:
    """Import the registry file ``data`` (named ``filename``, .xlsx or .csv) as ``by``
    (``None``: the system, from the command line without --user: no scope and no permission
    check). Raises ``ImportRefused`` for a file that is not a spreadsheet at all; every other
    problem is in the result's ``errors``, and then nothing has been written."""
    if by is not None and not by.has_perm(IMPORT_PERM):
        raise ImportRefused(_("You do not have permission to import mines."), status=403)
    importer = _Importer(
        by=by, filename=filename, dry_run=dry_run, sha256=hashlib.sha256(data).hexdigest()
    )
    table = importer.read(filename, data)
    return importer.result if table is None else importer.run(table)


# --- helpers --------------------------------------------------------------------------------


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _lock(qs: models.QuerySet) -> models.QuerySet:
    """Rows about to be updated are locked for the transaction (PostgreSQL; SQLite locks the
    whole database for a write transaction anyway)."""
    return qs.select_for_update().select_related("region", "enterprise")


def _mine_field(key: str) -> Any:
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
