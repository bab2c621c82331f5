"""Workflows of the risk list (风险管控清单): record, change and delete a mine's risk items.

The risk list is the enterprise's own (notice, 企业全面自查自改阶段: “形成问题隐患、风险管控
‘两个清单’”): its principal and safety officers keep it, regulators read it. Each function
checks permission, validates, saves and audits in one transaction; the pages, the API and the
import call these."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import lock, require_perm, require_visible, save_new, transition
from kuangan.registry.models import Mine

from ..models import RiskItem
from .common import require_mine_in_area

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


def next_risk_code(mine: Mine, taken: set[str] | None = None) -> str:
    """The next free risk number of ``mine``: ``<mine code>-R<serial>`` (``taken``: numbers
    already given out in the same batch)."""
    prefix = f"{mine.code}-R"
    codes = set(RiskItem.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    codes |= {c for c in (taken or ()) if c.startswith(prefix)}
    serials = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    return f"{prefix}{(max(serials) + 1 if serials else 1):03d}"


def _unknown(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(RISK_FIELDS)
    if unknown:
        raise ValidationError({key: [_("This field cannot be set here.")] for key in unknown})


def _require_risk_visible(by: User, risk: RiskItem, perm: str) -> None:
    require_visible(by, risk, _("The risk item is outside your jurisdiction."), perm=perm)


def risk_create(*, by: User, mine: Mine, code: str | None = None, **fields: Any) -> RiskItem:
    """Add a risk item to ``mine``'s risk list."""
    require_perm(by, "hazards.add_riskitem")
    _unknown(fields)
    require_mine_in_area(by, mine)
    with transaction.atomic():
        item = RiskItem(mine=mine, created_by=by, **fields)
        item.code = code or next_risk_code(mine)
        save_new(item, by=by)
    return item


def risk_update(*, by: User, risk: RiskItem, version: int | None = None, **fields: Any) -> RiskItem:
    """Change a risk item; a change made on a stale ``version`` is refused (ConflictError)."""
    require_perm(by, "hazards.change_riskitem", risk)
    _unknown(fields)
    _require_risk_visible(by, risk, "hazards.change_riskitem")
    # Saved (and the version moved on) only when a field really changed.
    with transition(
        risk, by=by, version=version, action=AuditAction.UPDATED, related=("mine",), save=False
    ) as current:
        for key, value in fields.items():
            setattr(current, key, value)
        current.full_clean()
    return risk


def risk_delete(*, by: User, risk: RiskItem, version: int | None = None) -> None:
    """Remove a risk item from the list (the audit log keeps what it said)."""
    require_perm(by, "hazards.delete_riskitem", risk)
    _require_risk_visible(by, risk, "hazards.delete_riskitem")
    with transaction.atomic():
        current = lock(risk, version=version, related=("mine",))
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
