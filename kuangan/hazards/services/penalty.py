"""Penalty guidance (notice 七(四)): a regulator's finding linked to the enterprise's own earlier
record of the same problem, which decides the guidance.

The guidance of a regulator's finding is decided on the facts of the day it was found (its
inspection's start; the linked own record as it stood then) and stored with those facts, when
the finding is recorded (``decide_at_recording``) and when a record is linked. It never changes
by itself afterwards: a later change is a regulator's explicit recomputation
(``hazard_penalty_recompute``), audited with the values before and after."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, transition

from ..choices import SELF_SOURCES
from ..models import Hazard
from ..rules import LINKABLE_SOURCES
from .common import LOCK_RELATED, is_regulator_user, require_hazard_visible


def decide(hazard: Hazard, *, by: User | None) -> None:
    """Set the stored guidance of a regulator's finding ``hazard`` (unsaved or locked) from the
    facts of the day it was found; ``by`` None: the system, at recording."""
    if hazard.source in SELF_SOURCES:
        hazard.penalty_decided = ""
        hazard.penalty_decided_at = None
        hazard.penalty_decided_by = None
        hazard.penalty_basis = {}
        return
    guidance, basis = hazard.decide_guidance()
    hazard.penalty_decided = guidance.value
    hazard.penalty_decided_at = timezone.now()
    hazard.penalty_decided_by = by
    hazard.penalty_basis = basis


def decide_at_recording(hazard: Hazard) -> None:
    """The guidance of a regulator's finding being recorded (by the system)."""
    decide(hazard, by=None)


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
    if hazard.source not in LINKABLE_SOURCES:
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

    with transition(
        hazard,
        by=by,
        version=version,
        action=AuditAction.UPDATED,
        changes=_with_guidance,
        related=(*LOCK_RELATED, "inspection"),
    ) as current:
        current.self_reported_hazard = self_reported
        decide(current, by=by)
    return hazard


def _with_guidance(before: dict[str, Any], current: Hazard) -> dict[str, Any]:
    changes = audit.diff(before, audit.snapshot(current))
    # The guidance before and after, whether or not the value changed.
    changes["penalty_guidance"] = [before.get("penalty_decided") or None, current.penalty_decided]
    return changes


def hazard_penalty_recompute(
    *, by: User, hazard: Hazard, reason: str = "", version: int | None = None
) -> Hazard:
    """A regulator decides the guidance of its finding again, on the facts of the day it was
    found as they are recorded now (its level, its source, the linked own record as it stood
    that day): the stored decision never changes by itself. Audited with the guidance and its
    facts before and after, and the reason."""
    perm = "hazards.link_hazard"
    require_perm(by, perm, hazard)
    require_hazard_visible(by, hazard, perm)
    if not is_regulator_user(by):
        refuse(by, _("Only a regulator recomputes the penalty guidance."), obj=hazard, perm=perm)
    if hazard.source in SELF_SOURCES:
        raise ValidationError(
            _(
                "The penalty guidance of the enterprise's own record is not decided: it shows "
                "what would apply if a regulator acted on it today."
            )
        )
    if not reason.strip():
        raise ValidationError({"reason": [_("Give the reason for recomputing.")]})

    def changes(before: dict[str, Any], current: Hazard) -> dict[str, Any]:
        return {**_with_guidance(before, current), "reason": reason.strip()}

    with transition(
        hazard,
        by=by,
        version=version,
        action=AuditAction.UPDATED,
        changes=changes,
        related=(*LOCK_RELATED, "inspection"),
    ) as current:
        decide(current, by=by)
    return hazard
