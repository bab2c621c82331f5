"""Registry workflows: validation, history, audit, optimistic locking, scope after a write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kuangan.core.choices import AuditAction, Role
from kuangan.core.credit_code import make_credit_code
from kuangan.core.models import AuditEvent, Region
from kuangan.core.services import ConflictError
from kuangan.core.tests.factories import make_user
from kuangan.registry import services
from kuangan.registry.choices import MineKind, MineStatus, WatchMode
from kuangan.registry.models import Enterprise, Mine, MineHistory, WatchDuty

from .factories import make_enterprise, make_mine

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return make_user("220000", Role.PROVINCE_ADMIN)


@pytest.fixture
def county_inspector():
    return make_user("220605", Role.REGULATOR_INSPECTOR)


def fields(**kw):
    data = {
        "name": "松树镇煤矿",
        "enterprise": make_enterprise("220605"),
        "region": Region.objects.get(code="220605"),
        "kind": MineKind.COAL_UNDERGROUND,
        "status": MineStatus.PRODUCING,
        "gas_class": "low",
        "longitude": Decimal("126.59"),
        "latitude": Decimal("42.05"),
    }
    data.update(kw)
    return data


def events(obj, action=None):
    qs = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return qs.filter(action=action) if action else qs


# --- mine_create ----------------------------------------------------------------------------


def test_create_validates_saves_keeps_history_and_audits(admin):
    mine = services.mine_create(by=admin, **fields())
    assert mine.code == "KA2206050001"
    assert events(mine, AuditAction.CREATED).count() == 1
    history = MineHistory.objects.get(mine=mine)
    assert history.state["status"] == "producing"
    assert history.state["region_id"] == mine.region_id
    assert history.recorded_by == admin


def test_create_refuses_bad_input_and_writes_nothing(admin):
    before = (Mine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.mine_create(by=admin, **fields(tailings_grade=3, latitude=Decimal("39.9")))
    assert set(exc.value.message_dict) >= {"tailings_grade", "latitude"}
    assert (Mine.objects.count(), AuditEvent.objects.count()) == before
    assert not MineHistory.objects.exists()


def test_create_with_a_given_code(admin):
    mine = services.mine_create(by=admin, code="ka2206059001", **fields())
    assert mine.code == "KA2206059001"
    with pytest.raises(ValidationError) as exc:
        services.mine_create(by=admin, code="KA2206059001", **fields(name="另一矿"))
    assert "code" in exc.value.message_dict


def test_create_needs_the_permission(user_in):
    government = user_in("220605", role=Role.GOVERNMENT_USER)
    with pytest.raises(PermissionDenied):
        services.mine_create(by=government, **fields())
    assert not Mine.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


def test_unknown_fields_are_refused(admin):
    with pytest.raises(ValidationError) as exc:
        services.mine_create(by=admin, **fields(version=7))
    assert "version" in exc.value.message_dict


# --- mine_update ----------------------------------------------------------------------------


def test_update_keeps_history_with_the_effective_time_and_audits_a_status_change(
    admin, county_inspector
):
    registered = timezone.make_aware(dt.datetime(2023, 1, 1, 9))
    mine = services.mine_create(by=admin, effective_at=registered, **fields())
    at = timezone.make_aware(dt.datetime(2023, 7, 1, 8))
    services.mine_update(
        by=county_inspector, mine=mine, effective_at=at, status=MineStatus.LONG_SHUTDOWN
    )
    mine.refresh_from_db()
    assert mine.status == MineStatus.LONG_SHUTDOWN
    assert mine.version == 2
    assert mine.state_on(dt.date(2023, 6, 30))["status"] == "producing"
    row = MineHistory.objects.filter(mine=mine).order_by("-effective_at").first()
    assert row.effective_at == at
    assert row.changes == {"status": ["producing", "long_shutdown"]}
    assert mine.state_on(dt.date(2023, 7, 1))["status"] == "long_shutdown"
    event = events(mine, AuditAction.STATUS_CHANGED).get()
    assert event.changes == {"status": ["producing", "long_shutdown"]}
    assert event.region_id == mine.region_id


def test_a_change_of_a_non_rule_field_is_audited_without_history(county_inspector):
    mine = make_mine("220605")
    services.mine_update(by=county_inspector, mine=mine, principal="张三")
    assert MineHistory.objects.filter(mine=mine).count() == 1
    assert events(mine, AuditAction.UPDATED).get().changes == {"principal": ["", "张三"]}


def test_an_update_that_changes_nothing_writes_nothing(county_inspector):
    mine = make_mine("220605")
    services.mine_update(by=county_inspector, mine=mine, status=mine.status)
    assert mine.version == 1
    assert not events(mine).exists()


def test_a_stale_edit_is_a_conflict(county_inspector):
    mine = make_mine("220605")
    services.mine_update(by=county_inspector, mine=Mine.objects.get(pk=mine.pk), principal="甲")
    with pytest.raises(ConflictError):
        services.mine_update(by=county_inspector, mine=mine, version=1, principal="乙")
    mine.refresh_from_db()
    assert mine.principal == "甲"
    assert events(mine, AuditAction.UPDATED).count() == 1


def test_bad_input_on_update_changes_nothing(county_inspector):
    mine = make_mine("220605")
    with pytest.raises(ValidationError):
        services.mine_update(by=county_inspector, mine=mine, slope_height_m=Decimal(120))
    mine.refresh_from_db()
    assert mine.slope_height_m is None and mine.version == 1
    assert MineHistory.objects.filter(mine=mine).count() == 1


def test_moving_a_mine_out_of_the_actors_jurisdiction_is_refused(county_inspector):
    mine = make_mine("220605")
    with pytest.raises(PermissionDenied):
        services.mine_update(
            by=county_inspector, mine=mine, region=Region.objects.get(code="220602")
        )
    mine.refresh_from_db()
    assert mine.region.code == "220605"
    assert MineHistory.objects.filter(mine=mine).count() == 1
    assert not events(mine, AuditAction.UPDATED).exists()


def test_an_enterprise_keeps_its_contacts_but_not_the_regulators_facts():
    mine = make_mine("220605")
    principal = make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mine.enterprise)
    services.mine_update(by=principal, mine=mine, principal="张三", phone="0439-3212345")
    for fields in ({"regulator_concern": True}, {"status": MineStatus.RECTIFYING}):
        with pytest.raises(PermissionDenied):
            services.mine_update(by=principal, mine=Mine.objects.get(pk=mine.pk), **fields)
    mine.refresh_from_db()
    assert (mine.principal, mine.status, mine.regulator_concern) == ("张三", "producing", False)


def test_a_regulator_sets_the_regulator_concern(county_inspector):
    mine = make_mine("220605")
    services.mine_update(by=county_inspector, mine=mine, regulator_concern=True)
    assert Mine.objects.get(pk=mine.pk).regulator_concern


def test_an_enterprise_cannot_give_its_mine_to_another_enterprise():
    mine = make_mine("220605")
    owner = mine.enterprise_id
    principal = make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mine.enterprise)
    with pytest.raises(PermissionDenied):
        services.mine_update(by=principal, mine=mine, enterprise=make_enterprise("220605"))
    assert Mine.objects.get(pk=mine.pk).enterprise_id == owner


def test_a_government_user_cannot_change_a_mine():
    mine = make_mine("220605")
    user = make_user("220600", Role.GOVERNMENT_USER)
    with pytest.raises(PermissionDenied):
        services.mine_update(by=user, mine=mine, principal="x")


def test_history_ignores_fields_that_are_not_rule_inputs():
    mine = make_mine("220605")
    assert services.mine_history_record(mine=mine, by=None, changes={"phone": ["", "1"]}) is None
    row = services.mine_history_record(mine=mine, by=None, changes={"region": [1, mine.region_id]})
    assert row.changes == {"region_id": [1, mine.region_id]}
    with pytest.raises(ValidationError):
        services.mine_history_record(
            mine=mine,
            by=None,
            changes={"status": ["a", "b"]},
            at=timezone.now() + dt.timedelta(days=2),
        )
    with pytest.raises(ValidationError) as exc:
        services.mine_history_record(
            mine=mine,
            by=None,
            changes={"status": ["a", "b"]},
            at=timezone.now() - dt.timedelta(days=30),
        )
    assert "effective_at" in exc.value.message_dict


# --- Enterprises ----------------------------------------------------------------------------


def test_enterprise_create_checks_the_credit_code(admin):
    good = make_credit_code("220605", 777)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    region = Region.objects.get(code="220605")
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(by=admin, name="甲矿业", credit_code=bad, region=region)
    assert "18" in exc.value.message_dict["credit_code"][0]
    assert not Enterprise.objects.filter(name="甲矿业").exists()
    ent = services.enterprise_create(
        by=admin, name="甲矿业", credit_code=good.lower(), region=region
    )
    assert ent.kind == "enterprise" and ent.credit_code == good
    assert events(ent, AuditAction.CREATED).exists()
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(by=admin, name="乙矿业", credit_code=good, region=region)
    assert "credit_code" in exc.value.message_dict


def test_enterprise_parent_must_not_make_a_cycle(admin):
    group = make_enterprise("220102")
    sub = make_enterprise("220605", parent=group)
    with pytest.raises(ValidationError) as exc:
        services.enterprise_update(by=admin, enterprise=group, parent=sub)
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.enterprise_update(by=admin, enterprise=group, parent=group)


def test_enterprise_update_version_conflict(admin):
    ent = make_enterprise("220605")
    services.enterprise_update(by=admin, enterprise=ent, version=1, phone="0439-3212345")
    with pytest.raises(ConflictError):
        services.enterprise_update(
            by=admin, enterprise=Enterprise.objects.get(pk=ent.pk), version=1, phone="0439-3212346"
        )


def test_an_enterprise_principal_edits_its_own_enterprise_only():
    ent = make_enterprise("220605")
    other = make_enterprise("220605")
    principal = make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=ent)
    services.enterprise_update(by=principal, enterprise=ent, address="江源区某街")
    with pytest.raises(PermissionDenied):
        services.enterprise_update(by=principal, enterprise=other, address="x")


# --- Watch duty -----------------------------------------------------------------------------


def test_watch_duty_is_assigned_for_a_long_shutdown_and_replaces_the_running_one(
    county_inspector,
):
    mine = make_mine("220605", status=MineStatus.LONG_SHUTDOWN)
    today = timezone.localdate()
    first = services.watch_duty_assign(
        by=county_inspector,
        mine=mine,
        mode=WatchMode.ON_SITE,
        holder_name="李四",
        holder_phone="13900001111",
        valid_from=today - dt.timedelta(days=30),
    )
    second = services.watch_duty_assign(
        by=county_inspector,
        mine=mine,
        mode=WatchMode.CONTACT,
        holder_name="王五",
        holder_phone="13900002222",
        valid_from=today,
    )
    first.refresh_from_db()
    assert first.valid_until == today - dt.timedelta(days=1)
    assert list(WatchDuty.objects.current(today)) == [second]
    assert events(second, AuditAction.CREATED).exists()


def test_watch_duty_is_refused_for_a_producing_mine(county_inspector):
    mine = make_mine("220605")
    with pytest.raises(ValidationError) as exc:
        services.watch_duty_assign(
            by=county_inspector,
            mine=mine,
            mode="on_site",
            holder_name="李四",
            holder_phone="13900001234",
        )
    assert "mine" in exc.value.message_dict
    assert not WatchDuty.objects.exists()


def test_watch_duty_needs_a_holder(county_inspector):
    mine = make_mine("220605", status=MineStatus.LONG_SHUTDOWN)
    with pytest.raises(ValidationError) as exc:
        services.watch_duty_assign(
            by=county_inspector, mine=mine, mode="contact", holder_name="  ", holder_phone=""
        )
    assert {"holder_name", "holder_phone"} <= set(exc.value.message_dict)


def test_watch_duty_in_another_county_is_refused(county_inspector):
    mine = make_mine("220602", status=MineStatus.LONG_SHUTDOWN)
    with pytest.raises(PermissionDenied):
        services.watch_duty_assign(
            by=county_inspector,
            mine=mine,
            mode="contact",
            holder_name="李四",
            holder_phone="13900001234",
        )
    assert not WatchDuty.objects.exists()


def test_an_enterprise_cannot_assign_watch_duty():
    mine = make_mine("220605", status=MineStatus.LONG_SHUTDOWN)
    principal = make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mine.enterprise)
    with pytest.raises(PermissionDenied):
        services.watch_duty_assign(
            by=principal, mine=mine, mode="contact", holder_name="李四", holder_phone="13900001234"
        )


# --- Requests to change the regulator's facts ------------------------------------------------


def _requester(mine):
    return make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise)


def test_an_approved_request_changes_the_registry_with_its_history(county_inspector):
    mine = make_mine("220605")
    request = services.change_request_submit(
        by=_requester(mine), target=mine, reason="已停产", status=MineStatus.LONG_SHUTDOWN
    )
    assert request.changes == {"status": ["producing", "long_shutdown"]}
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.PRODUCING
    services.change_request_decide(by=county_inspector, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == county_inspector
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.LONG_SHUTDOWN
    last = MineHistory.objects.filter(mine=mine).order_by("-effective_at").first()
    assert last.changes["status"] == ["producing", "long_shutdown"]
    assert AuditEvent.objects.filter(
        object_type="registry.mine", object_id=str(mine.pk), action=AuditAction.STATUS_CHANGED
    ).exists()


def test_a_rejection_needs_a_reason_and_changes_nothing(county_inspector):
    mine = make_mine("220605")
    request = services.change_request_submit(
        by=_requester(mine), target=mine, reason="改名", name="新名称煤矿"
    )
    with pytest.raises(ValidationError):
        services.change_request_decide(by=county_inspector, request=request, approve=False)
    services.change_request_decide(
        by=county_inspector, request=request, approve=False, note="无批准文件"
    )
    request.refresh_from_db()
    assert request.status == "rejected"
    assert Mine.objects.get(pk=mine.pk).name == mine.name
    with pytest.raises(ValidationError):  # decided once
        services.change_request_decide(by=county_inspector, request=request, approve=True)


def test_a_move_is_approved_only_by_a_regulator_covering_both(county_inspector):
    mine = make_mine("220605")
    request = services.change_request_submit(
        by=_requester(mine),
        target=mine,
        reason="行政区划调整",
        region=Region.objects.get(code="220102"),
    )
    with pytest.raises(PermissionDenied):
        services.change_request_decide(by=county_inspector, request=request, approve=True)
    assert Mine.objects.get(pk=mine.pk).region.code == "220605"
    province = make_user("220000", Role.PROVINCE_ADMIN)
    services.change_request_decide(by=province, request=request, approve=True)
    assert Mine.objects.get(pk=mine.pk).region.code == "220102"


def test_a_request_is_refused_when_the_registry_moved_on(county_inspector):
    mine = make_mine("220605")
    request = services.change_request_submit(
        by=_requester(mine), target=mine, reason="整改", status=MineStatus.RECTIFYING
    )
    services.mine_update(by=county_inspector, mine=mine, status=MineStatus.LONG_SHUTDOWN)
    with pytest.raises(ValidationError):
        services.change_request_decide(by=county_inspector, request=request, approve=True)
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.LONG_SHUTDOWN


def test_only_the_enterprise_asks_and_only_the_regulator_decides(county_inspector):
    mine = make_mine("220605")
    requester = _requester(mine)
    with pytest.raises(PermissionDenied):
        services.change_request_submit(
            by=county_inspector, target=mine, reason="x", status=MineStatus.CLOSED
        )
    request = services.change_request_submit(
        by=requester, target=mine, reason="闭坑", status=MineStatus.CLOSED
    )
    with pytest.raises(PermissionDenied):
        services.change_request_decide(by=requester, request=request, approve=True)
    with pytest.raises(ValidationError):  # a contact is changed directly, not asked for
        services.change_request_submit(by=requester, target=mine, reason="x", phone="0439-3212345")
    services.change_request_withdraw(by=requester, request=request)
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert Mine.objects.get(pk=mine.pk).status == MineStatus.PRODUCING


def test_an_invalid_request_is_refused_when_it_is_made():
    mine = make_mine("220605")
    with pytest.raises(ValidationError):
        services.change_request_submit(
            by=_requester(mine), target=mine, reason="x", tailings_grade=3
        )
    with pytest.raises(ValidationError):  # nothing to change
        services.change_request_submit(
            by=_requester(mine), target=mine, reason="x", status=mine.status
        )
    assert not mine.change_requests.exists()


# --- Issue 11: scope facts --------------------------------------------------------------------


def test_an_open_pit_converting_to_underground_can_be_registered(admin):
    """四(一)6(3): “露天转井工采的矿山……全面开展排查整治”: while it converts the mine is still an
    open pit in the registry, and the conversion is recorded on it."""
    mine = services.mine_create(
        by=admin,
        **fields(kind=MineKind.METAL_OPEN_PIT, gas_class="", conversion="open_pit_to_underground"),
    )
    assert (mine.kind, mine.conversion) == (MineKind.METAL_OPEN_PIT, "open_pit_to_underground")
    assert MineHistory.objects.get(mine=mine).state["conversion"] == "open_pit_to_underground"


def test_the_water_threat_flag_and_its_basis_are_kept_in_the_history(county_inspector):
    """六(三): “对受水害威胁严重……的矿山要在汛期到来前完成检查”: the flag decides a rule, so its
    changes (and the basis given) are kept with the day they took effect."""
    pond = make_mine("220605", kind=MineKind.TAILINGS_POND, tailings_grade=3)
    at = timezone.now()
    services.mine_update(
        by=county_inspector,
        mine=pond,
        effective_at=at,
        flood_threat=True,
        flood_threat_basis="库区下游紧邻村庄，汛期行洪",
    )
    row = MineHistory.objects.filter(mine=pond).order_by("-effective_at").first()
    assert row.changes["flood_threat"] == [False, True]
    assert row.state["flood_threat_basis"] == "库区下游紧邻村庄，汛期行洪"
    assert pond.state_on(timezone.localdate())["flood_threat"] is True
    assert not pond.state_on(timezone.localdate() - dt.timedelta(days=1))["flood_threat"]


def test_the_water_threat_flag_without_basis_is_refused(county_inspector):
    pond = make_mine("220605", kind=MineKind.TAILINGS_POND, tailings_grade=3)
    with pytest.raises(ValidationError) as exc:
        services.mine_update(by=county_inspector, mine=pond, flood_threat=True)
    assert "flood_threat_basis" in exc.value.message_dict
    pond.refresh_from_db()
    assert pond.flood_threat is False
