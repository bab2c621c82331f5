"""How registry data is shown: grouped rows of a mine, licence state, and the campaign verdict
in plain Chinese with the notice's own words."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kuangan.campaigns import rules, verdicts
from kuangan.campaigns.choices import (
    NOTICE_WORDS,
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
)

from .choices import LicenceKind, MineStatus
from .models import KIND_FIELDS

STATUS_BADGES = {
    MineStatus.PRODUCING: "bg-green-lt",
    MineStatus.CONSTRUCTING: "bg-blue-lt",
    MineStatus.RECTIFYING: "bg-orange-lt",
    MineStatus.LONG_SHUTDOWN: "bg-secondary-lt",
    MineStatus.CLOSED: "bg-dark-lt",
}

BASIC_FIELDS = [
    "code",
    "name",
    "enterprise",
    "region",
    "kind",
    "status",
    "resuming",
    "personnel_on_site",
    "electronic_seal",
    "physically_sealed",
    "slope_height_m",
    "dump_height_m",
    "tailings_grade",
    "head_top",
    "ownerless",
    "reserve_years",
    "conversion",
    "tailings_into_open_pit",
    "gas_class",
    "hydro_class",
    "rockburst",
    "geohazard_exposed",
    "regulator_concern",
    "design_capacity",
    "principal",
    "phone",
    "longitude",
    "latitude",
]


def describe(mine, section: str = "basic") -> list[tuple[str, object]]:
    """The mine's basic data as (label, value) rows; attributes that do not apply to its kind
    are left out."""
    rows = []
    for name in BASIC_FIELDS:
        kinds = KIND_FIELDS.get(name)
        if kinds is not None and mine.kind not in kinds:
            continue
        if name == "tailings_into_open_pit" and mine.kind != "metal_open_pit":
            continue
        field = mine._meta.get_field(name)
        display = getattr(mine, f"get_{name}_display", None)
        value = (
            display() if display and getattr(mine, name) not in ("", None) else getattr(mine, name)
        )
        if name == "region":
            value = " › ".join(r.name for r in mine.region.ancestors())
        if name == "tailings_grade" and value:
            value = _("Grade %(n)d") % {"n": value}
        rows.append((field.verbose_name, value))
    return rows


def licence_state(mine, today: dt.date) -> list[dict]:
    """Each licence with its number, expiry, days left and a badge colour."""
    result = []
    for kind, number, until in (
        (LicenceKind.MINING, mine.mining_licence_no, mine.mining_licence_valid_until),
        (LicenceKind.SAFETY, mine.safety_licence_no, mine.safety_licence_valid_until),
    ):
        days = (until - today).days if until else None
        if until is None:
            state, badge = _("No expiry date recorded"), "bg-secondary-lt"
        elif days < 0:
            state, badge = _("Expired %(n)d days ago") % {"n": -days}, "bg-red-lt"
        elif days <= 90:
            state, badge = _("Expires in %(n)d days") % {"n": days}, "bg-orange-lt"
        else:
            state, badge = pgettext("licence", "Valid"), "bg-green-lt"
        result.append(
            {
                "label": LicenceKind(kind).label,
                "number": number,
                "valid_until": until,
                "days": days,
                "state": state,
                "badge": badge,
            }
        )
    return result


def _items(choices, codes) -> list[dict]:
    return [{"code": c, "label": choices(c).label, "words": NOTICE_WORDS.get(c, "")} for c in codes]


def explain(state: dict, campaign) -> dict:
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
        "flood_words": NOTICE_WORDS["flood"] if v.priority.inspect_before else "",
        "json": rules.evaluate(state, verdicts.thresholds(campaign)),
    }
