"""The key-inspection plan and the coverage boards, read from the registry through the
campaign rules (``campaigns.rules``): which mines are in scope, their priority and flood-season
deadline, which team takes each, and how far the inspections have come."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from kuangan.campaigns import presenters, rules
from kuangan.campaigns.choices import PhaseKind, PriorityLevel
from kuangan.core.scope import in_subtree
from kuangan.registry.models import Mine

from .choices import DONE_STATUSES, CoverageState, InspectionKind, InspectionStatus
from .models import Inspection

# Coverage states, mutually exclusive, in the order of the board (labels and colours: the
# choices' ``CoverageState``).
DONE, OVERDUE, NO_TEAM, PLANNED = (
    CoverageState.DONE,
    CoverageState.OVERDUE,
    CoverageState.NO_TEAM,
    CoverageState.PLANNED,
)
STATE_LABELS = dict(CoverageState.choices)


def facts_of(mine) -> rules.MineFacts:
    return rules.facts(mine.rule_state())


def phase_deadline(campaign) -> dt.date | None:
    """The deadline of the campaign's key-inspection phase (重点检查阶段)."""
    phase = campaign.phases.filter(kind=PhaseKind.KEY_INSPECTION).first()
    return phase.deadline if phase else campaign.ends_on


@dataclass
class PlanRow:
    mine: Mine
    reasons: tuple[str, ...]
    priority: str
    priority_reasons: tuple[str, ...]
    flood_deadline: dt.date | None
    deadline: dt.date | None
    inspection: Inspection | None
    state: str

    @property
    def team(self):
        return self.inspection.team if self.inspection else None

    @property
    def has_team(self) -> bool:
        return self.inspection is not None and self.inspection.team_id is not None

    @property
    def reason_items(self):
        """The scope reasons as the mine's scope tab shows them: label and the notice's words."""
        return presenters.inspection_items(self.reasons)

    @property
    def state_label(self):
        return CoverageState.label_of(self.state)

    @property
    def state_badge(self):
        return CoverageState.css(self.state)

    @property
    def priority_label(self):
        return PriorityLevel(self.priority).label


def shown(rows: list[PlanRow], state: str | None) -> list[PlanRow]:
    """The rows the board's state filter picks: ``no_team`` picks every row without a team, as
    the 未分组 box counts them."""
    if not state:
        return rows
    if state == NO_TEAM:
        return [r for r in rows if not r.has_team]
    return [r for r in rows if r.state == state]


def coverage_state(inspection: Inspection | None, deadline: dt.date | None, today: dt.date) -> str:
    """One mine's state on the board: done (submitted or accepted), else overdue when the
    deadline has passed, else without a team, else planned."""
    if inspection is not None and inspection.status in DONE_STATUSES:
        return DONE
    if deadline is not None and today > deadline:
        return OVERDUE
    if inspection is None or inspection.team_id is None:
        return NO_TEAM
    return PLANNED


def plan_rows(*, user, campaign, region=None, today: dt.date | None = None) -> list[PlanRow]:
    """The in-scope mines (key-inspection scope under the campaign's thresholds) visible to
    ``user``, in ``region``'s subtree, ordered: flood-season deadline first, then high priority,
    then by code."""
    today = today or timezone.localdate()
    t = campaign.thresholds()
    default_deadline = phase_deadline(campaign)
    mines = Mine.objects.visible_to(user).select_related("region", "enterprise")
    if region is not None:
        mines = mines.filter(in_subtree("region", region))
    inspections = {
        i.mine_id: i
        for i in Inspection.objects.filter(campaign=campaign, kind=InspectionKind.ENFORCEMENT)
        .exclude(status=InspectionStatus.REDO)
        .select_related("team")
        .order_by("created_at")
    }
    rows = []
    for mine in mines:
        f = facts_of(mine)
        scope = rules.inspection_scope(f, t)
        if not scope.in_scope:
            continue
        prio = rules.priority(f, t)
        deadline = prio.inspect_before or default_deadline
        inspection = inspections.get(mine.pk)
        if inspection is not None and inspection.deadline:
            deadline = min(deadline, inspection.deadline) if deadline else inspection.deadline
        rows.append(
            PlanRow(
                mine=mine,
                reasons=scope.reasons,
                priority=prio.level,
                priority_reasons=prio.reasons,
                flood_deadline=prio.inspect_before,
                deadline=deadline,
                inspection=inspection,
                state=coverage_state(inspection, deadline, today),
            )
        )
    rows.sort(
        key=lambda r: (
            r.flood_deadline is None,
            r.flood_deadline or dt.date.max,
            r.priority != rules.HIGH,
            r.mine.code,
        )
    )
    return rows


def coverage(rows: list[PlanRow]) -> dict:
    """Counts of the board: in scope, planned, done and overdue per state, and ``no_team``: every
    row without a team, overdue or not (the 未分组 box must not say 0 while mines lack a team)."""
    counts = {"in_scope": len(rows), NO_TEAM: 0, PLANNED: 0, DONE: 0, OVERDUE: 0}
    for row in rows:
        if row.state != NO_TEAM:
            counts[row.state] += 1
    counts[NO_TEAM] = sum(1 for r in rows if not r.has_team)
    counts["flood"] = sum(1 for r in rows if r.flood_deadline is not None)
    counts["flood_done"] = sum(1 for r in rows if r.flood_deadline is not None and r.state == DONE)
    return counts


# --- Group company full coverage (全覆盖) ----------------------------------------------------


@dataclass
class GroupRow:
    mine: Mine
    self_inspection: Inspection | None
    group_check: Inspection | None

    @property
    def checked(self) -> bool:
        return self.group_check is not None and self.group_check.status in DONE_STATUSES


def group_mines(user, day: dt.date | None = None) -> list[Mine]:
    """The mines a group company checks for full coverage (全覆盖). 六(二): “矿山上级公司对所属
    矿山自查自改工作进行全覆盖检查”: its 所属矿山 are the mines of its subsidiaries and those it
    owns itself. Only the mines the campaign covers count, as the registry has them on ``day``
    (default today; the board is read live): 二、整治范围 “所有正常生产、建设、整改的……矿山……启动
    复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行综合整治”, so a closed
    mine and an unmanned long shutdown (``rules.effectively_operating`` false) are left out. A
    company without subsidiaries is no group: nothing."""
    org = user.organization
    if org is None:
        return []
    companies = org.descendant_ids(include_self=True)
    if len(companies) == 1:
        return []
    today = timezone.localdate()
    day = day or today
    mines = (
        Mine.objects.visible_to(user)
        .filter(enterprise_id__in=companies)
        .select_related("enterprise", "region")
        .order_by("enterprise__name", "code")
    )
    chosen = []
    for mine in mines:
        state = mine.rule_state() if day >= today else mine.state_on(day)
        if state is not None and rules.effectively_operating(rules.facts(state)):
            chosen.append(mine)
    return chosen


def group_coverage(*, user, campaign=None, day: dt.date | None = None) -> list[GroupRow]:
    """Every mine the group company covers (``group_mines`` on ``day``), with its latest
    self-inspection and the group's check: a mine is covered when a group check of it was
    submitted or accepted."""
    mines = group_mines(user, day)
    if not mines:
        return []
    base = Inspection.objects.visible_to(user).exclude(status=InspectionStatus.REDO)
    if campaign is not None:
        base = base.filter(Q(campaign=campaign) | Q(campaign__isnull=True))
    latest_self: dict[int, Inspection] = {}
    latest_group: dict[int, Inspection] = {}
    for i in base.filter(kind__in=[InspectionKind.SELF, InspectionKind.GROUP]).order_by(
        "created_at"
    ):
        target = latest_self if i.kind == InspectionKind.SELF else latest_group
        previous = target.get(i.mine_id)
        if previous is None or previous.status not in DONE_STATUSES or i.status in DONE_STATUSES:
            target[i.mine_id] = i
    return [GroupRow(m, latest_self.get(m.pk), latest_group.get(m.pk)) for m in mines]
