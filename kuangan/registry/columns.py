"""The mine registry's file format (import, export and the blank template share it).

One row per mine; a header row of fixed Chinese column names, in any order. The names and
the value vocabularies below are the *file format*, not interface text: a file written by
one office is read by another whatever language either person's screen is set to, so they
are not translated (the explanations shown about them are). Headers are compared after
Unicode NFKC normalisation with spaces removed, so "边坡高度（米）" matches "边坡高度(米)".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.spreadsheets import (
    NO,
    YES,
    CellError,
    Column,
    ColumnSet,
    choice_parser,
    first_words,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_text,
    parse_upper,
    word,
)

from .choices import Conversion, GasClass, HydroClass, MineKind, MineStatus

# Sheet names of the workbook (format constants).
DATA_SHEET = "矿山"
HELP_SHEET = "说明"

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


# --- parsers of the registry's own cells ---------------------------------------------------


parse_grade = choice_parser(
    GRADE_WORDS,
    None,
    message=gettext_lazy("Write the grade as 一等 to 五等, or 1 to 5 (一等 is the largest)."),
)


def parse_region_code(value: Any) -> str:
    text = word(value)
    if text and not re.fullmatch(r"\d{6}", text):
        raise CellError(_("A division code has 6 digits (for example 220605)."))
    return text


# --- the columns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSpec(Column):
    """A column of the registry file; ``key`` is a Mine field or one of the enterprise keys."""

    export_kind: str = "text"  # text, number, date, bool
    notes: dict = field(default_factory=dict)


ENTERPRISE_KEYS = ("enterprise_name", "credit_code", "parent_credit_code")


def _first(words: dict[str, Any]) -> tuple[str, ...]:
    return tuple(first_words(words))


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
        choice_parser(KIND_WORDS),
        required=True,
        help=gettext_lazy("Required. One of the five kinds in the list."),
        choices=_first(KIND_WORDS),
        width=20,
    ),
    ColumnSpec(
        "生产状态",
        "status",
        choice_parser(STATUS_WORDS),
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
        "自燃倾向",
        "spontaneous_combustion",
        gettext_lazy(
            "是/否. Coal seams or ores prone to spontaneous combustion; not for tailings ponds."
        ),
    ),
    _bool_col(
        "受地质灾害影响",
        "geohazard_exposed",
        gettext_lazy("是/否. The mine is threatened by geological hazards."),
    ),
    _bool_col(
        "受水害威胁严重",
        "flood_threat",
        gettext_lazy(
            "是/否. Any kind of mine, tailings ponds and open pits too; 是 needs the basis column."
        ),
    ),
    ColumnSpec(
        "受水害威胁严重依据",
        "flood_threat_basis",
        parse_text,
        help=gettext_lazy("Why the mine is seriously threatened by water; required with 是."),
        width=28,
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
        choice_parser(CONVERSION_WORDS, Conversion.NONE),
        help=gettext_lazy(
            "无, 露天转井工 or 井工转露天: a mine converting its way of mining, whichever way "
            "it is registered under; not for tailings ponds. Blank means 无."
        ),
        choices=_first(CONVERSION_WORDS),
        width=12,
    ),
    ColumnSpec(
        "瓦斯等级",
        "gas_class",
        choice_parser(GAS_WORDS),
        help=gettext_lazy("Underground coal mines only: 低瓦斯, 高瓦斯 or 煤与瓦斯突出."),
        choices=_first(GAS_WORDS),
        width=14,
    ),
    ColumnSpec(
        "水文地质类型",
        "hydro_class",
        choice_parser(HYDRO_WORDS),
        help=gettext_lazy("简单, 中等, 复杂 or 极复杂; not for tailings ponds."),
        choices=_first(HYDRO_WORDS),
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

FORMAT = ColumnSet(COLUMNS)
HEADERS: tuple[str, ...] = FORMAT.headers
BY_HEADER = FORMAT.by_header
BY_KEY: dict[str, ColumnSpec] = FORMAT.by_key  # type: ignore[assignment]
REQUIRED_KEYS = FORMAT.required_keys
# Mine fields the file carries (everything but the enterprise columns).
MINE_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.key not in ENTERPRISE_KEYS)


def column_for(header: Any) -> ColumnSpec | None:
    return FORMAT.column_for(header)  # type: ignore[return-value]


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
    return FORMAT.order(header)
