"""How registry data is shown: grouped rows of a mine and the state of its licences."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from .choices import LicenceKind, LicenceState
from .models import KIND_FIELDS

BASIC_FIELDS = [
    "code",
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
    "principal",
    "phone",
    "longitude",
    "latitude",
]


def describe(mine, section: str = "basic") -> list[tuple[str, object]]:
    """The mine's basic data as (label, value) rows; attributes that do not apply to its kind
    are left out."""
    rows = []
    for name in BASIC_FIELDS:
        kinds = KIND_FIELDS.get(name)
        if kinds is not None and mine.kind not in kinds:
            continue
        if name == "tailings_into_open_pit" and mine.kind != "metal_open_pit":
            continue
        field = mine._meta.get_field(name)
        display = getattr(mine, f"get_{name}_display", None)
        value = (
            display() if display and getattr(mine, name) not in ("", None) else getattr(mine, name)
        )
        if name == "region":
            value = " › ".join(r.name for r in mine.region.ancestors())
        if name == "tailings_grade" and value:
            value = _("Grade %(n)d") % {"n": value}
        rows.append((field.verbose_name, value))
    return rows


def licence_state(mine, today: dt.date) -> list[dict]:
    """Each licence with its number, expiry, days left, state and the state's badge."""
    result = []
    for kind, number, until in (
        (LicenceKind.MINING, mine.mining_licence_no, mine.mining_licence_valid_until),
        (LicenceKind.SAFETY, mine.safety_licence_no, mine.safety_licence_valid_until),
    ):
        days = (until - today).days if until else None
        if days is None:
            code, state = LicenceState.UNDATED, str(LicenceState.UNDATED.label)
        elif days < 0:
            code, state = LicenceState.EXPIRED, _("Expired %(n)d days ago") % {"n": -days}
        elif days <= 90:
            code, state = LicenceState.EXPIRING, _("Expires in %(n)d days") % {"n": days}
        else:
            code, state = LicenceState.VALID, str(LicenceState.VALID.label)
        result.append(
            {
                "label": LicenceKind(kind).label,
                "number": number,
                "valid_until": until,
                "days": days,
                "state": state,
                "code": code,
                "badge": LicenceState.css(code),
            }
        )
    return result
