"""Workflows of the hazard ledger. Each function checks permission, validates, saves and
audits in one transaction; views, the API, imports and other apps call these.

Who may do what (rows are decided by ``Hazard.objects.visible_to``):

- record a hazard: enterprise users (source ``self``; a group inspector ``group``) and
  regulators (``enforcement``, ``supervision``, ``tipoff``, ``other``);
- fill in the 五落实, start rectification and ask for acceptance: the enterprise;
- accept (销号) a general hazard: the enterprise principal or safety officer, not the person
  who reported the rectification; a major hazard: a regulator whose scope includes the mine
  (the county bureau or above) or the body that listed it, with before and after evidence;
- extension of a deadline: asked by the enterprise, decided by whoever may accept the hazard;
- list for supervision (挂牌督办): a province or city regulator; delist: the listing body,
  after closure.

The package by topic: ``hazards`` (record, edit and the steps of the hazard's state machine),
``handoff`` (an inspection's findings become hazards), ``extensions``, ``evidence``,
``penalty`` (the link to the enterprise's own record), ``listing`` (listed supervision),
``orders`` (enforcement orders), ``monthly`` (monthly major-hazard checks) and ``risks`` (the
risk list); ``common`` holds what they share. Callers import from here.
"""

from __future__ import annotations

from typing import Any

from kuangan.core.models import User
from kuangan.core.services import ConflictError
from kuangan.inspections.choices import Outcome
from kuangan.inspections.models import Inspection

from .evidence import hazard_add_evidence
from .extensions import hazard_decide_extension, hazard_request_extension, may_decide_extension
from .handoff import finding_description, hazard_create_from_finding
from .hazards import (
    EDITABLE_FIELDS,
    hazard_accept,
    hazard_change_level,
    hazard_create,
    hazard_reject,
    hazard_request_acceptance,
    hazard_start_rectification,
    hazard_update,
    may_accept,
)
from .listing import hazard_delist, hazard_list
from .monthly import (
    NOT_OWED_CLOSED,
    NOT_OWED_UNMANNED,
    calendar_start,
    duty_calendar,
    monthly_check_record,
    not_owed_reason_label,
    owing_mines,
)
from .orders import (
    order_comply,
    order_escalate,
    order_issue,
    order_lift,
    order_proposals,
    order_record_refusal,
    order_reinspect,
    render_docx,
    render_pdf,
)
from .penalty import (
    decide_at_recording,
    hazard_link_self_report,
    hazard_penalty_recompute,
    self_report_candidates,
)
from .risks import RISK_FIELDS, next_risk_code, risk_create, risk_delete, risk_update

__all__ = [
    "EDITABLE_FIELDS",
    "NOT_OWED_CLOSED",
    "NOT_OWED_UNMANNED",
    "RISK_FIELDS",
    "ConflictError",
    "calendar_start",
    "duty_calendar",
    "finding_description",
    "hand_over_findings",
    "hazard_accept",
    "hazard_change_level",
    "hazard_add_evidence",
    "hazard_create",
    "hazard_create_from_finding",
    "hazard_decide_extension",
    "hazard_delist",
    "hazard_link_self_report",
    "hazard_penalty_recompute",
    "hazard_list",
    "hazard_reject",
    "hazard_request_acceptance",
    "hazard_request_extension",
    "hazard_start_rectification",
    "hazard_update",
    "may_accept",
    "may_decide_extension",
    "monthly_check_record",
    "not_owed_reason_label",
    "owing_mines",
    "next_risk_code",
    "order_comply",
    "order_escalate",
    "order_issue",
    "order_lift",
    "order_proposals",
    "order_record_refusal",
    "order_reinspect",
    "render_docx",
    "render_pdf",
    "risk_create",
    "risk_delete",
    "risk_update",
    "self_report_candidates",
    "decide_at_recording",
]


def hand_over_findings(
    sender: object = None, *, by: User, inspection: Inspection, **kwargs: Any
) -> int:
    """Receiver of the inspections app's ``findings_to_hand_over`` (connected in
    ``HazardsConfig.ready``): every 不符合 finding of ``inspection`` not in the ledger yet
    becomes a hazard (``hazard_create_from_finding``, linked to its item result). Returns how
    many were recorded now.

    It is defined here, in the package's namespace, and calls ``hazard_create_from_finding``
    by the name the package exports: the one door of the hand-off, so that whoever replaces
    that name here (the inspections app's tests do) replaces what the hand-off calls."""
    # The hazard is recorded in the name of whoever may record hazards: the one finishing the
    # inspection, or (for an invited expert) the one who planned it.
    actor = by if by.has_perm("hazards.add_hazard") else inspection.created_by
    pending = inspection.results.filter(
        outcome=Outcome.NONCOMPLIANT, hazard__isnull=True
    ).select_related("item", "criterion")
    count = 0
    for result in pending.order_by("order"):
        description = result.item.content
        if result.note:
            description = f"{description}\n{result.note}"
        hazard_create_from_finding(
            by=actor,
            inspection=inspection,
            item_result=result,
            level=result.hazard_level,
            criterion=result.criterion,
            description=description,
        )
        count += 1
    return count
