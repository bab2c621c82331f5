"""``kuangan scope``: the JSON array of every mine's verdict, or an Excel sheet."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from kuangan.registry.choices import MineKind, MineStatus
from kuangan.registry.tests.factories import make_mine

from .factories import make_campaign

pytestmark = pytest.mark.django_db


def run(**options) -> list[dict]:
    out, err = io.StringIO(), io.StringIO()
    call_command("scope", stdout=out, stderr=err, **options)
    return json.loads(out.getvalue())


@pytest.fixture
def mines():
    return [
        make_mine("220605", kind=MineKind.COAL_UNDERGROUND, hydro_class="very_complex"),
        make_mine(
            "220581",
            kind=MineKind.METAL_OPEN_PIT,
            slope_height_m=Decimal("95"),
            reserve_years=Decimal("2.9"),
        ),
        make_mine(
            "222404", kind=MineKind.TAILINGS_POND, status=MineStatus.LONG_SHUTDOWN, tailings_grade=4
        ),
    ]


def test_prints_one_json_array_in_the_issue_shape(mines):
    make_campaign(flood_season_start=dt.date(2023, 6, 1))
    rows = run()
    assert [r["code"] for r in rows] == sorted(m.code for m in mines)
    assert all(
        list(r)
        == [
            "code",
            "name",
            "kind",
            "status",
            "region_code",
            "campaign_scope",
            "watch_required",
            "inspection_scope",
            "checklist",
            "priority",
        ]
        for r in rows
    )
    coal = next(r for r in rows if r["kind"] == "coal_underground")
    assert coal["region_code"] == "220605"
    assert coal["inspection_scope"] == {"in_scope": True, "reasons": ["coal_operating"]}
    assert coal["priority"] == {
        "level": "high",
        "reasons": ["severe_hazard"],
        "inspect_before": "2023-06-01",
    }
    pit = next(r for r in rows if r["kind"] == "metal_open_pit")
    assert pit["inspection_scope"]["reasons"] == ["reserves_under_3y"]
    pond = next(r for r in rows if r["kind"] == "tailings_pond")
    assert pond["campaign_scope"] == {"in_scope": False, "reasons": []}
    assert pond["watch_required"] is True
    assert pond["inspection_scope"] == {"in_scope": False, "reasons": []}


def test_the_latest_campaign_is_the_default_and_a_chosen_one_is_used(mines):
    old = make_campaign(
        starts_on=dt.date(2023, 3, 1),
        ends_on=dt.date(2023, 12, 31),
        slope_threshold_m=Decimal(90),
        flood_season_start=dt.date(2023, 6, 1),
    )
    make_campaign(
        phases=False,
        starts_on=dt.date(2024, 3, 1),
        ends_on=dt.date(2024, 12, 31),
        reserve_years_threshold=Decimal(2),
    )
    latest = {r["kind"]: r for r in run()}
    assert latest["metal_open_pit"]["inspection_scope"]["reasons"] == []
    assert latest["coal_underground"]["priority"]["inspect_before"] == "2024-06-01"
    chosen = {r["kind"]: r for r in run(campaign=old.pk)}
    assert chosen["metal_open_pit"]["inspection_scope"]["reasons"] == [
        "open_pit_slope_100m",
        "reserves_under_3y",
    ]


def test_an_unknown_campaign_is_an_error(mines):
    with pytest.raises(CommandError, match="No campaign with id 999"):
        call_command("scope", campaign=999, stdout=io.StringIO())


def test_without_any_campaign_the_defaults_apply(mines):
    err = io.StringIO()
    out = io.StringIO()
    call_command("scope", stdout=out, stderr=err)
    assert "No campaign exists" in err.getvalue()
    rows = json.loads(out.getvalue())
    assert all(r["priority"]["inspect_before"] is None for r in rows)


def test_xlsx_output(mines, tmp_path):
    make_campaign()
    path = tmp_path / "scope.xlsx"
    call_command("scope", format="xlsx", output=str(path), stderr=io.StringIO())
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert sorted(v[0] for v in values) == sorted(m.code for m in mines)


def test_json_to_a_file(mines, tmp_path):
    path = tmp_path / "scope.json"
    call_command("scope", output=str(path), stderr=io.StringIO())
    assert len(json.loads(path.read_text(encoding="utf-8"))) == 3
