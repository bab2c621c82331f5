"""Monthly major-hazard checks (notice task 2): recording a check, and the duty calendar of
every mine (months that ended without a check)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kuangan.campaigns.models import Campaign
from kuangan.core.choices import OrganizationKind
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, save_new
from kuangan.registry.models import Mine

from .. import rules
from ..models import Hazard, MonthlyMajorHazardCheck, today
from .common import require_mine_in_area


def monthly_check_record(
    *,
    by: User,
    mine: Mine,
    month: dt.date,
    checked_on: dt.date,
    led_by: str,
    participants: str,
    areas: str,
    hazards: Iterable[Hazard] = (),
    report: str = "",
) -> MonthlyMajorHazardCheck:
    """Record the month's major-hazard check of ``mine`` (one per month, led by the mine's
    principal; the hazards found must be of the same mine)."""
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
            led_by=(led_by or "").strip(),
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


def duty_calendar(
    mines: Iterable[Mine], *, since: dt.date, on: dt.date | None = None
) -> list[dict[str, Any]]:
    """Per mine: the months checked and the months that ended without a check."""
    on = on or today()
    mines = list(mines)
    done: dict[int, set[dt.date]] = {}
    for mine_id, month in MonthlyMajorHazardCheck.objects.filter(
        mine__in=mines, month__gte=since.replace(day=1)
    ).values_list("mine_id", "month"):
        done.setdefault(mine_id, set()).add(month)
    rows = []
    for mine in mines:
        checked = done.get(mine.pk, set())
        rows.append(
            {
                "mine": mine,
                "checked": sorted(checked),
                "missing": rules.missing_monthly_checks(since=since, today=on, done=checked),
            }
        )
    return rows
