"""Workflows of the campaigns app: create and change a campaign with its phases.

- ``campaign_create(*, by, phases=(), **fields) -> Campaign``
- ``campaign_update(*, by, campaign, version=None, phases=None, **fields) -> Campaign``

``phases`` is a list of ``{"kind", "deadline", "starts_on"?, "description"?}``; given on an
update it replaces the phase list (by kind).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import ensure_visible, require_perm, save_new, save_versioned

from .choices import PHASE_ORDER
from .models import Campaign, Phase

CAMPAIGN_FIELDS = [
    "name",
    "document_number",
    "issuing_bodies",
    "issued_on",
    "region",
    "starts_on",
    "ends_on",
    "slope_threshold_m",
    "dump_threshold_m",
    "reserve_years_threshold",
    "tailings_grade_threshold",
    "flood_season_start",
    "description",
]
PHASE_FIELDS = ("kind", "starts_on", "deadline", "description")


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = [k for k in fields if k not in CAMPAIGN_FIELDS]
    if unknown:
        raise ValidationError({k: _("This field cannot be changed here.") for k in unknown})


def _phase_snapshot(campaign: Campaign) -> list[list[str | None]]:
    return [
        [p.kind, p.starts_on.isoformat() if p.starts_on else None, p.deadline.isoformat()]
        for p in campaign.phases.order_by("deadline", "pk")
    ]


def _set_phases(campaign: Campaign, phases: list[dict[str, Any]]) -> None:
    errors: list[str] = []
    seen: set[str] = set()
    built: list[Phase] = []
    for i, data in enumerate(phases, start=1):
        unknown = set(data) - set(PHASE_FIELDS)
        if unknown:
            errors.append(
                _("Phase %(n)d: unknown field %(f)s.") % {"n": i, "f": ", ".join(sorted(unknown))}
            )
            continue
        phase = Phase(campaign=campaign, **data)
        if phase.kind in seen:
            errors.append(_("Phase %(n)d: this phase is listed twice.") % {"n": i})
        seen.add(phase.kind)
        try:
            phase.full_clean(exclude=["campaign"], validate_unique=False)
        except ValidationError as exc:
            errors.extend(_("Phase %(n)d: %(msg)s") % {"n": i, "msg": m} for m in exc.messages)
            continue
        if phase.deadline < campaign.starts_on or phase.deadline > campaign.ends_on:
            errors.append(
                _("Phase %(n)d: the deadline %(d)s lies outside the campaign's dates.")
                % {"n": i, "d": phase.deadline.isoformat()}
            )
        built.append(phase)
    ordered = sorted(built, key=lambda p: PHASE_ORDER.index(p.kind))
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.deadline < earlier.deadline:
            errors.append(
                _("The deadline of “%(later)s” is before that of “%(earlier)s”.")
                % {"later": later.get_kind_display(), "earlier": earlier.get_kind_display()}
            )
    if errors:
        raise ValidationError({"phases": errors})
    campaign.phases.all().delete()
    Phase.objects.bulk_create(built)


def campaign_create(*, by: User, phases: Sequence[dict[str, Any]] = (), **fields: Any) -> Campaign:
    _check_fields(fields)
    require_perm(by, "campaigns.add_campaign")

    def with_phases(campaign: Campaign) -> dict[str, Any]:
        _set_phases(campaign, list(phases))
        return {"phases": [None, _phase_snapshot(campaign)]}

    with transaction.atomic():
        return save_new(Campaign(**fields), by=by, related=with_phases)


def campaign_update(
    *,
    by: User,
    campaign: Campaign,
    version: int | None = None,
    phases: Sequence[dict[str, Any]] | None = None,
    **fields: Any,
) -> Campaign:
    _check_fields(fields)
    require_perm(by, "campaigns.change_campaign", campaign)
    with transaction.atomic():
        before = audit.snapshot(campaign)
        before_phases = _phase_snapshot(campaign)
        for key, value in fields.items():
            setattr(campaign, key, value)
        campaign.full_clean()
        changes = audit.diff(before, audit.snapshot(campaign))
        save_versioned(
            campaign,
            expected_version=version,
            fields=[c.removesuffix("_id") for c in changes],
        )
        if phases is not None:
            _set_phases(campaign, list(phases))
        elif changes:
            # The campaign's dates may have moved: its phases must still fit.
            _set_phases(
                campaign,
                [{f: getattr(p, f) for f in PHASE_FIELDS} for p in campaign.phases.all()],
            )
        after_phases = _phase_snapshot(campaign)
        if after_phases != before_phases:
            changes["phases"] = [before_phases, after_phases]
        ensure_visible(by, campaign)
        if changes:
            audit.record(actor=by, action=AuditAction.UPDATED, obj=campaign, changes=changes)
    return campaign
