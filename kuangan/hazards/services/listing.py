"""Listed supervision (挂牌督办) of major hazards: listing by the province or a city bureau,
delisting (摘牌) by the listing body once the hazard is closed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kuangan.core.choices import RegionLevel
from kuangan.core.models import User
from kuangan.core.services import refuse, require_perm, transition

from ..models import Hazard, today
from .common import LOCK_RELATED, is_regulator_user, not_closed, require_hazard_visible


def hazard_list(
    *,
    by: User,
    hazard: Hazard,
    listing_no: str,
    listed_on: dt.date | None = None,
    listing_due: dt.date | None,
    version: int | None = None,
) -> Hazard:
    """Notice 七(三): “重大事故隐患由省应急管理厅挂牌督办”. A province (or city) regulator lists a
    major hazard for supervision; the listing body is the user's organisation."""
    perm = "hazards.list_hazard"
    require_perm(by, perm, hazard)
    require_hazard_visible(by, hazard, perm)
    org = by.organization
    if (
        not is_regulator_user(by)
        or org is None
        or org.region.level not in (RegionLevel.PROVINCE, RegionLevel.CITY)
    ):
        refuse(
            by,
            _("Hazards are listed for supervision by the province or a city bureau."),
            obj=hazard,
            perm=perm,
        )
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

    def not_listed(current: Hazard) -> None:
        not_closed(current)
        if current.is_listed:
            raise ValidationError(_("The hazard is already listed for supervision."))

    with transition(
        hazard, by=by, version=version, guard=not_listed, related=LOCK_RELATED
    ) as current:
        current.listing_no = listing_no.strip()
        current.listing_body = org
        current.listed_on = listed_on
        current.listing_due = listing_due
        current.delisted_on = None
        current.delisted_by = None
    return hazard


def hazard_delist(*, by: User, hazard: Hazard, version: int | None = None) -> Hazard:
    """Delisting (摘牌): only by the listing body, and only after the hazard was closed."""
    perm = "hazards.list_hazard"
    require_perm(by, perm, hazard)
    require_hazard_visible(by, hazard, perm)
    if not hazard.is_listed:
        raise ValidationError(_("The hazard is not listed for supervision."))
    org = by.organization
    province = org is not None and org.region.level == RegionLevel.PROVINCE
    if by.organization_id != hazard.listing_body_id and not province:
        refuse(by, _("Only the body that listed the hazard can delist it."), obj=hazard, perm=perm)
    if not province:
        # Notice 七(三): listed supervision is the province's; delisting needs its consent.
        refuse(
            by,
            _("A listed hazard is delisted with the province's consent: by the provincial bureau."),
            obj=hazard,
            perm=perm,
        )

    def closed(current: Hazard) -> None:
        if not current.is_closed:
            raise ValidationError(_("A listed hazard can be delisted only after it was closed."))

    # Writing to a closed hazard: only the delisting fields, through the versioned save.
    with transition(hazard, by=by, version=version, guard=closed, related=LOCK_RELATED) as current:
        current.delisted_on = today()
        current.delisted_by = by
    return hazard
