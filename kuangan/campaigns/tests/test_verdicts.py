"""The rules applied to registry mines: one mine now and on a past date, lists, figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kuangan.campaigns import verdicts
from kuangan.registry.choices import MineKind, MineStatus
from kuangan.registry.services import mine_history_record
from kuangan.registry.tests.factories import make_mine

from .factories import make_campaign

pytestmark = pytest.mark.django_db


def test_a_mine_on_a_past_date():
    campaign = make_campaign(flood_season_start=dt.date(2023, 6, 1))
    mine = make_mine(kind=MineKind.METAL_UNDERGROUND, history=False)
    mine_history_record(
        mine=mine,
        by=None,
        changes={"status": [None, "producing"]},
        at=timezone.make_aware(dt.datetime(2023, 3, 1)),
    )
    mine.status = MineStatus.LONG_SHUTDOWN
    mine.save()
    mine_history_record(
        mine=mine,
        by=None,
        changes={"status": ["producing", "long_shutdown"]},
        at=timezone.make_aware(dt.datetime(2023, 8, 1)),
    )
    april = verdicts.mine_verdict(mine, campaign, dt.date(2023, 4, 1))
    assert april["inspection_scope"]["reasons"] == ["metal_underground_operating"]
    september = verdicts.mine_verdict(mine, campaign, dt.date(2023, 9, 1))
    assert september["inspection_scope"]["reasons"] == ["metal_underground_unsealed_shutdown"]
    assert september["watch_required"] is True
    assert verdicts.mine_verdict(mine, campaign, dt.date(2023, 1, 1)) is None
    assert verdicts.mine_verdict(mine, campaign) == september


def test_filter_and_count():
    make_mine(kind=MineKind.METAL_OPEN_PIT, slope_height_m=Decimal(100))
    make_mine(kind=MineKind.METAL_OPEN_PIT, slope_height_m=Decimal("99.9"))
    make_mine(status=MineStatus.CLOSED)
    from kuangan.registry.models import Mine

    qs = Mine.objects.all()
    assert (
        verdicts.filter_mines(qs, None, {"inspection_reason": "open_pit_slope_100m"}).count() == 1
    )
    assert verdicts.filter_mines(qs, None, {"in_campaign": False}).count() == 1
    assert verdicts.filter_mines(qs, None, {}).count() == 3
    figures = verdicts.counts(qs, None)
    assert figures["total"] == 3
    assert figures["in_campaign"] == 2
    assert figures["in_inspection"] == 1
    assert figures["inspection_reasons"]["open_pit_slope_100m"] == 1
