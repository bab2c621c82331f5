"""Pure campaign rules of the hazard ledger: overdue, penalty guidance (notice 七(四)), and
the order proposals. They take plain data and return plain data; the models and services feed
them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .choices import (
    CONTROL_LEVEL_ORDER,
    SELF_SOURCES,
    ControlLevel,
    HazardLevel,
    HazardSource,
    PenaltyGuidance,
    RiskLevel,
)

# Sources of a finding that the enterprise did not make itself (综合整治发现 / 举报).
HEAVY_SOURCES = frozenset({HazardSource.ENFORCEMENT, HazardSource.SUPERVISION, HazardSource.TIPOFF})
LINKABLE_SOURCES = frozenset({HazardSource.ENFORCEMENT, HazardSource.SUPERVISION})


def is_overdue(*, deadline: dt.date | None, closed: bool, on: dt.date) -> bool:
    """A hazard is overdue when its rectification deadline has passed and it is not closed
    (整改销号). The day of the deadline itself is not overdue."""
    return deadline is not None and not closed and deadline < on


@dataclass(frozen=True)
class HazardFacts:
    level: str
    source: str
    overdue: bool
    self_report: HazardFacts | None = None  # the enterprise's own earlier record, if linked


@dataclass(frozen=True)
class Guidance:
    value: str
    accountability_required: bool = False


def penalty_guidance(facts: HazardFacts) -> Guidance:
    """Notice 七(四) 严格执法检查:

    “对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚；对企业自查自改未发现但
    综合整治发现的重大事故隐患，要依法从重处罚，并由事见人逐一追查企业相关人员责任。”

    - ``lenient`` (可依法从轻或不予处罚): the hazard's source is ``self`` or ``group`` and it is
      not overdue (正在整改); or it was found by enforcement or supervision and is linked to
      such a self-found hazard that is not overdue.
    - ``heavy`` (依法从重处罚): a ``major`` hazard found by ``enforcement``, ``supervision`` or
      ``tipoff`` with no link to a self-found record (自查自改未发现); it requires
      accountability (由事见人追责).
    - ``standard``: every other case.
    """
    if facts.source in SELF_SOURCES and not facts.overdue:
        return Guidance(PenaltyGuidance.LENIENT)
    linked = facts.self_report
    if (
        facts.source in LINKABLE_SOURCES
        and linked is not None
        and linked.source in SELF_SOURCES
        and not linked.overdue
    ):
        return Guidance(PenaltyGuidance.LENIENT)
    if facts.level == HazardLevel.MAJOR and facts.source in HEAVY_SOURCES and linked is None:
        return Guidance(PenaltyGuidance.HEAVY, accountability_required=True)
    return Guidance(PenaltyGuidance.STANDARD)


# The notice's words shown with each guidance value.
GUIDANCE_WORDS = {
    PenaltyGuidance.LENIENT: "对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚",
    PenaltyGuidance.HEAVY: (
        "对企业自查自改未发现但综合整治发现的重大事故隐患，要依法从重处罚，"
        "并由事见人逐一追查企业相关人员责任"
    ),
    PenaltyGuidance.STANDARD: "对综合整治发现的问题隐患，要依法进行处理处罚",
}


# --- order proposals (notice 七(四)) ----------------------------------------------------------

TRANSFER_CATEGORY = "超层越界"


@dataclass(frozen=True)
class HazardForOrder:
    id: int
    level: str
    open: bool
    imminent_danger: bool = False
    reckless_operation: bool = False
    criterion_category: str = ""


@dataclass(frozen=True)
class OrderFacts:
    mine_producing: bool
    hazards: tuple[HazardForOrder, ...] = ()
    order_refused: bool = False  # 拒不执行监管监察指令
    reinspection_after_suspension_failed: bool = False


@dataclass(frozen=True)
class Proposal:
    kind: str
    reason: str
    hazard_ids: tuple[int, ...] = ()


def propose_orders(facts: OrderFacts) -> list[Proposal]:
    """Notice 七(四): “发现冒险作业的，必须立即下达从危险区域撤出作业人员的指令；对存在重大事故隐患
    违规组织生产、拒不执行监管监察指令等严重违法违规行为的矿山，要依法责令停产整顿，经停产整顿仍不具备
    安全生产条件的，要依法提请地方政府予以关闭；发现超层越界开采等需要移送相关部门处理的，要及时移送
    相关部门”.

    - ``evacuate``: an open hazard records reckless operation (冒险作业), or an open major
      hazard has imminent danger;
    - ``suspend``: an open major hazard while the mine is producing, or an order was refused;
    - ``close_request``: the re-inspection after a suspension failed;
    - ``transfer``: an open hazard meets a 超层越界开采 criterion.
    A proposal is a suggestion the officer confirms."""
    open_hazards = [h for h in facts.hazards if h.open]
    proposals: list[Proposal] = []
    evacuate = [
        h.id
        for h in open_hazards
        if h.reckless_operation or (h.level == HazardLevel.MAJOR and h.imminent_danger)
    ]
    if evacuate:
        proposals.append(
            Proposal(
                "evacuate",
                "发现冒险作业的，必须立即下达从危险区域撤出作业人员的指令",
                tuple(evacuate),
            )
        )
    majors = [h.id for h in open_hazards if h.level == HazardLevel.MAJOR]
    if (majors and facts.mine_producing) or facts.order_refused:
        reason = (
            "存在重大事故隐患违规组织生产"
            if majors and facts.mine_producing
            else "拒不执行监管监察指令"
        )
        proposals.append(
            Proposal("suspend", f"对{reason}的矿山，要依法责令停产整顿", tuple(majors))
        )
    if facts.reinspection_after_suspension_failed:
        proposals.append(
            Proposal(
                "close_request", "经停产整顿仍不具备安全生产条件的，要依法提请地方政府予以关闭"
            )
        )
    transfer = [h.id for h in open_hazards if TRANSFER_CATEGORY in h.criterion_category]
    if transfer:
        proposals.append(
            Proposal(
                "transfer",
                "发现超层越界开采等需要移送相关部门处理的，要及时移送相关部门",
                tuple(transfer),
            )
        )
    return proposals


# --- the monthly check's duty calendar (task 2) -----------------------------------------------


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the months from ``start``'s month to ``end``'s month, inclusive."""
    months = []
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def missing_monthly_checks(*, since: dt.date, today: dt.date, done: set[dt.date]) -> list[dt.date]:
    """Task 2: “每月组织开展 1次重大事故隐患排查整治”. The months since ``since`` that have
    ended without a check (the current month is not flagged before it ends)."""
    last_ended = today.replace(day=1) - dt.timedelta(days=1)
    if last_ended < since.replace(day=1):
        return []
    return [m for m in months_between(since, last_ended) if m not in done]


# --- the risk list (风险管控清单) ---------------------------------------------------------------

# The lowest level that may control a risk of each level.
LOWEST_CONTROL_LEVEL: dict[str, str] = {
    RiskLevel.RED: ControlLevel.MINE,
    RiskLevel.ORANGE: ControlLevel.DEPARTMENT,
    RiskLevel.YELLOW: ControlLevel.TEAM,
    RiskLevel.BLUE: ControlLevel.GROUP,
}


def control_level_sufficient(*, risk_level: str, control_level: str) -> bool:
    """分级管控 (安委办〔2016〕11号《关于实施遏制重特大事故工作指南构建双重预防机制的意见》:
    “要对安全风险分级、分层、分类、分专业进行管理，逐一落实企业、车间、班组和岗位的管控责任，
    尤其要强化对……存在重大安全风险的生产经营系统、生产区域、岗位的重点管控”).

    The higher the risk, the higher the level that controls it: a major (red) risk is
    controlled by the mine or the company, a significant (orange) one at least by a
    department, a general (yellow) one at least by a team (区队), a low (blue) one by anyone
    down to the shift group (班组)."""
    lowest = LOWEST_CONTROL_LEVEL.get(risk_level)
    if lowest is None or control_level not in CONTROL_LEVEL_ORDER:
        return False
    return CONTROL_LEVEL_ORDER.index(control_level) <= CONTROL_LEVEL_ORDER.index(lowest)


def review_overdue(*, review_on: dt.date | None, on: dt.date) -> bool:
    """A risk whose review date has passed must be identified and assessed again (the day
    itself is not overdue)."""
    return review_on is not None and review_on < on
