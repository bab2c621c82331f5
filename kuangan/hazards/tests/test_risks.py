"""The risk list's services and rules: who keeps it, the control level that each risk level
needs (分级管控), the review date, optimistic locking, audited deletion."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kuangan.core.models import AuditEvent
from kuangan.core.services import ConflictError
from kuangan.hazards import rules
from kuangan.hazards.choices import ControlLevel, RiskLevel
from kuangan.hazards.models import RiskItem
from kuangan.hazards.services import risks
from kuangan.registry.tests.factories import make_mine

from .factories import make_risk

TODAY = timezone.localdate()

FIELDS = {
    "location": "3102掘进工作面",
    "hazard_type": "gas",
    "description": "局部通风机停风造成瓦斯积聚",
    "level": "red",
    "control_measures": "双风机双电源自动切换，瓦斯电闭锁",
    "responsible_person": "李矿长",
    "responsible_level": "mine",
    "review_on": TODAY + dt.timedelta(days=365),
}


# --- 分级管控: the control level of each risk level ---------------------------------------------

# (risk level, control level, allowed): the higher the risk, the higher the level that
# controls it; a level may always be controlled higher up.
CONTROL_CASES = [
    (RiskLevel.RED, ControlLevel.COMPANY, True),
    (RiskLevel.RED, ControlLevel.MINE, True),
    (RiskLevel.RED, ControlLevel.DEPARTMENT, False),
    (RiskLevel.RED, ControlLevel.GROUP, False),
    (RiskLevel.ORANGE, ControlLevel.MINE, True),
    (RiskLevel.ORANGE, ControlLevel.DEPARTMENT, True),
    (RiskLevel.ORANGE, ControlLevel.TEAM, False),
    (RiskLevel.YELLOW, ControlLevel.DEPARTMENT, True),
    (RiskLevel.YELLOW, ControlLevel.TEAM, True),
    (RiskLevel.YELLOW, ControlLevel.GROUP, False),
    (RiskLevel.BLUE, ControlLevel.TEAM, True),
    (RiskLevel.BLUE, ControlLevel.GROUP, True),
    (RiskLevel.BLUE, ControlLevel.COMPANY, True),
]


@pytest.mark.parametrize(("level", "control", "allowed"), CONTROL_CASES)
def test_control_level_rule(level, control, allowed):
    assert rules.control_level_sufficient(risk_level=level, control_level=control) is allowed


def test_control_level_rule_refuses_unknown_values():
    assert not rules.control_level_sufficient(risk_level="purple", control_level="mine")
    assert not rules.control_level_sufficient(risk_level="red", control_level="nobody")


@pytest.mark.django_db
@pytest.mark.parametrize(("level", "control", "allowed"), CONTROL_CASES)
def test_service_applies_the_control_level_rule(people, level, control, allowed):
    data = {**FIELDS, "level": level, "responsible_level": control}
    if allowed:
        item = risks.risk_create(by=people.officer, mine=people.mine, **data)
        assert item.level == level
    else:
        with pytest.raises(ValidationError) as exc:
            risks.risk_create(by=people.officer, mine=people.mine, **data)
        assert set(exc.value.message_dict) == {"responsible_level"}
        assert not RiskItem.objects.exists()


# --- the review date -------------------------------------------------------------------------


def test_review_date_itself_is_not_overdue():
    day = dt.date(2026, 6, 30)
    assert not rules.review_overdue(review_on=day, on=day)
    assert rules.review_overdue(review_on=day, on=day + dt.timedelta(days=1))
    assert not rules.review_overdue(review_on=None, on=day)


@pytest.mark.django_db
def test_review_overdue_queryset_matches_the_rule(people):
    due_today = make_risk(people.mine, review_on=TODAY)
    past = make_risk(people.mine, review_on=TODAY - dt.timedelta(days=1))
    assert list(RiskItem.objects.review_overdue()) == [past]
    assert not due_today.is_review_overdue and past.is_review_overdue


# --- create ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enterprise_records_a_risk_item_audited(people):
    item = risks.risk_create(by=people.officer, mine=people.mine, **FIELDS)
    assert item.code == f"{people.mine.code}-R001"
    assert item.created_by == people.officer
    second = risks.risk_create(
        by=people.principal, mine=people.mine, **{**FIELDS, "location": "二采区"}
    )
    assert second.code == f"{people.mine.code}-R002"
    event = AuditEvent.objects.get(object_type="hazards.riskitem", object_id=str(item.pk))
    assert event.action == "object.created"
    assert event.changes["level"] == [None, "red"]
    assert event.region == people.mine.region


@pytest.mark.django_db
def test_regulators_read_but_do_not_keep_the_risk_list(people):
    with pytest.raises(PermissionDenied):
        risks.risk_create(by=people.county, mine=people.mine, **FIELDS)
    item = make_risk(people.mine)
    assert RiskItem.objects.visible_to(people.county).filter(pk=item.pk).exists()
    for actor in (people.county, people.government):
        with pytest.raises(PermissionDenied):
            risks.risk_update(by=actor, risk=item, location="改")
        with pytest.raises(PermissionDenied):
            risks.risk_delete(by=actor, risk=item)
    assert not RiskItem.objects.visible_to(people.other_county).filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_another_enterprises_mine_is_refused(people):
    with pytest.raises(ValidationError) as exc:
        risks.risk_create(by=people.other_enterprise, mine=people.mine, **FIELDS)
    assert "mine" in exc.value.message_dict
    assert not RiskItem.objects.exists()


@pytest.mark.django_db
def test_required_fields_and_unknown_fields(people):
    with pytest.raises(ValidationError) as exc:
        risks.risk_create(
            by=people.officer,
            mine=people.mine,
            **{**FIELDS, "description": "   ", "control_measures": ""},
        )
    assert {"description", "control_measures"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        risks.risk_create(by=people.officer, mine=people.mine, **FIELDS, status="x")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        risks.risk_create(by=people.officer, mine=people.mine, **{**FIELDS, "level": "purple"})
    assert "level" in exc.value.message_dict
    assert not RiskItem.objects.exists()


@pytest.mark.django_db
def test_next_code_skips_numbers_given_in_the_same_batch(people):
    make_risk(people.mine, code=f"{people.mine.code}-R007")
    assert risks.next_risk_code(people.mine) == f"{people.mine.code}-R008"
    assert (
        risks.next_risk_code(people.mine, {f"{people.mine.code}-R008"})
        == f"{people.mine.code}-R009"
    )
    other = make_mine("220605")
    assert risks.next_risk_code(other) == f"{other.code}-R001"


# --- update and delete ---------------------------------------------------------------------


@pytest.mark.django_db
def test_update_is_audited_and_a_stale_version_is_refused(people):
    item = risks.risk_create(by=people.officer, mine=people.mine, **FIELDS)
    loaded = item.version
    risks.risk_update(by=people.officer, risk=item, version=loaded, level="orange")
    item.refresh_from_db()
    assert item.level == "orange" and item.version == loaded + 1
    event = AuditEvent.objects.filter(object_id=str(item.pk), action="object.updated").get()
    assert event.changes == {"level": ["red", "orange"]}
    stale = RiskItem.objects.get(pk=item.pk)
    with pytest.raises(ConflictError):
        risks.risk_update(by=people.principal, risk=stale, version=loaded, level="blue")
    item.refresh_from_db()
    assert item.level == "orange"


@pytest.mark.django_db
def test_update_that_changes_nothing_records_nothing(people):
    item = risks.risk_create(by=people.officer, mine=people.mine, **FIELDS)
    risks.risk_update(by=people.officer, risk=item, location=FIELDS["location"])
    assert not AuditEvent.objects.filter(object_id=str(item.pk), action="object.updated").exists()


@pytest.mark.django_db
def test_update_keeps_the_rules(people):
    item = risks.risk_create(by=people.officer, mine=people.mine, **FIELDS)
    with pytest.raises(ValidationError) as exc:
        risks.risk_update(by=people.officer, risk=item, responsible_level="group")
    assert "responsible_level" in exc.value.message_dict
    item.refresh_from_db()
    assert item.responsible_level == "mine"


@pytest.mark.django_db
def test_delete_is_audited_with_what_the_item_said(people):
    item = risks.risk_create(by=people.officer, mine=people.mine, **FIELDS)
    pk = item.pk
    with pytest.raises(ConflictError):
        risks.risk_delete(by=people.officer, risk=item, version=item.version + 5)
    assert RiskItem.objects.filter(pk=pk).exists()
    risks.risk_delete(by=people.principal, risk=item, version=item.version)
    assert not RiskItem.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(object_id=str(pk), action="object.deleted")
    assert event.changes["description"] == [FIELDS["description"], None]
    assert event.region == people.mine.region
