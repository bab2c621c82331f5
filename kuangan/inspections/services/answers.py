"""Conducting an inspection: starting it, the answer to each item (one at a time, or many at
once from the offline checklist), and the files of the answers and of the inspection."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.checklists.models import MajorHazardCriterion
from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.files import attachment_add
from kuangan.core.models import Attachment, User
from kuangan.core.services import lock, refuse

from ..choices import HazardLevel, Outcome
from ..models import Inspection, ItemResult, ReadOnlyError
from .checks import (
    CONDUCT_ROLES,
    PLAN_ROLES,
    is_expert_of,
    require_conduct,
    require_editable,
    require_visible,
    step,
)


def inspection_start(*, by: User, inspection: Inspection) -> Inspection:
    require_conduct(by, inspection)
    with step(by, inspection, "start") as inspection:
        if inspection.started_at is None:
            inspection.started_at = timezone.now()
    return inspection


@dataclass
class Answer:
    outcome: str
    reason: str = ""
    note: str = ""
    hazard_level: str = ""
    criterion: MajorHazardCriterion | str | None = None  # the criterion or its code


def _criterion(value: MajorHazardCriterion | str | None) -> MajorHazardCriterion | None:
    if value in (None, ""):
        return None
    if isinstance(value, MajorHazardCriterion):
        return value
    found: MajorHazardCriterion | None = MajorHazardCriterion.objects.filter(
        code=str(value).strip()
    ).first()
    if found is None:
        raise ValidationError(
            {"criterion": _("Unknown major-hazard criterion “%(code)s”.") % {"code": value}}
        )
    return found


def _answer_of(result: ItemResult) -> dict[str, str | None]:
    """What the audit records of an answer."""
    return {
        "outcome": result.outcome,
        "reason": result.reason,
        "note": result.note,
        "hazard_level": result.hazard_level,
        "criterion": result.criterion.code if result.criterion is not None else None,
    }


def _apply(result: ItemResult, answer: Answer, by: User, now: dt.datetime) -> dict:
    """Set the answer on ``result`` (not saved); returns the audit changes."""
    if answer.outcome not in Outcome.values:
        raise ValidationError(
            {"outcome": _("Choose 符合, 不符合, 不适用 or 未检查 as the outcome.")}
        )
    before = _answer_of(result)
    result.outcome = answer.outcome
    result.reason = (
        (answer.reason or "").strip() if answer.outcome == Outcome.NOT_APPLICABLE else ""
    )
    result.note = (answer.note or "").strip()
    if answer.outcome == Outcome.NONCOMPLIANT:
        criterion = _criterion(answer.criterion)
        level = answer.hazard_level or ""
        if not level:
            # Prefill: a major hazard with the criterion when the item is linked to one.
            linked = list(result.item.criteria.all()[:1])
            if criterion is None and linked:
                criterion = linked[0]
            level = HazardLevel.MAJOR if criterion is not None else HazardLevel.GENERAL
        if level not in HazardLevel.values:
            raise ValidationError({"hazard_level": _("Choose a general or a major hazard.")})
        result.hazard_level = level
        result.criterion = criterion if level == HazardLevel.MAJOR else None
    else:
        result.hazard_level = ""
        result.criterion = None
        result.disposal = ""
        result.disposal_note = ""
    result.recorded_by = by
    result.recorded_at = now
    result.full_clean(exclude=["inspection", "item", "recorded_by"])
    return audit.diff(before, _answer_of(result))


def item_result_record(*, by: User, result: ItemResult, **answer: Any) -> ItemResult:
    """Record the answer to one item (saved as it is given)."""
    inspection = result.inspection
    require_conduct(by, inspection)
    with transaction.atomic():
        inspection = lock(inspection)
        require_editable(inspection)
        result = ItemResult.objects.select_for_update().get(pk=result.pk)
        changes = _apply(result, Answer(**answer), by, timezone.now())
        result.save()
        if changes:
            changes["item"] = result.item.code
            audit.record(actor=by, action=AuditAction.UPDATED, obj=inspection, changes=changes)
    return result


def _row_errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
    return list(exc.messages)


def items_record_bulk(*, by: User, inspection: Inspection, answers: list[dict[str, Any]]) -> int:
    """Record many answers at once, all or nothing: ``answers`` is a list of dicts with
    ``item`` (the item's number) and the answer's fields. Errors name the row."""
    require_conduct(by, inspection)
    if not isinstance(answers, list) or not answers:
        raise ValidationError({"answers": _("Send a non-empty list of answers.")})
    with transaction.atomic():
        inspection = lock(inspection)
        require_editable(inspection)
        by_code = {
            r.item.code: r
            for r in inspection.results.select_related("item").prefetch_related("item__criteria")
        }
        now = timezone.now()
        errors: dict[str, list[str]] = {}
        seen: set[str] = set()
        changed: list[tuple[ItemResult, dict]] = []
        for n, row in enumerate(answers, start=1):
            if not isinstance(row, dict):
                errors[f"row {n}"] = [_("Each answer must be an object.")]
                continue
            code = str(row.get("item", "")).strip()
            result = by_code.get(code)
            if result is None:
                errors[f"row {n}"] = [
                    _("Item “%(code)s” is not in this inspection's checklist.") % {"code": code}
                ]
                continue
            if code in seen:
                errors[f"row {n}"] = [_("Item “%(code)s” is answered twice.") % {"code": code}]
                continue
            seen.add(code)
            fields = {k: row[k] for k in Answer.__dataclass_fields__ if k in row}
            try:
                if "outcome" not in fields:
                    raise ValidationError({"outcome": _("The outcome is missing.")})
                diff = _apply(result, Answer(**fields), by, now)
            except ValidationError as exc:
                errors[f"row {n} ({code})"] = _row_errors(exc)
                continue
            if diff:
                changed.append((result, diff))
        if errors:
            raise ValidationError(errors)
        for result, _diff in changed:
            result.save()
        audit.record(
            actor=by,
            action=AuditAction.IMPORTED,
            obj=inspection,
            changes={
                "answers": [None, len(changed)],
                "item_codes": sorted(r.item.code for r, _d in changed)[:200],
            },
        )
    return len(changed)


def result_attach(
    *, by: User, result: ItemResult, uploaded_file: UploadedFile, description: str = ""
) -> Attachment:
    """Attach a photo or a file to an item's answer (the photo's time and GPS are kept)."""
    inspection = Inspection._base_manager.get(pk=result.inspection_id)
    require_conduct(by, inspection)
    if not inspection.is_editable:
        if inspection.is_locked:
            raise ReadOnlyError()
        raise ValidationError(_("Files can be attached only while the inspection is in progress."))
    return attachment_add(
        by=by, target=result, uploaded_file=uploaded_file, description=description
    )


def may_attach_document(actor: User, inspection: Inspection) -> bool:
    """Plan documents and other files of the inspection: its planners and authors, until it
    is submitted."""
    if inspection.is_locked or not actor.is_authenticated:
        return False
    if is_expert_of(actor, inspection):
        return True
    roles = set(actor.roles)
    return actor.has_perm("inspections.conduct_inspection") and bool(
        roles & (CONDUCT_ROLES[inspection.kind] | PLAN_ROLES[inspection.kind])
    )


def inspection_attach(
    *, by: User, inspection: Inspection, uploaded_file: UploadedFile, description: str = ""
) -> Attachment:
    """Attach a plan document or another file to the inspection itself (not after
    submission)."""
    require_visible(by, inspection)
    inspection = Inspection._base_manager.get(pk=inspection.pk)
    if inspection.is_locked:
        raise ReadOnlyError()
    if not may_attach_document(by, inspection):
        refuse(
            by,
            _("You may not add files to this inspection."),
            obj=inspection,
            perm="conduct_inspection",
        )
    return attachment_add(
        by=by, target=inspection, uploaded_file=uploaded_file, description=description
    )
