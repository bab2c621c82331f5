"""Home page panels of the hazard ledger: open hazards (overdue first) and last month's
major-hazard checks per county (notice 四(一)2: 每月开展重大事故隐患排查治理)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.core import home
from kuangan.registry.models import Mine

from .choices import HazardLevel, HazardStatus
from .models import Hazard, MonthlyMajorHazardCheck
from .services.monthly import owing_mines


def last_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def by_urgency(hazards, today: dt.date):
    """Overdue first (the longest overdue at the top), then by deadline, hazards without a
    deadline last — the same on SQLite (NULLs first) and PostgreSQL (NULLs last)."""
    return hazards.annotate(
        _overdue=Case(
            When(deadline__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("_overdue", F("deadline").asc(nulls_last=True), "pk")


@home.register
def open_hazards(user):
    if user.is_admin_role or not user.has_perm("hazards.view_hazard"):
        return None
    today = timezone.localdate()
    hazards = Hazard.objects.visible_to(user)
    open_ = hazards.open()
    counts = dict(open_.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return home.Panel(
        _("Open hazards"),
        "hazards/panels/open_hazards.html",
        {
            "statuses": [
                (HazardStatus(s).label, counts.get(s, 0), s)
                for s in HazardStatus.values
                if s != HazardStatus.CLOSED
            ],
            "overdue": open_.overdue(today).count(),
            "major": open_.filter(level=HazardLevel.MAJOR).count(),
            "listed": open_.listed().count(),
            "first": list(by_urgency(open_, today).select_related("mine")[:8]),
            "total": open_.count(),
            "today": today,
        },
        order=20,
        width=8,
    )


@home.register
def monthly_checks(user):
    if user.is_admin_role or not user.has_perm("hazards.view_monthlymajorhazardcheck"):
        return None
    month = last_month(timezone.localdate())
    # The mines that owe the check (the duty calendar's rule: closed mines and unmanned long
    # shutdowns left out).
    mines = owing_mines(Mine.objects.visible_to(user))
    checked_ids = set(
        MonthlyMajorHazardCheck.objects.filter(mine__in=mines, month=month).values_list(
            "mine_id", flat=True
        )
    )
    by_region: dict[str, list[int]] = {}
    for mine_id, region in mines.values_list("pk", "region__name"):
        row = by_region.setdefault(region, [0, 0])
        row[0] += 1
        row[1] += mine_id in checked_ids
    rows = sorted(
        ((region, total, done, total - done) for region, (total, done) in by_region.items()),
        key=lambda r: (-r[3], r[0]),
    )
    return home.Panel(
        _("Monthly major-hazard checks, last month"),
        "hazards/panels/monthly_checks.html",
        {"month": month, "rows": rows[:12], "missing": sum(r[3] for r in rows)},
        order=25,
        width=4,
    )
