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
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind, RegionLevel, Role
from kuangan.core.services import (
    ConflictError,
    ensure_visible,
    notify,
    require_perm,
    save_versioned,
    users_with_roles_in,
)

from .choices import (
    SELF_SOURCES,
    EvidenceStage,
    ExtensionStatus,
    HazardLevel,
    HazardSource,
    HazardStatus,
)
from .models import FIVE_FIELDS, Hazard, HazardEvidence, HazardExtension, today

__all__ = [
    "ConflictError",
    "hazard_create",
    "hazard_create_from_finding",
    "hazard_update",
    "hazard_start_rectification",
    "hazard_request_acceptance",
    "hazard_accept",
    "hazard_reject",
    "hazard_request_extension",
    "hazard_decide_extension",
    "hazard_add_evidence",
    "hazard_link_self_report",
    "self_report_candidates",
    "hazard_list",
    "hazard_delist",
]

# Fields a user may set when recording or editing a hazard.
EDITABLE_FIELDS = (
    "description",
    "location",
    "level",
    "criterion",
    "checklist_item",
    "source",
    "found_by",
    "found_by_name",
    "found_on",
    "imminent_danger",
    "reckless_operation",
    *FIVE_FIELDS,
    "accountable_persons",
)
# Fields that stay as recorded once the rectification started (only the 五落实 may change).
FROZEN_AFTER_REPORT = ("source", "found_on")

ENTERPRISE_ACCEPT_ROLES = frozenset({Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER})
REGULATOR_ACCEPT_ROLES = frozenset(
    {Role.PROVINCE_ADMIN, Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR}
)
UPWARD_ROLES = frozenset({Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR})


# --- helpers ------------------------------------------------------------------------------


def _org_kind(user) -> str | None:
    org = getattr(user, "organization", None)
    return org.kind if org is not None else None


def _is_enterprise_user(user) -> bool:
    return _org_kind(user) == OrganizationKind.ENTERPRISE


def _is_regulator_user(user) -> bool:
    return _org_kind(user) == OrganizationKind.REGULATOR


def _visible(user, hazard: Hazard) -> bool:
    return Hazard.objects.visible_to(user).filter(pk=hazard.pk).exists()


def _refuse(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def _clean_funds(value):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"funds": [_("Give the funds as an amount in yuan.")]}) from None


def _reload_for_update(hazard: Hazard) -> Hazard:
    """The row as stored now, locked for this transaction where the database can."""
    return (
        Hazard.objects.select_for_update().select_related("mine", "mine__region").get(pk=hazard.pk)
    )


def _check_version(hazard: Hazard, version: int | None) -> None:
    if version is not None and int(version) != hazard.version:
        raise ConflictError()


def _next_code(mine, year: int) -> str:
    prefix = f"{mine.code}-{year}-"
    last = (
        Hazard.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{serial:03d}"


def _check_source(by, source: str) -> None:
    """Enterprises record their own findings; regulators record theirs."""
    if _is_enterprise_user(by):
        allowed = {HazardSource.GROUP} if Role.GROUP_INSPECTOR in by.roles else set()
        if by.roles & ENTERPRISE_ACCEPT_ROLES:
            allowed |= {HazardSource.SELF, HazardSource.OTHER}
        if source not in allowed:
            raise ValidationError(
                {"source": [_("An enterprise records hazards found by its own inspections.")]}
            )
    elif source in SELF_SOURCES:
        raise ValidationError(
            {"source": [_("Self-inspection and group findings are recorded by the enterprise.")]}
        )


def _audit_status(by, hazard: Hazard, before: dict, extra: dict | None = None) -> None:
    changes = audit.diff(before, audit.snapshot(hazard))
    changes.pop("version", None)
    changes.pop("updated_at", None)
    if extra:
        changes.update(extra)
    audit.record(actor=by, action=AuditAction.STATUS_CHANGED, obj=hazard, changes=changes)


# --- create -------------------------------------------------------------------------------


def hazard_create(*, by, mine, **fields) -> Hazard:
    """Record a hazard of ``mine`` (status ``reported``). ``fields`` are those of
    ``EDITABLE_FIELDS``; ``found_on`` defaults to today, ``found_by`` to ``by``. A major
    hazard found by the enterprise is reported upward at once (county and city bureaus)."""
    require_perm(by, "hazards.add_hazard")
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"inspection", "item_result"}
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})
    from kuangan.registry.models import Mine

    if not Mine.objects.visible_to(by).filter(pk=mine.pk).exists():
        raise ValidationError({"mine": [_("Choose a mine in your area.")]})
    fields.setdefault("found_on", today())
    fields.setdefault("source", HazardSource.SELF if _is_enterprise_user(by) else "")
    if "funds" in fields:
        fields["funds"] = _clean_funds(fields["funds"])
    if not fields.get("found_by") and not fields.get("found_by_name"):
        fields["found_by"] = by
    _check_source(by, fields["source"])
    with transaction.atomic():
        hazard = Hazard(mine=mine, created_by=by, **fields)
        hazard.code = _next_code(mine, hazard.found_on.year)
        hazard.full_clean()
        hazard.save()
        ensure_visible(by, hazard)
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=hazard,
            changes=audit.diff({}, audit.snapshot(hazard)),
        )
        if hazard.is_major and hazard.source in SELF_SOURCES:
            _report_upward(by, hazard)
    return hazard


def _report_upward(by, hazard: Hazard) -> int:
    """Notice task 2: “发现重大事故隐患的，要立即按照程序处理，并及时上报。” Notify the county
    and city bureaus governing the mine (in-app, and e-mail where configured)."""
    recipients = users_with_roles_in(hazard.mine.region, set(UPWARD_ROLES)).filter(
        organization__region__level__in=[RegionLevel.COUNTY, RegionLevel.CITY]
    )
    count = notify(
        recipients=list(recipients),
        title=_("Major hazard reported: %(mine)s") % {"mine": hazard.mine.name},
        body=_("%(code)s found on %(date)s: %(description)s")
        % {
            "code": hazard.code,
            "date": hazard.found_on.isoformat(),
            "description": hazard.description[:200],
        },
        url=hazard.get_absolute_url(),
    )
    hazard.reported_upward_at = timezone.now()
    Hazard.objects.filter(pk=hazard.pk).update(reported_upward_at=hazard.reported_upward_at)
    audit.record(
        actor=by,
        action=AuditAction.UPDATED,
        obj=hazard,
        changes={"reported_upward_at": [None, hazard.reported_upward_at], "notified": count},
    )
    return count


SOURCE_OF_INSPECTION = {
    "self": HazardSource.SELF,
    "group": HazardSource.GROUP,
    "enforcement": HazardSource.ENFORCEMENT,
    "supervision": HazardSource.SUPERVISION,
    "lookback": HazardSource.ENFORCEMENT,
}


def _inspection_date(inspection, item_result=None) -> dt.date:
    """The day of a finding: when the item was recorded, else when the inspection started,
    else its planned day."""
    recorded = getattr(item_result, "recorded_at", None)
    if recorded is not None:
        return timezone.localdate(recorded)
    for name in ("started_at", "planned_on"):
        value = getattr(inspection, name, None)
        if isinstance(value, dt.datetime):
            return timezone.localdate(value)
        if isinstance(value, dt.date):
            return value
    return today()


def finding_description(item, note: str = "") -> str:
    """The description prefilled from a checklist item's content and basis (and the
    inspector's note on the finding)."""
    text = (note or "").strip() or item.content.strip()
    if note and note.strip() and item.content.strip() not in text:
        text = f"{item.content.strip()}：{text}"
    if item.basis.strip():
        text += _(" (basis: %(basis)s)") % {"basis": item.basis.strip()}
    return text


def hazard_create_from_finding(
    *, by, inspection, item_result, level: str, criterion=None, description: str | None = None
) -> Hazard:
    """Turn a 不符合 (non-compliant) item of an inspection into a hazard (status ``reported``).

    The mine, source and finding date come from ``inspection``; the checklist item from
    ``item_result.item``; the description (unless given) from the item's content and basis
    and the result's note. For a ``major`` hazard without ``criterion``, the item's only
    applicable criterion is taken when there is exactly one. Validation, permission and audit
    as ``hazard_create``."""
    item = getattr(item_result, "item", None)
    note = getattr(item_result, "note", "") or getattr(item_result, "finding", "") or ""
    found_on = _inspection_date(inspection, item_result)
    criterion = criterion or getattr(item_result, "criterion", None)
    if criterion is None and level == HazardLevel.MAJOR and item is not None:
        candidates = [
            c
            for c in item.criteria.select_related("standard")
            if c.standard.is_in_force(found_on)
            and (not c.mine_kinds or inspection.mine.kind in c.mine_kinds)
        ]
        if len(candidates) == 1:
            criterion = candidates[0]
    fields = {
        "description": description or (finding_description(item, note) if item else note),
        "level": level,
        "criterion": criterion,
        "checklist_item": item,
        "source": SOURCE_OF_INSPECTION.get(str(inspection.kind), HazardSource.OTHER),
        "found_on": found_on,
        "location": getattr(item_result, "location", "") or "",
        "inspection": inspection,
        "item_result": item_result,
    }
    return hazard_create(by=by, mine=inspection.mine, **fields)


# --- edit ---------------------------------------------------------------------------------


def hazard_update(*, by, hazard: Hazard, version: int | None = None, **fields) -> Hazard:
    """Change the recorded data or the 五落实 of an open hazard. A closed hazard is
    read-only; a change on a stale ``version`` is refused (ConflictError)."""
    require_perm(by, "hazards.change_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({key: [_("This field cannot be changed here.")] for key in unknown})
    if "funds" in fields:
        fields["funds"] = _clean_funds(fields["funds"])
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        if current.is_closed:
            raise ValidationError(_("A closed hazard is read-only."))
        if current.status != HazardStatus.REPORTED:
            frozen = [
                f for f in FROZEN_AFTER_REPORT if f in fields and fields[f] != getattr(current, f)
            ]
            if frozen:
                raise ValidationError(
                    {f: [_("This cannot change once the rectification started.")] for f in frozen}
                )
        if "source" in fields and fields["source"] != current.source:
            _check_source(by, fields["source"])
        before = audit.snapshot(current)
        for key, value in fields.items():
            setattr(current, key, value)
        current.full_clean()
        if current.status in (HazardStatus.RECTIFYING, HazardStatus.PENDING_ACCEPTANCE):
            missing = current.missing_five()
            if missing:
                raise ValidationError(
                    {f: [_("Required while the hazard is being rectified.")] for f in missing}
                )
        save_versioned(current, expected_version=current.version, fields=list(fields))
        ensure_visible(by, current)
        changes = audit.diff(before, audit.snapshot(current))
        changes.pop("version", None)
        changes.pop("updated_at", None)
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=current, changes=changes)
        became_major = (
            before["level"] != HazardLevel.MAJOR
            and current.is_major
            and current.source in SELF_SOURCES
            and current.reported_upward_at is None
        )
        if became_major:
            _report_upward(by, current)
    _copy(current, hazard)
    return hazard


def _copy(source: Hazard, target: Hazard) -> None:
    if source is not target:
        for f in source._meta.concrete_fields:
            setattr(target, f.attname, getattr(source, f.attname))
        target._state.fields_cache = {}


# --- transitions --------------------------------------------------------------------------


def _transition_guard(hazard: Hazard, to: str) -> None:
    if hazard.is_closed:
        raise ValidationError(_("A closed hazard is read-only."))
    if not hazard.can_transition(to):
        raise ValidationError(
            _("A hazard that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": hazard.get_status_display(), "to": HazardStatus(to).label}
        )


def hazard_start_rectification(*, by, hazard: Hazard, version: int | None = None, **five) -> Hazard:
    """reported / reopened → rectifying. The 五落实 (given here or filled in before) must be
    complete: all five for a major hazard; person, measures and deadline for a general one."""
    require_perm(by, "hazards.rectify_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    if not _is_enterprise_user(by):
        raise _refuse(_("The enterprise rectifies its hazards."))
    unknown = set(five) - set(FIVE_FIELDS)
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})
    if "funds" in five:
        five["funds"] = _clean_funds(five["funds"])
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        _transition_guard(current, HazardStatus.RECTIFYING)
        before = audit.snapshot(current)
        for key, value in five.items():
            setattr(current, key, value)
        missing = current.missing_five()
        if missing:
            raise ValidationError(
                {
                    f: [
                        _("Required before a major hazard can be rectified (五落实).")
                        if current.is_major
                        else _("Required before rectification starts.")
                    ]
                    for f in missing
                }
            )
        if (
            current.deadline
            and current.deadline < today()
            and current.status == HazardStatus.REPORTED
        ):
            raise ValidationError({"deadline": [_("The deadline has already passed.")]})
        current.full_clean()
        current.status = HazardStatus.RECTIFYING
        save_versioned(current, expected_version=current.version, fields=[*five, "status"])
        ensure_visible(by, current)
        _audit_status(by, current, before)
    _copy(current, hazard)
    return hazard


def hazard_request_acceptance(
    *, by, hazard: Hazard, note: str = "", version: int | None = None
) -> Hazard:
    """rectifying → pending_acceptance: the enterprise reports the rectification done. A major
    hazard needs before and after evidence first."""
    require_perm(by, "hazards.rectify_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    if not _is_enterprise_user(by):
        raise _refuse(_("The enterprise rectifies its hazards."))
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        _transition_guard(current, HazardStatus.PENDING_ACCEPTANCE)
        if current.is_major:
            _require_evidence(current)
        before = audit.snapshot(current)
        current.status = HazardStatus.PENDING_ACCEPTANCE
        current.rectified_by = by
        current.rectified_at = timezone.now()
        current.rectification_note = note
        save_versioned(
            current,
            expected_version=current.version,
            fields=["status", "rectified_by", "rectified_at", "rectification_note"],
        )
        ensure_visible(by, current)
        _audit_status(by, current, before)
        transaction.on_commit(lambda: _notify_acceptors(current))
    _copy(current, hazard)
    return hazard


def _notify_acceptors(hazard: Hazard) -> None:
    if hazard.is_major:
        recipients = users_with_roles_in(hazard.mine.region, {Role.REGULATOR_INSPECTOR})
        recipients = recipients.filter(organization__region__level=RegionLevel.COUNTY)
    else:
        from kuangan.core.models import User

        recipients = User.objects.filter(
            organization=hazard.mine.enterprise,
            groups__name__in=list(ENTERPRISE_ACCEPT_ROLES),
            is_active=True,
        ).exclude(pk=hazard.rectified_by_id)
    notify(
        recipients=list(recipients.distinct()),
        title=_("Hazard awaiting acceptance: %(code)s") % {"code": hazard.code},
        body=hazard.description[:200],
        url=hazard.get_absolute_url(),
    )


def _require_evidence(hazard: Hazard) -> None:
    stages = set(hazard.evidence.values_list("stage", flat=True))
    missing = [s for s in (EvidenceStage.BEFORE, EvidenceStage.AFTER) if s not in stages]
    if missing:
        raise ValidationError(
            {
                "evidence": [
                    _(
                        "A major hazard needs evidence before and after rectification; missing: %(stages)s."
                    )
                    % {"stages": "、".join(str(EvidenceStage(s).label) for s in missing)}
                ]
            }
        )


def may_accept(user, hazard: Hazard) -> str | None:
    """None when ``user`` may accept (销号) ``hazard``; otherwise the reason why not."""
    if not _visible(user, hazard):
        return _("The hazard is outside your jurisdiction.")
    if hazard.is_major:
        listing_body = (
            hazard.listing_body_id
            and getattr(user, "organization_id", None) == hazard.listing_body_id
        )
        if not user.has_perm("hazards.accept_major_hazard") or not (
            _is_regulator_user(user) or listing_body
        ):
            return _("A major hazard is accepted by the county bureau or the body that listed it.")
        return None
    if not user.has_perm("hazards.accept_general_hazard") or not (
        _is_enterprise_user(user) and user.roles & ENTERPRISE_ACCEPT_ROLES
    ):
        return _("A general hazard is accepted by the enterprise principal or safety officer.")
    if hazard.rectified_by_id is not None and hazard.rectified_by_id == user.pk:
        return _("The person who reported the rectification cannot also accept it.")
    return None


def hazard_accept(*, by, hazard: Hazard, note: str = "", version: int | None = None) -> Hazard:
    """pending_acceptance → closed (销号). See ``may_accept`` for who."""
    perm = "hazards.accept_major_hazard" if hazard.is_major else "hazards.accept_general_hazard"
    require_perm(by, perm, hazard)
    reason = may_accept(by, hazard)
    if reason:
        raise _refuse(reason)
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        _transition_guard(current, HazardStatus.CLOSED)
        if current.is_major:
            _require_evidence(current)
        before = audit.snapshot(current)
        current.status = HazardStatus.CLOSED
        current.accepted_by = by
        current.closed_at = timezone.now()
        current.acceptance_note = note
        save_versioned(
            current,
            expected_version=current.version,
            fields=["status", "accepted_by", "closed_at", "acceptance_note"],
        )
        ensure_visible(by, current)
        _audit_status(by, current, before)
    _copy(current, hazard)
    return hazard


def hazard_reject(*, by, hazard: Hazard, reason: str, version: int | None = None) -> Hazard:
    """pending_acceptance → reopened: acceptance failed; the enterprise rectifies again."""
    perm = "hazards.accept_major_hazard" if hazard.is_major else "hazards.accept_general_hazard"
    require_perm(by, perm, hazard)
    why_not = may_accept(by, hazard)
    if why_not:
        raise _refuse(why_not)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the rectification is not accepted.")]})
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        _transition_guard(current, HazardStatus.REOPENED)
        before = audit.snapshot(current)
        current.status = HazardStatus.REOPENED
        current.acceptance_note = reason
        current.reopen_count += 1
        save_versioned(
            current,
            expected_version=current.version,
            fields=["status", "acceptance_note", "reopen_count"],
        )
        ensure_visible(by, current)
        _audit_status(by, current, before)
    _copy(current, hazard)
    return hazard


# --- deadline extensions -----------------------------------------------------------------


def hazard_request_extension(
    *, by, hazard: Hazard, new_deadline: dt.date, reason: str
) -> HazardExtension:
    """The enterprise asks for a later deadline, with a reason."""
    require_perm(by, "hazards.rectify_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    if not _is_enterprise_user(by):
        raise _refuse(_("The enterprise asks for an extension of its deadline."))
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the extension.")]
    if hazard.deadline is None:
        errors["new_deadline"] = [_("The hazard has no deadline yet; set one instead.")]
    elif new_deadline is None or new_deadline <= hazard.deadline:
        errors["new_deadline"] = [_("The new deadline must be after the current one.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _reload_for_update(hazard)
        if current.is_closed:
            raise ValidationError(_("A closed hazard is read-only."))
        if current.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise ValidationError(_("An extension request is already waiting for a decision."))
        ext = HazardExtension.objects.create(
            hazard=current,
            requested_by=by,
            reason=reason.strip(),
            old_deadline=current.deadline,
            new_deadline=new_deadline,
        )
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=ext,
            changes=audit.diff({}, audit.snapshot(ext)),
        )
    return ext


def may_decide_extension(user, extension: HazardExtension) -> str | None:
    hazard = extension.hazard
    if not user.has_perm("hazards.decide_extension"):
        return _("You may not decide on deadline extensions.")
    if extension.requested_by_id == user.pk:
        return _("You cannot decide on your own request.")
    reason = may_accept(user, hazard)
    if reason and reason != _("The person who reported the rectification cannot also accept it."):
        return reason
    return None


def hazard_decide_extension(
    *, by, extension: HazardExtension, approve: bool, note: str = ""
) -> HazardExtension:
    """Approve (the deadline moves) or refuse a pending extension request."""
    require_perm(by, "hazards.decide_extension", extension.hazard)
    why_not = may_decide_extension(by, extension)
    if why_not:
        raise _refuse(why_not)
    if not approve and not (note or "").strip():
        raise ValidationError({"note": [_("Say why the extension is refused.")]})
    with transaction.atomic():
        ext = HazardExtension.objects.select_for_update().get(pk=extension.pk)
        if ext.status != ExtensionStatus.PENDING:
            raise ValidationError(_("This request has already been decided."))
        hazard = _reload_for_update(ext.hazard)
        if hazard.is_closed:
            raise ValidationError(_("A closed hazard is read-only."))
        before_ext = audit.snapshot(ext)
        ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
        ext.decided_by = by
        ext.decided_at = timezone.now()
        ext.decision_note = note
        ext.save()
        audit.record(
            actor=by,
            action=AuditAction.STATUS_CHANGED,
            obj=ext,
            changes=audit.diff(before_ext, audit.snapshot(ext)),
        )
        if approve:
            before = audit.snapshot(hazard)
            hazard.deadline = ext.new_deadline
            save_versioned(hazard, expected_version=hazard.version, fields=["deadline"])
            changes = audit.diff(before, audit.snapshot(hazard))
            changes.pop("version", None)
            changes.pop("updated_at", None)
            audit.record(actor=by, action=AuditAction.UPDATED, obj=hazard, changes=changes)
    extension.refresh_from_db()
    return extension


# --- evidence -----------------------------------------------------------------------------


def hazard_add_evidence(*, by, hazard: Hazard, uploaded_file, stage: str) -> HazardEvidence:
    """Attach a photo or document showing the hazard before or after rectification."""
    from kuangan.core.files import attachment_add

    require_perm(by, "hazards.change_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    if stage not in EvidenceStage.values:
        raise ValidationError({"stage": [_("Choose before or after rectification.")]})
    if hazard.is_closed:
        raise ValidationError(_("A closed hazard is read-only."))
    with transaction.atomic():
        attachment = attachment_add(
            by=by,
            target=hazard,
            uploaded_file=uploaded_file,
            description=str(EvidenceStage(stage).label),
        )
        evidence = HazardEvidence.objects.create(hazard=hazard, attachment=attachment, stage=stage)
        audit.record(
            actor=by,
            action=AuditAction.UPDATED,
            obj=hazard,
            changes={"evidence": [None, f"{stage}: {attachment.original_name}"]},
        )
    return evidence


# --- penalty guidance: the enterprise's own record -----------------------------------------


def _inspection_day(hazard: Hazard) -> dt.date:
    """The day of the regulator's finding (the inspection's day of the finding)."""
    return hazard.found_on


def self_report_candidates(hazard: Hazard):
    """Hazards the enterprise recorded itself (source self or group) of the same mine, found
    on or before the inspection date; those with the same criterion or checklist item first."""
    from django.db.models import Case, IntegerField, Q, Value, When

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
    return qs.annotate(
        matches=Case(When(same, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).order_by("-matches", "-found_on", "-pk")


def hazard_link_self_report(
    *, by, hazard: Hazard, self_reported: Hazard | None, version: int | None = None
) -> Hazard:
    """Link an enforcement- or supervision-found hazard to the enterprise's own earlier record
    of the same problem (or unlink it with ``None``): this decides the penalty guidance."""
    require_perm(by, "hazards.link_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    if not _is_regulator_user(by):
        raise _refuse(_("The inspector links the enterprise's own record."))
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
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        before = audit.snapshot(current)
        current.self_reported_hazard = self_reported
        save_versioned(current, expected_version=current.version, fields=["self_reported_hazard"])
        ensure_visible(by, current)
        changes = audit.diff(before, audit.snapshot(current))
        changes.pop("version", None)
        changes.pop("updated_at", None)
        changes["penalty_guidance"] = [None, current.penalty_guidance]
        audit.record(actor=by, action=AuditAction.UPDATED, obj=current, changes=changes)
    _copy(current, hazard)
    return hazard


# --- listed supervision (挂牌督办) -----------------------------------------------------------


def hazard_list(
    *,
    by,
    hazard: Hazard,
    listing_no: str,
    listed_on: dt.date | None = None,
    listing_due: dt.date,
    version: int | None = None,
) -> Hazard:
    """Notice 七(三): “重大事故隐患由省应急管理厅挂牌督办”. A province (or city) regulator lists a
    major hazard for supervision; the listing body is the user's organisation."""
    require_perm(by, "hazards.list_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    org = by.organization
    if not _is_regulator_user(by) or org.region.level not in (
        RegionLevel.PROVINCE,
        RegionLevel.CITY,
    ):
        raise _refuse(_("Hazards are listed for supervision by the province or a city bureau."))
    listed_on = listed_on or today()
    errors = {}
    if not hazard.is_major:
        errors["level"] = [_("Only a major hazard can be listed for supervision.")]
    if not (listing_no or "").strip():
        errors["listing_no"] = [_("Give the listing number.")]
    if listing_due is None or listing_due < listed_on:
        errors["listing_due"] = [
            _("The required completion date must be on or after the listing date.")
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        if current.is_closed:
            raise ValidationError(_("A closed hazard is read-only."))
        if current.is_listed:
            raise ValidationError(_("The hazard is already listed for supervision."))
        before = audit.snapshot(current)
        current.listing_no = listing_no.strip()
        current.listing_body = org
        current.listed_on = listed_on
        current.listing_due = listing_due
        current.delisted_on = None
        current.delisted_by = None
        save_versioned(
            current,
            expected_version=current.version,
            fields=[
                "listing_no",
                "listing_body",
                "listed_on",
                "listing_due",
                "delisted_on",
                "delisted_by",
            ],
        )
        _audit_status(by, current, before)
    _copy(current, hazard)
    return hazard


def hazard_delist(*, by, hazard: Hazard, version: int | None = None) -> Hazard:
    """Delisting (摘牌): only by the listing body, and only after the hazard was closed."""
    require_perm(by, "hazards.list_hazard", hazard)
    if not _visible(by, hazard):
        raise PermissionDenied(_("The hazard is outside your jurisdiction."))
    if not hazard.is_listed:
        raise ValidationError(_("The hazard is not listed for supervision."))
    if by.organization_id != hazard.listing_body_id:
        raise _refuse(_("Only the body that listed the hazard can delist it."))
    with transaction.atomic():
        current = _reload_for_update(hazard)
        _check_version(current, version)
        if not current.is_closed:
            raise ValidationError(_("A listed hazard can be delisted only after it was closed."))
        before = audit.snapshot(current)
        current.delisted_on = today()
        current.delisted_by = by
        # Writing to a closed hazard: only the delisting fields, through the versioned save.
        save_versioned(
            current, expected_version=current.version, fields=["delisted_on", "delisted_by"]
        )
        _audit_status(by, current, before)
    _copy(current, hazard)
    return hazard
