"""Findings of an inspection turned into hazards: a 不符合 (non-compliant) item becomes a
hazard of the inspected mine, with its description, source and finding date prefilled."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.checklists.models import ChecklistItem, MajorHazardCriterion
from kuangan.core.models import User
from kuangan.inspections.models import Inspection, ItemResult

from ..choices import HazardLevel, HazardSource
from ..models import Hazard, today
from .hazards import hazard_create

SOURCE_OF_INSPECTION = {
    "self": HazardSource.SELF,
    "group": HazardSource.GROUP,
    "enforcement": HazardSource.ENFORCEMENT,
    "supervision": HazardSource.SUPERVISION,
    "lookback": HazardSource.ENFORCEMENT,
}


def _inspection_date(inspection: Inspection, item_result: ItemResult) -> dt.date:
    """The day of a finding: when the item was recorded, else when the inspection started,
    else its planned day."""
    if item_result.recorded_at is not None:
        return timezone.localdate(item_result.recorded_at)
    if inspection.started_at is not None:
        return timezone.localdate(inspection.started_at)
    return inspection.planned_on or today()


def finding_description(item: ChecklistItem, note: str = "") -> str:
    """The description prefilled from a checklist item's content and basis (and the
    inspector's note on the finding)."""
    text = (note or "").strip() or item.content.strip()
    if note and note.strip() and item.content.strip() not in text:
        text = f"{item.content.strip()}：{text}"
    if item.basis.strip():
        text += _(" (basis: %(basis)s)") % {"basis": item.basis.strip()}
    return text


def hazard_create_from_finding(
    *,
    by: User,
    inspection: Inspection,
    item_result: ItemResult,
    level: str,
    criterion: MajorHazardCriterion | None = None,
    description: str | None = None,
) -> Hazard:
    """Turn a 不符合 (non-compliant) item of an inspection into a hazard (status ``reported``).

    The mine, source and finding date come from ``inspection``; the checklist item from
    ``item_result.item``; the description (unless given) from the item's content and basis
    and the result's note. For a ``major`` hazard without ``criterion``, the item's only
    applicable criterion is taken when there is exactly one. Validation, permission and audit
    as ``hazard_create``."""
    item = item_result.item
    found_on = _inspection_date(inspection, item_result)
    criterion = criterion or item_result.criterion
    if criterion is None and level == HazardLevel.MAJOR:
        candidates = [
            c
            for c in item.criteria.select_related("standard")
            if c.standard.is_in_force(found_on)
            and (not c.mine_kinds or inspection.mine.kind in c.mine_kinds)
        ]
        if len(candidates) == 1:
            criterion = candidates[0]
    return hazard_create(
        by=by,
        mine=inspection.mine,
        description=description or finding_description(item, item_result.note),
        level=level,
        criterion=criterion,
        checklist_item=item,
        source=SOURCE_OF_INSPECTION.get(str(inspection.kind), HazardSource.OTHER),
        found_on=found_on,
        inspection=inspection,
        item_result=item_result,
    )
