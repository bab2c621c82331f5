"""Registry API: mines by code with scope, enterprises, watch duties; scope and permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.choices import Role
from kuangan.core.credit_code import make_credit_code
from kuangan.core.models import Region
from kuangan.core.tests.factories import make_user
from kuangan.registry.choices import MineKind, MineStatus
from kuangan.registry.models import Mine, WatchDuty

from .factories import make_enterprise, make_mine

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def mines():
    ent = make_enterprise("220605")
    return {
        "coal": make_mine("220605", enterprise=ent, name="甲煤矿", hydro_class="complex"),
        "shut": make_mine(
            "220605",
            enterprise=ent,
            name="甲地下矿",
            kind=MineKind.METAL_UNDERGROUND,
            status=MineStatus.LONG_SHUTDOWN,
            electronic_seal=True,
        ),
        "other": make_mine("220602", name="乙煤矿"),
    }


def codes(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


def test_a_county_inspector_lists_its_county_only(mines):
    client = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    response = client.get("/api/v1/mines/")
    assert response.status_code == 200
    assert codes(response) == {mines["coal"].code, mines["shut"].code}
    assert client.get(f"/api/v1/mines/{mines['other'].code}/").status_code == 404
    assert client.get(f"/api/v1/mines/{mines['other'].code}/scope/").status_code == 404
    assert client.get(f"/api/v1/mines/{mines['coal'].code}/").json()["name"] == "甲煤矿"


def test_an_enterprise_lists_its_own_mines(mines):
    client = api(make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mines["coal"].enterprise))
    assert codes(client.get("/api/v1/mines/")) == {mines["coal"].code, mines["shut"].code}
    assert client.get(f"/api/v1/mines/{mines['other'].code}/").status_code == 404


def test_the_scope_of_one_mine(mines):
    make_campaign(flood_season_start=dt.date(2023, 6, 1))
    client = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    body = client.get(f"/api/v1/mines/{mines['shut'].code}/scope/").json()
    assert body == {
        "code": mines["shut"].code,
        "name": "甲地下矿",
        "kind": "metal_underground",
        "status": "long_shutdown",
        "region_code": "220605",
        "campaign_scope": {"in_scope": False, "reasons": []},
        "watch_required": True,
        "inspection_scope": {"in_scope": True, "reasons": ["metal_underground_unsealed_shutdown"]},
        "checklist": "non_coal",
        "priority": {"level": "normal", "reasons": [], "inspect_before": None},
    }
    coal = client.get(f"/api/v1/mines/{mines['coal'].code}/scope/").json()
    assert coal["priority"] == {
        "level": "high",
        "reasons": ["severe_hazard"],
        "inspect_before": "2023-06-01",
    }


def test_the_scope_on_a_past_date_and_bad_dates(mines):
    client = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    url = f"/api/v1/mines/{mines['coal'].code}/scope/"
    assert client.get(url, {"on": "2000-01-01"}).status_code == 404
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert client.get(url, {"on": yesterday}).json()["status"] == "producing"
    bad = client.get(url, {"on": "yesterday"})
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in bad.json()["error"]["fields"]["on"][0]
    assert client.get(url, {"campaign": "9999"}).status_code == 400


def test_the_scope_list_and_filters(mines):
    client = api(make_user("220600", Role.REGULATOR_LEADER))
    rows = client.get("/api/v1/mines/scope/", {"watch_required": "true"}).json()
    assert [r["code"] for r in rows["results"]] == [mines["shut"].code]
    assert codes(client.get("/api/v1/mines/", {"in_campaign": "true"})) == {
        mines["coal"].code,
        mines["other"].code,
    }
    assert codes(
        client.get("/api/v1/mines/", {"inspection_reason": "metal_underground_unsealed_shutdown"})
    ) == {mines["shut"].code}
    assert codes(client.get("/api/v1/mines/", {"priority": "high"})) == {mines["coal"].code}
    assert codes(client.get("/api/v1/mines/", {"kind": "metal_underground"})) == {
        mines["shut"].code
    }
    bad = client.get("/api/v1/mines/", {"priority": "urgent"})
    assert bad.status_code == 400


def test_create_and_update_through_the_api():
    admin = make_user("220000", Role.PROVINCE_ADMIN)
    client = api(admin)
    ent = make_enterprise("220605")
    payload = {
        "name": "新建煤矿",
        "enterprise": ent.pk,
        "region": "220605",
        "kind": "coal_underground",
        "status": "constructing",
        "gas_class": "low",
        "longitude": "126.55",
        "latitude": "42.05",
    }
    created = client.post("/api/v1/mines/", payload, format="json")
    assert created.status_code == 201, created.json()
    code = created.json()["code"]
    assert code.startswith("KA220605")
    patched = client.patch(
        f"/api/v1/mines/{code}/", {"status": "producing", "version": 1}, format="json"
    )
    assert patched.status_code == 200
    assert patched.json()["version"] == 2
    stale = client.patch(
        f"/api/v1/mines/{code}/", {"status": "rectifying", "version": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    bad = client.patch(f"/api/v1/mines/{code}/", {"tailings_grade": 3, "version": 2}, format="json")
    assert bad.status_code == 400
    assert "tailings_grade" in bad.json()["error"]["fields"]
    city = client.post("/api/v1/mines/", {**payload, "region": "220600"}, format="json")
    assert city.status_code == 400
    assert "region" in city.json()["error"]["fields"]
    assert Mine.objects.get(code=code).status == "producing"


def test_an_inspector_may_register_and_change_but_not_move_out(mines):
    client = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    url = f"/api/v1/mines/{mines['coal'].code}/"
    assert client.post("/api/v1/mines/", {}, format="json").status_code == 400
    government = api(make_user("220605", Role.GOVERNMENT_USER))
    assert government.post("/api/v1/mines/", {}, format="json").status_code == 403
    moved = client.patch(url, {"region": "220602", "version": 1}, format="json")
    assert moved.status_code == 403
    assert Mine.objects.get(pk=mines["coal"].pk).region.code == "220605"


def test_an_enterprise_cannot_set_the_regulator_concern(mines):
    client = api(make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mines["coal"].enterprise))
    url = f"/api/v1/mines/{mines['coal'].code}/"
    changed = client.patch(url, {"phone": "0439-3212345", "version": 1}, format="json")
    assert changed.status_code == 200
    concern = client.patch(url, {"regulator_concern": True, "version": 2}, format="json")
    assert concern.status_code == 403
    assert not Mine.objects.get(pk=mines["coal"].pk).regulator_concern


def test_enterprises_api():
    admin = make_user("220000", Role.PROVINCE_ADMIN)
    client = api(admin)
    good = make_credit_code("220605", 31337)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post(
        "/api/v1/enterprises/",
        {"name": "某矿业", "credit_code": bad, "region": "220605"},
        format="json",
    )
    assert response.status_code == 400
    assert "credit_code" in response.json()["error"]["fields"]
    response = client.post(
        "/api/v1/enterprises/",
        {"name": "某矿业", "credit_code": good, "region": "220605"},
        format="json",
    )
    assert response.status_code == 201
    inspector = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    names = {e["name"] for e in inspector.get("/api/v1/enterprises/").json()["results"]}
    assert "某矿业" in names
    far = api(make_user("220102", Role.REGULATOR_INSPECTOR))
    assert "某矿业" not in {e["name"] for e in far.get("/api/v1/enterprises/").json()["results"]}


def test_watch_duties_api(mines):
    inspector = make_user("220605", Role.REGULATOR_INSPECTOR)
    client = api(inspector)
    response = client.post(
        "/api/v1/watch-duties/",
        {
            "mine": mines["shut"].code,
            "mode": "on_site",
            "holder_name": "钱七",
            "holder_phone": "13900004444",
            "valid_from": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert WatchDuty.objects.get().assigned_by == inspector
    refused = client.post(
        "/api/v1/watch-duties/",
        {"mine": mines["coal"].code, "mode": "on_site", "holder_name": "x", "holder_phone": "1"},
        format="json",
    )
    assert refused.status_code == 400
    outside = client.post(
        "/api/v1/watch-duties/",
        {"mine": mines["other"].code, "mode": "on_site", "holder_name": "x", "holder_phone": "1"},
        format="json",
    )
    assert outside.status_code == 400  # the other county's mine is unknown here
    assert len(client.get("/api/v1/watch-duties/").json()["results"]) == 1
    principal = api(
        make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mines["coal"].enterprise)
    )
    assert principal.post("/api/v1/watch-duties/", {}, format="json").status_code == 403


def test_region_must_exist():
    client = api(make_user("220000", Role.PROVINCE_ADMIN))
    assert Region.objects.filter(code="229999").count() == 0
    response = client.post("/api/v1/mines/", {"region": "229999"}, format="json")
    assert response.status_code == 400


# --- Facts belong to someone (issue 10): the reproductions, through the API ---------------------


def test_enterprise_cannot_move_its_mine_to_another_city():
    mine = make_mine("220605")
    officer = make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)
    response = api(officer).patch(
        f"/api/v1/mines/{mine.code}/", {"region": "220102", "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert "region" in response.json()["error"]["fields"]
    assert Mine.objects.get(pk=mine.pk).region.code == "220605"
    # The county inspector still sees it; the 长春 inspector does not.
    county = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    assert county.get(f"/api/v1/mines/{mine.code}/").status_code == 200
    changchun = api(make_user("220102", Role.REGULATOR_INSPECTOR))
    assert changchun.get(f"/api/v1/mines/{mine.code}/").status_code == 404


def test_enterprise_cannot_close_its_mine():
    mine = make_mine("220605")
    officer = make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)
    response = api(officer).patch(
        f"/api/v1/mines/{mine.code}/", {"status": "closed", "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert "status" in response.json()["error"]["fields"]
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.PRODUCING


def test_enterprise_cannot_leave_its_group():
    group = make_enterprise("220600")
    enterprise = make_enterprise("220605", parent=group)
    principal = make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=enterprise)
    response = api(principal).patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"parent": None, "version": 1}, format="json"
    )
    assert response.status_code == 403
    assert "parent" in response.json()["error"]["fields"]
    enterprise.refresh_from_db()
    assert enterprise.parent_id == group.pk


def test_county_inspector_cannot_move_an_enterprise_to_another_city():
    enterprise = make_enterprise("220605")
    inspector = make_user("220605", Role.REGULATOR_INSPECTOR)
    response = api(inspector).patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"region": "220102", "version": 1}, format="json"
    )
    assert response.status_code == 403
    enterprise.refresh_from_db()
    assert enterprise.region.code == "220605"


def test_a_regulator_covering_both_moves_a_mine():
    mine = make_mine("220605")
    province = make_user("220000", Role.PROVINCE_ADMIN)
    response = api(province).patch(
        f"/api/v1/mines/{mine.code}/", {"region": "220102", "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert Mine.objects.get(pk=mine.pk).region.code == "220102"


def test_patch_without_version_is_refused_and_changes_nothing():
    mine = make_mine("220605")
    client = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    first = client.patch(f"/api/v1/mines/{mine.code}/", {"principal": "甲"}, format="json")
    second = client.patch(f"/api/v1/mines/{mine.code}/", {"principal": "乙"}, format="json")
    assert (first.status_code, second.status_code) == (428, 428)
    assert first.json()["error"]["code"] == "version_required"
    assert Mine.objects.get(pk=mine.pk).principal == mine.principal


def test_if_match_carries_the_version():
    mine = make_mine("220605")
    client = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    url = f"/api/v1/mines/{mine.code}/"
    ok = client.patch(url, {"principal": "甲"}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    stale = client.patch(url, {"principal": "乙"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert stale.status_code == 409
    assert Mine.objects.get(pk=mine.pk).principal == "甲"


# --- Requests to change the regulator's facts ------------------------------------------------


def test_enterprise_asks_and_the_county_approves_a_change_through_the_api():
    mine = make_mine("220605")
    officer = make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)
    asked = api(officer).post(
        "/api/v1/registry-change-requests/",
        {
            "mine": mine.code,
            "changes": {
                "status": "long_shutdown",
                "safety_licence_no": "（吉）FM安许证字〔2026〕1号",
            },
            "reason": "已停产，安全生产许可证已换发",
        },
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert body["status"] == "pending" and body["mine"] == mine.code
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.PRODUCING
    county = api(make_user("220605", Role.REGULATOR_INSPECTOR))
    approved = county.post(
        f"/api/v1/registry-change-requests/{body['id']}/approve/",
        {"version": body["version"], "note": "核实无误"},
        format="json",
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved"
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.LONG_SHUTDOWN


def test_a_change_request_for_a_shared_field_is_refused():
    mine = make_mine("220605")
    officer = make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)
    response = api(officer).post(
        "/api/v1/registry-change-requests/",
        {"mine": mine.code, "changes": {"phone": "0439-3212345"}, "reason": "换号"},
        format="json",
    )
    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]


def test_enterprise_asks_to_change_its_group_through_the_api():
    group = make_enterprise("220600")
    enterprise = make_enterprise("220605", parent=group)
    principal = make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=enterprise)
    asked = api(principal).post(
        "/api/v1/registry-change-requests/",
        {"enterprise": enterprise.pk, "changes": {"parent": None}, "reason": "股权转让，脱离集团"},
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    assert asked.json()["mine"] is None and asked.json()["region"] == "220605"
    listed = api(principal).get("/api/v1/registry-change-requests/").json()["results"]
    assert [r["id"] for r in listed] == [asked.json()["id"]]
    enterprise.refresh_from_db()
    assert enterprise.parent_id == group.pk
