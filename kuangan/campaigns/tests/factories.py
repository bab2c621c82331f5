"""Factories of campaigns, and the campaigns app's part of the authorisation matrix."""

from __future__ import annotations

import datetime as dt

from kuangan.core.models import Region
from kuangan.core.tests import authz

from ..choices import PhaseKind
from ..models import Campaign, Phase

PHASES = [
    (PhaseKind.MOBILISE, dt.date(2023, 3, 31)),
    (PhaseKind.SELF_INSPECTION, dt.date(2023, 4, 30)),
    (PhaseKind.KEY_INSPECTION, dt.date(2023, 9, 30)),
    (PhaseKind.SUPERVISION, dt.date(2023, 11, 30)),
    (PhaseKind.SUMMARY, dt.date(2023, 12, 31)),
]


def make_campaign(region_code: str = "220000", *, phases: bool = True, **fields) -> Campaign:
    fields.setdefault("name", "测试综合整治")
    fields.setdefault("starts_on", dt.date(2023, 3, 1))
    fields.setdefault("ends_on", dt.date(2023, 12, 31))
    campaign = Campaign(region=Region.objects.get(code=region_code), **fields)
    campaign.full_clean()
    campaign.save()
    if phases:
        Phase.objects.bulk_create([Phase(campaign=campaign, kind=k, deadline=d) for k, d in PHASES])
    return campaign


@authz.factory(Campaign)
def _campaign(world: authz.World) -> Campaign:
    # A campaign of the world's city: the other world's users must not see it.
    return make_campaign(world.city.code, name=f"{world.token}综合整治")
