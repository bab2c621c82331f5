"""What the workflows of the hazard ledger share: who is who (enterprise or regulator), the
scope checks that refuse before a transaction opens, and the numbering of new records."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from kuangan.core.choices import OrganizationKind
from kuangan.core.models import User
from kuangan.core.services import is_visible, refuse, require_perm, require_visible
from kuangan.registry.models import Mine

from ..models import Hazard

# Loaded with the locked row (the audit event's region is the mine's).
LOCK_RELATED = ("mine", "mine__region")


def _org_kind(user: User) -> str | None:
    org = getattr(user, "organization", None)
    return org.kind if org is not None else None


def is_enterprise_user(user: User) -> bool:
    return _org_kind(user) == OrganizationKind.ENTERPRISE


def is_regulator_user(user: User) -> bool:
    return _org_kind(user) == OrganizationKind.REGULATOR


def require_hazard_visible(by: User, hazard: Hazard, perm: str) -> None:
    require_visible(by, hazard, _("The hazard is outside your jurisdiction."), perm=perm)


def require_rectifier(by: User, hazard: Hazard, message: str) -> None:
    """The enterprise (``message`` says so otherwise), with the permission to rectify, whose
    scope holds the hazard: it rectifies its hazards and asks for their extensions."""
    require_perm(by, "hazards.rectify_hazard", hazard)
    require_hazard_visible(by, hazard, "hazards.rectify_hazard")
    if not is_enterprise_user(by):
        refuse(by, message, obj=hazard, perm="hazards.rectify_hazard")


def require_mine_in_area(by: User, mine: Mine) -> None:
    """A new record is for a mine of ``by``'s area."""
    if not is_visible(by, mine):
        raise ValidationError({"mine": [_("Choose a mine in your area.")]})


def clean_funds(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"funds": [_("Give the funds as an amount in yuan.")]}) from None


def next_serial(queryset: models.QuerySet[Any], field: str, prefix: str) -> str:
    """``<prefix><serial>``: the serial (three digits at least) after the highest value of
    ``field`` in ``queryset`` that starts with ``prefix``."""
    last = (
        queryset.filter(**{f"{field}__startswith": prefix})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    tail = str(last)[len(prefix) :] if last else ""
    serial = int(tail) + 1 if tail.isdigit() else 1
    return f"{prefix}{serial:03d}"


def not_closed(hazard: Hazard) -> None:
    """The guard of every change of a hazard: a closed hazard is read-only."""
    if hazard.is_closed:
        raise ValidationError(_("A closed hazard is read-only."))
