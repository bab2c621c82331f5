import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.models import Region
from kuangan.core.tests.factories import make_user
from kuangan.registry.models import Mine
from kuangan.registry.tests.factories import make_mine

from .. import quality, services
from ..choices import InspectionKind, LookbackReason
from ..models import Inspection, LookbackDraw
from .factories import make_setting, signed_self_inspection

pytestmark = pytest.mark.django_db


# --- pure figures --------------------------------------------------------------------------


def test_answers_per_minute():
    start = dt.datetime(2023, 4, 1, 9, 0, tzinfo=dt.UTC)
    assert quality.answers_per_minute(60, start, start + dt.timedelta(minutes=30)) == 2
    assert quality.answers_per_minute(60, start, start) == float("inf")
    assert quality.answers_per_minute(0, start, start) is None
    assert quality.answers_per_minute(5, None, start) is None


def _pop(n: int, city: str = "220600", county: str = "220605"):
    return [quality.Candidate(f"KA{county}{i:04d}", city, county) for i in range(n)]


def _reasons(result, code):
    return [r["reason"] for r in result.reasons[code]]


def test_lookback_city_full_coverage_is_a_visit_not_a_census():
    """六(四): “对相关市（州）检查全覆盖……其他抽查比例由各督导检查组结合实际自行确定”: the city
    is visited (at least one of its mines drawn), not every mine of it checked."""
    population = _pop(10, "220600", "220605")
    result = quality.draw(population, cities=["220600"], ratio=0.1, seed="2023-10")
    drawn = list(result.reasons)
    assert 1 <= len(drawn) < 10
    assert len(drawn) == 1 + 1  # the city's visit, then ceil(9 × 0.1)
    assert [code for code in drawn if "city" in _reasons(result, code)] == result.full
    assert len(result.full) == 1 and len(result.sampled) == 1
    # At 0 % only the visit remains.
    only = quality.draw(population, cities=["220600"], ratio=0, seed="2023-10")
    assert len(only.reasons) == 1 and only.sampled == []


def test_lookback_every_key_mine_is_drawn():
    """六(四): “对重点矿山检查全覆盖”: every key mine is drawn, whatever the ratio."""
    population = _pop(10) + _pop(20, "220200", "220202")
    key = ["KA2206050003", "KA2202020007", "KA2202020019"]
    for seed in ("a", "b", "c"):
        result = quality.draw(population, key_mines=key, ratio=0, seed=seed)
        assert result.full == sorted(key) and result.sampled == []
        assert all(_reasons(result, code) == ["key_mine"] for code in key)


def test_lookback_each_key_county_is_visited():
    """六(四): “对重点县检查全覆盖”: each key county is visited, by one of its mines."""
    population = (
        _pop(10, "220600", "220605") + _pop(6, "220600", "220621") + _pop(4, "220200", "220202")
    )
    result = quality.draw(population, counties=["220605", "220621", "220202"], ratio=0, seed="x")
    assert len(result.reasons) == 3
    visited = {
        r["region"] for why in result.reasons.values() for r in why if r["reason"] == "county"
    }
    assert visited == {"220605", "220621", "220202"}
    for code, why in result.reasons.items():
        assert code[2:8] == why[0]["region"]  # each county's visit is a mine of that county


def test_lookback_a_key_mine_there_visits_the_county_and_city():
    """“对重点县检查全覆盖、对重点矿山检查全覆盖”: a key mine in a key county (and its city) is
    that county's and city's visit; no other mine is drawn for them."""
    population = _pop(10, "220600", "220605") + _pop(10, "220600", "220621")
    result = quality.draw(
        population,
        cities=["220600"],
        counties=["220605"],
        key_mines=["KA2206050004"],
        ratio=0,
        seed="s",
    )
    assert list(result.reasons) == ["KA2206050004"]
    assert result.reasons["KA2206050004"] == [
        {"reason": "key_mine", "region": ""},
        {"reason": "county", "region": "220605"},
        {"reason": "city", "region": "220600"},
    ]


def test_lookback_same_seed_same_sample_other_seed_may_differ():
    """“其他抽查比例由各督导检查组结合实际自行确定”, drawn with a recorded seed: the same
    population (in any order), choices and seed give the same sample; another seed may not."""
    population = _pop(10) + _pop(5, "220100", "220102") + _pop(20, "220200", "220202")
    choices = {"cities": ["220100"], "counties": ["220605"], "key_mines": ["KA2202020003"]}
    first = quality.draw(population, **choices, ratio=0.25, seed="2023-10")
    again = quality.draw(list(reversed(population)), **choices, ratio=0.25, seed="2023-10")
    assert again == first
    assert not set(first.full) & set(first.sampled)
    # 3 visits / key mine; the rest: ceil(32 × 0.25) = 8.
    assert len(first.full) == 3 and len(first.sampled) == 8
    others = [quality.draw(population, **choices, ratio=0.25, seed=f"s{i}") for i in range(5)]
    assert any(o.reasons != first.reasons for o in others)


@pytest.mark.parametrize("ratio,expected", [(0, 0), (1, 20), (0.01, 1), (0.5, 10)])
def test_lookback_ratio_edges(ratio, expected):
    """“其他抽查比例由各督导检查组结合实际自行确定”: 0 % draws none of the rest, 100 % all."""
    result = quality.draw(_pop(20), ratio=ratio, seed="s")
    assert len(result.sampled) == expected and result.full == []


@pytest.mark.parametrize("ratio,expected", [(0, 2), (1, 15)])
def test_lookback_ratio_edges_with_visits(ratio, expected):
    """At 0 % only the visits and key mines are drawn; at 100 % every mine, each once."""
    population = _pop(10) + _pop(5, "220200", "220202")
    result = quality.draw(population, cities=["220200"], counties=["220605"], ratio=ratio, seed="s")
    assert len(result.reasons) == expected
    assert len(result.full) == 2


def test_lookback_a_chosen_region_without_mines_is_reported():
    """A chosen city or key county with no mine in the population cannot be visited: said so."""
    result = quality.draw(_pop(3), cities=["220100"], counties=["220605"], ratio=0, seed="s")
    assert result.unvisited == ["220100"]
    assert len(result.full) == 1


def test_lookback_ratio_outside_0_1_is_refused():
    with pytest.raises(ValueError):
        quality.draw(_pop(3), ratio=1.5, seed="s")


# --- quality of a mine's self-inspection ---------------------------------------------------


def _regulator_inspection(s, outcomes: dict):
    inspection = services.inspection_create(
        by=s.county, mine=s.mine, kind=InspectionKind.SUPERVISION
    )
    services.inspection_start(by=s.county, inspection=inspection)
    answers = [
        {"item": r.item.code, "outcome": outcomes.get(r.item.code, "compliant")}
        for r in inspection.results.select_related("item")
    ]
    services.items_record_bulk(by=s.county, inspection=inspection, answers=answers)
    services.inspection_finish(by=s.county, inspection=inspection)
    services.inspection_submit(by=s.county, inspection=inspection)
    return inspection


def test_quality_figures_missed_major_agreement_and_speed():
    s = make_setting()
    own = signed_self_inspection(s)  # 1.1 不符合 (major), 1.2 不适用, the rest 符合
    services.inspection_submit(by=s.principal, inspection=own)
    # The regulator finds 2.1 (linked to a criterion: major) and 1.1 non-compliant.
    _regulator_inspection(s, {"2.1": "noncompliant", "1.1": "noncompliant"})
    Inspection.objects.filter(pk=own.pk).update(
        started_at=own.finished_at - dt.timedelta(seconds=30)
    )
    rows = quality.quality_rows(user=s.county)
    assert len(rows) == 1
    q = rows[0]
    assert q.missed_major == 1  # 2.1 was 符合 in the self-inspection
    assert q.compared == 5 and q.agreed == 4  # 1.2 was 不适用: not compared
    assert q.fast and q.answers_per_minute == pytest.approx(12)
    assert not q.all_compliant
    # The enterprise principal sees the figure of its own mine only; outsiders nothing.
    assert quality.quality_rows(user=s.outsider) == []


def test_all_compliant_self_inspection_is_flagged():
    s = make_setting()
    inspection = services.inspection_create(by=s.principal, mine=s.mine, kind=InspectionKind.SELF)
    services.inspection_start(by=s.officer, inspection=inspection)
    services.items_record_bulk(
        by=s.officer,
        inspection=inspection,
        answers=[
            {"item": r.item.code, "outcome": "compliant"}
            for r in inspection.results.select_related("item")
        ],
    )
    q = quality.mine_quality(s.mine, self_inspection=inspection, regulator=[])
    assert q.all_compliant and q.noncompliant == 0 and q.agreement is None


# --- the look-back draw service -----------------------------------------------------------


def test_lookback_draw_is_recorded_and_can_be_reproduced():
    s = make_setting()
    campaign = make_campaign("220000")
    for _ in range(6):
        make_mine(enterprise=s.enterprise)
    make_mine("220102")
    make_mine(enterprise=s.enterprise, status="closed")  # out of the campaign
    leader = make_user("220000", role="regulator_leader")
    with pytest.raises(PermissionDenied):
        services.lookback_draw(
            by=s.county, campaign=campaign, region=Region.objects.get(code="220000"), ratio="0.5"
        )
    with pytest.raises(ValidationError):
        services.lookback_draw(
            by=leader, campaign=campaign, region=Region.objects.get(code="220000"), ratio="2"
        )
    record = services.lookback_draw(
        by=leader,
        campaign=campaign,
        region=Region.objects.get(code="220000"),
        ratio=Decimal("0.5"),
        cities=[Region.objects.get(code="220100")],
        seed="回头看-2023",
    )
    assert len(record.population) == 8  # 7 in the county (s.mine + 6) and 1 in 南关区
    assert len(record.full) == 1 and len(record.sampled) == 4
    assert record.method == "visit"
    assert record.reasons[record.full[0]] == [{"reason": "city", "region": "220100"}]
    assert all(record.reasons[c] == [{"reason": "ratio", "region": ""}] for c in record.sampled)
    assert services.lookback_verify(record)
    LookbackDraw.objects.filter(pk=record.pk).update(sampled=record.sampled[:-1])
    record.refresh_from_db()
    assert not services.lookback_verify(record)


def _leader_and_region():
    return make_user("220000", role="regulator_leader"), Region.objects.get(code="220000")


def test_lookback_draw_visits_a_city_of_ten_mines_once_and_records_why():
    """六(四): “对相关市（州）检查全覆盖”: a city of ten mines is visited (≥ 1 drawn) but not
    checked whole at a small ratio; the reasons are stored with the draw."""
    s = make_setting()
    campaign = make_campaign("220000")
    for _ in range(9):
        make_mine(enterprise=s.enterprise)
    leader, province = _leader_and_region()
    record = services.lookback_draw(
        by=leader, campaign=campaign, region=province, ratio="0.1", cities=["220600"], seed="s"
    )
    assert len(record.population) == 10
    assert 1 <= len(record.full + record.sampled) < 10
    assert [r["reason"] for r in record.reasons[record.full[0]]] == ["city"]
    with translation.override("en"):
        rows = services.lookback_rows(record)
        assert rows[0]["reasons"][0]["text"].startswith("Visit of a city")
    # Tampering with a reason is caught like tampering with the sample.
    LookbackDraw.objects.filter(pk=record.pk).update(
        reasons={code: [{"reason": "key_mine", "region": ""}] for code in record.reasons}
    )
    record.refresh_from_db()
    assert not services.lookback_verify(record)


def test_lookback_draw_refuses_regions_outside_and_reports_unvisited():
    """The chosen cities and key counties are regions of the region drawn from; one without a
    mine in the campaign scope is reported, not silently taken as visited."""
    make_setting()
    campaign = make_campaign("220000")
    leader, _province = _leader_and_region()
    city = Region.objects.get(code="220600")
    with pytest.raises(ValidationError) as exc:
        services.lookback_draw(
            by=leader, campaign=campaign, region=city, ratio="0", cities=["220100"], seed="s"
        )
    assert "cities" in exc.value.message_dict
    record = services.lookback_draw(
        by=leader, campaign=campaign, region=_province, ratio="0", cities=["220100"], seed="s"
    )
    assert record.full == [] and services.lookback_unvisited(record) == [
        {"region": "220100", "region_name": Region.objects.get(code="220100").name}
    ]


def test_lookback_draw_is_decided_on_the_day_it_is_drawn():
    """The population is the campaign scope on the day of the draw and is recorded: a mine
    closed the next day leaves the recorded draw and its check unchanged; a new draw that day
    leaves it out."""
    s = make_setting()
    campaign = make_campaign("220000")
    for _ in range(3):
        make_mine(enterprise=s.enterprise)
    leader, province = _leader_and_region()
    record = services.lookback_draw(
        by=leader, campaign=campaign, region=province, ratio="1", seed="day-1"
    )
    assert s.mine.code in record.sampled and len(record.population) == 4
    Mine.objects.filter(pk=s.mine.pk).update(status="closed")
    record.refresh_from_db()
    assert services.lookback_verify(record) and s.mine.code in record.sampled
    later = services.lookback_draw(
        by=leader, campaign=campaign, region=province, ratio="1", seed="day-2"
    )
    assert s.mine.code not in later.sampled and len(later.population) == 3


def test_lookback_census_draws_recorded_before_still_check():
    """A draw recorded with the earlier method (every mine of the chosen cities) is checked
    with that method, not reported as changed."""
    population = _pop(4) + _pop(3, "220100", "220102")
    full, sampled = quality.census_draw(population, cities=["220100"], ratio=0.5, seed="old")
    s = make_setting()
    record = LookbackDraw.objects.create(
        campaign=make_campaign("220000"),
        region=Region.objects.get(code="220000"),
        cities=["220100"],
        ratio="0.5",
        seed="old",
        method="census",
        population=[[c.code, c.city, c.county] for c in population],
        full=full,
        sampled=sampled,
        drawn_by=s.county,
    )
    assert len(full) == 3 and services.lookback_verify(record)
    assert {r["reason"] for row in services.lookback_rows(record) for r in row["reasons"]} == {
        "city",
        "ratio",
    }


def test_quality_and_lookback_pages(client):
    s = make_setting()
    make_campaign("220000")
    leader = make_user("220000", role="regulator_leader")
    client.force_login(leader)
    assert client.get(reverse("inspections:quality")).status_code == 200
    response = client.post(
        reverse("inspections:lookback_new"),
        {"ratio": "0.5", "seed": "abc", "region": Region.objects.get(code="220000").pk},
    )
    assert response.status_code == 302, response.context["form"].errors
    draw = LookbackDraw.objects.get()
    assert response.status_code == 302 and response["Location"] == draw.get_absolute_url()
    page = client.get(draw.get_absolute_url()).content.decode()
    assert "abc" in page and s.mine.code in page
    assert str(LookbackReason.RATIO.label) in page  # the reason as a label, not its code
    filtered = client.get(draw.get_absolute_url(), {"reason": "key_mine"}).content.decode()
    assert s.mine.code not in filtered
    found = client.get(draw.get_absolute_url(), {"q": s.mine.code}).content.decode()
    assert s.mine.code in found
    client.force_login(s.principal)
    assert client.get(draw.get_absolute_url()).status_code in (403, 404)
