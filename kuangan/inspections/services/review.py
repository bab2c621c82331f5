"""Submission and review: the authors submit (the inspection becomes read-only), the
regulators governing the mine accept it, return it for correction or order it redone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import User
from kuangan.core.services import notify, users_with_roles_in

from ..choices import NOTICE_REDO_REASONS, InspectionKind, RedoReason
from ..models import Inspection, SelfInspectionReport
from .checks import require_review, require_submitter, step
from .creation import copy_team, fill_results, pick_template
from .members import end_expert_accounts
from .self_report import self_report_verify

# What the inspection ordered by a redo keeps of the one it supersedes.
REDO_KEEPS = ("kind", "mine", "campaign", "team", "plan", "subject")


def reviewers_of(inspection: Inspection) -> QuerySet[User]:
    """The regulators notified of a submission: those whose jurisdiction contains the mine
    (the county bureau and the national bureau's enforcement office)."""
    return users_with_roles_in(
        inspection.mine.region, {Role.REGULATOR_INSPECTOR, Role.REGULATOR_LEADER}
    )


def _notify_reviewers(inspection: Inspection) -> None:
    notify(
        recipients=list(reviewers_of(inspection)),
        title=_("%(inspection)s submitted for review") % {"inspection": inspection},
        url=inspection.get_absolute_url(),
    )


def inspection_submit(*, by: User, inspection: Inspection) -> Inspection:
    """Submit to the county bureau and the enforcement office; the inspection becomes
    read-only."""
    require_submitter(by, inspection)
    reviewed = inspection.kind in (InspectionKind.SELF, InspectionKind.GROUP)
    with step(
        by, inspection, "submit", notify=_notify_reviewers if reviewed else None
    ) as inspection:
        if inspection.is_self:
            report = SelfInspectionReport.objects.filter(inspection=inspection).first()
            if report is None or not report.is_signed:
                raise ValidationError(
                    _("The principal must sign the report and the commitment letter first.")
                )
            if not self_report_verify(report).valid:
                raise ValidationError(
                    _("The signed content no longer matches the report; it cannot be submitted.")
                )
        inspection.submitted_at = timezone.now()
        inspection.submitted_by = by
        end_expert_accounts(inspection)
    return inspection


def _notify_enterprise(title: str, body: str) -> Callable[[Inspection], None]:
    """A ``notify`` for ``transition``: tell the enterprise's principal and safety officers
    (``title`` is formatted with the inspection)."""

    def send(inspection: Inspection) -> None:
        recipients = User.objects.filter(
            organization_id=inspection.mine.enterprise_id,
            groups__name__in=[Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER],
            is_active=True,
        ).distinct()
        notify(
            recipients=list(recipients),
            title=title % {"inspection": inspection},
            body=body,
            url=inspection.get_absolute_url(),
        )

    return send


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write the reason; the enterprise will read it.")})
    return reason


@contextmanager
def _decision(
    by: User,
    inspection: Inspection,
    action: str,
    reason: str,
    title: str,
    extra: dict | None = None,
) -> Iterator[Inspection]:
    """The reviewer's decision ``action`` with its written ``reason``, through the one door:
    recorded on the inspection, audited, and told to the enterprise (``title``). The block
    sets what else changes with it."""
    with step(
        by,
        inspection,
        action,
        {"reason": reason, **(extra or {})},
        notify=_notify_enterprise(title, reason),
    ) as current:
        current.reviewed_by = by
        current.reviewed_at = timezone.now()
        current.review_reason = reason
        yield current


def inspection_accept(*, by: User, inspection: Inspection, reason: str = "") -> Inspection:
    require_review(by, inspection)
    reason = (reason or "").strip()
    with _decision(by, inspection, "accept", reason, _("%(inspection)s accepted")) as inspection:
        pass  # nothing else changes with an acceptance
    return inspection


def inspection_return(*, by: User, inspection: Inspection, reason: str) -> Inspection:
    """Send back for correction: the same inspection reopens for its authors."""
    require_review(by, inspection)
    reason = _require_reason(reason)
    title = _("%(inspection)s returned for correction")
    with _decision(by, inspection, "return", reason, title) as inspection:
        # The signature covered the old content: a corrected report is signed again.
        SelfInspectionReport.objects.filter(inspection=inspection).update(
            signed_by=None, signed_at=None, content_hash="", signed_content=None
        )
    return inspection


def inspection_redo(
    *, by: User, inspection: Inspection, reason: str, reasons: Iterable[str] = ()
) -> Inspection:
    """推倒重来: the inspection is superseded by a new one (planned, with the current checklist)
    that keeps a link to the old one. ``reasons`` are the grounds (RedoReason): 六(四) “发现自查
    自改走过场、不认真、重大风险研判不准确、重大事故隐患查不出来、重大问题整改不彻底的，一律推倒
    重来”, so at least one of these five is required (``other`` only adds to them)."""
    require_review(by, inspection)
    reason = _require_reason(reason)
    grounds = list(dict.fromkeys(reasons))
    unknown = [r for r in grounds if r not in RedoReason.values]
    if unknown:
        raise ValidationError({"reasons": _("Unknown redo reason: %(r)s") % {"r": unknown[0]}})
    if not NOTICE_REDO_REASONS & set(grounds):
        raise ValidationError(
            {
                "reasons": _("Tick at least one of the notice's grounds for a redo: %(grounds)s.")
                % {
                    "grounds": "、".join(
                        str(RedoReason(r).label)
                        for r in RedoReason.values
                        if r in NOTICE_REDO_REASONS
                    )
                }
            }
        )
    with transaction.atomic():
        title = _("%(inspection)s must be redone")
        extra = {"reasons": grounds}
        with _decision(by, inspection, "redo", reason, title, extra) as inspection:
            inspection.redo_reasons = grounds
        template = pick_template(inspection.mine) or inspection.template
        kept = {field: getattr(inspection, field) for field in REDO_KEEPS}
        new = Inspection(template=template, supersedes=inspection, created_by=by, **kept)
        new.save()
        count = fill_results(new)
        copy_team(inspection, new)
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=new,
            changes=audit.added({"supersedes": inspection.pk, "item_count": count}),
        )
    return new
