"""How the campaign verdict of a mine is shown: each reason in plain Chinese with the notice's
own words (the scope tab of a mine's page), and the reasons as short labels (lists, panels)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules, verdicts
from .choices import (
    NOTICE_WORDS,
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
    SevereHazard,
)
from .models import Campaign


def labels(choices: Any, codes: tuple[str, ...]) -> str:
    """The labels of reason codes, joined with Chinese semicolons."""
    return "；".join(str(choices(c).label) for c in codes)


def reasons(v: rules.Verdict) -> list[str]:
    """The campaign-scope and key-inspection reasons of a verdict, as labels."""
    result = [str(CampaignReason(r).label) for r in v.campaign.reasons]
    result += [str(InspectionReason(r).label) for r in v.inspection.reasons]
    return result


def _items(choices: Any, codes: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{"code": c, "label": choices(c).label, "words": NOTICE_WORDS.get(c, "")} for c in codes]


def inspection_items(codes: tuple[str, ...]) -> list[dict[str, Any]]:
    """Key-inspection reason codes as the mine's scope tab shows them: each with its label and
    the notice's own words (``code``, ``label``, ``words``)."""
    return _items(InspectionReason, codes)


def campaign_ended(campaign: Campaign, today: dt.date | None = None) -> bool:
    """Whether ``campaign`` is over on ``today``: past its end date, or past its last phase's
    deadline."""
    today = today or timezone.localdate()
    if campaign.ends_on and campaign.ends_on < today:
        return True
    deadlines = [p.deadline for p in campaign.phases.all()]
    return bool(deadlines) and max(deadlines) < today


def campaign_stage(campaign: Campaign, today: dt.date | None = None) -> str:
    """Where ``campaign`` stands on ``today``, for people: 已结束 once it is over, 未开始 before
    it starts, else the name of its current phase."""
    today = today or timezone.localdate()
    if campaign_ended(campaign, today):
        return _("Ended")
    if campaign.starts_on and campaign.starts_on > today:
        return _("Not started")
    phase = campaign.current_phase(today)
    return str(phase.get_kind_display()) if phase else _("Under way")


def explain(state: dict[str, Any], campaign: Campaign | None) -> dict[str, Any]:
    """The verdict of a mine state under ``campaign`` for people: each reason in plain Chinese
    with the notice's words, and a sentence for a mine that is out."""
    v = rules.verdict(state, verdicts.thresholds(campaign))
    m = rules.facts(state)
    if v.campaign.in_scope:
        campaign_note = ""
    elif m.status == rules.CLOSED:
        campaign_note = _("A closed mine is out of the campaign and needs no watch duty.")
    elif v.watch:
        campaign_note = _(
            "An unmanned long-term shutdown is out of the campaign; the county emergency bureau "
            "keeps it under on-site or contact watch."
        )
    else:
        campaign_note = _("Out of the campaign.")
    return {
        "verdict": v,
        "campaign_items": _items(CampaignReason, v.campaign.reasons),
        "campaign_note": campaign_note,
        "watch_words": NOTICE_WORDS["watch"] if v.watch else "",
        "inspection_items": _items(InspectionReason, v.inspection.reasons),
        "checklist": ChecklistFamily(v.checklist).label,
        "priority_label": PriorityLevel(v.priority.level).label,
        "priority_items": _items(PriorityReason, v.priority.reasons),
        "hazard_labels": [str(SevereHazard(h).label) for h in v.priority.hazards],
        "priority_note": ""
        if v.inspection.in_scope
        else _(
            "Inspection priority and the flood-season deadline are given only to mines in the "
            "key-inspection scope."
        ),
        "flood_words": NOTICE_WORDS["flood"] if v.priority.inspect_before else "",
        "json": rules.evaluate(state, verdicts.thresholds(campaign)),
    }
