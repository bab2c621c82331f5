"""Registry pages through HTTP: scope (visible_to) for each kind of user, filters, forms,
the map data, watch duty and the home panels."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent
from kuangan.core.tests.factories import make_user
from kuangan.registry import services
from kuangan.registry.choices import MineKind, MineStatus
from kuangan.registry.models import Mine, WatchDuty

from .factories import make_enterprise, make_mine, make_watch_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two counties of 白山 and one of 长春; a group company with two subsidiaries."""
    group = make_enterprise("220102", name="集团公司")
    sub_a = make_enterprise("220605", name="子公司甲", parent=group)
    sub_b = make_enterprise("220602", name="子公司乙", parent=group)
    lone = make_enterprise("220605", name="独立企业")
    far = make_enterprise("220102", name="长春企业")
    mines = {
        "a": make_mine("220605", enterprise=sub_a, name="甲煤矿", gas_class="high"),
        "a_shut": make_mine(
            "220605", enterprise=sub_a, name="甲停产矿", status=MineStatus.LONG_SHUTDOWN
        ),
        "pond": make_mine(
            "220605",
            enterprise=lone,
            name="独立尾矿库",
            kind=MineKind.TAILINGS_POND,
            tailings_grade=2,
            longitude=Decimal("126.6"),
            latitude=Decimal("42.0"),
        ),
        "b": make_mine(
            "220602",
            enterprise=sub_b,
            name="乙铁矿",
            kind=MineKind.METAL_OPEN_PIT,
            slope_height_m=Decimal("100"),
        ),
        "far": make_mine("220102", enterprise=far, name="长春煤矿"),
    }
    make_campaign(flood_season_start=dt.date(2023, 6, 1))
    return {"group": group, "sub_a": sub_a, "sub_b": sub_b, "lone": lone, "far": far, **mines}


def names(response) -> set[str]:
    return {row["obj"].name for row in response.context["rows"]}


def login(client, *args, **kwargs):
    user = make_user(*args, **kwargs)
    client.force_login(user)
    return user


# --- Who sees which mines -------------------------------------------------------------------


def test_a_county_inspector_sees_its_countys_mines_only(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    response = client.get(reverse("registry:mine_list"), {"page_size": 200})
    assert response.status_code == 200
    assert names(response) == {"甲煤矿", "甲停产矿", "独立尾矿库"}
    assert client.get(world["b"].get_absolute_url()).status_code == 404
    assert client.get(world["far"].get_absolute_url()).status_code == 404
    assert client.get(world["a"].get_absolute_url()).status_code == 200
    assert client.get(reverse("registry:mine_edit", args=[world["b"].code])).status_code == 404


def test_a_city_inspector_sees_its_counties(client, world):
    login(client, "220600", Role.REGULATOR_INSPECTOR)
    response = client.get(reverse("registry:mine_list"), {"page_size": 200})
    assert names(response) == {"甲煤矿", "甲停产矿", "独立尾矿库", "乙铁矿"}


def test_an_enterprise_sees_its_own_mines(client, world):
    login(client, role=Role.ENTERPRISE_PRINCIPAL, organization=world["sub_a"])
    response = client.get(reverse("registry:mine_list"))
    assert names(response) == {"甲煤矿", "甲停产矿"}
    assert client.get(world["pond"].get_absolute_url()).status_code == 404


def test_a_group_sees_its_subsidiaries_mines(client, world):
    login(client, role=Role.GROUP_INSPECTOR, organization=world["group"])
    response = client.get(reverse("registry:mine_list"))
    assert names(response) == {"甲煤矿", "甲停产矿", "乙铁矿"}
    page = client.get(
        reverse("registry:enterprise_detail", args=[world["group"].pk]), {"tab": "subsidiaries"}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "子公司甲" in body and "子公司乙" in body and "独立企业" not in body
    page = client.get(
        reverse("registry:enterprise_detail", args=[world["group"].pk]), {"tab": "group_mines"}
    )
    body = page.content.decode()
    assert "甲煤矿" in body and "乙铁矿" in body and "长春煤矿" not in body


def test_a_government_user_reads_but_cannot_edit(client, world):
    login(client, "220600", Role.GOVERNMENT_USER)
    assert client.get(world["a"].get_absolute_url()).status_code == 200
    assert client.get(reverse("registry:mine_edit", args=[world["a"].code])).status_code == 403


def test_an_agency_user_has_no_registry(client, world):
    login(client, "220605", Role.AGENCY_USER)
    assert client.get(reverse("registry:mine_list")).status_code == 403
    assert client.get(world["a"].get_absolute_url()).status_code == 403


# --- The ledger's filters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "tailings_pond"}, {"独立尾矿库"}),
        ({"status": "long_shutdown"}, {"甲停产矿"}),
        ({"in_campaign": "true"}, {"甲煤矿", "独立尾矿库", "乙铁矿"}),
        ({"in_campaign": "false"}, {"甲停产矿"}),
        ({"watch_required": "true"}, {"甲停产矿"}),
        ({"inspection_reason": "open_pit_slope_100m"}, {"乙铁矿"}),
        ({"inspection_reason": "tailings_grade_3_or_above"}, {"独立尾矿库"}),
        ({"in_inspection": "false"}, {"甲停产矿"}),
        ({"checklist": "non_coal"}, {"独立尾矿库", "乙铁矿"}),
        # 乙铁矿's 100 m slope is a severe hazard (六(三) 灾害严重: high slope).
        ({"priority": "high"}, {"甲煤矿", "独立尾矿库", "乙铁矿"}),
        ({"priority_reason": "severe_hazard", "kind": "coal_underground"}, {"甲煤矿"}),
        ({"campaign_reason": "operating", "region": "220602"}, {"乙铁矿"}),
        ({"q": "铁矿"}, {"乙铁矿"}),
    ],
)
def test_the_ledger_filters_on_every_part_of_scope(client, world, params, expected):
    from kuangan.core.models import Region

    login(client, "220600", Role.REGULATOR_LEADER)
    if "region" in params:
        params = {**params, "region": Region.objects.get(code=params["region"]).pk}
    response = client.get(reverse("registry:mine_list"), params)
    assert response.status_code == 200
    assert names(response) == expected


def test_licence_expiring_within_90_days(client, world):
    today = timezone.localdate()
    Mine.objects.filter(pk=world["a"].pk).update(
        safety_licence_valid_until=today + dt.timedelta(days=90)
    )
    Mine.objects.filter(pk=world["b"].pk).update(
        mining_licence_valid_until=today - dt.timedelta(days=3)
    )
    Mine.objects.filter(pk=world["pond"].pk).update(
        safety_licence_valid_until=today + dt.timedelta(days=91)
    )
    login(client, "220600", Role.REGULATOR_LEADER)
    response = client.get(reverse("registry:mine_list"), {"licence_expiring": "true"})
    assert names(response) == {"甲煤矿", "乙铁矿"}


def test_the_ledger_exports_the_filtered_rows(client, world):
    login(client, "220600", Role.REGULATOR_LEADER)
    response = client.get(
        reverse("registry:mine_list"), {"kind": "coal_underground", "export": "xlsx"}
    )
    assert response.status_code == 200
    assert response["X-Export-Rows"] == "2"


def test_an_enterprise_may_not_export_the_registry(client, world):
    login(client, role=Role.ENTERPRISE_PRINCIPAL, organization=world["sub_a"])
    assert client.get(reverse("registry:mine_list"), {"export": "xlsx"}).status_code == 403


def test_an_empty_ledger_says_what_to_do(client):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    response = client.get(reverse("registry:mine_list"))
    assert "ledger-empty" in response.content.decode()


# --- The mine page --------------------------------------------------------------------------


def test_the_mine_page_has_its_tabs_and_scope_in_plain_words(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    url = world["pond"].get_absolute_url()
    for tab in ("data", "licences", "scope", "status_history", "history", "files"):
        assert client.get(url, {"tab": tab}).status_code == 200, tab
    scope = client.get(url, {"tab": "scope"})
    extra = next(t for t in scope.context["tabs"] if t.key == "scope").extra
    codes = [i["code"] for i in extra["explanation"]["inspection_items"]]
    assert codes == ["tailings_grade_3_or_above"]
    assert extra["explanation"]["verdict"].priority.reasons == ("severe_hazard",)
    # Data tab: attributes of other kinds are not shown.
    data = client.get(url)
    labels = [str(label) for label, _value in data.context["data_rows"]]
    assert "瓦斯等级" not in labels and "尾矿库等别" in labels


def test_the_scope_tab_names_the_severe_hazards_and_the_key_scope_only_priority(client, world):
    """六(三): “对研判不放心的、灾害严重的矿山优先安排检查，对受水害威胁严重……的矿山要在汛期到来前
    完成检查” — for the mines of the key inspection only; a mine in 整改 is not one (四(二)7:
    “所有正常生产建设煤矿”)."""
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    pond = make_mine(
        "220605",
        name="受水害尾矿库",
        kind=MineKind.TAILINGS_POND,
        tailings_grade=3,
        flood_threat=True,
        flood_threat_basis="下游紧邻村庄",
    )
    body = client.get(pond.get_absolute_url(), {"tab": "scope"}).content.decode()
    assert "严重灾害" in body and "受水害威胁严重" in body
    assert "2023-06-01" in body
    rectifying = make_mine(
        "220605", name="整改煤矿", status=MineStatus.RECTIFYING, gas_class="outburst"
    )
    body = client.get(rectifying.get_absolute_url(), {"tab": "scope"}).content.decode()
    assert "优先检查和汛期前完成检查只适用于重点检查范围内的矿山" in body
    assert "严重灾害" not in body


def test_the_mine_form_records_a_conversion_and_the_water_threat(client, world):
    """An open pit converting to underground (露天转井工) is saved through the form, with the
    water-threat flag and its basis; the flag without a basis is refused in Chinese."""
    login(client, "220605", Role.REGULATOR_LEADER)
    pit = make_mine("220605", name="转井工露天矿", kind=MineKind.METAL_OPEN_PIT)
    url = reverse("registry:mine_edit", args=[pit.code])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "enterprise": pit.enterprise_id,
            "region": pit.region_id,
            "version": pit.version,
            "conversion": "open_pit_to_underground",
            "flood_threat": "on",
            "flood_threat_basis": "",
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "请填写判定该矿山“受水害威胁严重”的依据" in response.content.decode()
    data["flood_threat_basis"] = "采场位于河谷汇水区"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    pit.refresh_from_db()
    assert (pit.conversion, pit.flood_threat, pit.flood_threat_basis) == (
        "open_pit_to_underground",
        True,
        "采场位于河谷汇水区",
    )


def test_the_scope_tab_answers_for_a_past_date(client, world):
    from kuangan.registry import services

    inspector = login(client, "220605", Role.REGULATOR_INSPECTOR)
    mine = world["a"]
    services.mine_update(by=inspector, mine=mine, status=MineStatus.LONG_SHUTDOWN)
    url = mine.get_absolute_url()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    before = client.get(url, {"tab": "scope", "on": yesterday})
    extra = next(t for t in before.context["tabs"] if t.key == "scope").extra
    assert extra["explanation"]["verdict"].campaign.reasons == ("operating",)
    now = client.get(url, {"tab": "scope"})
    extra = next(t for t in now.context["tabs"] if t.key == "scope").extra
    assert extra["explanation"]["verdict"].watch
    bad = client.get(url, {"tab": "scope", "on": "2023-13-01"})
    assert bad.status_code == 200
    assert next(t for t in bad.context["tabs"] if t.key == "scope").extra["error"]


def test_editing_a_mine_through_the_form(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    mine = world["a"]
    url = reverse("registry:mine_edit", args=[mine.code])
    form = client.get(url)
    assert form.status_code == 200
    data = {
        k: ("" if v is None else v)
        for k, v in form.context["form"].initial.items()
        if k in form.context["form"].fields
    }
    data.update({k: "on" for k, v in data.items() if v is True})
    data = {k: v for k, v in data.items() if v is not False}
    data.update(
        enterprise=mine.enterprise_id,
        region=mine.region_id,
        status="rectifying",
        version=mine.version,
        effective_on="",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert Mine.objects.get(pk=mine.pk).status == "rectifying"
    # A stale form is refused with the conflict message, nothing changes.
    data.update(status="producing", version=1)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Mine.objects.get(pk=mine.pk).status == "rectifying"
    # Bad input: a tailings grade on a coal mine.
    data.update(tailings_grade=3, version=2)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "tailings_grade" in response.context["form"].errors


def test_the_enterprise_form_hides_the_regulator_concern(client, world):
    login(client, role=Role.ENTERPRISE_PRINCIPAL, organization=world["sub_a"])
    form = client.get(reverse("registry:mine_edit", args=[world["a"].code])).context["form"]
    assert "regulator_concern" not in form.fields
    assert set(form.fields["enterprise"].queryset) == {world["sub_a"]}


# --- Map ------------------------------------------------------------------------------------


def test_the_map_shows_visible_mines_with_coordinates(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    assert client.get(reverse("registry:mine_map")).status_code == 200
    data = client.get(reverse("registry:mine_map_data")).json()
    assert [p["name"] for p in data["points"]] == ["独立尾矿库"]
    assert data["points"][0]["group"] == "inspection"
    assert data["without_coordinates"] == 2


def test_the_map_data_needs_a_login(client):
    response = client.get(reverse("registry:mine_map_data"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- Watch duty -----------------------------------------------------------------------------


def test_the_watch_list_shows_unmanned_shutdowns_and_who_holds_none(client, world):
    inspector = login(client, "220605", Role.REGULATOR_INSPECTOR)
    other = make_mine("220605", enterprise=world["lone"], name="丙停产矿", status="long_shutdown")
    make_mine(
        "220605",
        enterprise=world["lone"],
        name="有人停产矿",
        status="long_shutdown",
        personnel_on_site=True,
    )
    make_watch_duty(other, by=inspector)
    response = client.get(reverse("registry:watch_list"))
    assert names(response) == {"甲停产矿", "丙停产矿"}
    assert response.context["without_holder"] == 1
    response = client.get(reverse("registry:watch_list"), {"watch_holder": "false"})
    assert names(response) == {"甲停产矿"}


def test_assigning_a_watch_duty_through_the_form(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    mine = world["a_shut"]
    url = reverse("registry:watchduty_assign", args=[mine.code])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "mode": "on_site",
            "holder_name": "赵六",
            "holder_phone": "13900003333",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    duty = WatchDuty.objects.get(mine=mine)
    assert duty.holder_name == "赵六"
    assert client.get(duty.get_absolute_url()).status_code == 200
    assert client.get(reverse("registry:watchduty_list")).status_code == 200
    empty = client.post(url, {"mode": "on_site", "holder_name": "", "valid_from": ""})
    assert empty.status_code == 200 and empty.context["form"].errors


def test_a_watch_duty_cannot_be_assigned_in_another_county(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    shut = make_mine("220602", status="long_shutdown")
    assert client.get(reverse("registry:watchduty_assign", args=[shut.code])).status_code == 404


# --- Enterprises ----------------------------------------------------------------------------


def test_the_enterprise_ledger_and_page(client, world):
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    response = client.get(reverse("registry:enterprise_list"))
    assert {r["obj"].name for r in response.context["rows"]} == {"子公司甲", "独立企业"}
    page = client.get(
        world["sub_a"].get_absolute_url() if hasattr(world["sub_a"], "get_absolute_url") else "",
        {"tab": "mines"},
    )
    assert page.status_code == 200
    assert "甲煤矿" in page.content.decode()
    assert (
        client.get(reverse("registry:enterprise_detail", args=[world["far"].pk])).status_code == 404
    )


def test_creating_an_enterprise_with_a_wrong_credit_code(client, world):
    from kuangan.core.credit_code import make_credit_code
    from kuangan.core.models import Region

    login(client, "220000", Role.PROVINCE_ADMIN)
    good = make_credit_code("220605", 4242)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = {
        "name": "新矿业",
        "credit_code": bad,
        "region": Region.objects.get(code="220605").pk,
        "is_active": "on",
    }
    response = client.post(reverse("registry:enterprise_create"), data)
    assert response.status_code == 200
    assert "credit_code" in response.context["form"].errors
    data["credit_code"] = good
    response = client.post(reverse("registry:enterprise_create"), data)
    assert response.status_code == 302


# --- Home panels ----------------------------------------------------------------------------


def test_home_panels_for_each_kind_of_user(client, world):
    login(client, role=Role.ENTERPRISE_PRINCIPAL, organization=world["sub_a"])
    body = client.get(reverse("core:home")).content.decode()
    assert "甲煤矿" in body and "独立尾矿库" not in body
    client.logout()
    login(client, "220605", Role.REGULATOR_INSPECTOR)
    response = client.get(reverse("core:home"))
    panel = next(
        p for p in response.context["panels"] if p.template.endswith("watch_without_holder.html")
    )
    assert [m.name for m in panel.context["rows"]] == ["甲停产矿"]
    client.logout()
    login(client, "220600", Role.REGULATOR_LEADER)
    response = client.get(reverse("core:home"))
    panel = next(p for p in response.context["panels"] if p.template.endswith("scope_counts.html"))
    assert panel.context["f"]["total"] == 4
    assert panel.context["f"]["in_campaign"] == 3
    assert panel.context["f"]["watch_required"] == 1


def test_the_ledger_query_count_does_not_grow_with_rows(
    client, world, django_assert_max_num_queries
):
    login(client, "220600", Role.REGULATOR_LEADER)
    for _ in range(20):
        make_mine("220605", enterprise=world["lone"])
    with django_assert_max_num_queries(30):
        client.get(reverse("registry:mine_list"), {"page_size": 100})


def test_the_map_data_needs_the_permission(client):
    login(client, "220605", Role.AGENCY_USER)
    response = client.get(reverse("registry:mine_map_data"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


# --- Requests to change the regulator's facts (pages) ------------------------------------------


def test_enterprise_asks_for_a_change_and_the_county_approves_it_on_the_pages(client):
    mine = make_mine("220605")
    officer = make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)
    client.force_login(officer)
    page = client.get(reverse("registry:mine_detail", args=[mine.code]))
    assert reverse("registry:mine_request_change", args=[mine.code]) in page.content.decode()
    edit = client.get(reverse("registry:mine_edit", args=[mine.code])).content.decode()
    assert re.search(r'<select[^>]*name="status"[^>]*disabled', edit)  # the regulator's fact
    form_url = reverse("registry:mine_request_change", args=[mine.code])
    form = client.get(form_url)
    assert form.status_code == 200
    data = {
        f.html_name: f.value() if f.value() is not None else ""
        for f in form.context["form"]
        if f.name != "reason"
    }
    data = {k: v for k, v in data.items() if v is not False}
    data.update(status=MineStatus.LONG_SHUTDOWN, reason="长期停产")
    response = client.post(form_url, data)
    assert response.status_code == 302, response.context["form"].errors
    request = mine.change_requests.get()
    assert request.changes == {"status": ["producing", "long_shutdown"]}

    county = make_user("220605", Role.REGULATOR_INSPECTOR)
    client.force_login(county)
    ledger = client.get(reverse("registry:changerequest_list")).content.decode()
    assert mine.name in ledger and "待审核" in ledger
    shown = client.get(reverse("registry:changerequest_detail", args=[request.pk])).content.decode()
    assert "长期停产" in shown and "long_shutdown" not in shown  # labels, never codes
    approve = reverse("registry:changerequest_approve", args=[request.pk])
    done = client.post(approve, {"version": request.version, "note": "核实"})
    assert done.status_code == 302
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.LONG_SHUTDOWN


def test_a_regulator_changes_directly_and_sees_no_request_button(client):
    mine = make_mine("220605")
    client.force_login(make_user("220605", Role.REGULATOR_INSPECTOR))
    page = client.get(reverse("registry:mine_detail", args=[mine.code])).content.decode()
    assert reverse("registry:mine_request_change", args=[mine.code]) not in page
    assert client.get(reverse("registry:mine_request_change", args=[mine.code])).status_code == 403


def test_a_step_or_form_404_outside_the_scope_is_audited(client):
    mine = make_mine("220605")
    client.force_login(make_user("220102", Role.REGULATOR_INSPECTOR))
    probes = AuditEvent.objects.filter(action=AuditAction.SCOPE_DENIED, object_id=str(mine.pk))
    for name in ("registry:mine_request_change", "registry:mine_edit"):
        assert client.get(reverse(name, args=[mine.code])).status_code == 404
        assert probes.count() == 1  # the first probe; then once per user and object a window


def test_pending_change_requests_are_a_to_do_on_the_home_page(client):
    mine = make_mine("220605")
    officer = make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)
    request = services.change_request_submit(
        by=officer, target=mine, reason="长期停产", status=MineStatus.LONG_SHUTDOWN
    )
    county = make_user("220605", Role.REGULATOR_INSPECTOR)
    client.force_login(county)
    home = client.get("/").content.decode()
    assert "待审核的登记事项变更申请" in home and request.get_absolute_url() in home
    client.force_login(officer)
    assert "待监管部门审核的变更申请" in client.get("/").content.decode()
    services.change_request_decide(by=county, request=request, approve=False, note="无依据")
    client.force_login(county)
    assert request.get_absolute_url() not in client.get("/").content.decode()  # dealt with
    client.force_login(make_user("220102", Role.REGULATOR_INSPECTOR))
    assert request.get_absolute_url() not in client.get("/").content.decode()  # another county
