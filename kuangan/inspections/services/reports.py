"""The inspection report of an enforcement, supervision or look-back inspection: conclusion,
recommendations, the disposal opinion of each problem, and the record of sending it to the
local government."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import lock, require_perm

from ..choices import Disposal, InspectionStatus, Outcome
from ..models import Inspection, InspectionReport
from .checks import SUBMIT_ROLES, require_not_locked, require_roles, require_visible
from .texts import write_texts

S = InspectionStatus

# A disposal opinion: the disposal, or (disposal, details).
DisposalValue = str | tuple[str, str] | list[str]


def _require_report_author(by: User, inspection: Inspection) -> None:
    require_visible(by, inspection)
    require_perm(by, "inspections.report_inspection", inspection)
    require_roles(by, inspection, SUBMIT_ROLES[inspection.kind], "report_inspection")


def inspection_report_update(
    *,
    by: User,
    inspection: Inspection,
    conclusion: str | None = None,
    recommendations: str | None = None,
    disposals: Mapping[int | str, DisposalValue] | None = None,
) -> InspectionReport:
    """Write the report: the conclusion, the recommendations and the disposal opinion of each
    problem (``disposals``: {item result id: (disposal, details)}). Only before submission."""
    if inspection.is_self:
        raise ValidationError(_("A self-inspection has a self-inspection report instead."))
    _require_report_author(by, inspection)
    with transaction.atomic():
        inspection = lock(inspection)
        require_not_locked(inspection)
        if inspection.status != S.FINISHED:
            raise ValidationError(_("The report is written once the inspection is finished."))
        report: InspectionReport
        report, _created = InspectionReport.objects.select_for_update().get_or_create(
            inspection=inspection
        )
        texts = {"conclusion": conclusion, "recommendations": recommendations}
        changes = write_texts(report, texts)
        problems = {r.pk: r for r in inspection.results.filter(outcome=Outcome.NONCOMPLIANT)}
        for key, value in (disposals or {}).items():
            result = problems.get(int(key))
            if result is None:
                raise ValidationError(
                    {
                        "disposals": _("Item result %(id)s is not a problem of this inspection.")
                        % {"id": key}
                    }
                )
            disposal, note = (value, "") if isinstance(value, str) else tuple(value)
            if disposal and disposal not in Disposal.values:
                raise ValidationError({"disposals": _("Unknown disposal opinion.")})
            if (result.disposal, result.disposal_note) != (disposal, (note or "").strip()):
                changes[f"disposal {result.item.code}"] = [result.disposal, disposal]
                result.disposal = disposal
                result.disposal_note = (note or "").strip()
                result.save()
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=report, changes=changes)
    return report


def inspection_report_send(
    *, by: User, inspection: Inspection, sent_on: dt.date | None, sent_to: str
) -> InspectionReport:
    """Record that the report and the disposal opinions were sent to the local government
    (通报地方政府). Allowed after submission: it records the delivery, not the content."""
    _require_report_author(by, inspection)
    sent_to = (sent_to or "").strip()
    if not sent_to:
        raise ValidationError({"sent_to": _("Name the local government it was sent to.")})
    if sent_on is None or sent_on > timezone.localdate():
        raise ValidationError({"sent_on": _("Give the date it was sent (not in the future).")})
    with transaction.atomic():
        inspection = lock(inspection)
        if inspection.status not in (S.SUBMITTED, S.ACCEPTED):
            raise ValidationError(_("Submit the inspection before sending its report."))
        report: InspectionReport = InspectionReport.objects.select_for_update().get(
            inspection=inspection
        )
        before = audit.snapshot(report, ["sent_on", "sent_to"])
        report.sent_on = sent_on
        report.sent_to = sent_to
        report.sent_by = by
        report.save()
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=report,
            changes=audit.diff(before, audit.snapshot(report, ["sent_on", "sent_to"])),
        )
    return report
