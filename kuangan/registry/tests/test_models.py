"""Invariants of one mine: kind-specific attributes, county, coordinates, codes, history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from kuangan.campaigns import rules
from kuangan.registry.choices import MINE_KINDS_NOT_TAILINGS, MineKind, MineStatus
from kuangan.registry.models import (
    HISTORY_FIELDS,
    KIND_FIELDS,
    MINE_OWNERSHIP,
    RULE_FIELDS,
    Enterprise,
    Mine,
    UnmannedShutdownMine,
    unmanned_shutdown_q,
)

from .factories import make_enterprise, make_mine

pytestmark = pytest.mark.django_db

NOT_APPLICABLE = {
    # (kind, field, value): a coal mine has no tailings grade, etc.
    (MineKind.COAL_UNDERGROUND, "tailings_grade", 3),
    (MineKind.COAL_UNDERGROUND, "head_top", True),
    (MineKind.COAL_UNDERGROUND, "slope_height_m", Decimal(50)),
    (MineKind.COAL_UNDERGROUND, "dump_height_m", Decimal(50)),
    (MineKind.COAL_OPEN_PIT, "gas_class", "high"),
    (MineKind.COAL_OPEN_PIT, "rockburst", True),
    (MineKind.METAL_UNDERGROUND, "gas_class", "low"),
    (MineKind.METAL_UNDERGROUND, "slope_height_m", Decimal(120)),
    (MineKind.METAL_UNDERGROUND, "tailings_into_open_pit", True),
    (MineKind.METAL_OPEN_PIT, "ownerless", True),
    (MineKind.METAL_OPEN_PIT, "rockburst", True),
    (MineKind.TAILINGS_POND, "reserve_years", Decimal(2)),
    (MineKind.TAILINGS_POND, "hydro_class", "complex"),
    (MineKind.TAILINGS_POND, "gas_class", "low"),
    (MineKind.TAILINGS_POND, "dump_height_m", Decimal(10)),
    (MineKind.TAILINGS_POND, "design_capacity", Decimal(10)),
    (MineKind.TAILINGS_POND, "spontaneous_combustion", True),
}


def build(kind=MineKind.COAL_UNDERGROUND, region="220605", **fields) -> Mine:
    from kuangan.core.models import Region

    return Mine(
        name="测试矿",
        enterprise=make_enterprise(region),
        region=Region.objects.get(code=region),
        kind=kind,
        status=MineStatus.PRODUCING,
        **fields,
    )


@pytest.mark.parametrize(("kind", "field", "value"), sorted(NOT_APPLICABLE, key=str))
def test_an_attribute_that_does_not_apply_to_the_kind_is_refused_with_a_chinese_message(
    kind, field, value
):
    mine = build(kind, **{field: value})
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert field in exc.value.message_dict
    message = exc.value.message_dict[field][0]
    assert str(Mine._meta.get_field(field).verbose_name) in message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


@pytest.mark.parametrize(("kind", "field", "value"), sorted(NOT_APPLICABLE, key=str))
def test_the_database_refuses_them_too(kind, field, value):
    mine = build(kind, **{field: value})
    mine.code = "KA2206059999"
    with pytest.raises(IntegrityError), transaction.atomic():
        mine.save()


def test_a_coal_mine_has_no_tailings_grade_message_in_chinese():
    mine = build(MineKind.COAL_UNDERGROUND, tailings_grade=3)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert exc.value.message_dict["tailings_grade"] == ["井工煤矿不适用“尾矿库等别”。"]


@pytest.mark.parametrize("kind", list(MineKind))
def test_attributes_that_apply_are_accepted(kind):
    fields = {}
    for field, kinds in KIND_FIELDS.items():
        if kind not in kinds:
            continue
        value = {
            "slope_height_m": Decimal(100),
            "dump_height_m": Decimal(100),
            "tailings_grade": 3,
            "head_top": True,
            "ownerless": True,
            "reserve_years": Decimal("2.9"),
            "tailings_into_open_pit": True,
            "gas_class": "outburst",
            "hydro_class": "complex",
            "rockburst": True,
            "spontaneous_combustion": True,
            "design_capacity": Decimal(30),
        }[field]
        fields[field] = value
    mine = build(kind, **fields)
    mine.full_clean(exclude=["code"])
    mine.save()
    assert mine.code.startswith("KA220605")


@pytest.mark.parametrize("kind", sorted(MINE_KINDS_NOT_TAILINGS))
@pytest.mark.parametrize("conversion", ["underground_to_open_pit", "open_pit_to_underground"])
def test_a_conversion_is_recorded_whichever_way_the_mine_is_registered(kind, conversion):
    """四(一)6(3) “露天转井工开采的矿山” and (4) “井工转露天开采的矿山” are states of a mine while it
    converts: an open pit converting to underground mining is still registered as an open pit
    (and the other way round), and must be registrable (it used to be refused)."""
    mine = build(kind, conversion=conversion)
    mine.full_clean(exclude=["code"])
    mine.save()
    assert Mine.objects.get(pk=mine.pk).conversion == conversion


@pytest.mark.parametrize("conversion", ["underground_to_open_pit", "open_pit_to_underground"])
def test_a_tailings_pond_has_no_conversion(conversion):
    mine = build(MineKind.TAILINGS_POND, conversion=conversion)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert "尾矿库" in exc.value.message_dict["conversion"][0]
    mine.code = "KA2206059998"
    with pytest.raises(IntegrityError), transaction.atomic():
        mine.save()


@pytest.mark.parametrize("kind", list(MineKind))
def test_any_kind_of_mine_may_be_flagged_as_seriously_threatened_by_water(kind):
    """六(三): “对受水害威胁严重……的矿山要在汛期到来前完成检查”: the flag is the mine's own, beside
    the hydrogeological type, so a tailings pond or an open pit can carry it too."""
    mine = build(kind, flood_threat=True, flood_threat_basis="库区位于河道行洪区")
    mine.full_clean(exclude=["code"])
    mine.save()
    assert Mine.objects.get(pk=mine.pk).flood_threat is True


def test_the_water_threat_flag_needs_its_basis():
    mine = build(MineKind.TAILINGS_POND, flood_threat=True, flood_threat_basis="  ")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    message = exc.value.message_dict["flood_threat_basis"][0]
    assert "水害" in message and "依据" in message
    mine.flood_threat_basis = ""
    mine.code = "KA2206059997"
    with pytest.raises(IntegrityError), transaction.atomic():
        mine.save()


def test_new_rule_facts_are_the_regulators_and_kept_in_the_history():
    for name in ("flood_threat", "spontaneous_combustion"):
        assert name in RULE_FIELDS
    for name in ("flood_threat", "flood_threat_basis", "spontaneous_combustion"):
        assert name in MINE_OWNERSHIP.regulator
        assert name in HISTORY_FIELDS


def test_a_mine_lies_in_a_county():
    mine = build(region="220600")  # 白山市: a city
    with pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert "region" in exc.value.message_dict
    assert "220600" in exc.value.message_dict["region"][0]


def test_the_owner_must_be_an_enterprise():
    from kuangan.core.tests.factories import make_organization

    mine = build()
    mine.enterprise = make_organization("220605")  # a regulator
    with pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert "enterprise" in exc.value.message_dict


@pytest.mark.parametrize(
    ("lon", "lat", "bad"),
    [
        ("126.5", "42.1", None),
        ("121.6", "40.8", None),
        ("131.4", "46.4", None),
        ("121.5", "42.0", "longitude"),
        ("131.5", "42.0", "longitude"),
        ("126.0", "40.7", "latitude"),
        ("126.0", "46.5", "latitude"),
        ("116.4", "39.9", "longitude"),  # Beijing
    ],
)
def test_coordinates_must_fall_inside_jilin(lon, lat, bad):
    mine = build(longitude=Decimal(lon), latitude=Decimal(lat))
    if bad is None:
        mine.full_clean(exclude=["code"])
        return
    with pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert bad in exc.value.message_dict
    mine.code = "KA2206059998"
    with pytest.raises(IntegrityError), transaction.atomic():
        mine.save()


def test_both_coordinates_or_neither():
    mine = build(longitude=Decimal("126.5"))
    with pytest.raises(ValidationError) as exc:
        mine.full_clean(exclude=["code"])
    assert "latitude" in exc.value.message_dict


@pytest.mark.parametrize("grade", [0, 6])
def test_the_tailings_grade_is_1_to_5(grade):
    mine = build(MineKind.TAILINGS_POND, tailings_grade=grade)
    with pytest.raises(ValidationError):
        mine.full_clean(exclude=["code"])


def test_codes_are_generated_per_county_and_unique():
    a = make_mine("220605")
    b = make_mine("220605")
    c = make_mine("220581")
    assert (a.code, b.code, c.code) == ("KA2206050001", "KA2206050002", "KA2205810001")
    assert Mine.objects.allocate_codes(a.region, 2) == ["KA2206050003", "KA2206050004"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Mine.objects.filter(pk=b.pk).update(code=a.code)


def test_the_code_does_not_change_when_the_mine_moves():
    from kuangan.core.models import Region

    mine = make_mine("220605")
    code = mine.code
    mine.region = Region.objects.get(code="220602")
    mine.save()
    assert Mine.objects.get(pk=mine.pk).code == code


def test_enterprise_is_a_proxy_of_enterprise_organisations_only():
    ent = make_enterprise("220605")
    from kuangan.core.tests.factories import make_organization

    regulator = make_organization("220605")
    assert Enterprise.objects.filter(pk=ent.pk).exists()
    assert not Enterprise.objects.filter(pk=regulator.pk).exists()


def test_state_on_a_past_day():
    mine = make_mine(status=MineStatus.PRODUCING, history=False)
    from kuangan.registry.services import mine_history_record

    t0 = timezone.make_aware(dt.datetime(2023, 3, 1, 9))
    mine_history_record(mine=mine, by=None, changes={"status": [None, "producing"]}, at=t0)
    mine.status = MineStatus.LONG_SHUTDOWN
    mine.save()
    t1 = timezone.make_aware(dt.datetime(2023, 7, 15, 16))
    mine_history_record(
        mine=mine, by=None, changes={"status": ["producing", "long_shutdown"]}, at=t1
    )
    assert mine.state_on(dt.date(2023, 2, 28)) is None
    assert mine.state_on(dt.date(2023, 3, 1))["status"] == "producing"
    assert mine.state_on(dt.date(2023, 7, 14))["status"] == "producing"
    assert mine.state_on(dt.date(2023, 7, 15))["status"] == "long_shutdown"


@pytest.mark.parametrize("status", list(MineStatus))
@pytest.mark.parametrize("resuming", [False, True])
@pytest.mark.parametrize("personnel", [False, True])
def test_the_watch_duty_list_is_exactly_the_rule(status, resuming, personnel):
    mine = make_mine(status=status, resuming=resuming, personnel_on_site=personnel, history=False)
    expected = rules.watch_required(rules.facts(mine.rule_state()))
    assert Mine.objects.filter(unmanned_shutdown_q(), pk=mine.pk).exists() is expected
    assert UnmannedShutdownMine.objects.filter(pk=mine.pk).exists() is expected
