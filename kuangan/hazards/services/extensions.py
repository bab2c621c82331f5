"""Deadline extensions: the enterprise asks for a later deadline, whoever may accept the
hazard decides."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import lock, refuse, require_perm, save_new, transition

from ..choices import ExtensionStatus, HazardStatus
from ..models import Hazard, HazardExtension
from .common import LOCK_RELATED, not_closed, require_rectifier
from .hazards import may_accept


def hazard_request_extension(
    *, by: User, hazard: Hazard, new_deadline: dt.date | None, reason: str
) -> HazardExtension:
    """The enterprise asks for a later deadline, with a reason."""
    require_rectifier(by, hazard, _("The enterprise asks for an extension of its deadline."))
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the extension.")]
    if hazard.deadline is None:
        errors["new_deadline"] = [_("The hazard has no deadline yet; set one instead.")]
    elif new_deadline is None or new_deadline <= hazard.deadline:
        errors["new_deadline"] = [_("The new deadline must be after the current one.")]
    if errors or new_deadline is None:  # a missing deadline is one of the errors
        raise ValidationError(errors)
    with transaction.atomic():
        current = lock(hazard, related=LOCK_RELATED)
        not_closed(current)
        if current.status == HazardStatus.PENDING_ACCEPTANCE:
            raise ValidationError(
                _(
                    "The rectification is reported done and waits for acceptance; "
                    "a later deadline can no longer be asked for."
                )
            )
        if current.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise ValidationError(_("An extension request is already waiting for a decision."))
        ext = HazardExtension(
            hazard=current,
            requested_by=by,
            reason=reason.strip(),
            old_deadline=current.deadline,
            new_deadline=new_deadline,
        )
        save_new(ext, by=by)
    return ext


def may_decide_extension(user: User, extension: HazardExtension) -> str | None:
    """None when ``user`` may decide on ``extension``; otherwise the reason why not."""
    hazard = extension.hazard
    if not user.has_perm("hazards.decide_extension"):
        return _("You may not decide on deadline extensions.")
    if extension.requested_by_id == user.pk:
        return _("You cannot decide on your own request.")
    reason = may_accept(user, hazard)
    if reason and reason != _("The person who reported the rectification cannot also accept it."):
        return reason
    return None


def _undecided(extension: HazardExtension) -> None:
    if extension.status != ExtensionStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))


def hazard_decide_extension(
    *, by: User, extension: HazardExtension, approve: bool, note: str = ""
) -> HazardExtension:
    """Approve (the deadline moves) or refuse a pending extension request."""
    perm = "hazards.decide_extension"
    require_perm(by, perm, extension.hazard)
    why_not = may_decide_extension(by, extension)
    if why_not:
        refuse(by, why_not, obj=extension.hazard, perm=perm)
    if not approve and not (note or "").strip():
        raise ValidationError({"note": [_("Say why the extension is refused.")]})
    decision = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    with transaction.atomic():
        with transition(extension, by=by, to=decision, guard=_undecided) as ext:
            not_closed(lock(ext.hazard))
            ext.decided_by = by
            ext.decided_at = timezone.now()
            ext.decision_note = note
        if approve:
            with transition(
                ext.hazard, by=by, action=AuditAction.UPDATED, related=LOCK_RELATED
            ) as hazard:
                hazard.deadline = ext.new_deadline
    extension.refresh_from_db()
    return extension
