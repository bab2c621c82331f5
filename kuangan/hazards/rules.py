"""Pure campaign rules of the hazard ledger: overdue, penalty guidance (notice 七(四)), and
the order proposals. They take plain data and return plain data; the models and services feed
them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import (
    CONTROL_LEVEL_ORDER,
    SELF_SOURCES,
    ControlLevel,
    HazardLevel,
    HazardSource,
    HazardStatus,
    PenaltyGuidance,
    RiskLevel,
)

# Sources of a finding that the enterprise did not make itself (综合整治发现 / 举报).
HEAVY_SOURCES = frozenset({HazardSource.ENFORCEMENT, HazardSource.SUPERVISION, HazardSource.TIPOFF})
# A regulator's finding of any of these sources may be linked to the enterprise's own record.
LINKABLE_SOURCES = HEAVY_SOURCES


def is_overdue(*, deadline: dt.date | None, closed: bool, on: dt.date) -> bool:
    """A hazard is overdue when its rectification deadline has passed and it is not closed
    (整改销号). The day of the deadline itself is not overdue."""
    return deadline is not None and not closed and deadline < on


# The statuses of a record whose 五落实 is entered and whose rectification is under way (正在整改):
# a record merely reported has no plan yet.
RECTIFYING_STATUSES = frozenset(
    {HazardStatus.RECTIFYING, HazardStatus.PENDING_ACCEPTANCE, HazardStatus.REOPENED}
)


class RecordState:
    """Where the enterprise's own record stood on the day judged."""

    CLOSED = "closed"  # closed through rectification (整改销号)
    RECTIFYING = "rectifying"  # 五落实 entered, deadline not passed (正在整改)
    OVERDUE = "overdue"  # deadline passed, not closed
    NO_PLAN = "no_plan"  # merely reported, no 五落实 yet
    LATE = "late"  # recorded after the regulator's inspection began: not self-found


@dataclass(frozen=True)
class SelfRecordFacts:
    """The enterprise's own record (source self or group) as it stood on ``on``."""

    status: str
    deadline: dt.date | None
    on: dt.date
    # Recorded by the system before the regulator's inspection began (its own record is
    # always "before" when the enterprise's record is the hazard itself).
    recorded_before: bool = True


def record_state(record: SelfRecordFacts) -> str:
    """「且正在整改」: closed through rectification, or 五落实 entered and the deadline not passed
    on the day; a record merely reported has no plan; a record made after the regulator's
    inspection began was not found by the enterprise itself."""
    if not record.recorded_before:
        return RecordState.LATE
    if record.status == HazardStatus.CLOSED:
        return RecordState.CLOSED
    if is_overdue(deadline=record.deadline, closed=False, on=record.on):
        return RecordState.OVERDUE
    if record.status in RECTIFYING_STATUSES:
        return RecordState.RECTIFYING
    return RecordState.NO_PLAN


@dataclass(frozen=True)
class HazardFacts:
    level: str
    source: str
    # The enterprise's own record of the problem: the hazard itself when the enterprise found
    # it (self, group); the linked record when a regulator found it; None when none.
    self_record: SelfRecordFacts | None = None


@dataclass(frozen=True)
class Guidance:
    value: str
    accountability_required: bool = False
    reason: str = ""  # a key of ``GUIDANCE_REASONS``


def penalty_guidance(facts: HazardFacts) -> Guidance:
    """Notice 七(四) 严格执法检查:

    “对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚；对企业自查自改未发现但
    综合整治发现的重大事故隐患，要依法从重处罚，并由事见人逐一追查企业相关人员责任。”

    - ``lenient`` (可依法从轻或不予处罚): the enterprise's own record (the hazard itself for a
      self or group finding; the linked record for a regulator's finding, recorded before the
      inspection began) was under rectification on the day judged (``record_state``
      ``rectifying``) or closed through rectification.
    - ``heavy`` (依法从重处罚, 由事见人追责): a ``major`` hazard found by ``enforcement``,
      ``supervision`` or ``tipoff`` that the enterprise had not recorded itself before the
      inspection began (自查自改未发现).
    - ``standard``: every other case: the own record was merely reported with no plan, or its
      deadline had passed unrectified (the enterprise found it, so not heavy either); a general
      hazard the enterprise had not found; a source of another kind.
    """
    record = facts.self_record
    if facts.source in SELF_SOURCES:
        state = record_state(record) if record is not None else RecordState.NO_PLAN
        lenient = state in (RecordState.CLOSED, RecordState.RECTIFYING)
        value = PenaltyGuidance.LENIENT if lenient else PenaltyGuidance.STANDARD
        return Guidance(value, reason=f"self_{state}")
    if facts.source not in HEAVY_SOURCES:
        return Guidance(PenaltyGuidance.STANDARD, reason="other_source")
    state = record_state(record) if record is not None else ""
    if state in (RecordState.CLOSED, RecordState.RECTIFYING):
        return Guidance(PenaltyGuidance.LENIENT, reason=f"linked_{state}")
    if state in (RecordState.OVERDUE, RecordState.NO_PLAN):
        return Guidance(PenaltyGuidance.STANDARD, reason=f"linked_{state}")
    not_found = "linked_late" if state == RecordState.LATE else "not_self_found"
    if facts.level == HazardLevel.MAJOR:
        return Guidance(PenaltyGuidance.HEAVY, accountability_required=True, reason=not_found)
    return Guidance(PenaltyGuidance.STANDARD, reason=not_found)


# The notice's words shown with each guidance value.
GUIDANCE_WORDS = {
    PenaltyGuidance.LENIENT: "对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚",
    PenaltyGuidance.HEAVY: (
        "对企业自查自改未发现但综合整治发现的重大事故隐患，要依法从重处罚，"
        "并由事见人逐一追查企业相关人员责任"
    ),
    PenaltyGuidance.STANDARD: "对综合整治发现的问题隐患，要依法进行处理处罚",
}

# Why the guidance is what it is, in words (the facts the verdict rested on).
GUIDANCE_REASONS = {
    "self_closed": _(
        "The enterprise found this hazard itself and closed it through rectification."
    ),
    "self_rectifying": _(
        "The enterprise found this hazard itself and is rectifying it within the deadline."
    ),
    "self_overdue": _(
        "The enterprise found this hazard itself, but its deadline has passed unrectified: "
        "it is no longer being rectified in time."
    ),
    "self_no_plan": _(
        "The enterprise found this hazard itself but has entered no rectification plan "
        "(五落实) yet: it is not being rectified."
    ),
    "linked_closed": _(
        "The enterprise had recorded this problem itself before the inspection began and had "
        "closed it through rectification by then."
    ),
    "linked_rectifying": _(
        "The enterprise had recorded this problem itself before the inspection began and was "
        "rectifying it within the deadline on the day of the inspection."
    ),
    "linked_overdue": _(
        "The enterprise had recorded this problem itself before the inspection began, but its "
        "deadline had passed unrectified on the day of the inspection."
    ),
    "linked_no_plan": _(
        "The enterprise had recorded this problem itself before the inspection began, but had "
        "entered no rectification plan (五落实) by then: it was not being rectified."
    ),
    "linked_late": _(
        "The enterprise's linked record was made after the inspection began: the enterprise "
        "had not found the problem itself."
    ),
    "not_self_found": _(
        "The enterprise had not recorded this problem itself before the inspection began."
    ),
    "other_source": _("The hazard was found neither by the enterprise nor by a regulator."),
}


# --- order proposals (notice 七(四)) ----------------------------------------------------------

# The criterion categories that are 超层越界开采 (the coal standard's; the 2022 metal/non-metal
# standard has no such criterion: there the inspector picks the matter, see ``TransferCategory``).
TRANSFER_CATEGORY = "超层越界"
# Mine statuses that are production in fact (二、整治范围: 正常生产、建设); a long shutdown counts when
# it is resuming or has people working (启动复工复产、有人员作业的长期停产停建矿山).
ORGANIZING_STATUSES = frozenset({"producing", "constructing"})
# The inspection report's disposal opinions (inspections ``Disposal``) that call for an order.
DISPOSAL_EVACUATE = "evacuate"
DISPOSAL_TRANSFER = "transfer"
DISPOSAL_JUDICIAL = "judicial_transfer"

WORDS_EVACUATE = "发现冒险作业的，必须立即下达从危险区域撤出作业人员的指令"
WORDS_SUSPEND = "对存在重大事故隐患违规组织生产、拒不执行监管监察指令等严重违法违规行为的矿山，要依法责令停产整顿"
WORDS_CLOSE = "经停产整顿仍不具备安全生产条件的，要依法提请地方政府予以关闭"
WORDS_TRANSFER = "发现超层越界开采等需要移送相关部门处理的，要及时移送相关部门"
WORDS_JUDICIAL = "发现涉嫌犯罪的，要严格按照行刑衔接有关规定移送司法机关"


def organizing_production(*, status: str, resuming: bool, personnel_on_site: bool) -> bool:
    """七(四) “违规组织生产”: the mine operates in fact on the day: producing or under
    construction, or a long shutdown that is resuming or has people working (二、整治范围:
    “启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行综合整治”). A mine
    whose status is rectifying (整改) or an unmanned long shutdown is not producing; a closed mine
    is not."""
    if status in ORGANIZING_STATUSES:
        return True
    return status == "long_shutdown" and (resuming or personnel_on_site)


@dataclass(frozen=True)
class HazardForOrder:
    id: int
    level: str
    open: bool
    imminent_danger: bool = False
    reckless_operation: bool = False
    criterion_category: str = ""
    disposal: str = ""  # the inspection report's disposal opinion on its finding


@dataclass(frozen=True)
class OrderFacts:
    mine_producing: bool  # producing in fact on the day (``organizing_production``)
    hazards: tuple[HazardForOrder, ...] = ()
    order_refused: bool = False  # 拒不执行监管监察指令
    # The latest re-inspection (复查) of a suspension in force found the conditions unmet.
    reinspection_after_suspension_failed: bool = False
    on: dt.date | None = None  # the day the facts are of


@dataclass(frozen=True)
class Proposal:
    kind: str
    reason: str
    hazard_ids: tuple[int, ...] = ()
    transfer_category: str = ""
    grounds: tuple[str, ...] = ()  # which facts, in codes (see ``propose_orders``)

    def as_dict(self, on: dt.date | None = None) -> dict:
        """The proposal as stored on the order issued from it (with the day of its facts)."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "hazards": list(self.hazard_ids),
            "transfer_category": self.transfer_category,
            "grounds": list(self.grounds),
            "on": on.isoformat() if on else None,
        }


def propose_orders(facts: OrderFacts) -> list[Proposal]:
    """Notice 七(四): “发现冒险作业的，必须立即下达从危险区域撤出作业人员的指令；对存在重大事故隐患
    违规组织生产、拒不执行监管监察指令等严重违法违规行为的矿山，要依法责令停产整顿，经停产整顿仍不具备
    安全生产条件的，要依法提请地方政府予以关闭；发现超层越界开采等需要移送相关部门处理的，要及时移送
    相关部门；发现涉嫌犯罪的，要严格按照行刑衔接有关规定移送司法机关”.

    - ``evacuate``: an open hazard records reckless operation (冒险作业), an open major hazard
      has imminent danger, or the inspection report's disposal of a finding is 撤出作业人员;
      grounds ``reckless`` / ``imminent_danger`` / ``disposal``;
    - ``suspend``: an open major hazard while the mine operates in fact on the day
      (``organizing_production``: producing, under construction, a resuming or manned long
      shutdown) — ground ``major_hazard_producing``; or an order was refused — ground
      ``order_refused``;
    - ``close_request``: the re-inspection (复查) after a suspension found the conditions still
      unmet (ground ``reinspection_unmet``); a suspension's deadline passing is not that fact;
    - ``transfer``: an open hazard meets a 超层越界开采 criterion (category ``out_of_bounds``,
      ground ``criterion``), or its finding's disposal is 移送 (the inspector picks the matter:
      the 等; ground ``disposal``) — coal and metal/non-metal mines alike;
    - ``judicial_transfer``: a finding's disposal is 移送司法机关 (涉嫌犯罪; ground ``disposal``).
    A proposal is a suggestion the officer confirms."""
    open_hazards = [h for h in facts.hazards if h.open]
    proposals: list[Proposal] = []
    evacuate: list[int] = []
    grounds: list[str] = []
    for h in open_hazards:
        why = []
        if h.reckless_operation:
            why.append("reckless")
        if h.level == HazardLevel.MAJOR and h.imminent_danger:
            why.append("imminent_danger")
        if h.disposal == DISPOSAL_EVACUATE:
            why.append("disposal")
        if why:
            evacuate.append(h.id)
            grounds += [g for g in why if g not in grounds]
    if evacuate:
        proposals.append(
            Proposal("evacuate", WORDS_EVACUATE, tuple(evacuate), grounds=tuple(grounds))
        )
    majors = [h.id for h in open_hazards if h.level == HazardLevel.MAJOR]
    suspend_grounds = []
    if majors and facts.mine_producing:
        suspend_grounds.append("major_hazard_producing")
    if facts.order_refused:
        suspend_grounds.append("order_refused")
    if suspend_grounds:
        reason = (
            "存在重大事故隐患违规组织生产"
            if majors and facts.mine_producing
            else "拒不执行监管监察指令"
        )
        proposals.append(
            Proposal(
                "suspend",
                f"对{reason}的矿山，要依法责令停产整顿",
                tuple(majors) if majors and facts.mine_producing else (),
                grounds=tuple(suspend_grounds),
            )
        )
    if facts.reinspection_after_suspension_failed:
        proposals.append(Proposal("close_request", WORDS_CLOSE, grounds=("reinspection_unmet",)))
    by_criterion = [h.id for h in open_hazards if TRANSFER_CATEGORY in h.criterion_category]
    by_disposal = [
        h.id for h in open_hazards if h.disposal == DISPOSAL_TRANSFER and h.id not in by_criterion
    ]
    if by_criterion or by_disposal:
        proposals.append(
            Proposal(
                "transfer",
                WORDS_TRANSFER,
                tuple(by_criterion + by_disposal),
                # 超层越界开采 named; otherwise the inspector picks the matter (等)
                transfer_category="out_of_bounds" if by_criterion else "",
                grounds=tuple(
                    g for g, ids in (("criterion", by_criterion), ("disposal", by_disposal)) if ids
                ),
            )
        )
    judicial = [h.id for h in open_hazards if h.disposal == DISPOSAL_JUDICIAL]
    if judicial:
        proposals.append(
            Proposal("judicial_transfer", WORDS_JUDICIAL, tuple(judicial), grounds=("disposal",))
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
