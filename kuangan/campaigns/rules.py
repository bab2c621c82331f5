"""The notice's scope and priority rules, as small pure functions over plain data.

Source: 吉应急煤矿综合联〔2023〕48号《关于开展矿山安全生产综合整治的通知》, parts 二 (整治范围),
四(二)7 (重点检查范围) and 六(三) (重点检查阶段: 优先安排 / 汛期前完成). The thresholds (100 m,
3 years, grade 3, the flood-season start) are data of a ``Campaign``, passed in as
``Thresholds``; nothing here knows the year.

A mine is given as ``MineFacts`` (or any mapping with the same keys, see ``facts``). Every
function returns plain values; ``evaluate`` returns the whole verdict in the shape of
``kuangan scope`` and of ``/api/v1/mines/{code}/scope/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

# Values as in GLOSSARY.md (kept as plain strings: the rules do not import Django).
COAL_UNDERGROUND = "coal_underground"
COAL_OPEN_PIT = "coal_open_pit"
METAL_UNDERGROUND = "metal_underground"
METAL_OPEN_PIT = "metal_open_pit"
TAILINGS_POND = "tailings_pond"
COAL = frozenset({COAL_UNDERGROUND, COAL_OPEN_PIT})
METAL = frozenset({METAL_UNDERGROUND, METAL_OPEN_PIT})

PRODUCING, CONSTRUCTING, RECTIFYING = "producing", "constructing", "rectifying"
LONG_SHUTDOWN, CLOSED = "long_shutdown", "closed"
OPERATING_STATUSES = frozenset({PRODUCING, CONSTRUCTING, RECTIFYING})

# Reason codes, in the order they are listed.
CAMPAIGN_REASONS = ("operating", "resumed_or_manned")
INSPECTION_REASONS = (
    "coal_operating",
    "metal_underground_operating",
    "metal_underground_unsealed_shutdown",
    "open_pit_slope_100m",
    "dump_height_100m",
    "underground_to_open_pit",
    "reserves_under_3y",
    "open_pit_tailings_discharge",
    "tailings_head_top",
    "tailings_ownerless",
    "tailings_grade_3_or_above",
)
PRIORITY_REASONS = ("regulator_concern", "severe_hazard")
# The registry's disaster attributes that make a hazard severe (六(三) “灾害严重”), in order.
SEVERE_HAZARDS = (
    "gas_outburst",
    "high_gas",
    "rockburst",
    "spontaneous_combustion",
    "complex_hydrogeology",
    "flood_threat",
    "high_slope",
    "geohazard",
    "tailings_head_top",
    "tailings_grade_1_or_2",
)
CHECKLIST_FAMILIES = ("coal_underground", "coal_open_pit", "non_coal")
HIGH, NORMAL = "high", "normal"


@dataclass(frozen=True)
class Thresholds:
    """A campaign's thresholds (defaults: the 2023 notice's figures)."""

    slope_m: Decimal = Decimal(100)
    dump_m: Decimal = Decimal(100)
    reserve_years: Decimal = Decimal(3)
    tailings_grade: int = 3
    flood_season_start: dt.date | None = None


@dataclass(frozen=True)
class MineFacts:
    """The rule inputs of one mine (field names as on ``registry.Mine``)."""

    kind: str
    status: str
    resuming: bool = False
    personnel_on_site: bool = False
    electronic_seal: bool = False
    physically_sealed: bool = False
    slope_height_m: Decimal | None = None
    dump_height_m: Decimal | None = None
    tailings_grade: int | None = None
    head_top: bool = False
    ownerless: bool = False
    reserve_years: Decimal | None = None
    conversion: str = "none"
    tailings_into_open_pit: bool = False
    gas_class: str = ""
    hydro_class: str = ""
    rockburst: bool = False
    spontaneous_combustion: bool = False
    geohazard_exposed: bool = False
    flood_threat: bool = False
    regulator_concern: bool = False


FACT_FIELDS = tuple(f.name for f in fields(MineFacts))
_BOOL_FIELDS = tuple(f.name for f in fields(MineFacts) if f.type in ("bool", bool))


def _num(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def facts(data: Mapping | MineFacts) -> MineFacts:
    """``MineFacts`` from a mapping (e.g. ``Mine.rule_state()`` or a ``values()`` row);
    unknown keys are ignored."""
    if isinstance(data, MineFacts):
        return data
    values = {k: data[k] for k in FACT_FIELDS if k in data}
    for k in ("slope_height_m", "dump_height_m", "reserve_years"):
        if k in values:
            values[k] = _num(values[k])
    for k in ("gas_class", "hydro_class"):
        if k in values and values[k] is None:
            values[k] = ""
    for k in _BOOL_FIELDS:
        # A history row written before a fact existed has no value for it: not set.
        if k in values and values[k] is None:
            values[k] = False
    if values.get("conversion") in (None, ""):
        values["conversion"] = "none"
    return MineFacts(**values)


@dataclass(frozen=True)
class ScopeResult:
    in_scope: bool
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"in_scope": self.in_scope, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Priority:
    level: str
    reasons: tuple[str, ...] = ()
    inspect_before: dt.date | None = None
    hazards: tuple[str, ...] = ()  # which severe hazards (shown on pages; not in the JSON)

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "reasons": list(self.reasons),
            "inspect_before": self.inspect_before.isoformat() if self.inspect_before else None,
        }


# --- 二、整治范围 ---------------------------------------------------------------------------


def _shutdown_exception(m: MineFacts) -> bool:
    return m.status == LONG_SHUTDOWN and (m.resuming or m.personnel_on_site)


def effectively_operating(m: MineFacts) -> bool:
    """二、整治范围: “所有正常生产、建设、整改的煤矿、金属非金属矿山，在建、在用、整改的尾矿库。
    启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行综合整治。”

    Producing, constructing or rectifying; or a long shutdown that is resuming or has people
    working, which is handled as an operating mine everywhere."""
    return m.status in OPERATING_STATUSES or _shutdown_exception(m)


def normally_producing_or_constructing(m: MineFacts) -> bool:
    """四(二)7: “所有正常生产建设煤矿” / “所有正常生产建设的金属非金属地下矿山”, read against 二:
    “所有正常生产、建设、整改的……” lists 整改 apart, so a rectifying mine is in the campaign but
    not “正常生产建设”; “启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行
    综合整治”.

    Producing or constructing; a rectifying mine that has resumed production (``resuming``);
    or a long shutdown that is resuming or has people working."""
    return (
        m.status in (PRODUCING, CONSTRUCTING)
        or (m.status == RECTIFYING and m.resuming)
        or _shutdown_exception(m)
    )


def unmanned_shutdown(m: MineFacts) -> bool:
    """二、整治范围: “对无人作业的长期停产停建矿山……”: a long shutdown that is neither resuming
    nor has people working."""
    return m.status == LONG_SHUTDOWN and not _shutdown_exception(m)


def campaign_scope(m: MineFacts) -> ScopeResult:
    """二、整治范围: “所有正常生产、建设、整改的煤矿、金属非金属矿山，在建、在用、整改的尾矿库。
    启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行综合整治。”

    Reasons: ``operating`` (producing, constructing, rectifying) or ``resumed_or_manned`` (a
    long shutdown resuming or with people working). Otherwise out (unmanned long shutdown,
    closed)."""
    if m.status in OPERATING_STATUSES:
        return ScopeResult(True, ("operating",))
    if _shutdown_exception(m):
        return ScopeResult(True, ("resumed_or_manned",))
    return ScopeResult(False)


def watch_required(m: MineFacts) -> bool:
    """二、整治范围: “对无人作业的长期停产停建矿山，由属地应急管理局严格落实驻矿盯守或者联系盯守
    责任。”

    True for an unmanned long shutdown (out of the campaign); a closed mine has no duty."""
    return unmanned_shutdown(m)


# --- 四(二)7、重点矿山安全执法检查: 检查范围 -----------------------------------------------


def inspection_scope(m: MineFacts, t: Thresholds | None = None) -> ScopeResult:
    """四(二)7: “煤矿检查范围为：所有正常生产建设煤矿。……非煤矿山检查范围为：所有正常生产
    建设的金属非金属地下矿山,以及未采取‘电子封条’和物理封闭措施的长期停产停建金属非金属地下
    矿山；采场边坡现状高度 100 米及以上的金属非金属露天矿山，现状堆置高度 100 米及以上的排土
    场，以及井工转露天开采、可采储量不足 3 年、利用上部露天采坑排放尾砂的金属非金属露天矿山；
    所有尾矿库‘头顶库’和无主库，以及三等及以上尾矿库。”

    Every applying reason, in this order: ``coal_operating``, ``metal_underground_operating``
    (both: ``normally_producing_or_constructing``; a rectifying mine is not, unless it has
    resumed production), ``metal_underground_unsealed_shutdown`` (an unmanned long shutdown without both the
    electronic seal and the physical closure), ``open_pit_slope_100m`` (slope ≥ threshold),
    ``dump_height_100m`` (metal mine, dump ≥ threshold), ``underground_to_open_pit`` (a metal
    mine converting from underground to open-pit mining, whichever way it is registered),
    ``reserves_under_3y`` (known reserves < threshold), ``open_pit_tailings_discharge`` — the
    open-pit and dump reasons for a mine in campaign scope only — and ``tailings_head_top``,
    ``tailings_ownerless``, ``tailings_grade_3_or_above`` (grade 1 is the largest) for a
    tailings pond that is not closed."""
    t = t or Thresholds()
    reasons: list[str] = []
    operating = normally_producing_or_constructing(m)
    in_campaign = campaign_scope(m).in_scope
    if m.kind in COAL and operating:
        reasons.append("coal_operating")
    if m.kind == METAL_UNDERGROUND and operating:
        reasons.append("metal_underground_operating")
    if (
        m.kind == METAL_UNDERGROUND
        and unmanned_shutdown(m)
        and not (m.electronic_seal and m.physically_sealed)
    ):
        reasons.append("metal_underground_unsealed_shutdown")
    slope, dump, reserves = _num(m.slope_height_m), _num(m.dump_height_m), _num(m.reserve_years)
    if m.kind == METAL_OPEN_PIT and in_campaign and slope is not None and slope >= t.slope_m:
        reasons.append("open_pit_slope_100m")
    if m.kind in METAL and in_campaign and dump is not None and dump >= t.dump_m:
        reasons.append("dump_height_100m")
    if m.kind in METAL and in_campaign and m.conversion == "underground_to_open_pit":
        reasons.append("underground_to_open_pit")
    if (
        m.kind == METAL_OPEN_PIT
        and in_campaign
        and reserves is not None
        and reserves < t.reserve_years
    ):
        reasons.append("reserves_under_3y")
    if m.kind == METAL_OPEN_PIT and in_campaign and m.tailings_into_open_pit:
        reasons.append("open_pit_tailings_discharge")
    if m.kind == TAILINGS_POND and m.status != CLOSED:
        if m.head_top:
            reasons.append("tailings_head_top")
        if m.ownerless:
            reasons.append("tailings_ownerless")
        if m.tailings_grade is not None and m.tailings_grade <= t.tailings_grade:
            reasons.append("tailings_grade_3_or_above")
    return ScopeResult(bool(reasons), tuple(reasons))


def checklist_family(m: MineFacts) -> str:
    """四(二)7: “检查井工煤矿主要聚焦 13 个方面、465 项内容，检查露天煤矿主要聚焦 16 个方面、
    326 项内容。……检查非煤矿山（含金属非金属露天矿山、地下矿山和尾矿库）主要聚焦 15 个方面、
    210 项内容。”

    ``coal_underground``, ``coal_open_pit``, or ``non_coal`` for metal mines and tailings
    ponds."""
    if m.kind == COAL_UNDERGROUND:
        return "coal_underground"
    if m.kind == COAL_OPEN_PIT:
        return "coal_open_pit"
    return "non_coal"


# --- 六(三)、重点检查阶段: 优先 ------------------------------------------------------------


def severe_hazards(m: MineFacts, t: Thresholds | None = None) -> tuple[str, ...]:
    """六(三): “灾害严重的矿山”: the disaster attributes of the registry that make a hazard
    severe, in the order of ``SEVERE_HAZARDS``: coal and gas outburst, high gas, rockburst,
    spontaneous combustion, complex or very complex hydrogeology, a serious threat of water
    (``flood_threat``), a high open-pit slope (at or above the campaign's slope threshold),
    exposure to geological hazards, a head-top tailings pond, a tailings pond of grade 1 or 2."""
    t = t or Thresholds()
    slope = _num(m.slope_height_m)
    found = {
        "gas_outburst": m.gas_class == "outburst",
        "high_gas": m.gas_class == "high",
        "rockburst": m.rockburst,
        "spontaneous_combustion": m.spontaneous_combustion,
        "complex_hydrogeology": m.hydro_class in ("complex", "very_complex"),
        "flood_threat": m.flood_threat,
        "high_slope": m.kind in (COAL_OPEN_PIT, METAL_OPEN_PIT)
        and slope is not None
        and slope >= t.slope_m,
        "geohazard": m.geohazard_exposed,
        "tailings_head_top": m.kind == TAILINGS_POND and m.head_top,
        "tailings_grade_1_or_2": m.kind == TAILINGS_POND and m.tailings_grade in (1, 2),
    }
    return tuple(code for code in SEVERE_HAZARDS if found[code])


def severe_hazard(m: MineFacts, t: Thresholds | None = None) -> bool:
    """六(三): “灾害严重的矿山” (any of ``severe_hazards``)."""
    return bool(severe_hazards(m, t))


def flood_deadline_applies(m: MineFacts) -> bool:
    """六(三): “对受水害威胁严重和可能受地质灾害影响的矿山要在汛期到来前完成检查。”: the mine is
    flagged as seriously threatened by water (``flood_threat``, any kind: a tailings pond or an
    open pit too), its hydrogeology is complex or very complex, or it is exposed to geological
    hazards."""
    return m.flood_threat or m.hydro_class in ("complex", "very_complex") or m.geohazard_exposed


def priority(m: MineFacts, t: Thresholds | None = None) -> Priority:
    """六(三)、重点检查阶段: “……按照‘分级分类’原则明确每个执法工作组负责检查的矿山名单……对研判
    不放心的、灾害严重的矿山优先安排检查，对受水害威胁严重和可能受地质灾害影响的矿山要在汛期到来
    前完成检查。”

    The priority orders the key inspections, so it is given only to a mine in key-inspection
    scope (``inspection_scope``); any other mine is ``normal`` with no reason, no hazard and no
    deadline. Within the scope: ``high`` with the reasons ``regulator_concern`` and/or
    ``severe_hazard`` (``hazards`` lists which), else ``normal``; ``inspect_before`` is the
    campaign's flood-season start for a mine of ``flood_deadline_applies``, else None."""
    t = t or Thresholds()
    if not inspection_scope(m, t).in_scope:
        return Priority(NORMAL)
    reasons = []
    if m.regulator_concern:
        reasons.append("regulator_concern")
    hazards = severe_hazards(m, t)
    if hazards:
        reasons.append("severe_hazard")
    before = t.flood_season_start if flood_deadline_applies(m) else None
    return Priority(HIGH if reasons else NORMAL, tuple(reasons), before, hazards)


def evaluate(data: Mapping | MineFacts, t: Thresholds | None = None) -> dict:
    """The whole verdict for one mine: ``campaign_scope``, ``watch_required``,
    ``inspection_scope``, ``checklist`` and ``priority``, as JSON-ready data."""
    m = facts(data)
    return {
        "campaign_scope": campaign_scope(m).as_dict(),
        "watch_required": watch_required(m),
        "inspection_scope": inspection_scope(m, t).as_dict(),
        "checklist": checklist_family(m),
        "priority": priority(m, t).as_dict(),
    }


@dataclass(frozen=True)
class Verdict:
    """``evaluate`` as an object (for filters and templates)."""

    campaign: ScopeResult
    watch: bool
    inspection: ScopeResult
    checklist: str
    priority: Priority


def verdict(data: Mapping | MineFacts, t: Thresholds | None = None) -> Verdict:
    m = facts(data)
    return Verdict(
        campaign_scope(m),
        watch_required(m),
        inspection_scope(m, t),
        checklist_family(m),
        priority(m, t),
    )
