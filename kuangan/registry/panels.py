"""Home page panels of the registry: an enterprise's mines with their scope reasons; the
mines under watch duty without a holder for inspectors; counts by scope for leaders."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.campaigns import rules, verdicts
from kuangan.campaigns.choices import CampaignReason, InspectionReason, PriorityLevel
from kuangan.core import home
from kuangan.core.choices import Role

from .models import Mine, UnmannedShutdownMine, WatchDuty

PANEL_ROWS = 10


@home.register
def my_mines(user):
    if not user.roles & {Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER}:
        return None
    if not user.has_perm("registry.view_mine"):
        return None
    campaign = verdicts.latest_campaign(user)
    t = verdicts.thresholds(campaign)
    mines = Mine.objects.visible_to(user).with_related().order_by("code")
    rows = []
    for mine in mines[:PANEL_ROWS]:
        v = rules.verdict(mine.rule_state(), t)
        reasons = [str(CampaignReason(r).label) for r in v.campaign.reasons]
        reasons += [str(InspectionReason(r).label) for r in v.inspection.reasons]
        rows.append(
            {
                "mine": mine,
                "in_campaign": v.campaign.in_scope,
                "watch": v.watch,
                "reasons": reasons,
                "priority": PriorityLevel(v.priority.level).label,
                "high": v.priority.level == rules.HIGH,
                "inspect_before": v.priority.inspect_before,
            }
        )
    return home.Panel(
        _("My mines"),
        "registry/panels/my_mines.html",
        {"rows": rows, "total": mines.count(), "campaign": campaign},
        order=20,
        width=8,
    )


@home.register
def watch_without_holder(user):
    if not user.roles & {Role.REGULATOR_INSPECTOR, Role.REGULATOR_LEADER, Role.PROVINCE_ADMIN}:
        return None
    if not user.has_perm("registry.view_watchduty"):
        return None
    today = timezone.localdate()
    current = WatchDuty.objects.current(today).filter(mine=OuterRef("pk"))
    qs = (
        UnmannedShutdownMine.objects.visible_to(user)
        .exclude(Exists(current))
        .with_related()
        .order_by("region__path", "code")
    )
    return home.Panel(
        _("Shutdown mines without a watch duty holder"),
        "registry/panels/watch_without_holder.html",
        {
            "rows": list(qs[:PANEL_ROWS]),
            "total": qs.count(),
            "can_assign": user.has_perm("registry.add_watchduty"),
        },
        order=25,
        width=6,
    )


@home.register
def scope_counts(user):
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
        "registry/panels/scope_counts.html",
        {"f": figures, "reasons": reasons, "campaign": campaign},
        order=22,
        width=6,
    )
