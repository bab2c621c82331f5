"""The pure rules, each branch from the notice's words.

七(四): “对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚；对企业自查自改未发现但综合
整治发现的重大事故隐患，要依法从重处罚，并由事见人逐一追查企业相关人员责任。”"""

import datetime as dt

import pytest

from kuangan.hazards.rules import (
    HazardFacts,
    RecordState,
    SelfRecordFacts,
    is_overdue,
    penalty_guidance,
    record_state,
)

D = dt.date(2023, 7, 10)
LATER = D + dt.timedelta(days=5)
EARLIER = D - dt.timedelta(days=1)


def record(status="rectifying", deadline=LATER, on=D, before=True):
    return SelfRecordFacts(status=status, deadline=deadline, on=on, recorded_before=before)


def own(level="general", source="self", **kw):
    """The enterprise's own finding, judged with its own record."""
    return HazardFacts(level=level, source=source, self_record=record(**kw))


def found(level="major", source="enforcement", linked=None):
    return HazardFacts(level=level, source=source, self_record=linked)


# --- overdue: deadline passed, not closed ---------------------------------------------------


def test_overdue_the_day_after_the_deadline():
    assert not is_overdue(deadline=D, closed=False, on=D)
    assert is_overdue(deadline=D, closed=False, on=D + dt.timedelta(days=1))


def test_closed_is_never_overdue():
    assert not is_overdue(deadline=D, closed=True, on=D + dt.timedelta(days=100))


def test_no_deadline_is_not_overdue():
    assert not is_overdue(deadline=None, closed=False, on=D)


# --- 「且正在整改」: where the own record stood on the day ---------------------------------------


@pytest.mark.parametrize("status", ["rectifying", "pending_acceptance", "reopened"])
def test_record_with_plan_in_time_is_being_rectified(status):
    """「自查自改发现的问题隐患且正在整改」: 五落实 entered, the deadline not passed that day (the
    deadline day itself is still in time)."""
    assert record_state(record(status=status)) == RecordState.RECTIFYING
    assert record_state(record(status=status, deadline=D)) == RecordState.RECTIFYING


def test_record_closed_through_rectification_counts():
    """「自查自改」 done: closed through rectification (整改销号), even with a past deadline."""
    assert record_state(record(status="closed", deadline=EARLIER)) == RecordState.CLOSED


def test_record_merely_reported_is_not_being_rectified():
    """「且正在整改」: a record merely reported, no 五落实, is not being rectified."""
    assert record_state(record(status="reported", deadline=None)) == RecordState.NO_PLAN


def test_record_past_its_deadline_is_not_being_rectified():
    """「且正在整改」: past its deadline unrectified, it is no longer being rectified in time."""
    assert record_state(record(status="rectifying", deadline=EARLIER)) == RecordState.OVERDUE
    assert record_state(record(status="reported", deadline=EARLIER)) == RecordState.OVERDUE


def test_record_made_after_the_inspection_began_is_not_self_found():
    """「企业自查自改发现」: recorded by the system after the regulator's inspection began, the
    enterprise did not find it itself, whatever its state."""
    assert record_state(record(status="closed", before=False)) == RecordState.LATE


# --- lenient: 企业自查自改发现的问题隐患且正在整改的 ------------------------------------------------


@pytest.mark.parametrize("source", ["self", "group"])
@pytest.mark.parametrize("level", ["general", "major"])
@pytest.mark.parametrize("status", ["rectifying", "closed"])
def test_self_found_and_rectifying_or_closed_is_lenient(source, level, status):
    """「对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚」."""
    g = penalty_guidance(own(level=level, source=source, status=status))
    assert g.value == "lenient" and not g.accountability_required


@pytest.mark.parametrize("source", ["self", "group"])
def test_self_found_but_overdue_is_standard(source):
    """Not 「正在整改」 within its deadline any more: standard, never heavy (it was self-found)."""
    g = penalty_guidance(own(level="major", source=source, deadline=EARLIER))
    assert g.value == "standard" and g.reason == "self_overdue"


def test_self_found_merely_reported_is_standard():
    """「且正在整改」: reported with no plan earns no leniency."""
    g = penalty_guidance(own(level="major", status="reported", deadline=None))
    assert g.value == "standard" and g.reason == "self_no_plan"


@pytest.mark.parametrize("source", ["enforcement", "supervision", "tipoff"])
@pytest.mark.parametrize("status", ["rectifying", "pending_acceptance", "closed"])
def test_regulator_finding_of_own_record_being_rectified_is_lenient(source, status):
    """「对企业自查自改发现的问题隐患且正在整改的，可依法从轻」, however the regulator came to it."""
    g = penalty_guidance(found(source=source, linked=record(status=status)))
    assert g.value == "lenient" and not g.accountability_required


@pytest.mark.parametrize("status,deadline", [("reported", None), ("rectifying", EARLIER)])
def test_own_record_not_being_rectified_is_standard_not_heavy(status, deadline):
    """Reported with no plan, or past its deadline on the day: no leniency (「且正在整改」), but
    not 「自查自改未发现」 either (not 走过场): standard."""
    g = penalty_guidance(found(linked=record(status=status, deadline=deadline)))
    assert g.value == "standard" and not g.accountability_required


# --- heavy: 企业自查自改未发现但综合整治发现的重大事故隐患 -------------------------------------------


@pytest.mark.parametrize("source", ["enforcement", "supervision", "tipoff"])
def test_major_found_by_others_without_own_record_is_heavy(source):
    """「对企业自查自改未发现但综合整治发现的重大事故隐患，要依法从重处罚，并由事见人逐一追查企业
    相关人员责任」."""
    g = penalty_guidance(found(source=source))
    assert g.value == "heavy" and g.reason == "not_self_found"
    assert g.accountability_required  # 由事见人逐一追查企业相关人员责任


def test_major_with_own_record_made_after_the_inspection_began_is_heavy():
    """「企业自查自改未发现」: a record made after the inspection began (back-dated or not) does
    not make the hazard self-found, even if it is being rectified."""
    g = penalty_guidance(found(linked=record(status="rectifying", before=False)))
    assert g.value == "heavy" and g.reason == "linked_late" and g.accountability_required


@pytest.mark.parametrize("source", ["enforcement", "supervision", "tipoff"])
def test_general_found_by_others_is_standard(source):
    """Heavy is for 「重大事故隐患」 only."""
    g = penalty_guidance(found(level="general", source=source))
    assert g.value == "standard" and not g.accountability_required


def test_major_of_other_source_is_standard():
    assert penalty_guidance(found(source="other")).value == "standard"
