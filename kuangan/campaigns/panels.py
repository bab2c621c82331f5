"""Home page panels of the campaign verdict: an enterprise's mines with their scope reasons;
counts of mines by scope for leaders."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kuangan.core import home
from kuangan.core.choices import Role
from kuangan.registry.models import Mine

from . import presenters, rules, verdicts
from .choices import InspectionReason, PriorityLevel

PANEL_ROWS = 10


@home.register
def my_mines(user: Any) -> home.Panel | None:
    if not user.roles & {Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER}:
        return None
    if not user.has_perm("registry.view_mine"):
        return None
    campaign = verdicts.latest_campaign(user)
    t = verdicts.thresholds(campaign)
    # An ended campaign's flood-season deadline is history, not a date to inspect before.
    ended = campaign is not None and presenters.campaign_ended(campaign)
    mines = Mine.objects.visible_to(user).with_related().order_by("code")
    rows = []
    for mine in mines[:PANEL_ROWS]:
        v = rules.verdict(mine.rule_state(), t)
        rows.append(
            {
                "mine": mine,
                "in_campaign": v.campaign.in_scope,
                "watch": v.watch,
                "reasons": presenters.reasons(v),
                "priority": PriorityLevel(v.priority.level).label,
                "high": v.priority.level == rules.HIGH,
                "inspect_before": None if ended else v.priority.inspect_before,
            }
        )
    return home.Panel(
        _("My mines"),
        "campaigns/panels/my_mines.html",
        {
            "rows": rows,
            "total": mines.count(),
            "campaign": campaign,
            "stage": presenters.campaign_stage(campaign) if campaign else "",
            "ended": ended,
        },
        order=20,
        width=8,
    )


@home.register
def scope_counts(user: Any) -> home.Panel | None:
    if not user.roles & {Role.REGULATOR_LEADER, Role.PROVINCE_ADMIN, Role.GOVERNMENT_USER}:
        return None
    if not user.has_perm("registry.view_mine"):
        return None
    campaign = verdicts.latest_campaign(user)
    figures = verdicts.counts(Mine.objects.visible_to(user), campaign)
    reasons = [
        (InspectionReason(code).label, n, code)
        for code, n in figures["inspection_reasons"].items()
        if n
    ]
    return home.Panel(
        _("Mines by campaign scope"),
        "campaigns/panels/scope_counts.html",
        {
            "f": figures,
            "reasons": reasons,
            "campaign": campaign,
            "stage": presenters.campaign_stage(campaign) if campaign else "",
            "ended": campaign is not None and presenters.campaign_ended(campaign),
        },
        order=22,
        width=6,
    )
