"""Campaign workflows: phases with deadlines, thresholds, audit, version conflicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kuangan.campaigns import services
from kuangan.campaigns.models import Campaign
from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent, Region
from kuangan.core.services import ConflictError
from kuangan.core.tests.factories import make_user

from .factories import PHASES

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user("220000", Role.PROVINCE_ADMIN)


def data(**kw):
    d = {
        "name": "综合整治",
        "region": Region.objects.get(code="220000"),
        "starts_on": dt.date(2024, 3, 1),
        "ends_on": dt.date(2024, 12, 31),
    }
    d.update(kw)
    return d


def phases(year=2024):
    return [{"kind": k, "deadline": d.replace(year=year)} for k, d in PHASES]


def test_create_with_five_phases_and_the_default_flood_season(admin):
    campaign = services.campaign_create(by=admin, phases=phases(), **data())
    assert campaign.flood_season_start == dt.date(2024, 6, 1)
    assert campaign.slope_threshold_m == Decimal(100)
    assert [p.order for p in campaign.phases.all()] == [1, 2, 3, 4, 5]
    assert campaign.current_phase(dt.date(2024, 4, 15)).kind == "self_inspection"
    assert campaign.current_phase(dt.date(2025, 1, 1)) is None
    event = AuditEvent.objects.get(action=AuditAction.CREATED, object_type="campaigns.campaign")
    assert len(event.changes["phases"][1]) == 5


def test_phase_deadlines_must_fit_and_follow_each_other(admin):
    bad = phases()
    bad[2]["deadline"] = dt.date(2024, 4, 1)  # key inspection before self-inspection ends
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(by=admin, phases=bad, **data())
    assert "phases" in exc.value.message_dict
    late = phases()
    late[4]["deadline"] = dt.date(2025, 1, 31)
    with pytest.raises(ValidationError):
        services.campaign_create(by=admin, phases=late, **data())
    twice = [*phases(), {"kind": "summary", "deadline": dt.date(2024, 12, 31)}]
    with pytest.raises(ValidationError):
        services.campaign_create(by=admin, phases=twice, **data())
    assert not Campaign.objects.exists()


def test_ends_after_it_starts(admin):
    with pytest.raises(ValidationError) as exc:
        services.campaign_create(by=admin, **data(ends_on=dt.date(2024, 1, 1)))
    assert "ends_on" in exc.value.message_dict


def test_update_thresholds_and_conflict(admin):
    campaign = services.campaign_create(by=admin, phases=phases(), **data())
    services.campaign_update(by=admin, campaign=campaign, version=1, slope_threshold_m=Decimal(80))
    assert Campaign.objects.get().slope_threshold_m == Decimal(80)
    with pytest.raises(ConflictError):
        services.campaign_update(by=admin, campaign=Campaign.objects.get(), version=1, name="x")
    assert AuditEvent.objects.filter(action=AuditAction.UPDATED).count() == 1


def test_moving_the_dates_must_keep_the_phases_inside(admin):
    campaign = services.campaign_create(by=admin, phases=phases(), **data())
    with pytest.raises(ValidationError):
        services.campaign_update(by=admin, campaign=campaign, ends_on=dt.date(2024, 10, 31))
    assert Campaign.objects.get().ends_on == dt.date(2024, 12, 31)


def test_only_the_province_creates_campaigns():
    inspector = make_user("220605", Role.REGULATOR_INSPECTOR)
    with pytest.raises(PermissionDenied):
        services.campaign_create(by=inspector, **data())
