"""Apply the pure rules (``rules.py``) to registry mines under a campaign's thresholds: one
mine now or on a past date, or a whole queryset (for the scope command, the API filters and
the ledgers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from . import rules
from .models import Campaign

MINE_VALUE_FIELDS = ("pk", "code", "name", "region__code", *rules.FACT_FIELDS)


def thresholds(campaign: Campaign | None) -> rules.Thresholds:
    return campaign.thresholds() if campaign is not None else rules.Thresholds()


def latest_campaign(user=None) -> Campaign | None:
    """The latest campaign (by start date), among those ``user`` may see when given."""
    qs = Campaign.objects.all() if user is None else Campaign.objects.visible_to(user)
    return qs.latest_first().first()


def _row(code: str, name: str, kind: str, status: str, region_code: str, verdict: dict) -> dict:
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "status": status,
        "region_code": region_code,
        **verdict,
    }


def mine_verdict(mine, campaign: Campaign | None, on: dt.date | None = None) -> dict | None:
    """The JSON verdict of one mine (the shape of ``kuangan scope``). With ``on``: from the
    mine's state at the end of that day (None if it was not registered yet)."""
    if on is None:
        state = mine.rule_state()
    else:
        state = mine.state_on(on)
        if state is None:
            return None
    verdict = rules.evaluate(state, thresholds(campaign))
    return _row(mine.code, mine.name, state["kind"], state["status"], mine.region.code, verdict)


def verdict_rows(qs: QuerySet, campaign: Campaign | None) -> Iterator[dict]:
    """The JSON verdict of every mine of ``qs``, in ``qs``'s order, without loading models."""
    t = thresholds(campaign)
    for values in qs.values(*MINE_VALUE_FIELDS).iterator(chunk_size=2000):
        yield _row(
            values["code"],
            values["name"],
            values["kind"],
            values["status"],
            values["region__code"],
            rules.evaluate(values, t),
        )


def verdicts_by_pk(mines: Iterable, campaign: Campaign | None) -> dict[int, rules.Verdict]:
    """``rules.Verdict`` per mine, for a page of loaded mines."""
    t = thresholds(campaign)
    return {m.pk: rules.verdict(m.rule_state(), t) for m in mines}


# --- Filtering by the verdict ---------------------------------------------------------------

CRITERIA = (
    "in_campaign",
    "campaign_reason",
    "watch_required",
    "in_inspection",
    "inspection_reason",
    "checklist",
    "priority",
    "priority_reason",
    "flood_deadline",
)


def _facet(v: rules.Verdict, key: str):
    """The verdict's value for one criterion: a bool, a code, or a tuple of reason codes."""
    return {
        "in_campaign": v.campaign.in_scope,
        "campaign_reason": v.campaign.reasons,
        "watch_required": v.watch,
        "in_inspection": v.inspection.in_scope,
        "inspection_reason": v.inspection.reasons,
        "checklist": v.checklist,
        "priority": v.priority.level,
        "priority_reason": v.priority.reasons,
        "flood_deadline": v.priority.inspect_before is not None,
    }[key]


def matches(v: rules.Verdict, criteria: dict) -> bool:
    for key, value in criteria.items():
        if value is None or value == "":
            continue
        facet = _facet(v, key)
        ok = value in facet if isinstance(facet, tuple) else facet == value
        if not ok:
            return False
    return True


def filter_mines(qs: QuerySet, campaign: Campaign | None, criteria: dict) -> QuerySet:
    """The mines of ``qs`` whose verdict meets every criterion (keys from ``CRITERIA``)."""
    criteria = {k: v for k, v in criteria.items() if k in CRITERIA and v not in (None, "")}
    if not criteria:
        return qs
    t = thresholds(campaign)
    keep = [
        values["pk"]
        for values in qs.values("pk", *rules.FACT_FIELDS).iterator(chunk_size=2000)
        if matches(rules.verdict(values, t), criteria)
    ]
    return qs.filter(pk__in=keep)


def counts(qs: QuerySet, campaign: Campaign | None) -> dict[str, Any]:
    """Figures for dashboards and panels: mines in campaign scope, to watch, in key-inspection
    scope, high priority, per reason."""
    t = thresholds(campaign)
    result: dict[str, Any] = {
        "total": 0,
        "in_campaign": 0,
        "watch_required": 0,
        "in_inspection": 0,
        "high_priority": 0,
        "flood_deadline": 0,
        "campaign_reasons": dict.fromkeys(rules.CAMPAIGN_REASONS, 0),
        "inspection_reasons": dict.fromkeys(rules.INSPECTION_REASONS, 0),
    }
    for values in qs.values(*rules.FACT_FIELDS).iterator(chunk_size=2000):
        v = rules.verdict(values, t)
        result["total"] += 1
        result["in_campaign"] += v.campaign.in_scope
        result["watch_required"] += v.watch
        result["in_inspection"] += v.inspection.in_scope
        result["high_priority"] += v.priority.level == rules.HIGH
        result["flood_deadline"] += v.priority.inspect_before is not None
        for r in v.campaign.reasons:
            result["campaign_reasons"][r] += 1
        for r in v.inspection.reasons:
            result["inspection_reasons"][r] += 1
    return result
