import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.models import Region
from kuangan.core.tests.factories import make_user
from kuangan.registry.tests.factories import make_mine

from .. import quality, services
from ..choices import InspectionKind
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


def test_lookback_full_coverage_and_a_reproducible_sample():
    population = _pop(10) + _pop(5, "220100", "220102") + _pop(20, "220200", "220202")
    full, sampled = quality.draw(
        population,
        cities=["220100"],
        counties=["220605"],
        key_mines=["KA2202020003"],
        ratio=0.25,
        seed="2023-10",
    )
    assert len(full) == 10 + 5 + 1
    assert "KA2202020003" in full
    assert len(sampled) == 5  # ceil(19 × 0.25)
    assert not set(full) & set(sampled)
    again = quality.draw(
        list(reversed(population)),
        cities=["220100"],
        counties=["220605"],
        key_mines=["KA2202020003"],
        ratio=0.25,
        seed="2023-10",
    )
    assert again == (full, sampled)
    other = quality.draw(population, cities=["220100"], counties=["220605"], ratio=0.25, seed="x")
    assert other[1] != sampled or other[0] != full


@pytest.mark.parametrize("ratio,expected", [(0, 0), (1, 20), (0.01, 1), (0.5, 10)])
def test_lookback_ratio_edges(ratio, expected):
    _full, sampled = quality.draw(_pop(20), ratio=ratio, seed="s")
    assert len(sampled) == expected


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
    assert services.lookback_verify(record)
    LookbackDraw.objects.filter(pk=record.pk).update(sampled=record.sampled[:-1])
    record.refresh_from_db()
    assert not services.lookback_verify(record)


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
    client.force_login(s.principal)
    assert client.get(draw.get_absolute_url()).status_code in (403, 404)
