"""Which items a mine gets from the example checklists (plain dicts and registry mines)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kuangan.checklists.applicability import applicable_items, current_template

from .factories import example, make_template

pytestmark = pytest.mark.django_db

COAL = {
    "kind": "coal_underground",
    "status": "producing",
    "gas_class": "low",
    "hydro_class": "simple",
    "rockburst": False,
}


def codes(result) -> set[str]:
    return {e.item.code for e in result.items}


def test_a_low_gas_simple_coal_mine_skips_the_outburst_and_complex_water_items():
    t = example("example-coal-underground")
    result = applicable_items(t, COAL)
    got = codes(result)
    assert "5.8" in got  # non-outburst mines watch for outburst signs
    assert not {"5.1", "5.2", "5.7", "3.10", "4.5", "7.2", "9.2", "2.10", "3.11"} & got
    assert {"9.1", "1.1", "13.1"} <= got
    assert result.undecided == 0
    assert len(result.items) + result.excluded == t.items.count()


def test_an_outburst_complex_rockburst_mine_gets_those_items():
    mine = {**COAL, "gas_class": "outburst", "hydro_class": "very_complex", "rockburst": True}
    got = codes(applicable_items(example("example-coal-underground"), mine))
    assert {"5.1", "5.2", "5.7", "3.10", "4.5", "7.2", "9.2", "9.6"} <= got
    assert "5.8" not in got


def test_unknown_values_keep_the_items_marked_to_confirm():
    mine = {"kind": "coal_underground", "status": "producing", "gas_class": "", "rockburst": False}
    result = applicable_items(example("example-coal-underground"), mine)
    undecided = {e.item.code: e.unknown for e in result.items if not e.decided}
    assert undecided["5.1"] == ["gas_class"]
    assert undecided["7.2"] == ["hydro_class"]
    assert result.undecided == len(undecided)


def test_non_coal_items_follow_the_mine_kind_and_the_notices_scope_facts():
    t = example("example-non-coal")
    pond = {
        "kind": "tailings_pond",
        "status": "producing",
        "tailings_grade": 4,
        "head_top": False,
        "ownerless": False,
    }
    got = codes(applicable_items(t, pond))
    assert all(c.split(".")[0] in {"1", "9", "13", "14", "15"} for c in got)
    assert {"13.1", "14.1", "15.1", "15.6"} <= got
    assert not {"15.2", "15.3", "15.4", "15.5"} & got
    head_top = {**pond, "head_top": True, "ownerless": True}
    assert {"15.2", "15.3", "15.4"} <= codes(applicable_items(t, head_top))
    assert "15.2" in codes(applicable_items(t, {**pond, "tailings_grade": 3}))

    pit = {
        "kind": "metal_open_pit",
        "status": "producing",
        "slope_height_m": Decimal("150"),
        "dump_height_m": Decimal("80"),
        "reserve_years": Decimal("2"),
        "conversion": "none",
        "tailings_into_open_pit": True,
        "geohazard_exposed": False,
        "hydro_class": "simple",
    }
    got = codes(applicable_items(t, pit))
    assert {"11.4", "11.5", "12.6", "10.2"} <= got
    assert not {"11.2", "12.5", "10.1", "2.1", "13.1"} & got
    assert "11.2" in codes(applicable_items(t, {**pit, "dump_height_m": Decimal("200")}))

    shut = {
        "kind": "metal_underground",
        "status": "long_shutdown",
        "personnel_on_site": False,
        "resuming": False,
        "hydro_class": "medium",
        "conversion": "none",
        "reserve_years": Decimal("10"),
    }
    got = codes(applicable_items(t, shut))
    assert {"9.1", "9.3", "9.4", "4.4"} <= got
    assert not {"9.2", "9.5", "4.5", "3.3", "3.6"} & got
    assert "9.2" in codes(applicable_items(t, {**shut, "personnel_on_site": True}))


def test_a_checklist_of_another_family_is_refused():
    with pytest.raises(ValidationError):
        applicable_items(example("example-coal-open-pit"), COAL)


def test_current_template_is_the_latest_published_of_the_family():
    assert current_template("coal_underground").code == "example-coal-underground"
    assert current_template("tailings_pond").code == "example-non-coal"
    newer = make_template(code="official-ug", publish=True)
    assert current_template("coal_underground") == newer
    make_template(code="draft-ug")
    assert current_template("coal_underground") == newer
    assert current_template("no_such_kind") is None


def test_a_registry_mine_works_like_a_dict():
    from kuangan.registry.tests.factories import make_mine

    mine = make_mine(
        kind="coal_underground", gas_class="outburst", hydro_class="complex", rockburst=True
    )
    got = codes(applicable_items(example("example-coal-underground"), mine))
    assert {"5.1", "7.2", "9.2"} <= got
