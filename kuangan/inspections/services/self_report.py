"""The self-inspection report and its signature: the principal signs the report and the
commitment letter; the SHA-256 of the canonical content shows whether anything changed since."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import lock, require_perm

from ..choices import InspectionStatus
from ..models import Inspection, SelfInspectionReport
from .checks import (
    SIGN_ROLES,
    require_not_locked,
    require_roles,
    require_submitter,
    require_visible,
    step,
)
from .finishing import figures
from .texts import write_texts


def canonical_content(report: SelfInspectionReport) -> dict[str, Any]:
    """Everything the principal signs, as plain data: the report's texts, the figures and
    every answer."""
    inspection = report.inspection
    mine = inspection.mine
    results = [
        [
            r.item.code,
            r.outcome,
            r.reason,
            r.note,
            r.hazard_level,
            r.criterion.code if r.criterion_id else "",
        ]
        for r in inspection.results.select_related("item", "criterion").order_by("order")
    ]
    f = figures(inspection)
    return {
        "inspection": inspection.pk,
        "kind": inspection.kind,
        "mine": {"code": mine.code, "name": mine.name},
        "enterprise": mine.enterprise.name,
        "checklist": {"code": inspection.template.code, "version": inspection.template.version},
        "started_at": inspection.started_at.isoformat() if inspection.started_at else None,
        "finished_at": inspection.finished_at.isoformat() if inspection.finished_at else None,
        "summary": report.summary,
        "rectification": report.rectification,
        "commitment": report.commitment,
        "figures": f,
        "results": results,
    }


def content_hash(content: object) -> str:
    """The SHA-256 of ``content`` as canonical JSON."""
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class Verification:
    signed: bool
    valid: bool
    stored_hash: str
    current_hash: str


def self_report_verify(report: SelfInspectionReport) -> Verification:
    """Whether the signed content still matches the report and the answers as they are now."""
    if not report.is_signed:
        return Verification(False, False, "", content_hash(canonical_content(report)))
    current = content_hash(canonical_content(report))
    valid = current == report.content_hash and content_hash(report.signed_content) == current
    return Verification(True, valid, report.content_hash, current)


def self_report_update(
    *,
    by: User,
    report: SelfInspectionReport,
    summary: str | None = None,
    rectification: str | None = None,
) -> SelfInspectionReport:
    inspection = report.inspection
    require_submitter(by, inspection)
    with transaction.atomic():
        inspection = lock(inspection)
        require_not_locked(inspection)
        report = SelfInspectionReport.objects.select_for_update().get(pk=report.pk)
        if report.is_signed:
            raise ValidationError(_("The report is signed; its content can no longer change."))
        if inspection.status != InspectionStatus.FINISHED:
            raise ValidationError(_("The report can be written once the inspection is finished."))
        changes = write_texts(report, {"summary": summary, "rectification": rectification})
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=report, changes=changes)
    return report


def self_report_sign(*, by: User, inspection: Inspection, password: str) -> SelfInspectionReport:
    """The principal signs the report and the commitment letter by entering the password
    again. Stores the signer, the time and the SHA-256 of the canonical content."""
    require_visible(by, inspection)
    require_perm(by, "inspections.sign_inspection", inspection)
    require_roles(by, inspection, SIGN_ROLES, "sign_inspection")
    if not inspection.is_self:
        raise ValidationError(_("Only a self-inspection report is signed."))
    if not password or not by.check_password(password):
        audit.record(
            actor=by,
            action=AuditAction.PERMISSION_DENIED,
            obj=inspection,
            success=False,
            changes={"signature": "wrong password"},
        )
        raise ValidationError({"password": _("The password is wrong; the report is not signed.")})
    signed_hash = ""

    def signed(before: dict, current: Inspection) -> dict:
        return {"signed": [None, signed_hash], "transition": "sign"}

    # Signing changes the report, not the inspection (its status stays “finished”).
    with step(by, inspection, "sign", changes=signed, save=False) as inspection:
        report: SelfInspectionReport = SelfInspectionReport.objects.select_for_update().get(
            inspection=inspection
        )
        if report.is_signed:
            raise ValidationError(_("The report is already signed."))
        content = canonical_content(report)
        report.signed_content = content
        report.content_hash = signed_hash = content_hash(content)
        report.signed_by = by
        report.signed_at = timezone.now()
        report.save()
    return report
