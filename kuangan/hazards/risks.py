"""Workflows of the risk list (风险管控清单): record, change and delete a mine's risk items.

The risk list is the enterprise's own (notice, 企业全面自查自改阶段: “形成问题隐患、风险管控
‘两个清单’”): its principal and safety officers keep it, regulators read it. Each function
checks permission, validates, saves and audits in one transaction; the pages, the API and the
import call these."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.services import ConflictError, ensure_visible, require_perm, save_versioned

from .models import RiskItem

__all__ = ["RISK_FIELDS", "risk_create", "risk_update", "risk_delete", "next_risk_code"]

# Fields a user sets on a risk item (the mine is chosen once, at creation).
RISK_FIELDS = (
    "location",
    "hazard_type",
    "description",
    "level",
    "control_measures",
    "responsible_person",
    "responsible_level",
    "review_on",
)


def next_risk_code(mine, taken: set[str] | None = None) -> str:
    """The next free risk number of ``mine``: ``<mine code>-R<serial>`` (``taken``: numbers
    already given out in the same batch)."""
    prefix = f"{mine.code}-R"
    codes = set(RiskItem.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    codes |= {c for c in (taken or ()) if c.startswith(prefix)}
    serials = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    return f"{prefix}{(max(serials) + 1 if serials else 1):03d}"


def _unknown(fields: dict) -> None:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})


def _changes(before: dict, item: RiskItem) -> dict:
    changes = audit.diff(before, audit.snapshot(item))
    changes.pop("version", None)
    changes.pop("updated_at", None)
    return changes


def risk_create(*, by, mine, code: str | None = None, **fields) -> RiskItem:
    """Add a risk item to ``mine``'s risk list."""
    require_perm(by, "hazards.add_riskitem")
    _unknown(fields)
    from kuangan.registry.models import Mine

    if not Mine.objects.visible_to(by).filter(pk=mine.pk).exists():
        raise ValidationError({"mine": [_("Choose a mine in your area.")]})
    with transaction.atomic():
        item = RiskItem(mine=mine, created_by=by, **fields)
        item.code = code or next_risk_code(mine)
        item.full_clean()
        item.save()
        ensure_visible(by, item)
        audit.record(
            actor=by,
            action=AuditAction.CREATED,
            obj=item,
            changes=audit.diff({}, audit.snapshot(item)),
        )
    return item


def risk_update(*, by, risk: RiskItem, version: int | None = None, **fields) -> RiskItem:
    """Change a risk item; a change made on a stale ``version`` is refused (ConflictError)."""
    require_perm(by, "hazards.change_riskitem", risk)
    _unknown(fields)
    if not RiskItem.objects.visible_to(by).filter(pk=risk.pk).exists():
        raise PermissionDenied(_("The risk item is outside your jurisdiction."))
    with transaction.atomic():
        current = RiskItem.objects.select_for_update().select_related("mine").get(pk=risk.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError()
        before = audit.snapshot(current)
        for key, value in fields.items():
            setattr(current, key, value)
        current.full_clean()
        changed = [key for key in fields if before.get(key) != audit.snapshot(current).get(key)]
        if changed:
            save_versioned(current, expected_version=current.version, fields=changed)
            ensure_visible(by, current)
            audit.record(
                actor=by, action=AuditAction.UPDATED, obj=current, changes=_changes(before, current)
            )
    for f in current._meta.concrete_fields:
        setattr(risk, f.attname, getattr(current, f.attname))
    return risk


def risk_delete(*, by, risk: RiskItem, version: int | None = None) -> None:
    """Remove a risk item from the list (the audit log keeps what it said)."""
    require_perm(by, "hazards.delete_riskitem", risk)
    if not RiskItem.objects.visible_to(by).filter(pk=risk.pk).exists():
        raise PermissionDenied(_("The risk item is outside your jurisdiction."))
    with transaction.atomic():
        current = RiskItem.objects.select_for_update().select_related("mine").get(pk=risk.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError()
        snapshot = audit.snapshot(current)
        region = current.audit_region()
        audit.record(
            actor=by,
            action=AuditAction.DELETED,
            obj=current,
            region=region,
            changes={key: [value, None] for key, value in snapshot.items()},
        )
        current.delete()
