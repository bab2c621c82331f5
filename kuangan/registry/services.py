"""Workflows of the mine registry. Views, the API, imports and commands all call these.

Signatures (keyword-only; each checks permission, validates with ``full_clean``, saves, keeps
the mine history, writes one audit event and re-checks scope with ``ensure_visible``, all in
one transaction):

- ``mine_create(*, by, effective_at=None, **fields) -> Mine``
  ``fields`` are Mine field names (``MINE_FIELDS``); ``enterprise`` an Organization of kind
  enterprise, ``region`` a county Region. ``code`` may be given (an import's upsert key);
  otherwise it is generated ("KA" + county code + serial). Needs ``registry.add_mine``.
- ``mine_update(*, by, mine, version=None, effective_at=None, **fields) -> Mine``
  Only the given fields change; ``version`` (optimistic lock) mismatch -> ``ConflictError``.
  Needs ``registry.change_mine``; changing ``regulator_concern`` also
  ``registry.set_regulator_concern``. ``effective_at``: when a change of status or of a rule
  input took effect (default now), kept in ``MineHistory``.
- ``mine_history_record(*, mine, by, changes, at=None) -> MineHistory | None``
  Keep one history row for ``changes`` (``{"field": [old, new]}``, e.g. from
  ``core.audit.diff``); fields that are not rule inputs, region or enterprise are ignored;
  returns None when nothing relevant changed. For bulk imports that save mines themselves
  (call it after the mine is saved, inside the import's transaction).
- ``enterprise_create(*, by, **fields) -> Enterprise`` and
  ``enterprise_update(*, by, enterprise, version=None, **fields) -> Enterprise``
  ``fields`` from ``ENTERPRISE_FIELDS``; ``credit_code`` is validated with
  ``core.credit_code.validate_credit_code`` (normalised to upper case); ``parent`` must be an
  enterprise and not the enterprise itself or one of its subsidiaries. Needs
  ``registry.add_enterprise`` / ``registry.change_enterprise``.
- ``watch_duty_assign(*, by, mine, mode, holder_name, holder_phone, valid_from,
  valid_until=None, note="") -> WatchDuty``, ``watch_duty_update(*, by, duty, version=None,
  **fields)``, ``watch_duty_end(*, by, duty, on)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction, OrganizationKind, Role
from kuangan.core.credit_code import validate_credit_code
from kuangan.core.models import Organization, Region, User
from kuangan.core.ownership import Side, changed, enforce, side_of
from kuangan.core.scope import scope_of
from kuangan.core.services import (
    ConflictError,
    ensure_visible,
    notify,
    refuse,
    require_perm,
    require_visible,
    save_new,
    save_versioned,
    transition,
    users_with_roles_in,
)

from .choices import ChangeRequestStatus, MineStatus
from .models import HISTORY_FIELDS, ChangeRequest, Enterprise, Mine, MineHistory, WatchDuty

__all__ = [
    "ConflictError",
    "change_request_decide",
    "change_request_submit",
    "change_request_withdraw",
    "requestable_fields",
    "ENTERPRISE_FIELDS",
    "MINE_FIELDS",
    "enterprise_create",
    "enterprise_update",
    "mine_create",
    "mine_history_record",
    "mine_update",
    "watch_duty_assign",
    "watch_duty_end",
    "watch_duty_update",
]

MINE_FIELDS = [
    "name",
    "enterprise",
    "region",
    "kind",
    "status",
    "resuming",
    "personnel_on_site",
    "electronic_seal",
    "physically_sealed",
    "slope_height_m",
    "dump_height_m",
    "tailings_grade",
    "head_top",
    "ownerless",
    "reserve_years",
    "conversion",
    "tailings_into_open_pit",
    "gas_class",
    "hydro_class",
    "rockburst",
    "spontaneous_combustion",
    "geohazard_exposed",
    "flood_threat",
    "flood_threat_basis",
    "regulator_concern",
    "design_capacity",
    "mining_licence_no",
    "mining_licence_valid_until",
    "safety_licence_no",
    "safety_licence_valid_until",
    "principal",
    "phone",
    "longitude",
    "latitude",
]

ENTERPRISE_FIELDS = [
    "name",
    "credit_code",
    "parent",
    "region",
    "address",
    "legal_representative",
    "principal",
    "phone",
    "is_active",
]

_HISTORY_KEYS = {f.removesuffix("_id") for f in HISTORY_FIELDS} | set(HISTORY_FIELDS)


def _check_fields(fields: dict[str, Any], allowed: list[str]) -> None:
    unknown = [k for k in fields if k not in allowed]
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})


def _check_move(by: User, obj: Mine | Organization, new_region: Region | None) -> None:
    """Moving an object to another jurisdiction needs a regulator whose area covers both the
    region it leaves and the one it joins (the county cannot hand a mine to another city)."""
    old_region = obj.region
    if new_region is None or old_region is None or new_region.pk == old_region.pk:
        return
    scope = scope_of(by)
    if not (scope.covers(old_region) and scope.covers(new_region)):
        refuse(
            by,
            _("Moving it from %(old)s to %(new)s needs a regulator whose jurisdiction covers both.")
            % {"old": old_region.name, "new": new_region.name},
            obj=obj,
            perm="registry.move_jurisdiction",
        )


def _history_state(mine: Mine) -> dict[str, Any]:
    return audit.snapshot(mine, HISTORY_FIELDS)


def mine_history_record(
    *, mine: Mine, by: User | None, changes: dict[str, Any], at: dt.datetime | None = None
) -> MineHistory | None:
    """Keep a history row for a change of status, rule input, region or enterprise of
    ``mine`` (already saved), with the time it took effect."""
    relevant: dict[str, Any] = {}
    for key, pair in (changes or {}).items():
        if key in _HISTORY_KEYS:
            name = key if key in HISTORY_FIELDS else f"{key}_id"
            relevant[name] = pair
    if not relevant:
        return None
    now = timezone.now()
    at = at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + dt.timedelta(minutes=1):
        raise ValidationError({"effective_at": _("A change cannot take effect in the future.")})
    last = (
        MineHistory.objects.filter(mine=mine)
        .order_by("-effective_at")
        .values_list("effective_at", flat=True)
        .first()
    )
    if last is not None and at < last:
        raise ValidationError(
            {
                "effective_at": _(
                    "A change cannot take effect before the last recorded change of this mine "
                    "(%(date)s)."
                )
                % {"date": timezone.localtime(last).strftime("%Y-%m-%d %H:%M")}
            }
        )
    return MineHistory.objects.create(
        mine=mine,
        effective_at=at,
        recorded_at=now,
        recorded_by=by if by is not None and by.pk else None,
        changes={k: [audit.plain(x) for x in v] for k, v in relevant.items()},
        state=_history_state(mine),
    )


def _check_concern(by: User, mine: Mine, old: bool, new: bool) -> None:
    if bool(old) != bool(new):
        require_perm(by, "registry.set_regulator_concern", mine)


def mine_create(*, by: User, effective_at: dt.datetime | None = None, **fields: Any) -> Mine:
    code = fields.pop("code", None)
    _check_fields(fields, MINE_FIELDS)
    require_perm(by, "registry.add_mine")
    with transaction.atomic():
        mine = Mine(**fields)
        if fields.get("regulator_concern"):
            _check_concern(by, mine, False, True)
        if code:
            code = str(code).strip().upper()
            if Mine.objects.filter(code=code).exists():
                raise ValidationError({"code": _("This mine code is already in use.")})
            mine.code = code
        mine.full_clean(exclude=["code"])
        mine.save()
        after = audit.snapshot(mine)
        mine_history_record(
            mine=mine, by=by, changes=audit.diff({}, _history_state(mine)), at=effective_at
        )
        ensure_visible(by, mine)
        audit.record(actor=by, action=AuditAction.CREATED, obj=mine, changes=audit.diff({}, after))
    return mine


def mine_update(
    *,
    by: User,
    mine: Mine,
    version: int | None = None,
    effective_at: dt.datetime | None = None,
    **fields: Any,
) -> Mine:
    _check_fields(fields, MINE_FIELDS)
    require_perm(by, "registry.change_mine", mine)
    enforce(by, mine, fields)
    if "region" in fields:
        _check_move(by, mine, fields["region"])
    with transaction.atomic():
        before = audit.snapshot(mine)
        old_concern = mine.regulator_concern
        for key, value in fields.items():
            setattr(mine, key, value)
        _check_concern(by, mine, old_concern, mine.regulator_concern)
        mine.full_clean(exclude=["code"])
        changes = audit.diff(before, audit.snapshot(mine))
        if not changes:
            if version is not None and version != mine.version:
                raise ConflictError()
            return mine
        save_versioned(
            mine, expected_version=version, fields=[c.removesuffix("_id") for c in changes]
        )
        mine_history_record(mine=mine, by=by, changes=changes, at=effective_at)
        ensure_visible(by, mine)
        action = AuditAction.STATUS_CHANGED if "status" in changes else AuditAction.UPDATED
        audit.record(actor=by, action=action, obj=mine, changes=changes)
    return mine


# --- Enterprises ----------------------------------------------------------------------------


def _clean_enterprise(enterprise: Enterprise) -> None:
    errors: dict[str, list[str]] = {}
    try:
        enterprise.credit_code = validate_credit_code(enterprise.credit_code)
    except ValidationError as exc:
        errors["credit_code"] = exc.messages
    parent = enterprise.parent
    if parent is not None:
        if parent.kind != OrganizationKind.ENTERPRISE:
            errors["parent"] = [_("The parent company must be a mining enterprise.")]
        elif enterprise.pk and parent.pk in enterprise.descendant_ids(include_self=True):
            errors["parent"] = [
                _("An enterprise cannot be its own parent company or that of its parent.")
            ]
    if enterprise.credit_code and "credit_code" not in errors:
        clash = Organization.objects.filter(credit_code=enterprise.credit_code).exclude(
            pk=enterprise.pk
        )
        if clash.exists():
            errors["credit_code"] = [
                _("Another organisation already has this unified social credit code.")
            ]
    try:
        enterprise.full_clean(exclude=["credit_code"] if "credit_code" in errors else None)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def enterprise_create(*, by: User, **fields: Any) -> Enterprise:
    _check_fields(fields, ENTERPRISE_FIELDS)
    require_perm(by, "registry.add_enterprise")
    with transaction.atomic():
        enterprise = Enterprise(kind=OrganizationKind.ENTERPRISE, **fields)
        _clean_enterprise(enterprise)  # the registry's own checks, with messages of its own
        save_new(enterprise, by=by)
    return enterprise


def enterprise_update(
    *, by: User, enterprise: Organization, version: int | None = None, **fields: Any
) -> Enterprise:
    _check_fields(fields, ENTERPRISE_FIELDS)
    target = (
        enterprise
        if isinstance(enterprise, Enterprise)
        else Enterprise.objects.get(pk=enterprise.pk)
    )
    require_perm(by, "registry.change_enterprise", target)
    enforce(by, target, fields)
    if "region" in fields:
        _check_move(by, target, fields["region"])
    with transaction.atomic():
        before = audit.snapshot(target)
        for key, value in fields.items():
            setattr(target, key, value)
        _clean_enterprise(target)
        changes = audit.diff(before, audit.snapshot(target))
        if not changes:
            if version is not None and version != target.version:
                raise ConflictError()
            return target
        save_versioned(
            target,
            expected_version=version,
            fields=[c.removesuffix("_id") for c in changes],
        )
        ensure_visible(by, target)
        audit.record(actor=by, action=AuditAction.UPDATED, obj=target, changes=changes)
    return target


# --- Watch duty -----------------------------------------------------------------------------

WATCH_FIELDS = ["mode", "holder_name", "holder_phone", "valid_from", "valid_until", "note"]


def watch_duty_assign(
    *,
    by: User,
    mine: Mine,
    mode: str,
    holder_name: str,
    holder_phone: str,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    note: str = "",
) -> WatchDuty:
    """The county bureau names who watches an unmanned long-shutdown mine. A duty already
    running for the mine ends the day before the new one starts."""
    require_perm(by, "registry.add_watchduty", mine)
    valid_from = valid_from or timezone.localdate()
    if mine.status != MineStatus.LONG_SHUTDOWN:
        raise ValidationError(
            {"mine": _("Watch duty is assigned only for a mine in long-term shutdown.")}
        )
    with transaction.atomic():
        running = WatchDuty.objects.filter(mine=mine).current(valid_from)
        for duty in running:
            if duty.valid_from >= valid_from:
                raise ValidationError(
                    {
                        "valid_from": _(
                            "A watch duty from %(date)s already exists for this mine; change "
                            "that one instead."
                        )
                        % {"date": duty.valid_from.isoformat()}
                    }
                )
            watch_duty_end(by=by, duty=duty, on=valid_from - dt.timedelta(days=1))
        duty = WatchDuty(
            mine=mine,
            mode=mode,
            holder_name=(holder_name or "").strip(),
            holder_phone=(holder_phone or "").strip(),
            valid_from=valid_from,
            valid_until=valid_until,
            note=note,
            assigned_by=by,
        )
        save_new(duty, by=by)
    return duty


def watch_duty_update(
    *, by: User, duty: WatchDuty, version: int | None = None, **fields: Any
) -> WatchDuty:
    _check_fields(fields, WATCH_FIELDS)
    require_perm(by, "registry.change_watchduty", duty)
    with transaction.atomic():
        before = audit.snapshot(duty)
        for key, value in fields.items():
            setattr(duty, key, value)
        duty.full_clean()
        changes = audit.diff(before, audit.snapshot(duty))
        if not changes:
            return duty
        save_versioned(duty, expected_version=version, fields=list(fields))
        ensure_visible(by, duty)
        audit.record(actor=by, action=AuditAction.UPDATED, obj=duty, changes=changes)
    return duty


def watch_duty_end(*, by: User, duty: WatchDuty, on: dt.date) -> WatchDuty:
    """End a watch duty on ``on`` (the last day it runs)."""
    if on < duty.valid_from:
        raise ValidationError({"valid_until": _("The end date must not be before the start date.")})
    return watch_duty_update(by=by, duty=duty, valid_until=on)


# --- Requests to change the regulator's facts -----------------------------------------------
#
# ``change_request_submit(*, by, target, reason, **fields) -> ChangeRequest``: an enterprise
# user asks to change facts of its mine or of its enterprise that are the regulator's
# (``Mine.ownership`` / ``Enterprise.ownership``); the new values are validated now, so the
# regulator decides on a valid change. ``change_request_decide(*, by, request, approve, note="",
# version=None)``: a regulator of the region approves (the change is made through
# ``mine_update`` / ``enterprise_update``, audited with before and after; a move to another
# jurisdiction needs a regulator covering both) or rejects it with a reason.
# ``change_request_withdraw(*, by, request, version=None)``: the enterprise takes it back.


def _require_side(
    by: User, obj: Any, *, perm: str, side: Side, outside: str, other_side: str
) -> None:
    """``by`` has ``perm``, sees ``obj`` (else ``outside``) and acts for ``side`` (else
    ``other_side``); each refusal audited."""
    require_perm(by, perm, obj)
    require_visible(by, obj, outside, perm=perm)
    if side_of(by) != side:
        refuse(by, other_side, obj=obj, perm=perm)


def requestable_fields(target: Mine | Enterprise) -> list[str]:
    allowed = MINE_FIELDS if isinstance(target, Mine) else ENTERPRISE_FIELDS
    declared = type(target).ownership
    return [f for f in allowed if declared.owner(target, f) == Side.REGULATOR]


def _stored_value(model: type[Mine] | type[Enterprise], name: str, value: Any) -> Any:
    """A field value back from its JSON-plain form (a related object from its id)."""
    field: Any = model._meta.get_field(name)
    if value is None:
        return None
    if field.is_relation:
        related: Any = field.related_model
        return related._default_manager.get(pk=value)
    return field.to_python(value)


def change_request_submit(
    *, by: User, target: Mine | Organization, reason: str, **fields: Any
) -> ChangeRequest:
    target = target if isinstance(target, Mine) else Enterprise.objects.get(pk=target.pk)
    _require_side(
        by,
        target,
        perm="registry.add_changerequest",
        side=Side.ENTERPRISE,
        outside=_("Choose a mine or enterprise of your own."),
        other_side=_("A regulator changes these facts directly; requests are made by enterprises."),
    )
    allowed = requestable_fields(target)
    wrong = [f for f in fields if f not in allowed]
    if wrong:
        raise ValidationError(
            {f: _("Change this yourself: it is not a fact the regulator decides.") for f in wrong}
        )
    names = changed(target, fields)
    errors: dict[str, Any] = {}
    if not names:
        errors["__all__"] = _("Nothing would change: give at least one new value.")
    if not (reason or "").strip():
        errors["reason"] = _("Say why the registry should change.")
    if errors:
        raise ValidationError(errors)
    # The new values must make a valid record, so that approving them cannot fail later.
    model = type(target)
    probe = model._default_manager.get(pk=target.pk)
    for name in names:
        setattr(probe, name, fields[name])
    if isinstance(probe, Mine):
        probe.full_clean(exclude=["code"])
    else:
        _clean_enterprise(probe)
    enterprise = target.enterprise if isinstance(target, Mine) else target
    request = ChangeRequest(
        enterprise=enterprise,
        mine=target if isinstance(target, Mine) else None,
        region=target.region,
        changes={
            n: [audit.plain(getattr(target, n)), audit.plain(getattr(probe, n))] for n in names
        },
        reason=reason.strip(),
        requested_by=by,
    )
    with transaction.atomic():
        save_new(request, by=by)
        transaction.on_commit(lambda: _notify_deciders(request))
    return request


def _notify_deciders(request: ChangeRequest) -> None:
    regulators = users_with_roles_in(
        request.region, {Role.REGULATOR_INSPECTOR, Role.REGULATOR_LEADER}
    ).filter(organization__kind=OrganizationKind.REGULATOR)
    notify(
        recipients=list(regulators),
        title=_("Registry change requested: %(target)s") % {"target": request.target},
        body=request.reason[:200],
        url=request.get_absolute_url(),
    )


def _pending(request: ChangeRequest) -> None:
    if not request.is_pending:
        raise ValidationError(_("This request has already been decided or withdrawn."))


def change_request_decide(
    *,
    by: User,
    request: ChangeRequest,
    approve: bool,
    note: str = "",
    version: int | None = None,
) -> ChangeRequest:
    _require_side(
        by,
        request,
        perm="registry.decide_changerequest",
        side=Side.REGULATOR,
        outside=_("The request is outside your jurisdiction."),
        other_side=_("A registry change is decided by the regulator."),
    )
    if not approve and not (note or "").strip():
        raise ValidationError({"note": _("Say why the request is rejected.")})
    target = request.target
    model: Any = Mine if isinstance(target, Mine) else Enterprise
    target = model._default_manager.get(pk=target.pk)
    fields = {n: _stored_value(model, n, pair[1]) for n, pair in request.changes.items()}
    if approve:
        if "region" in fields:
            _check_move(by, target, fields["region"])
        moved_on = [
            n for n, pair in request.changes.items() if audit.plain(getattr(target, n)) != pair[0]
        ]
        if moved_on:
            raise ValidationError(
                _(
                    "The registry changed since the request was made (%(fields)s); the "
                    "enterprise should ask again."
                )
                % {
                    "fields": "、".join(
                        str(model._meta.get_field(n).verbose_name) for n in moved_on
                    )
                }
            )
    to = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    with transition(request, by=by, version=version, to=to, guard=_pending) as current:
        current.decided_by = by
        current.decided_at = timezone.now()
        current.decision_note = (note or "").strip()
        if approve:
            if isinstance(target, Mine):
                mine_update(by=by, mine=target, **fields)
            else:
                enterprise_update(by=by, enterprise=target, **fields)
    notify(
        recipients=[request.requested_by],
        title=_("Registry change %(decision)s: %(target)s")
        % {"decision": request.get_status_display(), "target": request.target},
        body=request.decision_note[:200],
        url=request.get_absolute_url(),
    )
    return request


def change_request_withdraw(
    *, by: User, request: ChangeRequest, version: int | None = None
) -> ChangeRequest:
    _require_side(
        by,
        request,
        perm="registry.add_changerequest",
        side=Side.ENTERPRISE,
        outside=_("The request is outside your area."),
        other_side=_("Only the enterprise withdraws its request."),
    )
    with transition(
        request, by=by, version=version, to=ChangeRequestStatus.WITHDRAWN, guard=_pending
    ):
        pass
    return request
