"""The rules applied to registry mines: one mine now and on a past date, lists, figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kuangan.campaigns import verdicts
from kuangan.registry.choices import MineKind, MineStatus
from kuangan.registry.models import Mine
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


def _change(mine, at: dt.date, **values):
    """Change ``mine`` as it stood from ``at`` on (history row with the state after)."""
    before = {k: getattr(mine, k) for k in values}
    for k, v in values.items():
        setattr(mine, k, v)
    mine.full_clean(exclude=["code"])
    mine.save()
    mine_history_record(
        mine=mine,
        by=None,
        changes={k: [before[k], v] for k, v in values.items()},
        at=timezone.make_aware(dt.datetime.combine(at, dt.time(9))),
    )


def test_a_rectifying_coal_mine_across_the_days():
    """二: “所有正常生产、建设、整改的煤矿” (campaign) against 四(二)7: “煤矿检查范围为：所有正常
    生产建设煤矿” (key inspection). Decided on the facts of each day: producing in March, in
    整改 from May (in the campaign, out of key inspection, no priority), resumed in August."""
    campaign = make_campaign(flood_season_start=dt.date(2023, 6, 1))
    mine = make_mine(kind=MineKind.COAL_UNDERGROUND, history=False, hydro_class="complex")
    mine_history_record(
        mine=mine,
        by=None,
        changes={f: [None, v] for f, v in mine.rule_state().items()},
        at=timezone.make_aware(dt.datetime(2023, 3, 1, 9)),
    )
    _change(mine, dt.date(2023, 5, 1), status=MineStatus.RECTIFYING)
    _change(mine, dt.date(2023, 8, 1), resuming=True)

    april = verdicts.mine_verdict(mine, campaign, dt.date(2023, 4, 1))
    assert april["inspection_scope"] == {"in_scope": True, "reasons": ["coal_operating"]}
    assert april["priority"]["inspect_before"] == "2023-06-01"
    june = verdicts.mine_verdict(mine, campaign, dt.date(2023, 6, 1))
    assert june["campaign_scope"] == {"in_scope": True, "reasons": ["operating"]}
    assert june["inspection_scope"] == {"in_scope": False, "reasons": []}
    assert june["priority"] == {"level": "normal", "reasons": [], "inspect_before": None}
    august = verdicts.mine_verdict(mine, campaign, dt.date(2023, 8, 1))
    assert august["inspection_scope"] == {"in_scope": True, "reasons": ["coal_operating"]}
    assert august["priority"]["level"] == "high"


def test_the_water_threat_flag_of_a_pond_counts_from_the_day_it_was_set():
    """六(三): “对受水害威胁严重和可能受地质灾害影响的矿山要在汛期到来前完成检查”: a tailings pond
    (no hydrogeological type) gets the flood-season deadline from the day it is flagged."""
    campaign = make_campaign(flood_season_start=dt.date(2023, 6, 1))
    pond = make_mine(kind=MineKind.TAILINGS_POND, tailings_grade=3, history=False)
    mine_history_record(
        mine=pond,
        by=None,
        changes={f: [None, v] for f, v in pond.rule_state().items()},
        at=timezone.make_aware(dt.datetime(2023, 3, 1, 9)),
    )
    _change(pond, dt.date(2023, 5, 10), flood_threat=True, flood_threat_basis="下游紧邻村庄")
    may = verdicts.mine_verdict(pond, campaign, dt.date(2023, 5, 9))
    assert may["inspection_scope"]["reasons"] == ["tailings_grade_3_or_above"]
    assert may["priority"] == {"level": "normal", "reasons": [], "inspect_before": None}
    flagged = verdicts.mine_verdict(pond, campaign, dt.date(2023, 5, 10))
    assert flagged["priority"] == {
        "level": "high",
        "reasons": ["severe_hazard"],
        "inspect_before": "2023-06-01",
    }
    qs = Mine.objects.filter(pk=pond.pk)
    assert verdicts.filter_mines(qs, campaign, {"flood_deadline": True}).count() == 1
    assert verdicts.counts(qs, campaign)["flood_deadline"] == 1


def test_an_open_pit_with_the_water_threat_flag_but_out_of_key_inspection_has_no_deadline():
    # Priority (六(三)) only within the key-inspection scope (四(二)7).
    campaign = make_campaign(flood_season_start=dt.date(2023, 6, 1))
    make_mine(
        kind=MineKind.METAL_OPEN_PIT,
        slope_height_m=Decimal(60),
        flood_threat=True,
        flood_threat_basis="采场位于河谷",
    )
    make_mine(
        kind=MineKind.METAL_OPEN_PIT,
        slope_height_m=Decimal(110),
        flood_threat=True,
        flood_threat_basis="采场位于河谷",
    )
    figures = verdicts.counts(Mine.objects.all(), campaign)
    assert (figures["in_inspection"], figures["flood_deadline"], figures["high_priority"]) == (
        1,
        1,
        1,
    )
