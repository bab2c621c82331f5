"""Campaign pages and API: who sees which campaign, the form, the figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kuangan.campaigns.models import Campaign
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
