"""The notice's scope and priority rules, tested from its words (parts 二, 四(二)7, 六(三))."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kuangan.campaigns import rules
from kuangan.campaigns.rules import MineFacts, Thresholds

FLOOD = dt.date(2023, 6, 1)
T = Thresholds(flood_season_start=FLOOD)

KINDS = [
    "coal_underground",
    "coal_open_pit",
    "metal_underground",
    "metal_open_pit",
    "tailings_pond",
]
STATUSES = ["producing", "constructing", "rectifying", "long_shutdown", "closed"]


def mine(kind="coal_underground", status="producing", **kw) -> MineFacts:
    return MineFacts(kind=kind, status=status, **kw)


def inspection(m: MineFacts, t: Thresholds = T) -> list[str]:
    return list(rules.inspection_scope(m, t).reasons)


# --- 二、整治范围 -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", ["producing", "constructing", "rectifying"])
def test_producing_constructing_and_rectifying_mines_are_in_the_campaign(kind, status):
    # “所有正常生产、建设、整改的煤矿、金属非金属矿山，在建、在用、整改的尾矿库”
    m = mine(kind, status)
    assert rules.effectively_operating(m)
    assert rules.campaign_scope(m) == rules.ScopeResult(True, ("operating",))
    assert not rules.watch_required(m)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "flags",
    [
        {"resuming": True},
        {"personnel_on_site": True},
        {"resuming": True, "personnel_on_site": True},
    ],
)
def test_a_long_shutdown_resuming_or_with_people_working_is_handled_as_operating(kind, flags):
    # “启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行综合整治”
    m = mine(kind, "long_shutdown", **flags)
    assert rules.effectively_operating(m)
    assert rules.campaign_scope(m) == rules.ScopeResult(True, ("resumed_or_manned",))
    assert not rules.watch_required(m)


@pytest.mark.parametrize("kind", KINDS)
def test_an_unmanned_long_shutdown_is_out_and_under_watch_duty(kind):
    # “对无人作业的长期停产停建矿山，由属地应急管理局严格落实驻矿盯守或者联系盯守责任”
    m = mine(kind, "long_shutdown", electronic_seal=True, physically_sealed=True)
    assert not rules.effectively_operating(m)
    assert rules.campaign_scope(m) == rules.ScopeResult(False, ())
    assert rules.watch_required(m)


@pytest.mark.parametrize("kind", KINDS)
def test_a_closed_mine_is_out_with_no_watch_duty(kind):
    m = mine(kind, "closed", personnel_on_site=True, resuming=True)
    assert not rules.effectively_operating(m)
    assert rules.campaign_scope(m) == rules.ScopeResult(False, ())
    assert not rules.watch_required(m)


# --- 四(二)7、重点检查范围 -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["coal_underground", "coal_open_pit"])
def test_all_producing_and_constructing_coal_mines_are_inspected(kind):
    # “煤矿检查范围为：所有正常生产建设煤矿”
    assert inspection(mine(kind, "producing")) == ["coal_operating"]
    assert inspection(mine(kind, "constructing")) == ["coal_operating"]
    assert inspection(mine(kind, "rectifying")) == ["coal_operating"]
    assert inspection(mine(kind, "long_shutdown")) == []
    assert inspection(mine(kind, "closed")) == []


def test_a_long_shutdown_coal_mine_with_people_on_site_is_inspected_as_operating():
    m = mine("coal_underground", "long_shutdown", personnel_on_site=True)
    assert inspection(m) == ["coal_operating"]
    assert rules.checklist_family(m) == "coal_underground"


def test_producing_metal_underground_mines_are_inspected():
    # “所有正常生产建设的金属非金属地下矿山”
    assert inspection(mine("metal_underground", "producing")) == ["metal_underground_operating"]
    assert inspection(mine("metal_underground", "long_shutdown", resuming=True)) == [
        "metal_underground_operating"
    ]


@pytest.mark.parametrize(
    ("electronic", "physical", "reasons"),
    [
        (False, False, ["metal_underground_unsealed_shutdown"]),
        (True, False, ["metal_underground_unsealed_shutdown"]),
        (False, True, ["metal_underground_unsealed_shutdown"]),
        (True, True, []),
    ],
)
def test_an_unsealed_shutdown_metal_underground_mine_needs_both_seals(
    electronic, physical, reasons
):
    # “以及未采取‘电子封条’和物理封闭措施的长期停产停建金属非金属地下矿山”
    m = mine(
        "metal_underground", "long_shutdown", electronic_seal=electronic, physically_sealed=physical
    )
    assert inspection(m) == reasons
    assert rules.watch_required(m)
    assert not rules.campaign_scope(m).in_scope


def test_a_manned_shutdown_metal_underground_mine_is_operating_not_unsealed():
    m = mine("metal_underground", "long_shutdown", personnel_on_site=True)
    assert inspection(m) == ["metal_underground_operating"]


def test_a_closed_metal_underground_mine_without_seals_is_not_inspected():
    assert inspection(mine("metal_underground", "closed")) == []


@pytest.mark.parametrize(
    ("slope", "inside"),
    [("100", True), ("100.0", True), ("99.9", False), ("150", True), (None, False)],
)
def test_open_pit_slope_of_100_m_and_above(slope, inside):
    # “采场边坡现状高度 100 米及以上的金属非金属露天矿山”: exactly 100 m is in, 99.9 m out.
    m = mine("metal_open_pit", slope_height_m=Decimal(slope) if slope else None)
    assert ("open_pit_slope_100m" in inspection(m)) is inside


def test_the_slope_reason_is_for_metal_open_pits_in_the_campaign_only():
    high = Decimal("120")
    assert inspection(mine("coal_open_pit", slope_height_m=high)) == ["coal_operating"]
    assert inspection(mine("metal_open_pit", "long_shutdown", slope_height_m=high)) == []
    assert inspection(mine("metal_open_pit", "closed", slope_height_m=high)) == []


@pytest.mark.parametrize("kind", ["metal_open_pit", "metal_underground"])
@pytest.mark.parametrize(("dump", "inside"), [("100", True), ("99.9", False), ("100.1", True)])
def test_dumps_of_100_m_and_above(kind, dump, inside):
    # “现状堆置高度 100 米及以上的排土场”
    m = mine(kind, dump_height_m=Decimal(dump))
    assert ("dump_height_100m" in inspection(m)) is inside


def test_a_dump_of_a_shutdown_mine_is_not_inspected():
    m = mine("metal_open_pit", "long_shutdown", dump_height_m=Decimal("130"))
    assert "dump_height_100m" not in inspection(m)


def test_an_open_pit_converted_from_underground_is_inspected():
    # “以及井工转露天开采……的金属非金属露天矿山”
    m = mine("metal_open_pit", conversion="underground_to_open_pit")
    assert inspection(m) == ["underground_to_open_pit"]
    assert inspection(mine("metal_open_pit", conversion="none")) == []


@pytest.mark.parametrize(
    ("years", "inside"), [("3.0", False), ("3", False), ("2.9", True), ("0.5", True), (None, False)]
)
def test_reserves_of_less_than_3_years(years, inside):
    # “可采储量不足 3 年”: 3.0 years is out, 2.9 in; unknown reserves are not a reason.
    m = mine("metal_open_pit", reserve_years=Decimal(years) if years else None)
    assert ("reserves_under_3y" in inspection(m)) is inside


def test_an_open_pit_discharging_tailings_into_its_upper_pit_is_inspected():
    # “利用上部露天采坑排放尾砂的金属非金属露天矿山”
    m = mine("metal_open_pit", "rectifying", tailings_into_open_pit=True)
    assert inspection(m) == ["open_pit_tailings_discharge"]


@pytest.mark.parametrize(
    ("grade", "inside"), [(1, True), (2, True), (3, True), (4, False), (5, False), (None, False)]
)
def test_tailings_ponds_of_grade_3_and_above(grade, inside):
    # “以及三等及以上尾矿库”: grade 1 is the largest; 3 is in, 4 out.
    m = mine("tailings_pond", tailings_grade=grade)
    assert ("tailings_grade_3_or_above" in inspection(m)) is inside


@pytest.mark.parametrize("status", ["producing", "constructing", "rectifying", "long_shutdown"])
def test_all_head_top_and_ownerless_ponds_that_are_not_closed(status):
    # “所有尾矿库‘头顶库’和无主库”: even an unmanned shutdown (停用) pond.
    m = mine("tailings_pond", status, head_top=True, ownerless=True, tailings_grade=2)
    assert inspection(m) == ["tailings_head_top", "tailings_ownerless", "tailings_grade_3_or_above"]


def test_a_closed_pond_is_not_inspected():
    m = mine("tailings_pond", "closed", head_top=True, ownerless=True, tailings_grade=1)
    assert inspection(m) == []


def test_reasons_are_listed_in_the_issue_order():
    m = mine(
        "metal_open_pit",
        slope_height_m=Decimal("100"),
        dump_height_m=Decimal("100"),
        conversion="underground_to_open_pit",
        reserve_years=Decimal("1"),
        tailings_into_open_pit=True,
    )
    assert inspection(m) == [
        "open_pit_slope_100m",
        "dump_height_100m",
        "underground_to_open_pit",
        "reserves_under_3y",
        "open_pit_tailings_discharge",
    ]
    assert list(rules.INSPECTION_REASONS).index("coal_operating") == 0


def test_a_mine_matching_nothing_is_out_of_key_inspection():
    m = mine("metal_open_pit", slope_height_m=Decimal(50), reserve_years=Decimal(10))
    assert rules.inspection_scope(m, T) == rules.ScopeResult(False, ())
    assert rules.campaign_scope(m).in_scope


def test_thresholds_come_from_the_campaign():
    m = mine("metal_open_pit", slope_height_m=Decimal("90"), reserve_years=Decimal("4"))
    lower = Thresholds(slope_m=Decimal(80), reserve_years=Decimal(5), tailings_grade=4)
    assert inspection(m, lower) == ["open_pit_slope_100m", "reserves_under_3y"]
    assert "tailings_grade_3_or_above" in inspection(mine("tailings_pond", tailings_grade=4), lower)


# --- Checklist --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "family"),
    [
        ("coal_underground", "coal_underground"),
        ("coal_open_pit", "coal_open_pit"),
        ("metal_underground", "non_coal"),
        ("metal_open_pit", "non_coal"),
        ("tailings_pond", "non_coal"),
    ],
)
def test_checklist_family(kind, family):
    # 井工煤矿 13 个方面、露天煤矿 16 个方面、非煤矿山（含露天、地下和尾矿库）15 个方面
    assert rules.checklist_family(mine(kind)) == family


# --- 六(三)、优先 --------------------------------------------------------------------------------


def test_a_mine_the_regulator_is_not_at_ease_with_is_high_priority():
    # “对研判不放心的……矿山优先安排检查”
    p = rules.priority(mine(regulator_concern=True), T)
    assert (p.level, p.reasons, p.inspect_before) == ("high", ("regulator_concern",), None)


@pytest.mark.parametrize(
    "facts",
    [
        {"gas_class": "outburst"},
        {"gas_class": "high"},
        {"rockburst": True},
        {"hydro_class": "complex"},
        {"hydro_class": "very_complex"},
        {"kind": "tailings_pond", "head_top": True},
        {"kind": "tailings_pond", "tailings_grade": 1},
        {"kind": "tailings_pond", "tailings_grade": 2},
    ],
)
def test_severe_hazards_are_high_priority(facts):
    # “灾害严重的矿山优先安排检查”
    kind = facts.pop("kind", "coal_underground")
    p = rules.priority(mine(kind, **facts), T)
    assert p.level == "high"
    assert p.reasons == ("severe_hazard",)


@pytest.mark.parametrize(
    "facts",
    [
        {"gas_class": "low"},
        {"hydro_class": "medium"},
        {"hydro_class": "simple"},
        {"kind": "tailings_pond", "tailings_grade": 3},
        {"kind": "tailings_pond", "ownerless": True},
    ],
)
def test_ordinary_mines_are_normal_priority(facts):
    kind = facts.pop("kind", "coal_underground")
    p = rules.priority(mine(kind, **facts), T)
    assert (p.level, p.reasons, p.inspect_before) == ("normal", (), None)


def test_both_priority_reasons_in_order():
    p = rules.priority(mine(regulator_concern=True, rockburst=True), T)
    assert p.reasons == ("regulator_concern", "severe_hazard")


@pytest.mark.parametrize(
    ("facts", "before"),
    [
        ({"hydro_class": "complex"}, FLOOD),
        ({"hydro_class": "very_complex"}, FLOOD),
        ({"geohazard_exposed": True}, FLOOD),
        ({"hydro_class": "medium"}, None),
    ],
)
def test_water_and_geohazard_threatened_mines_are_inspected_before_the_flood_season(facts, before):
    # “对受水害威胁严重和可能受地质灾害影响的矿山要在汛期到来前完成检查”
    assert rules.priority(mine(**facts), T).inspect_before == before


def test_a_geohazard_exposed_mine_without_severe_hazard_keeps_normal_level_with_a_deadline():
    p = rules.priority(mine("metal_open_pit", geohazard_exposed=True), T)
    assert (p.level, p.inspect_before) == ("normal", FLOOD)


def test_the_flood_season_start_is_the_campaigns():
    t = Thresholds(flood_season_start=dt.date(2024, 5, 20))
    assert rules.priority(mine(geohazard_exposed=True), t).inspect_before == dt.date(2024, 5, 20)
    assert rules.priority(mine(geohazard_exposed=True), Thresholds()).inspect_before is None


# --- The whole verdict --------------------------------------------------------------------------


def test_evaluate_gives_the_json_shape_of_the_scope_command():
    verdict = rules.evaluate(
        {
            "kind": "coal_underground",
            "status": "producing",
            "gas_class": "outburst",
            "hydro_class": "complex",
            "slope_height_m": None,
            "unrelated": 1,
        },
        T,
    )
    assert verdict == {
        "campaign_scope": {"in_scope": True, "reasons": ["operating"]},
        "watch_required": False,
        "inspection_scope": {"in_scope": True, "reasons": ["coal_operating"]},
        "checklist": "coal_underground",
        "priority": {"level": "high", "reasons": ["severe_hazard"], "inspect_before": "2023-06-01"},
    }


def test_facts_accept_database_values():
    m = rules.facts(
        {
            "kind": "metal_open_pit",
            "status": "producing",
            "slope_height_m": 100.0,
            "gas_class": None,
            "conversion": "",
        }
    )
    assert m.slope_height_m == Decimal(100)
    assert (m.gas_class, m.conversion) == ("", "none")


# --- Properties ----------------------------------------------------------------------------------

decimals = st.one_of(st.none(), st.decimals(min_value=0, max_value=300, places=1, allow_nan=False))
facts_strategy = st.builds(
    MineFacts,
    kind=st.sampled_from(KINDS),
    status=st.sampled_from(STATUSES),
    resuming=st.booleans(),
    personnel_on_site=st.booleans(),
    electronic_seal=st.booleans(),
    physically_sealed=st.booleans(),
    slope_height_m=decimals,
    dump_height_m=decimals,
    tailings_grade=st.one_of(st.none(), st.integers(1, 5)),
    head_top=st.booleans(),
    ownerless=st.booleans(),
    reserve_years=decimals,
    conversion=st.sampled_from(["none", "underground_to_open_pit", "open_pit_to_underground"]),
    tailings_into_open_pit=st.booleans(),
    gas_class=st.sampled_from(["", "low", "high", "outburst"]),
    hydro_class=st.sampled_from(["", "simple", "medium", "complex", "very_complex"]),
    rockburst=st.booleans(),
    geohazard_exposed=st.booleans(),
    regulator_concern=st.booleans(),
)
unrelated = st.dictionaries(
    st.sampled_from(["name", "code", "principal", "phone", "longitude", "design_capacity", "id"]),
    st.one_of(st.text(max_size=8), st.integers(), st.none()),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(facts_strategy, min_size=1, max_size=12),
    st.randoms(),
    st.lists(unrelated, min_size=12, max_size=12),
)
def test_scope_never_depends_on_row_order_or_unrelated_fields(mines, rnd, noise):
    t = Thresholds(flood_season_start=FLOOD)
    expected = [rules.evaluate(m, t) for m in mines]
    rows = [{**noise[i], **dataclasses.asdict(m)} for i, m in enumerate(mines)]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    shuffled = {i: rules.evaluate(rows[i], t) for i in order}
    assert [shuffled[i] for i in range(len(rows))] == expected


@settings(max_examples=300, deadline=None)
@given(facts_strategy)
def test_verdict_invariants(m):
    v = rules.verdict(m, T)
    # An unmanned long shutdown is out of the campaign and only it needs a watch duty.
    assert v.watch == (m.status == "long_shutdown" and not v.campaign.in_scope)
    assert not (v.watch and v.campaign.in_scope)
    if m.status == "closed":
        assert not v.campaign.in_scope and not v.watch
        assert v.inspection.reasons == ()
    # Reasons keep the declared order and each appears once.
    order = [rules.INSPECTION_REASONS.index(r) for r in v.inspection.reasons]
    assert order == sorted(set(order))
    assert v.inspection.in_scope == bool(v.inspection.reasons)
    assert (v.priority.level == "high") == bool(v.priority.reasons)


def test_random_rows_in_any_order_give_the_same_verdicts():
    rnd = random.Random(7)
    rows = [
        {"kind": rnd.choice(KINDS), "status": rnd.choice(STATUSES), "resuming": rnd.random() < 0.3}
        for _ in range(50)
    ]
    before = {i: rules.evaluate(r, T) for i, r in enumerate(rows)}
    order = list(range(50))
    rnd.shuffle(order)
    assert {i: rules.evaluate(rows[i], T) for i in order} == before
