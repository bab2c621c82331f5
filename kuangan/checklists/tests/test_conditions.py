"""Applicability conditions: validation (Chinese errors), evaluation of every operator, nesting,
unknown values, and the allow-list against the registry's Mine model."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kuangan.checklists import conditions
from kuangan.checklists.conditions import FIELDS, applies, evaluate, validate

MINE = {
    "kind": "coal_underground",
    "status": "producing",
    "resuming": False,
    "personnel_on_site": True,
    "electronic_seal": False,
    "physically_sealed": False,
    "slope_height_m": None,
    "dump_height_m": Decimal("120.5"),
    "tailings_grade": 3,
    "head_top": False,
    "ownerless": False,
    "reserve_years": Decimal("2.5"),
    "conversion": "none",
    "tailings_into_open_pit": False,
    "gas_class": "high",
    "hydro_class": "complex",
    "rockburst": True,
    "geohazard_exposed": False,
    "regulator_concern": False,
    "design_capacity": Decimal("90"),
}


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "gas_class", "eq": "high"}, True),
        ({"field": "gas_class", "eq": "low"}, False),
        ({"field": "gas_class", "ne": "low"}, True),
        ({"field": "gas_class", "ne": "high"}, False),
        ({"field": "gas_class", "in": ["high", "outburst"]}, True),
        ({"field": "gas_class", "in": ["low", "outburst"]}, False),
        ({"field": "hydro_class", "not_in": ["simple", "medium"]}, True),
        ({"field": "hydro_class", "not_in": ["complex"]}, False),
        ({"field": "dump_height_m", "gt": 120}, True),
        ({"field": "dump_height_m", "gt": 120.5}, False),
        ({"field": "dump_height_m", "gte": 120.5}, True),
        ({"field": "dump_height_m", "gte": 121}, False),
        ({"field": "reserve_years", "lt": 3}, True),
        ({"field": "reserve_years", "lt": 2.5}, False),
        ({"field": "reserve_years", "lte": 2.5}, True),
        ({"field": "reserve_years", "lte": 2}, False),
        ({"field": "tailings_grade", "lte": 3}, True),
        ({"field": "tailings_grade", "lt": 3}, False),
        ({"field": "tailings_grade", "in": [1, 2, 3]}, True),
        ({"field": "rockburst", "is_true": True}, True),
        ({"field": "head_top", "is_true": True}, False),
        ({"field": "head_top", "is_false": True}, True),
        ({"field": "rockburst", "is_false": True}, False),
        ({"field": "rockburst", "eq": True}, True),
        ({"field": "slope_height_m", "is_null": True}, True),
        ({"field": "slope_height_m", "is_null": False}, False),
        ({"field": "dump_height_m", "is_null": False}, True),
    ],
)
def test_every_operator(condition, expected):
    validate(condition)
    assert evaluate(condition, MINE) is expected


def test_nested_all_any_not():
    condition = {
        "all": [
            {"field": "kind", "eq": "coal_underground"},
            {
                "any": [
                    {"field": "gas_class", "eq": "outburst"},
                    {"not": {"field": "hydro_class", "in": ["simple", "medium"]}},
                ]
            },
        ]
    }
    validate(condition)
    assert evaluate(condition, MINE) is True
    assert evaluate(condition, {**MINE, "hydro_class": "simple"}) is False
    assert evaluate(condition, {**MINE, "hydro_class": "simple", "gas_class": "outburst"}) is True
    assert evaluate({"not": condition}, MINE) is False


def test_empty_condition_always_applies():
    assert evaluate({}, MINE) is True
    assert evaluate(None, {}) is True
    assert conditions.errors_of({}) == []


def test_unknown_value_leaves_the_condition_undecided_and_the_item_in():
    condition = {"field": "slope_height_m", "gte": 100}
    assert evaluate(condition, MINE) is None
    assert applies(condition, MINE)
    assert conditions.unknown_fields(condition, MINE) == ["slope_height_m"]
    # Kleene logic: a false part decides "all", a true part decides "any".
    assert evaluate({"all": [condition, {"field": "gas_class", "eq": "low"}]}, MINE) is False
    assert evaluate({"any": [condition, {"field": "gas_class", "eq": "high"}]}, MINE) is True
    assert evaluate({"all": [condition, {"field": "gas_class", "eq": "high"}]}, MINE) is None
    assert evaluate({"not": condition}, MINE) is None


def test_the_registry_blank_choice_counts_as_unknown():
    assert evaluate({"field": "gas_class", "in": ["high"]}, {**MINE, "gas_class": ""}) is None


def test_works_on_objects_as_well_as_dicts():
    class Mine:
        gas_class = "outburst"
        slope_height_m = Decimal("150.0")

    assert evaluate({"field": "gas_class", "eq": "outburst"}, Mine()) is True
    assert evaluate({"field": "slope_height_m", "gte": 100}, Mine()) is True


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ({"field": "gas_level", "eq": "high"}, "未知字段“gas_level”"),
        ({"field": "gas_class", "like": "high"}, "未知运算符“like”"),
        ({"field": "gas_class", "gt": "high"}, "不能用于“gas_class”"),
        ({"field": "rockburst", "in": [True]}, "不能用于“rockburst”"),
        ({"field": "gas_class", "eq": "very_high"}, "取值"),
        ({"field": "slope_height_m", "gte": "100"}, "取值"),
        ({"field": "slope_height_m", "gte": True}, "取值"),
        ({"field": "tailings_grade", "eq": 6}, "取值"),
        ({"field": "tailings_grade", "eq": 2.5}, "取值"),
        ({"field": "gas_class", "in": []}, "非空列表"),
        ({"field": "gas_class", "in": "high"}, "非空列表"),
        ({"field": "head_top", "is_true": False}, "true"),
        ({"field": "head_top", "is_null": "yes"}, "is_null"),
        ({"field": "gas_class", "eq": "high", "ne": "low"}, "恰好一个运算符"),
        ({"field": "gas_class"}, "恰好一个运算符"),
        ({"all": []}, "非空列表"),
        ({"all": [{"field": "gas_class", "eq": "high"}], "field": "x"}, "单独"),
        ({"gas_class": "high"}, "需要“field”"),
        (["gas_class"], "对象"),
        ("__import__('os').system('true')", "对象"),
    ],
)
def test_bad_conditions_are_refused_with_a_chinese_reason(condition, fragment):
    with pytest.raises(ValidationError) as exc:
        validate(condition)
    text = " ".join(exc.value.messages)
    assert fragment in text, text


def test_errors_say_where_in_a_nested_condition():
    errors = conditions.errors_of(
        {"all": [{"field": "gas_class", "eq": "high"}, {"any": [{"field": "nope", "eq": 1}]}]}
    )
    assert len(errors) == 1
    assert errors[0].startswith("all[2].any[1]")


def test_every_problem_is_reported_not_only_the_first():
    errors = conditions.errors_of(
        {"any": [{"field": "nope", "eq": 1}, {"field": "gas_class", "eq": "x"}]}
    )
    assert len(errors) == 2


def test_depth_and_size_are_bounded():
    deep = {"field": "rockburst", "is_true": True}
    for _ in range(conditions.MAX_DEPTH + 2):
        deep = {"not": deep}
    assert any("层级" in e for e in conditions.errors_of(deep))
    wide = {"any": [{"field": "rockburst", "is_true": True}] * (conditions.MAX_NODES + 5)}
    assert any("过大" in e for e in conditions.errors_of(wide))


def test_text_is_parsed_as_json_data_never_run():
    assert conditions.parse('{"field": "gas_class", "in": ["high"]}') == {
        "field": "gas_class",
        "in": ["high"],
    }
    assert conditions.parse("  ") == {}
    for text in ("gas_class == 'high'", "__import__('os')", "{'field': 'gas_class'}"):
        with pytest.raises(ValidationError) as exc:
            conditions.parse(text)
        assert "JSON" in " ".join(exc.value.messages)


def test_describe_in_chinese():
    text = conditions.describe(
        {
            "all": [
                {"field": "gas_class", "in": ["high", "outburst"]},
                {"field": "head_top", "is_true": True},
            ]
        }
    )
    assert "瓦斯等级" in text and "高瓦斯、煤与瓦斯突出" in text and "头顶库" in text


def test_allow_list_matches_the_registry_mine_model():
    """Every field a condition may test is a field of ``Mine`` of the same type, and every
    choice value is one the registry allows."""
    from django.db import models

    from kuangan.registry.models import Mine

    for name, spec in FIELDS.items():
        field = Mine._meta.get_field(name)
        if spec.kind == "bool":
            assert isinstance(field, models.BooleanField), name
        elif spec.kind == "number":
            assert isinstance(
                field, models.DecimalField | models.FloatField | models.IntegerField
            ), name
        elif spec.kind == "int":
            assert isinstance(field, models.IntegerField), name
        else:
            registry_values = {value for value, _label in field.choices}
            assert set(spec.choices) == registry_values, name
    brief = {
        "kind", "status", "resuming", "personnel_on_site", "electronic_seal", "physically_sealed",
        "slope_height_m", "dump_height_m", "tailings_grade", "head_top", "ownerless",
        "reserve_years", "conversion", "tailings_into_open_pit", "gas_class", "hydro_class",
        "rockburst", "geohazard_exposed", "regulator_concern", "design_capacity",
    }  # fmt: skip
    assert set(FIELDS) == brief


def test_mine_kinds_match_the_registry():
    from kuangan.checklists.choices import MineKind
    from kuangan.registry.choices import MineKind as RegistryMineKind

    assert MineKind.values == RegistryMineKind.values
