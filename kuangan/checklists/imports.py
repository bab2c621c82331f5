"""Reading checklist templates from .xlsx and YAML files, with row-by-row errors.

Both formats carry the same data. An .xlsx workbook has a sheet “检查表信息” (one row per
template: 工作表, 编码, 检查表类别, 名称, 版本, 来源说明) and one sheet per template with the
columns 方面, 序号, 检查内容, 检查方法, 检查依据, 重大事故隐患判定条款 (criterion codes, comma
separated), 适用条件 (JSON), 适用矿山类型. A YAML file holds ``templates: [{code, family, name,
version, source_note, aspects: [{name, items: [{code, content, method, basis, criteria,
condition, mine_kinds}]}]}]``.

Parsing is pure: it needs only the known criterion codes (with their mine kinds) and the
template versions that exist. Nothing is written unless the whole file is valid
(``services.checklist_import``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from kuangan.core.spreadsheets import check_xlsx_extent

from . import conditions
from .catalogue import bad_date
from .choices import FAMILY_KINDS, ChecklistFamily, MineKind
from .models import MineKindsField

META_SHEET = "检查表信息"
META_COLUMNS = {
    "sheet": "工作表",
    "code": "编码",
    "family": "检查表类别",
    "name": "名称",
    "version": "版本",
    "source_note": "来源说明",
}
META_REQUIRED = ("sheet", "code", "family", "name", "version")

ITEM_COLUMNS = {
    "aspect": "方面",
    "code": "序号",
    "content": "检查内容",
    "method": "检查方法",
    "basis": "检查依据",
    "criteria": "重大事故隐患判定条款",
    "condition": "适用条件",
    "mine_kinds": "适用矿山类型",
}
ITEM_REQUIRED = ("aspect", "code", "content", "method", "basis")

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
MAX_TEMPLATES = 20
SEPARATORS = (",", "，", "、", ";", "；", "\n")


# --- Parsed data ----------------------------------------------------------------------------


@dataclass
class ParsedItem:
    code: str
    content: str
    method: str = ""
    basis: str = ""
    criteria: list[str] = field(default_factory=list)
    condition: dict = field(default_factory=dict)
    mine_kinds: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "content": self.content,
            "method": self.method,
            "basis": self.basis,
            "criteria": sorted(self.criteria),
            "condition": self.condition,
            "mine_kinds": list(self.mine_kinds),
        }


@dataclass
class ParsedAspect:
    name: str
    items: list[ParsedItem] = field(default_factory=list)


@dataclass
class ParsedTemplate:
    code: str
    family: str
    name: str
    version: int
    source_note: str = ""
    aspects: list[ParsedAspect] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The canonical form, the same as ``exports.template_to_dict`` gives for a template."""
        return {
            "code": self.code,
            "family": self.family,
            "name": self.name,
            "version": self.version,
            "source_note": self.source_note,
            "aspects": [
                {"name": a.name, "items": [i.to_dict() for i in a.items]} for a in self.aspects
            ],
        }

    @property
    def item_count(self) -> int:
        return sum(len(a.items) for a in self.aspects)


@dataclass
class RowError:
    where: str
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("%(where)s, column “%(column)s”: %(message)s") % {
                "where": self.where,
                "column": self.column,
                "message": self.message,
            }
        return f"{self.where}: {self.message}" if self.where else self.message


class ImportFailed(ValidationError):
    """The file cannot be imported; ``errors`` lists every problem with its place."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__([str(e) for e in errors], code="import_failed")


@dataclass
class Context:
    """What the parser needs to know of the database."""

    criteria: dict[str, list[str]]  # criterion code -> its mine kinds
    existing_versions: set[tuple[str, int]] = field(default_factory=set)
    draft_codes: set[str] = field(default_factory=set)
    latest_versions: dict[str, int] = field(default_factory=dict)
    as_new_version: bool = False


# --- Cell helpers ---------------------------------------------------------------------------


def text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, line ends normalised, ends trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def split_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [text(v) for v in value if text(v)]
    s = text(value)
    for sep in SEPARATORS[1:]:
        s = s.replace(sep, ",")
    return [p.strip() for p in s.split(",") if p.strip()]


def _labels(choices_cls) -> dict[str, str]:
    """Value by code, by Chinese label and by English label (case-insensitive)."""
    out: dict[str, str] = {}
    for value in choices_cls.values:
        out[value.lower()] = value
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for value, label in choices_cls.choices:
                out[str(label).lower()] = value
    return out


def chinese_label(choices_cls, value: str) -> str:
    with translation.override("zh-hans"):
        return str(choices_cls(value).label)


# --- Building templates from rows -----------------------------------------------------------


def _build_template(
    meta: dict, rows: list[dict], ctx: Context, errors: list[RowError], where_meta: str
) -> ParsedTemplate | None:
    """``meta`` has code, family, name, version, source_note; each row has the item columns
    and ``where`` (its place, for errors)."""
    start = len(errors)
    code = text(meta.get("code"))
    if not code:
        errors.append(RowError(where_meta, META_COLUMNS["code"], _("The code is required.")))
    elif slugify(code) != code:
        errors.append(
            RowError(
                where_meta,
                META_COLUMNS["code"],
                _("Use only letters, digits, “-” and “_” in the code (e.g. coal-ug-2023)."),
            )
        )
    family_raw = text(meta.get("family"))
    family = _labels(ChecklistFamily).get(family_raw.lower())
    if family is None:
        errors.append(
            RowError(
                where_meta,
                META_COLUMNS["family"],
                _("Unknown family “%(value)s”; use one of %(values)s.")
                % {
                    "value": family_raw,
                    "values": "、".join(
                        chinese_label(ChecklistFamily, v) for v in ChecklistFamily.values
                    ),
                },
            )
        )
    name = text(meta.get("name"))
    if not name:
        errors.append(RowError(where_meta, META_COLUMNS["name"], _("The name is required.")))
    version_raw = meta.get("version")
    try:
        version = int(text(version_raw))
        if version < 1:
            raise ValueError
    except ValueError:
        errors.append(
            RowError(
                where_meta,
                META_COLUMNS["version"],
                _("The version must be a whole number ≥ 1, not “%(value)s”.")
                % {"value": text(version_raw)},
            )
        )
        version = 0
    if code and ctx.as_new_version:
        version = ctx.latest_versions.get(code, 0) + 1 if code in ctx.latest_versions else version
    elif code and version and (code, version) in ctx.existing_versions:
        errors.append(
            RowError(
                where_meta,
                META_COLUMNS["version"],
                _(
                    "Version %(version)s of “%(code)s” exists already. Raise the version, or "
                    "import it as a new version."
                )
                % {"version": version, "code": code},
            )
        )
    if code and code in ctx.draft_codes:
        errors.append(
            RowError(
                where_meta,
                META_COLUMNS["code"],
                _(
                    "“%(code)s” has a draft version already; publish or discard that draft "
                    "before importing another."
                )
                % {"code": code},
            )
        )
    allowed_kinds = set(FAMILY_KINDS.get(family or "", ()))
    kind_labels = _labels(MineKind)

    aspects: dict[str, ParsedAspect] = {}
    seen_codes: dict[str, str] = {}
    current_aspect = ""
    for row in rows:
        where = row["where"]
        aspect_name = text(row.get("aspect")) or current_aspect
        if not aspect_name:
            errors.append(
                RowError(
                    where, ITEM_COLUMNS["aspect"], _("The aspect is required on the first row.")
                )
            )
        current_aspect = aspect_name
        item_code = text(row.get("code"))
        if not item_code:
            errors.append(RowError(where, ITEM_COLUMNS["code"], _("The number is required.")))
        elif item_code in seen_codes:
            errors.append(
                RowError(
                    where,
                    ITEM_COLUMNS["code"],
                    _("The number “%(code)s” is used twice (also at %(other)s).")
                    % {"code": item_code, "other": seen_codes[item_code]},
                )
            )
        elif len(item_code) > 32:
            errors.append(
                RowError(where, ITEM_COLUMNS["code"], _("The number is longer than 32 characters."))
            )
        else:
            seen_codes[item_code] = where
        content = text(row.get("content"))
        if not content:
            errors.append(RowError(where, ITEM_COLUMNS["content"], _("What to check is required.")))
        criteria = split_list(row.get("criteria"))
        for criterion in criteria:
            kinds = ctx.criteria.get(criterion)
            if kinds is None:
                errors.append(
                    RowError(
                        where,
                        ITEM_COLUMNS["criteria"],
                        _("Unknown major-hazard criterion code “%(code)s”.") % {"code": criterion},
                    )
                )
            elif allowed_kinds and not (set(kinds) & allowed_kinds):
                errors.append(
                    RowError(
                        where,
                        ITEM_COLUMNS["criteria"],
                        _("The criterion “%(code)s” does not apply to the mines of this checklist.")
                        % {"code": criterion},
                    )
                )
        if len(set(criteria)) != len(criteria):
            errors.append(
                RowError(where, ITEM_COLUMNS["criteria"], _("A criterion code is listed twice."))
            )
        raw_condition = row.get("condition")
        condition: dict = {}
        try:
            if isinstance(raw_condition, dict):
                conditions.validate(raw_condition)
                condition = raw_condition
            elif raw_condition not in (None, ""):
                condition = conditions.parse(text(raw_condition))
        except ValidationError as exc:
            for message in exc.messages:
                errors.append(RowError(where, ITEM_COLUMNS["condition"], message))
        kinds: list[str] = []
        for raw in split_list(row.get("mine_kinds")):
            kind = kind_labels.get(raw.lower())
            if kind is None:
                errors.append(
                    RowError(
                        where,
                        ITEM_COLUMNS["mine_kinds"],
                        _("Unknown mine kind “%(value)s”; use one of %(values)s.")
                        % {
                            "value": raw,
                            "values": "、".join(
                                chinese_label(MineKind, k) for k in MineKind.values
                            ),
                        },
                    )
                )
            elif allowed_kinds and kind not in allowed_kinds:
                errors.append(
                    RowError(
                        where,
                        ITEM_COLUMNS["mine_kinds"],
                        _("“%(kind)s” is not a mine kind of this checklist family.")
                        % {"kind": chinese_label(MineKind, kind)},
                    )
                )
            elif kind not in kinds:
                kinds.append(kind)
        if aspect_name:
            aspect = aspects.setdefault(aspect_name, ParsedAspect(aspect_name))
            aspect.items.append(
                ParsedItem(
                    code=item_code,
                    content=content,
                    method=text(row.get("method")),
                    basis=text(row.get("basis")),
                    criteria=criteria,
                    condition=condition,
                    mine_kinds=sorted(kinds, key=MineKind.values.index),
                )
            )
    if not rows:
        errors.append(RowError(where_meta, "", _("The checklist has no items.")))
    for aspect in aspects.values():
        if len(aspect.name) > 200:
            errors.append(
                RowError(
                    where_meta,
                    ITEM_COLUMNS["aspect"],
                    _("An aspect name is longer than 200 characters."),
                )
            )
    if len(errors) > start:
        return None
    return ParsedTemplate(
        code=code,
        family=family,
        name=name,
        version=version,
        source_note=text(meta.get("source_note")),
        aspects=list(aspects.values()),
    )


def _finish(templates: list[ParsedTemplate | None], errors: list[RowError]) -> list[ParsedTemplate]:
    codes = [t.code for t in templates if t is not None]
    dupes = {c for c in codes if codes.count(c) > 1}
    for code in sorted(dupes):
        errors.append(
            RowError(
                "", "", _("The file holds the code “%(code)s” more than once.") % {"code": code}
            )
        )
    if errors:
        raise ImportFailed(errors)
    return [t for t in templates if t is not None]


# --- xlsx -----------------------------------------------------------------------------------


def _sheet_rows(workbook, name: str) -> list[list[Any]]:
    return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _header_map(row: list[Any], columns: dict[str, str]) -> dict[str, int]:
    by_title = {text(v): i for i, v in enumerate(row) if text(v)}
    return {key: by_title[title] for key, title in columns.items() if title in by_title}


def _find_header(rows: list[list[Any]], columns: dict[str, str], required: Iterable[str]):
    """The header row (within the first 10 rows) and its column map."""
    best = (None, {})
    for r, row in enumerate(rows[:10]):
        found = _header_map(row, columns)
        if len(found) > len(best[1]):
            best = (r, found)
        if all(k in found for k in required):
            return r, found
    return best


def parse_xlsx(content: bytes, ctx: Context) -> list[ParsedTemplate]:
    from python_calamine import CalamineWorkbook

    errors: list[RowError] = []
    try:
        check_xlsx_extent(content)  # no sheet reaching far beyond its table
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except ValidationError as exc:
        raise ImportFailed([RowError("", "", m) for m in exc.messages]) from None
    except Exception:  # noqa: BLE001 (any reader failure is a bad file for the user)
        raise ImportFailed(
            [RowError("", "", _("The file cannot be read as an Excel workbook (.xlsx)."))]
        ) from None
    if META_SHEET not in workbook.sheet_names:
        raise ImportFailed(
            [
                RowError(
                    "",
                    "",
                    _("The workbook has no sheet “%(sheet)s” naming its checklists.")
                    % {"sheet": META_SHEET},
                )
            ]
        )
    meta_rows = _sheet_rows(workbook, META_SHEET)
    header_at, columns = _find_header(meta_rows, META_COLUMNS, META_REQUIRED)
    sheet_label = _("sheet “%(sheet)s”") % {"sheet": META_SHEET}
    missing = [META_COLUMNS[k] for k in META_REQUIRED if k not in columns]
    if header_at is None or missing:
        raise ImportFailed(
            [
                RowError(
                    sheet_label,
                    "",
                    _("Missing column(s): %(columns)s.")
                    % {"columns": "、".join(missing or META_COLUMNS.values())},
                )
            ]
        )
    templates: list[ParsedTemplate | None] = []
    for r in range(header_at + 1, len(meta_rows)):
        row = meta_rows[r]
        meta = {k: (row[i] if i < len(row) else None) for k, i in columns.items()}
        if not any(text(v) for v in meta.values()):
            continue
        where_meta = _("sheet “%(sheet)s”, row %(row)s") % {"sheet": META_SHEET, "row": r + 1}
        if len(templates) >= MAX_TEMPLATES:
            errors.append(
                RowError(
                    where_meta, "", _("At most %(n)s checklists per file.") % {"n": MAX_TEMPLATES}
                )
            )
            break
        sheet = text(meta.get("sheet"))
        if sheet not in workbook.sheet_names:
            errors.append(
                RowError(
                    where_meta,
                    META_COLUMNS["sheet"],
                    _("The workbook has no sheet “%(sheet)s”.") % {"sheet": sheet},
                )
            )
            templates.append(None)
            continue
        templates.append(_parse_item_sheet(workbook, sheet, meta, where_meta, ctx, errors))
    if not templates and not errors:
        errors.append(RowError(sheet_label, "", _("No checklist is listed.")))
    return _finish(templates, errors)


def _parse_item_sheet(workbook, sheet, meta, where_meta, ctx, errors) -> ParsedTemplate | None:
    rows = _sheet_rows(workbook, sheet)
    header_at, columns = _find_header(rows, ITEM_COLUMNS, ITEM_REQUIRED)
    missing = [ITEM_COLUMNS[k] for k in ITEM_REQUIRED if k not in columns]
    if header_at is None or missing:
        errors.append(
            RowError(
                _("sheet “%(sheet)s”") % {"sheet": sheet},
                "",
                _("Missing column(s): %(columns)s.")
                % {"columns": "、".join(missing or [ITEM_COLUMNS[k] for k in ITEM_REQUIRED])},
            )
        )
        return None
    records = []
    for r in range(header_at + 1, len(rows)):
        row = rows[r]
        record = {k: (row[i] if i < len(row) else None) for k, i in columns.items()}
        if not any(text(v) for v in record.values()):
            continue
        if len(records) >= MAX_ROWS:
            errors.append(
                RowError(
                    _("sheet “%(sheet)s”") % {"sheet": sheet},
                    "",
                    _("At most %(n)s rows per sheet.") % {"n": MAX_ROWS},
                )
            )
            return None
        record["where"] = _("sheet “%(sheet)s”, row %(row)s") % {"sheet": sheet, "row": r + 1}
        records.append(record)
    return _build_template(meta, records, ctx, errors, where_meta)


# --- YAML -----------------------------------------------------------------------------------


def parse_yaml(content: bytes | str, ctx: Context) -> list[ParsedTemplate]:
    try:
        data = yaml.safe_load(content.decode("utf-8") if isinstance(content, bytes) else content)
    except ValueError as exc:  # a bad date (YAML reads dates itself) or bad UTF-8
        if not isinstance(exc, UnicodeDecodeError):
            raise ImportFailed([RowError("", "", bad_date(exc))]) from None
        raise ImportFailed(
            [
                RowError(
                    "",
                    "",
                    _("The file is not valid UTF-8 YAML: %(reason)s") % {"reason": str(exc)[:200]},
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise ImportFailed(
            [
                RowError(
                    "",
                    "",
                    _("The file is not valid UTF-8 YAML: %(reason)s") % {"reason": str(exc)[:200]},
                )
            ]
        ) from None
    if isinstance(data, dict) and "templates" not in data and "aspects" in data:
        data = {"templates": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        raise ImportFailed([RowError("", "", _("The YAML file must hold a list “templates”."))])
    errors: list[RowError] = []
    templates: list[ParsedTemplate | None] = []
    for t, raw in enumerate(data["templates"][: MAX_TEMPLATES + 1], start=1):
        where_meta = _("template %(n)s") % {"n": t}
        if t > MAX_TEMPLATES:
            errors.append(
                RowError("", "", _("At most %(n)s checklists per file.") % {"n": MAX_TEMPLATES})
            )
            break
        if not isinstance(raw, dict):
            errors.append(RowError(where_meta, "", _("Each template must be a mapping.")))
            continue
        rows = rows_from_dict(raw, t, errors)
        templates.append(_build_template(raw, rows, ctx, errors, where_meta))
    return _finish(templates, errors)


def rows_from_dict(raw: dict, t: int, errors: list[RowError]) -> list[dict]:
    """The item rows of one template given as a mapping (YAML, or a template's canonical
    dict), each with its place for errors."""
    rows: list[dict] = []
    aspects = raw.get("aspects")
    if not isinstance(aspects, list):
        errors.append(RowError(_("template %(n)s") % {"n": t}, "", _("“aspects” must be a list.")))
        return rows
    for a, aspect in enumerate(aspects, start=1):
        where_aspect = _("template %(t)s, aspect %(a)s") % {"t": t, "a": a}
        if not isinstance(aspect, dict) or not isinstance(aspect.get("items"), list):
            errors.append(
                RowError(where_aspect, "", _("Each aspect needs “name” and a list “items”."))
            )
            continue
        name = text(aspect.get("name"))
        if not name:
            errors.append(RowError(where_aspect, "", _("The aspect name is required.")))
            continue
        if not aspect["items"]:
            errors.append(
                RowError(
                    where_aspect, "", _("The aspect “%(name)s” has no items.") % {"name": name}
                )
            )
        for i, item in enumerate(aspect["items"], start=1):
            where = _("template %(t)s, aspect “%(a)s”, item %(i)s") % {"t": t, "a": name, "i": i}
            if not isinstance(item, dict):
                errors.append(RowError(where, "", _("Each item must be a mapping.")))
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(
                    RowError(where, "", _("At most %(n)s rows per sheet.") % {"n": MAX_ROWS})
                )
                return rows
            rows.append(
                {
                    "where": where,
                    "aspect": name,
                    "code": item.get("code"),
                    "content": item.get("content"),
                    "method": item.get("method"),
                    "basis": item.get("basis"),
                    "criteria": item.get("criteria") or [],
                    "condition": item.get("condition") or "",
                    "mine_kinds": item.get("mine_kinds") or [],
                }
            )
    return rows


def check_dict(data: dict, ctx: Context) -> list[RowError]:
    """Every problem of a template in canonical form (used before publishing)."""
    errors: list[RowError] = []
    rows = rows_from_dict(data, 1, errors)
    _build_template(data, rows, ctx, errors, _("template"))
    return errors


def parse_file(filename: str, content: bytes, ctx: Context) -> list[ParsedTemplate]:
    """Parse an uploaded file by its extension (.xlsx, .yaml or .yml)."""
    if len(content) > MAX_BYTES:
        raise ImportFailed(
            [
                RowError(
                    "",
                    "",
                    _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // 1024 // 1024},
                )
            ]
        )
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return parse_xlsx(content, ctx)
    if lower.endswith((".yaml", ".yml")):
        return parse_yaml(content, ctx)
    raise ImportFailed([RowError("", "", _("Unsupported file type: use .xlsx or .yaml (.yml)."))])


# --- Writing --------------------------------------------------------------------------------


def write_template(
    parsed: ParsedTemplate,
    *,
    template_model,
    aspect_model,
    item_model,
    criterion_model,
    status: str,
    created_by=None,
    published_at=None,
    based_on=None,
):
    """Create the rows of one parsed template. Takes the model classes so that the data
    migration (historical models) and the import service share it."""
    template = template_model.objects.create(
        code=parsed.code,
        family=parsed.family,
        name=parsed.name,
        version=parsed.version,
        status=status,
        source_note=parsed.source_note,
        created_by=created_by,
        published_at=published_at,
        based_on=based_on,
    )
    aspect_model.objects.bulk_create(
        [
            aspect_model(template=template, order=i, name=a.name)
            for i, a in enumerate(parsed.aspects, start=1)
        ]
    )
    aspect_ids = dict(aspect_model.objects.filter(template=template).values_list("order", "pk"))
    prep = MineKindsField().get_prep_value
    items = []
    for i, aspect in enumerate(parsed.aspects, start=1):
        for j, item in enumerate(aspect.items, start=1):
            items.append(
                item_model(
                    template=template,
                    aspect_id=aspect_ids[i],
                    code=item.code,
                    order=j,
                    content=item.content,
                    method=item.method,
                    basis=item.basis,
                    condition=item.condition or {},
                    mine_kinds=prep(item.mine_kinds),
                )
            )
    item_model.objects.bulk_create(items)
    item_ids = dict(item_model.objects.filter(template=template).values_list("code", "pk"))
    codes = {c for a in parsed.aspects for i in a.items for c in i.criteria}
    criterion_ids = dict(criterion_model.objects.filter(code__in=codes).values_list("code", "pk"))
    through = item_model.criteria.through
    through.objects.bulk_create(
        [
            through(checklistitem_id=item_ids[item.code], majorhazardcriterion_id=criterion_ids[c])
            for a in parsed.aspects
            for item in a.items
            for c in item.criteria
        ]
    )
    return template
