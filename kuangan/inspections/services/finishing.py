"""Finishing an inspection: every item answered, the findings handed over, the report drafted
from the figures; and back to work before it is signed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User

from ..choices import HazardLevel, Outcome
from ..models import Inspection, InspectionReport, SelfInspectionReport
from .checks import require_conduct, step
from .handoff import inspection_findings_to_hazards


def figures(inspection: Inspection) -> dict[str, Any]:
    """Figures computed from the answers."""
    rows = list(inspection.results.values_list("outcome", "hazard_level", "item__aspect__name"))
    by_outcome = {o: 0 for o in Outcome.values}
    aspects: dict[str, dict] = {}
    for outcome, _level, aspect in rows:
        by_outcome[outcome] += 1
        entry = aspects.setdefault(aspect, {"aspect": aspect, "items": 0, "noncompliant": 0})
        entry["items"] += 1
        if outcome == Outcome.NONCOMPLIANT:
            entry["noncompliant"] += 1
    major = sum(1 for o, lvl, _a in rows if o == Outcome.NONCOMPLIANT and lvl == HazardLevel.MAJOR)
    return {
        "items": len(rows),
        "compliant": by_outcome[Outcome.COMPLIANT],
        "noncompliant": by_outcome[Outcome.NONCOMPLIANT],
        "not_applicable": by_outcome[Outcome.NOT_APPLICABLE],
        "unchecked": by_outcome[Outcome.UNCHECKED],
        "major": major,
        "general": by_outcome[Outcome.NONCOMPLIANT] - major,
        "aspects": list(aspects.values()),
    }


def commitment_text(inspection: Inspection, day: dt.date) -> str:
    """The commitment letter (承诺书) guaranteeing the self-inspection is true. 六(二): “各矿山主要
    负责人组织制定全面自查自改方案……各矿山将经主要负责人审核签字后的自查自改报告，连同保证自查自改
    真实性的承诺书一并报送”: the mine's principal (主要负责人 of the mine, as registered on
    ``day``, the day the report is drafted) is named, and the enterprise's principal beside
    them when the enterprise has another."""
    mine = inspection.mine
    enterprise = mine.enterprise
    mine_principal = (mine.principal or "").strip()
    enterprise_principal = (enterprise.principal or "").strip()
    values = {
        "enterprise": enterprise.name,
        "mine": mine.name,
        "code": mine.code,
        "checklist": inspection.template,
        "mine_principal": mine_principal or "________",
        "date": day.isoformat(),
    }
    letter = (
        _(
            "Commitment letter\n\n"
            "%(mine)s (code %(code)s) of %(enterprise)s solemnly commits that its comprehensive "
            "self-inspection and self-correction was organised by the mine's principal and carried "
            "out item by item against the checklist “%(checklist)s”; that the self-inspection "
            "report, the hazard list and the risk control list are true, accurate and complete; "
            "that no problem found has been concealed; and that every hazard found will be "
            "rectified with responsibility, measures, funds, deadline and contingency plan in "
            "place. The mine and the enterprise bear the legal responsibility for any false "
            "statement.\n\n"
            "Principal of the mine: %(mine_principal)s"
        )
        % values
    )
    if enterprise_principal and enterprise_principal != mine_principal:
        letter += "\n" + _("Principal of the enterprise: %(principal)s") % {
            "principal": enterprise_principal
        }
    return letter + "\n" + _("Date: %(date)s") % values


def _summary_text(f: dict[str, Any]) -> str:
    return _(
        "%(items)d applicable items were checked: %(compliant)d compliant, %(noncompliant)d "
        "non-compliant (%(major)d major hazards, %(general)d general hazards), "
        "%(na)d not applicable."
    ) % {
        "items": f["items"],
        "compliant": f["compliant"],
        "noncompliant": f["noncompliant"],
        "major": f["major"],
        "general": f["general"],
        "na": f["not_applicable"],
    }


def inspection_finish(*, by: User, inspection: Inspection) -> Inspection:
    """Finish: every applicable item must be answered. Hands the findings over to the hazard
    ledger and drafts the report (the self-inspection report with its commitment letter, or
    the inspection report)."""
    require_conduct(by, inspection)
    with transaction.atomic():
        with step(by, inspection, "finish") as inspection:
            missing = list(
                inspection.results.filter(outcome=Outcome.UNCHECKED)
                .order_by("order")
                .values_list("item__code", flat=True)
            )
            if missing:
                shown = "、".join(missing[:10])
                raise ValidationError(
                    _(
                        "%(count)d applicable items are not answered yet (%(items)s). Answer "
                        "every item before finishing."
                    )
                    % {"count": len(missing), "items": shown + ("…" if len(missing) > 10 else "")}
                )
            inspection.finished_at = timezone.now()
        handed = inspection_findings_to_hazards(by=by, inspection=inspection)
        f = figures(inspection)
        if inspection.is_self:
            self_report, _created = SelfInspectionReport.objects.get_or_create(
                inspection=inspection
            )
            self_report.summary = self_report.summary or _summary_text(f)
            self_report.commitment = commitment_text(inspection, timezone.localdate())
            self_report.save()
        else:
            report, _created = InspectionReport.objects.get_or_create(inspection=inspection)
            if not report.conclusion:
                report.conclusion = _summary_text(f)
                report.save()
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=inspection,
            changes={"figures": {k: v for k, v in f.items() if k != "aspects"}, "hazards": handed},
        )
    return inspection


def inspection_reopen(*, by: User, inspection: Inspection) -> Inspection:
    """Back from finished to in progress (before signing and submission)."""
    require_conduct(by, inspection)
    with step(by, inspection, "reopen") as inspection:
        report = SelfInspectionReport.objects.filter(inspection=inspection).first()
        if report is not None and report.is_signed:
            raise ValidationError(
                _("The report is signed; a signed report cannot be reopened. Submit it.")
            )
    return inspection
