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
from kuangan.core.choices import AuditAction, OrganizationKind
from kuangan.core.credit_code import validate_credit_code
from kuangan.core.models import Organization, User
from kuangan.core.services import (
    ConflictError,
    ensure_visible,
    require_perm,
    save_new,
    save_versioned,
)

from .choices import MineStatus
from .models import HISTORY_FIELDS, Enterprise, Mine, MineHistory, WatchDuty

__all__ = [
    "ConflictError",
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
    "geohazard_exposed",
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
