"""Monthly major-hazard checks (notice task 2): recording a check, and the duty calendar of
the mines that owe it (months that ended without a check)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.campaigns import rules as campaign_rules
from kuangan.campaigns.models import Campaign
from kuangan.core.choices import OrganizationKind
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, save_new
from kuangan.registry.choices import MineStatus
from kuangan.registry.models import Mine, MineHistory, unmanned_shutdown_q

from .. import rules
from ..models import Hazard, MonthlyMajorHazardCheck, today
from .common import require_mine_in_area


def monthly_check_record(
    *,
    by: User,
    mine: Mine,
    month: dt.date,
    checked_on: dt.date,
    principal: User | None,
    participants: str,
    areas: str,
    hazards: Iterable[Hazard] = (),
    report: str = "",
) -> MonthlyMajorHazardCheck:
    """Record the month's major-hazard check of ``mine`` (one per month; the hazards found
    must be of the same mine). ``principal``: the person who led it, the principal of the
    mine's enterprise (``models.monthly.principal_problem``); their name is kept with it."""
    require_perm(by, "hazards.add_monthlymajorhazardcheck")
    if getattr(by.organization, "kind", None) != OrganizationKind.ENTERPRISE:
        refuse(
            by,
            _("The enterprise records its monthly checks."),
            obj=mine,
            perm="hazards.add_monthlymajorhazardcheck",
        )
    require_mine_in_area(by, mine)
    hazards = list(hazards)
    if any(h.mine_id != mine.pk for h in hazards):
        raise ValidationError({"hazards": [_("The hazards must be of the same mine.")]})
    month = month.replace(day=1)
    if MonthlyMajorHazardCheck.objects.filter(mine=mine, month=month).exists():
        raise ValidationError({"month": [_("This month's check of the mine is already recorded.")]})
    with transaction.atomic():
        check = MonthlyMajorHazardCheck(
            mine=mine,
            month=month,
            checked_on=checked_on,
            principal=principal,
            led_by=str(principal)[:64] if principal is not None else "",
            participants=participants,
            areas=areas,
            report=report,
            recorded_by=by,
        )
        try:
            # Two checks recorded at once: the second one is refused in words.
            with transaction.atomic():
                save_new(check, by=by, changes={"hazards": [[], [h.code for h in hazards]]})
        except IntegrityError:
            raise ValidationError(
                {"month": [_("This month's check of the mine is already recorded.")]}
            ) from None
        check.hazards.set(hazards)
    return check


def calendar_start(user: User, on: dt.date) -> dt.date:
    """Where the duty calendar starts: the current campaign's start (visible to the user),
    else the start of the year."""
    campaign = Campaign.objects.visible_to(user).filter(starts_on__lte=on).latest_first().first()
    return campaign.starts_on if campaign else on.replace(month=1, day=1)


def owing_mines(mines: QuerySet[Mine]) -> QuerySet[Mine]:
    """The mines of ``mines`` that owe the monthly check now (the home panel and the duty
    calendar). 二、整治范围: “所有正常生产、建设、整改的煤矿、金属非金属矿山……启动复工复产、有人员
    作业的长期停产停建矿山，必须按照正常生产建设矿山进行综合整治。对无人作业的长期停产停建矿山，
    由属地应急管理局严格落实驻矿盯守或者联系盯守责任。”: closed mines and unmanned long
    shutdowns (under watch duty instead) are left out; the ORM form of
    ``campaigns.rules.campaign_scope``."""
    return mines.exclude(status=MineStatus.CLOSED).exclude(unmanned_shutdown_q())


# Why a month that ended without a check is not owed (the facts of that month).
NOT_OWED_CLOSED = "closed"
NOT_OWED_UNMANNED = "unmanned_shutdown"


def _not_owed_reason(state: dict) -> str | None:
    """None when a mine in ``state`` is in the campaign's range (owes the month's check),
    else why not."""
    facts = campaign_rules.facts(state)
    if campaign_rules.campaign_scope(facts).in_scope:
        return None
    return NOT_OWED_UNMANNED if campaign_rules.unmanned_shutdown(facts) else NOT_OWED_CLOSED


def not_owed_reason_label(reason: str) -> str:
    return {
        NOT_OWED_CLOSED: _("Not owed: the mine was closed all month."),
        NOT_OWED_UNMANNED: _(
            "Not owed: the mine was an unmanned long-term shutdown all month (watch duty)."
        ),
    }[reason]


def _month_end(month: dt.date) -> dt.datetime:
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(nxt, dt.time()))


def _month_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(month, dt.time()))


def month_not_owed(
    states: list[tuple[dt.datetime, dict]], current: dict, month: dt.date
) -> str | None:
    """Whether a mine owed the check of ``month``, on the facts of that month: None (owed) when
    the mine was in the campaign's range on any day of the month — the state it entered the
    month in, or any state it took during the month; else the reason it was not (its state on
    the month's last day). ``states``: the mine's history, oldest first; before the first
    recorded state, the mine is taken as first recorded; with no history, as it is now.

    The timing: the notice asks the check “每月” of every mine in its range (二、整治范围), and a
    check may be held on any day of the month, so a month in which the mine was handled as
    operating for a day owes it; a month it spent wholly closed or as an unmanned long
    shutdown does not."""
    if not states:
        return _not_owed_reason(current)
    start, end = _month_start(month), _month_end(month)
    entered = states[0][1]
    during = []
    for at, state in states:
        if at <= start:
            entered = state
        elif at < end:
            during.append(state)
    reasons = [_not_owed_reason(s) for s in (entered, *during)]
    if any(r is None for r in reasons):
        return None
    return reasons[-1]


def duty_calendar(
    mines: Iterable[Mine], *, since: dt.date, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per mine: the months checked, the months that ended without a check while the mine
    owed it (``missing``), and those it did not owe, with the reason (``not_owed``: month →
    ``NOT_OWED_*``; see ``month_not_owed``)."""
    on = on or today()
    mines = list(mines)
    done: dict[int, set[dt.date]] = {}
    for mine_id, month in MonthlyMajorHazardCheck.objects.filter(
        mine__in=mines, month__gte=since.replace(day=1)
    ).values_list("mine_id", "month"):
        done.setdefault(mine_id, set()).add(month)
    history: dict[int, list[tuple[dt.datetime, dict]]] = {}
    for row in MineHistory.objects.filter(mine__in=mines).order_by("mine_id", "effective_at", "pk"):
        history.setdefault(row.mine_id, []).append((row.effective_at, row.rule_state()))
    rows = []
    for mine in mines:
        checked = done.get(mine.pk, set())
        states = history.get(mine.pk, [])
        current = mine.rule_state()
        missing, not_owed = [], {}
        for month in rules.missing_monthly_checks(since=since, today=on, done=checked):
            reason = month_not_owed(states, current, month)
            if reason is None:
                missing.append(month)
            else:
                not_owed[month] = reason
        rows.append(
            {"mine": mine, "checked": sorted(checked), "missing": missing, "not_owed": not_owed}
        )
    return rows
