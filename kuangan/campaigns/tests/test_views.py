"""Campaign pages and API: who sees which campaign, the form, the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kuangan.campaigns import presenters, rules
from kuangan.campaigns.choices import PhaseKind
from kuangan.campaigns.models import Campaign, Phase
from kuangan.core.choices import Role
from kuangan.core.models import Region
from kuangan.core.tests.factories import make_user
from kuangan.registry.tests.factories import make_enterprise, make_mine

from .factories import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns():
    return {
        "province": make_campaign("220000", name="全省整治"),
        "baishan": make_campaign("220600", name="白山整治"),
        "changchun": make_campaign("220100", name="长春整治"),
    }


def names(response):
    return {row["obj"].name for row in response.context["rows"]}


def test_a_county_sees_the_province_and_its_citys_campaigns(client, campaigns):
    client.force_login(make_user("220605", Role.REGULATOR_INSPECTOR))
    response = client.get(reverse("campaigns:campaign_list"))
    assert names(response) == {"全省整治", "白山整治"}
    assert client.get(campaigns["changchun"].get_absolute_url()).status_code == 404
    page = client.get(campaigns["province"].get_absolute_url(), {"tab": "phases"})
    assert page.status_code == 200
    for tab in ("thresholds", "scope", "history"):
        assert client.get(campaigns["province"].get_absolute_url(), {"tab": tab}).status_code == 200


def test_an_enterprise_sees_the_campaigns_over_its_mines(client, campaigns):
    ent = make_enterprise("220102")
    make_mine("220605", enterprise=ent)
    client.force_login(make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=ent))
    response = client.get(reverse("campaigns:campaign_list"))
    assert names(response) == {"全省整治", "白山整治", "长春整治"}


def test_admin_roles_see_no_campaign(client, campaigns):
    client.force_login(make_user("220000", Role.SYSTEM_ADMIN))
    assert client.get(reverse("campaigns:campaign_list")).status_code == 403


def test_the_province_creates_a_campaign_through_the_form(client):
    client.force_login(make_user("220000", Role.PROVINCE_ADMIN))
    url = reverse("campaigns:campaign_create")
    assert client.get(url).status_code == 200
    data = {
        "name": "2024 年综合整治",
        "document_number": "吉应急〔2024〕1号",
        "region": Region.objects.get(code="220000").pk,
        "starts_on": "2024-03-01",
        "ends_on": "2024-12-31",
        "slope_threshold_m": "100",
        "dump_threshold_m": "100",
        "reserve_years_threshold": "3",
        "tailings_grade_threshold": "3",
        "deadline_mobilise": "2024-03-31",
        "deadline_self_inspection": "2024-04-30",
        "deadline_key_inspection": "2024-09-30",
        "deadline_supervision": "2024-11-30",
        "deadline_summary": "2024-12-31",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    campaign = Campaign.objects.get()
    assert campaign.flood_season_start == dt.date(2024, 6, 1)
    assert campaign.phases.count() == 5
    data["deadline_summary"] = "2025-02-01"
    response = client.post(
        reverse("campaigns:campaign_edit", args=[campaign.pk]), {**data, "version": 1}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_campaign_api(campaigns):
    client = APIClient()
    client.force_authenticate(make_user("220605", Role.REGULATOR_INSPECTOR))
    rows = client.get("/api/v1/campaigns/").json()["results"]
    assert {r["name"] for r in rows} == {"全省整治", "白山整治"}
    assert len(rows[0]["phases"]) == 5
    make_mine("220605")
    figures = client.get(f"/api/v1/campaigns/{campaigns['province'].pk}/figures/").json()
    assert figures["total"] == 1 and figures["in_campaign"] == 1
    assert client.get(f"/api/v1/campaigns/{campaigns['changchun'].pk}/").status_code == 404
    assert client.post("/api/v1/campaigns/", {}, format="json").status_code == 403


def test_campaign_api_create():
    client = APIClient()
    client.force_authenticate(make_user("220000", Role.PROVINCE_ADMIN))
    response = client.post(
        "/api/v1/campaigns/",
        {
            "name": "2025 年综合整治",
            "region": "220000",
            "starts_on": "2025-03-01",
            "ends_on": "2025-12-31",
            "phases": [
                {"kind": "mobilise", "deadline": "2025-03-31"},
                {"kind": "summary", "deadline": "2025-12-31"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["flood_season_start"] == "2025-06-01"
    assert [p["kind"] for p in response.json()["phases"]] == ["mobilise", "summary"]


# --- Where a campaign stands (ended / current phase) ----------------------------------------


def test_an_ended_campaign_is_marked_ended(client):
    campaign = make_campaign("220000", name="二〇二三年整治")  # ended 2023-12-31
    client.force_login(make_user("220605", Role.REGULATOR_INSPECTOR))
    body = client.get(reverse("campaigns:campaign_list")).content.decode()
    assert "已结束" in body
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "已结束" in page


def test_a_running_campaign_shows_its_current_phase(client):
    today = timezone.localdate()
    campaign = make_campaign(
        "220000",
        name="进行中整治",
        phases=False,
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=200),
    )
    Phase.objects.create(
        campaign=campaign, kind=PhaseKind.MOBILISE, deadline=today - dt.timedelta(days=1)
    )
    Phase.objects.create(
        campaign=campaign, kind=PhaseKind.SELF_INSPECTION, deadline=today + dt.timedelta(days=60)
    )
    Phase.objects.create(
        campaign=campaign, kind=PhaseKind.SUMMARY, deadline=today + dt.timedelta(days=200)
    )
    assert presenters.campaign_stage(campaign) == str(PhaseKind.SELF_INSPECTION.label)
    client.force_login(make_user("220605", Role.REGULATOR_INSPECTOR))
    label = str(PhaseKind.SELF_INSPECTION.label)
    body = client.get(reverse("campaigns:campaign_list")).content.decode()
    assert label in body and "已结束" not in body
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert label in page


def test_home_panel_does_not_present_an_ended_campaigns_deadline_as_current(client):
    campaign = make_campaign("220000", name="二〇二三年整治")  # flood season 2023-06-01
    ent = make_enterprise("220605")
    mine = make_mine("220605", enterprise=ent, name="水害煤矿", hydro_class="complex")
    verdict = rules.verdict(mine.rule_state(), campaign.thresholds())
    assert verdict.priority.inspect_before == dt.date(2023, 6, 1)  # what the panel used to show
    client.force_login(make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=ent))
    response = client.get(reverse("core:home"))
    panel = next(p for p in response.context["panels"] if p.template.endswith("my_mines.html"))
    assert panel.context["ended"] and panel.context["rows"][0]["inspect_before"] is None
    body = response.content.decode()
    assert "2023-06-01" not in body and "已结束" in body
