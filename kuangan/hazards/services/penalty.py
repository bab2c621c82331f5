"""Penalty guidance (notice 七(四)): a regulator's finding linked to the enterprise's own earlier
record of the same problem, which decides the guidance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, transition

from ..choices import SELF_SOURCES
from ..models import Hazard
from .common import LOCK_RELATED, is_regulator_user, require_hazard_visible


def _inspection_day(hazard: Hazard) -> dt.date:
    """The day of the regulator's finding (the inspection's day of the finding)."""
    return hazard.found_on


def self_report_candidates(hazard: Hazard) -> QuerySet[Hazard]:
    """Hazards the enterprise recorded itself (source self or group) of the same mine, found
    on or before the inspection date; those with the same criterion or checklist item first."""
    qs = Hazard.objects.filter(
        mine_id=hazard.mine_id,
        source__in=list(SELF_SOURCES),
        found_on__lte=_inspection_day(hazard),
    ).exclude(pk=hazard.pk)
    same = Q(pk__in=[])
    if hazard.criterion_id:
        same |= Q(criterion_id=hazard.criterion_id)
    if hazard.checklist_item_id:
        same |= Q(checklist_item_id=hazard.checklist_item_id)
    best_first: QuerySet[Hazard] = qs.annotate(
        matches=Case(When(same, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-matches", "-found_on", "-pk")
    return best_first


def hazard_link_self_report(
    *, by: User, hazard: Hazard, self_reported: Hazard | None, version: int | None = None
) -> Hazard:
    """Link an enforcement- or supervision-found hazard to the enterprise's own earlier record
    of the same problem (or unlink it with ``None``): this decides the penalty guidance."""
    perm = "hazards.link_hazard"
    require_perm(by, perm, hazard)
    require_hazard_visible(by, hazard, perm)
    if not is_regulator_user(by):
        refuse(by, _("The inspector links the enterprise's own record."), obj=hazard, perm=perm)
    if hazard.source in SELF_SOURCES:
        raise ValidationError(
            {"self_reported_hazard": [_("Only a hazard found by regulators can be linked.")]}
        )
    if (
        self_reported is not None
        and not self_report_candidates(hazard).filter(pk=self_reported.pk).exists()
    ):
        raise ValidationError(
            {
                "self_reported_hazard": [
                    _(
                        "Link a hazard of the same mine recorded by the enterprise itself "
                        "(self-inspection or group check) on or before the inspection date."
                    )
                ]
            }
        )

    def with_guidance(before: dict[str, Any], current: Hazard) -> dict[str, Any]:
        changes = audit.diff(before, audit.snapshot(current))
        changes["penalty_guidance"] = [None, current.penalty_guidance]
        return changes

    with transition(
        hazard,
        by=by,
        version=version,
        action=AuditAction.UPDATED,
        changes=with_guidance,
        related=LOCK_RELATED,
    ) as current:
        current.self_reported_hazard = self_reported
    return hazard
