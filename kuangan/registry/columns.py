"""The mine registry's file format (import, export and the blank template share it).

One row per mine; a header row of fixed Chinese column names, in any order. The names and
the value vocabularies below are the *file format*, not interface text: a file written by
one office is read by another whatever language either person's screen is set to, so they
are not translated (the explanations shown about them are). Headers are compared after
Unicode NFKC normalisation with spaces removed, so "边坡高度（米）" matches "边坡高度(米)".
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import Conversion, GasClass, HydroClass, MineKind, MineStatus

# Sheet names of the workbook (format constants).
DATA_SHEET = "矿山"
HELP_SHEET = "说明"

YES = "是"
NO = "否"

# --- value vocabularies: accepted text -> stored value; the first text of a value is the
# one written on export and offered in the template's drop-down list. ---------------------

KIND_WORDS: dict[str, str] = {
    "井工煤矿": MineKind.COAL_UNDERGROUND,
    "露天煤矿": MineKind.COAL_OPEN_PIT,
    "金属非金属地下矿山": MineKind.METAL_UNDERGROUND,
    "金属非金属露天矿山": MineKind.METAL_OPEN_PIT,
    "尾矿库": MineKind.TAILINGS_POND,
}
STATUS_WORDS: dict[str, str] = {
    "正常生产": MineStatus.PRODUCING,
    "在用": MineStatus.PRODUCING,
    "建设": MineStatus.CONSTRUCTING,
    "在建": MineStatus.CONSTRUCTING,
    "整改": MineStatus.RECTIFYING,
    "长期停产停建": MineStatus.LONG_SHUTDOWN,
    "停用": MineStatus.LONG_SHUTDOWN,
    "关闭": MineStatus.CLOSED,
    "闭库": MineStatus.CLOSED,
    "销库": MineStatus.CLOSED,
}
# A tailings pond's statuses are written in the words used for ponds.
TAILINGS_STATUS_EXPORT = {
    MineStatus.PRODUCING: "在用",
    MineStatus.LONG_SHUTDOWN: "停用",
    MineStatus.CLOSED: "闭库",
}
CONVERSION_WORDS: dict[str, str] = {
    "无": Conversion.NONE,
    "露天转井工": Conversion.OPEN_PIT_TO_UNDERGROUND,
    "井工转露天": Conversion.UNDERGROUND_TO_OPEN_PIT,
}
GAS_WORDS: dict[str, str] = {
    "低瓦斯": GasClass.LOW,
    "高瓦斯": GasClass.HIGH,
    "煤与瓦斯突出": GasClass.OUTBURST,
    "突出": GasClass.OUTBURST,
}
HYDRO_WORDS: dict[str, str] = {
    "简单": HydroClass.SIMPLE,
    "中等": HydroClass.MEDIUM,
    "复杂": HydroClass.COMPLEX,
    "极复杂": HydroClass.VERY_COMPLEX,
}
GRADE_WORDS: dict[str, int] = {
    "一等": 1,
    "二等": 2,
    "三等": 3,
    "四等": 4,
    "五等": 5,
    **{str(n): n for n in range(1, 6)},
    **{f"{n}等": n for n in range(1, 6)},
}
BOOL_WORDS: dict[str, bool] = {YES: True, NO: False, "1": True, "0": False}


class CellError(Exception):
    """A cell that cannot be read; the message says what to write instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- cell normalisation ---------------------------------------------------------------------


def normalise_header(text: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(text)))


def cell_text(value: Any) -> str:
    """A cell as text: floats that are whole numbers lose their ".0" (Excel stores every
    number as a float, so a phone number 13912345678 arrives as 13912345678.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _word(value: Any) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


# --- parsers: cell value -> Python value (or CellError) -------------------------------------


def parse_text(value: Any) -> str:
    return cell_text(value)


def parse_upper(value: Any) -> str:
    return _word(value).upper()


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _word(value)
    if word == "":
        return False
    if word in BOOL_WORDS:
        return BOOL_WORDS[word]
    raise CellError(_("Write “是” (yes) or “否” (no); a blank cell means “否”."))


def parse_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        raise CellError(_("Write a number."))
    if isinstance(value, int | float):
        text = cell_text(value)
    else:
        text = _word(value).replace(",", "")
    if text == "":
        return None
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(_("Write a number.")) from exc
    if not number.is_finite():
        raise CellError(_("Write a number."))
    return number


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(_("Write the date as YYYY-MM-DD (for example 2026-12-31)."))
    text = _word(value)
    if text == "":
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise CellError(_("Write the date as YYYY-MM-DD (for example 2026-12-31)."))
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise CellError(_("There is no such day in the calendar; check the date.")) from exc


def _choice(words: dict[str, Any], blank: Any):
    def parse(value: Any):
        word = _word(value)
        if word == "":
            return blank
        if word in words:
            return words[word]
        raise CellError(
            _("Unknown value; write one of: %(values)s.") % {"values": "、".join(words)}
        )

    return parse


def parse_grade(value: Any) -> int | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    word = _word(value)
    if word == "":
        return None
    if word in GRADE_WORDS:
        return GRADE_WORDS[word]
    raise CellError(_("Write the grade as 一等 to 五等, or 1 to 5 (一等 is the largest)."))


def parse_region_code(value: Any) -> str:
    word = _word(value)
    if word and not re.fullmatch(r"\d{6}", word):
        raise CellError(_("A division code has 6 digits (for example 220605)."))
    return word


# --- the columns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec:
    header: str  # the Chinese column name in the file
    key: str  # a Mine field, or one of the enterprise keys below
    parse: Any
    required: bool = False
    help: Any = ""
    choices: tuple[str, ...] = ()  # the drop-down list of the template
    width: int = 14
    export_kind: str = "text"  # text, number, date, bool
    notes: dict = field(default_factory=dict)


ENTERPRISE_KEYS = ("enterprise_name", "credit_code", "parent_credit_code")


def _export_words(words: dict[str, Any]) -> tuple[str, ...]:
    """One word per value: the first one listed."""
    seen: dict[Any, str] = {}
    for word, value in words.items():
        seen.setdefault(value, word)
    return tuple(seen.values())


def _bool_col(header: str, key: str, help_text) -> ColumnSpec:
    return ColumnSpec(
        header, key, parse_bool, help=help_text, choices=(YES, NO), width=10, export_kind="bool"
    )


def _num_col(header: str, key: str, help_text, width: int = 12) -> ColumnSpec:
    return ColumnSpec(header, key, parse_decimal, help=help_text, width=width, export_kind="number")


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "矿山编码",
        "code",
        parse_upper,
        help=gettext_lazy(
            "Optional. The system's code of the mine (KA + county code + serial). When given, "
            "the row updates that mine; when blank, the mine is found by credit code and mine "
            "name, or created with a new code."
        ),
        width=16,
    ),
    ColumnSpec(
        "矿山名称",
        "name",
        parse_text,
        required=True,
        help=gettext_lazy("Required. The mine's or tailings pond's registered name."),
        width=28,
    ),
    ColumnSpec(
        "企业名称",
        "enterprise_name",
        parse_text,
        required=True,
        help=gettext_lazy(
            "Required. The mining enterprise that owns the mine; it is created when its "
            "credit code is new, renamed when the name differs."
        ),
        width=28,
    ),
    ColumnSpec(
        "统一社会信用代码",
        "credit_code",
        parse_upper,
        required=True,
        help=gettext_lazy(
            "Required. The enterprise's 18-character unified social credit code (GB 32100), "
            "with its check character."
        ),
        width=22,
    ),
    ColumnSpec(
        "上级公司统一社会信用代码",
        "parent_credit_code",
        parse_upper,
        help=gettext_lazy(
            "Optional. The credit code of the group company (上级公司); it must be registered "
            "already or be the enterprise of another row. Blank: no group company."
        ),
        width=22,
    ),
    ColumnSpec(
        "行政区划代码",
        "region",
        parse_region_code,
        required=True,
        help=gettext_lazy(
            "Required. The 6-digit GB/T 2260 code of the county-level division (county, "
            "county-level city or district) where the mine lies, e.g. 220605."
        ),
        width=12,
    ),
    ColumnSpec(
        "矿山类型",
        "kind",
        _choice(KIND_WORDS, ""),
        required=True,
        help=gettext_lazy("Required. One of the five kinds in the list."),
        choices=_export_words(KIND_WORDS),
        width=20,
    ),
    ColumnSpec(
        "生产状态",
        "status",
        _choice(STATUS_WORDS, ""),
        required=True,
        help=gettext_lazy(
            "Required. 正常生产 (or 在用), 建设 (or 在建), 整改, 长期停产停建 (or 停用), "
            "关闭 (or 闭库, 销库)."
        ),
        choices=tuple(STATUS_WORDS),
        width=14,
    ),
    _bool_col(
        "复工复产",
        "resuming",
        gettext_lazy("是/否. A long-shutdown mine that has started to resume work."),
    ),
    _bool_col(
        "有人员作业",
        "personnel_on_site",
        gettext_lazy("是/否. People are working at the mine."),
    ),
    _bool_col("电子封条", "electronic_seal", gettext_lazy("是/否. An electronic seal is fitted.")),
    _bool_col(
        "物理封闭",
        "physically_sealed",
        gettext_lazy("是/否. The mine's entrances are physically sealed."),
    ),
    _bool_col("头顶库", "head_top", gettext_lazy("是/否. Tailings ponds only.")),
    _bool_col("无主库", "ownerless", gettext_lazy("是/否. Tailings ponds only.")),
    _bool_col(
        "利用露天采坑排放尾砂",
        "tailings_into_open_pit",
        gettext_lazy("是/否. Metal and non-metal open-pit mines only."),
    ),
    _bool_col("冲击地压", "rockburst", gettext_lazy("是/否. Underground mines only.")),
    _bool_col(
        "受地质灾害影响",
        "geohazard_exposed",
        gettext_lazy("是/否. The mine is threatened by geological hazards."),
    ),
    _num_col("边坡高度(米)", "slope_height_m", gettext_lazy("Open-pit mines only; metres.")),
    _num_col(
        "排土场堆置高度(米)",
        "dump_height_m",
        gettext_lazy("Open-pit and metal underground mines; metres."),
        width=14,
    ),
    _num_col(
        "可采储量年限(年)",
        "reserve_years",
        gettext_lazy("Years of recoverable reserves; not for tailings ponds."),
    ),
    _num_col(
        "设计生产能力(万吨/年)",
        "design_capacity",
        gettext_lazy("10,000 tonnes a year; not for tailings ponds."),
        width=14,
    ),
    ColumnSpec(
        "尾矿库等别",
        "tailings_grade",
        parse_grade,
        help=gettext_lazy("Tailings ponds only: 一等 to 五等 or 1 to 5 (一等 is the largest)."),
        choices=("一等", "二等", "三等", "四等", "五等"),
        width=10,
    ),
    ColumnSpec(
        "开采方式转换",
        "conversion",
        _choice(CONVERSION_WORDS, Conversion.NONE),
        help=gettext_lazy(
            "无, 露天转井工 (an underground mine converted from open pit) or 井工转露天 (an "
            "open-pit mine converted from underground). Blank means 无."
        ),
        choices=_export_words(CONVERSION_WORDS),
        width=12,
    ),
    ColumnSpec(
        "瓦斯等级",
        "gas_class",
        _choice(GAS_WORDS, ""),
        help=gettext_lazy("Underground coal mines only: 低瓦斯, 高瓦斯 or 煤与瓦斯突出."),
        choices=_export_words(GAS_WORDS),
        width=14,
    ),
    ColumnSpec(
        "水文地质类型",
        "hydro_class",
        _choice(HYDRO_WORDS, ""),
        help=gettext_lazy("简单, 中等, 复杂 or 极复杂; not for tailings ponds."),
        choices=_export_words(HYDRO_WORDS),
        width=12,
    ),
    ColumnSpec(
        "采矿许可证号",
        "mining_licence_no",
        parse_text,
        help=gettext_lazy("The mining licence number."),
        width=24,
    ),
    ColumnSpec(
        "采矿许可证有效期至",
        "mining_licence_valid_until",
        parse_date,
        help=gettext_lazy("Date as YYYY-MM-DD."),
        width=14,
        export_kind="date",
    ),
    ColumnSpec(
        "安全生产许可证号",
        "safety_licence_no",
        parse_text,
        help=gettext_lazy("The safety production licence number."),
        width=24,
    ),
    ColumnSpec(
        "安全生产许可证有效期至",
        "safety_licence_valid_until",
        parse_date,
        help=gettext_lazy("Date as YYYY-MM-DD."),
        width=14,
        export_kind="date",
    ),
    ColumnSpec(
        "主要负责人",
        "principal",
        parse_text,
        help=gettext_lazy("The mine's principal (主要负责人)."),
        width=12,
    ),
    ColumnSpec("联系电话", "phone", parse_text, help=gettext_lazy("Phone number."), width=16),
    _num_col(
        "经度",
        "longitude",
        gettext_lazy("Decimal degrees east, inside Jilin province (121.6 to 131.4)."),
    ),
    _num_col(
        "纬度",
        "latitude",
        gettext_lazy("Decimal degrees north, inside Jilin province (40.8 to 46.4)."),
    ),
)

HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
BY_HEADER: dict[str, ColumnSpec] = {normalise_header(c.header): c for c in COLUMNS}
BY_KEY: dict[str, ColumnSpec] = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = frozenset(c.key for c in COLUMNS if c.required)
# Mine fields the file carries (everything but the enterprise columns).
MINE_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.key not in ENTERPRISE_KEYS)


def column_for(header: Any) -> ColumnSpec | None:
    return BY_HEADER.get(normalise_header(header))


# --- writing values back (export) -----------------------------------------------------------

_KIND_TEXT = {v: k for k, v in reversed(KIND_WORDS.items())}
_STATUS_TEXT = {v: k for k, v in reversed(STATUS_WORDS.items())}
_CONVERSION_TEXT = {v: k for k, v in reversed(CONVERSION_WORDS.items())}
_GAS_TEXT = {v: k for k, v in reversed(GAS_WORDS.items())}
_HYDRO_TEXT = {v: k for k, v in reversed(HYDRO_WORDS.items())}
_GRADE_TEXT = {1: "一等", 2: "二等", 3: "三等", 4: "四等", 5: "五等"}


def export_value(spec: ColumnSpec, mine) -> Any:
    """The cell value of ``mine`` in column ``spec``, in the words the import reads."""
    key = spec.key
    if key == "enterprise_name":
        return mine.enterprise.name
    if key == "credit_code":
        return mine.enterprise.credit_code
    if key == "parent_credit_code":
        parent = mine.enterprise.parent
        return parent.credit_code if parent is not None else ""
    if key == "region":
        return mine.region.code
    value = getattr(mine, key)
    if key == "kind":
        return _KIND_TEXT.get(value, value)
    if key == "status":
        if mine.kind == MineKind.TAILINGS_POND and value in TAILINGS_STATUS_EXPORT:
            return TAILINGS_STATUS_EXPORT[value]
        return _STATUS_TEXT.get(value, value)
    if key == "conversion":
        return _CONVERSION_TEXT.get(value, "")
    if key == "gas_class":
        return _GAS_TEXT.get(value, "")
    if key == "hydro_class":
        return _HYDRO_TEXT.get(value, "")
    if key == "tailings_grade":
        return _GRADE_TEXT.get(value, "")
    if spec.export_kind == "bool":
        return YES if value else NO
    if value is None:
        return ""
    return value


def column_order(header: str) -> int:
    """Position of a column in the standard order (for sorting messages); unknown last."""
    spec = column_for(header) if header else None
    return COLUMNS.index(spec) if spec is not None else len(COLUMNS)
