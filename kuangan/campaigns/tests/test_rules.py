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
    assert inspection(mine(kind, "rectifying")) == []
    assert inspection(mine(kind, "long_shutdown")) == []
    assert inspection(mine(kind, "closed")) == []


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("coal_underground", "coal_operating"),
        ("coal_open_pit", "coal_operating"),
        ("metal_underground", "metal_underground_operating"),
    ],
)
def test_a_rectifying_mine_is_in_the_campaign_but_not_in_key_inspection(kind, reason):
    """二: “所有正常生产、建设、整改的煤矿、金属非金属矿山” lists 整改 apart from 正常生产、建设;
    四(二)7 / 六(三): “煤矿检查范围为：所有正常生产建设煤矿” and “所有正常生产建设的金属非金属
    地下矿山”. A mine in 整改 is in the campaign, not in the key inspection; once it has resumed
    production (复工复产) it is inspected as a producing mine."""
    rectifying = mine(kind, "rectifying")
    assert rules.campaign_scope(rectifying) == rules.ScopeResult(True, ("operating",))
    assert rules.inspection_scope(rectifying, T) == rules.ScopeResult(False, ())
    assert not rules.normally_producing_or_constructing(rectifying)
    resumed = mine(kind, "rectifying", resuming=True)
    assert rules.normally_producing_or_constructing(resumed)
    assert rules.campaign_scope(resumed).in_scope
    assert inspection(resumed) == [reason]
    # People working at a rectifying mine do the rectification: that is not production.
    assert inspection(mine(kind, "rectifying", personnel_on_site=True)) == []


def test_a_rectifying_mine_gets_no_priority_until_it_resumes():
    """六(三): “对研判不放心的、灾害严重的矿山优先安排检查，对受水害威胁严重……的矿山要在汛期到来前
    完成检查” orders the key inspections of 四(二)7 (“所有正常生产建设煤矿”): a rectifying mine,
    outside them, has no priority and no flood-season deadline."""
    facts = {"gas_class": "outburst", "hydro_class": "complex", "regulator_concern": True}
    p = rules.priority(mine("coal_underground", "rectifying", **facts), T)
    assert (p.level, p.reasons, p.inspect_before, p.hazards) == ("normal", (), None, ())
    p = rules.priority(mine("coal_underground", "rectifying", resuming=True, **facts), T)
    assert (p.level, p.reasons, p.inspect_before) == (
        "high",
        ("regulator_concern", "severe_hazard"),
        FLOOD,
    )


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


def test_a_conversion_to_open_pit_counts_whichever_way_the_mine_is_registered():
    """四(二)7: “以及井工转露天开采……的金属非金属露天矿山”; 四(一)6(4): “井工转露天开采的矿山要
    深刻吸取事故教训，全面开展排查整治”. A metal mine still registered as underground while it
    converts to open-pit mining is such a mine: in key inspection even while rectifying."""
    m = mine("metal_underground", "rectifying", conversion="underground_to_open_pit")
    assert inspection(m) == ["underground_to_open_pit"]
    # Producing, it is inspected as an underground mine as well.
    m = mine("metal_underground", conversion="underground_to_open_pit")
    assert inspection(m) == ["metal_underground_operating", "underground_to_open_pit"]
    # Out of the campaign (an unmanned sealed shutdown), the conversion alone does not count.
    m = mine(
        "metal_underground",
        "long_shutdown",
        conversion="underground_to_open_pit",
        electronic_seal=True,
        physically_sealed=True,
    )
    assert inspection(m) == []


@pytest.mark.parametrize("kind", ["metal_open_pit", "metal_underground"])
def test_a_conversion_from_open_pit_to_underground_is_no_key_inspection_reason(kind):
    # 四(二)7 names only “井工转露天开采” among the open-pit conditions; 露天转井工 is the
    # special rectification 四(一)6(3), not a key-inspection condition.
    m = mine(kind, "rectifying", conversion="open_pit_to_underground")
    assert inspection(m) == []


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
    ("facts", "hazard"),
    [
        ({"gas_class": "outburst"}, "gas_outburst"),
        ({"gas_class": "high"}, "high_gas"),
        ({"rockburst": True}, "rockburst"),
        ({"spontaneous_combustion": True}, "spontaneous_combustion"),
        ({"hydro_class": "complex"}, "complex_hydrogeology"),
        ({"hydro_class": "very_complex"}, "complex_hydrogeology"),
        ({"flood_threat": True}, "flood_threat"),
        ({"geohazard_exposed": True}, "geohazard"),
        ({"kind": "metal_open_pit", "slope_height_m": Decimal(100)}, "high_slope"),
        ({"kind": "coal_open_pit", "slope_height_m": Decimal(120)}, "high_slope"),
        ({"kind": "tailings_pond", "head_top": True}, "tailings_head_top"),
        ({"kind": "tailings_pond", "tailings_grade": 1}, "tailings_grade_1_or_2"),
        ({"kind": "tailings_pond", "tailings_grade": 2}, "tailings_grade_1_or_2"),
    ],
)
def test_severe_hazards_are_high_priority(facts, hazard):
    """六(三): “对……灾害严重的矿山优先安排检查”: every disaster attribute of the registry counts
    (outburst, high gas, rockburst, spontaneous combustion, water, high slope, geohazard,
    head-top or large tailings ponds)."""
    kind = facts.pop("kind", "coal_underground")
    p = rules.priority(mine(kind, **facts), T)
    assert p.level == "high"
    assert p.reasons == ("severe_hazard",)
    assert p.hazards == (hazard,)


def test_a_slope_below_the_threshold_is_not_a_severe_hazard():
    # The high-slope hazard uses the campaign's slope threshold (“100 米及以上”).
    m = mine("coal_open_pit", slope_height_m=Decimal("99.9"))
    assert rules.severe_hazards(m, T) == ()
    assert rules.severe_hazards(m, Thresholds(slope_m=Decimal(90))) == ("high_slope",)


@pytest.mark.parametrize(
    "facts",
    [
        {"gas_class": "low"},
        {"hydro_class": "medium"},
        {"hydro_class": "simple"},
        {"kind": "tailings_pond", "tailings_grade": 3},
        {"kind": "tailings_pond", "ownerless": True},
        {
            "kind": "metal_open_pit",
            "slope_height_m": Decimal("99.9"),
            "dump_height_m": Decimal(200),
        },
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


def test_a_geohazard_exposed_mine_is_severe_and_inspected_before_the_flood_season():
    # “灾害严重” and “可能受地质灾害影响的矿山要在汛期到来前完成检查”
    p = rules.priority(
        mine("metal_open_pit", slope_height_m=Decimal(150), geohazard_exposed=True), T
    )
    assert (p.level, p.inspect_before) == ("high", FLOOD)
    assert p.hazards == ("high_slope", "geohazard")


def test_a_geohazard_exposed_mine_outside_key_inspection_has_no_deadline():
    # Priority is given within the key-inspection scope only (an ordinary open pit is out).
    p = rules.priority(mine("metal_open_pit", geohazard_exposed=True), T)
    assert (p.level, p.reasons, p.inspect_before) == ("normal", (), None)


@pytest.mark.parametrize(
    "facts",
    [
        {"kind": "tailings_pond", "tailings_grade": 3},
        {"kind": "metal_open_pit", "slope_height_m": Decimal(100)},
    ],
)
def test_the_water_threat_flag_sets_the_flood_season_deadline(facts):
    """六(三): “对受水害威胁严重和可能受地质灾害影响的矿山要在汛期到来前完成检查”. A tailings pond
    and an open pit have no hydrogeological type to show it: the mine's own flag
    ``flood_threat`` (受水害威胁严重) does."""
    kind = facts.pop("kind")
    plain = rules.priority(mine(kind, **facts), T)
    assert plain.inspect_before is None
    threatened = rules.priority(mine(kind, flood_threat=True, **facts), T)
    assert threatened.inspect_before == FLOOD
    assert threatened.level == "high"
    assert "flood_threat" in threatened.hazards


def test_the_water_threat_flag_works_beside_the_hydrogeological_type():
    # Either the flag or a complex hydrogeology is enough; a simple type does not lift the flag.
    m = mine("metal_underground", hydro_class="simple", flood_threat=True)
    assert rules.flood_deadline_applies(m)
    assert rules.priority(m, T).inspect_before == FLOOD
    assert not rules.flood_deadline_applies(mine("metal_underground", hydro_class="medium"))


def test_a_water_threatened_pond_outside_key_inspection_has_no_priority():
    # A grade-4 pond that is neither head-top nor ownerless is out of 四(二)7's scope.
    m = mine("tailings_pond", tailings_grade=4, flood_threat=True)
    assert not rules.inspection_scope(m, T).in_scope
    p = rules.priority(m, T)
    assert (p.level, p.reasons, p.inspect_before, p.hazards) == ("normal", (), None, ())


def test_history_rows_without_the_new_facts_read_as_not_set():
    # A MineHistory state written before these facts existed has None for them.
    m = rules.facts(
        {"kind": "tailings_pond", "status": "producing", "flood_threat": None, "head_top": None}
    )
    assert (m.flood_threat, m.head_top, m.spontaneous_combustion) == (False, False, False)


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
    spontaneous_combustion=st.booleans(),
    geohazard_exposed=st.booleans(),
    flood_threat=st.booleans(),
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
    # 六(三)'s priority and flood-season deadline are given within the key-inspection scope only.
    if not v.inspection.in_scope:
        assert v.priority == rules.Priority("normal")
    # A rectifying mine is inspected only as resumed or for a condition of its own.
    if m.status == "rectifying" and not m.resuming:
        assert not {"coal_operating", "metal_underground_operating"} & set(v.inspection.reasons)


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
