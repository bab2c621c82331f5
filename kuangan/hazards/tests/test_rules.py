"""The pure rules, each branch from the notice's words.

七(四): “对企业自查自改发现的问题隐患且正在整改的，可依法从轻或不予处罚；对企业自查自改未发现但综合
整治发现的重大事故隐患，要依法从重处罚，并由事见人逐一追查企业相关人员责任。”"""

import datetime as dt

import pytest

from kuangan.hazards.rules import HazardFacts, is_overdue, penalty_guidance

D = dt.date(2023, 7, 10)


def facts(level="general", source="self", overdue=False, linked=None):
    return HazardFacts(level=level, source=source, overdue=overdue, self_report=linked)


# --- overdue: deadline passed, not closed ---------------------------------------------------


def test_overdue_the_day_after_the_deadline():
    assert not is_overdue(deadline=D, closed=False, on=D)
    assert is_overdue(deadline=D, closed=False, on=D + dt.timedelta(days=1))


def test_closed_is_never_overdue():
    assert not is_overdue(deadline=D, closed=True, on=D + dt.timedelta(days=100))


def test_no_deadline_is_not_overdue():
    assert not is_overdue(deadline=None, closed=False, on=D)


# --- lenient: 企业自查自改发现的问题隐患且正在整改的 ------------------------------------------------


@pytest.mark.parametrize("source", ["self", "group"])
@pytest.mark.parametrize("level", ["general", "major"])
def test_self_found_and_in_time_is_lenient(source, level):
    g = penalty_guidance(facts(level=level, source=source))
    assert g.value == "lenient" and not g.accountability_required


@pytest.mark.parametrize("source", ["self", "group"])
def test_self_found_but_overdue_is_not_lenient(source):
    # not 正在整改 within its deadline any more
    assert penalty_guidance(facts(level="major", source=source, overdue=True)).value == "standard"


@pytest.mark.parametrize("source", ["enforcement", "supervision"])
def test_regulator_finding_linked_to_own_record_in_time_is_lenient(source):
    own = facts(level="major", source="self")
    g = penalty_guidance(facts(level="major", source=source, overdue=False, linked=own))
    assert g.value == "lenient"


def test_linked_own_record_counts_even_if_the_regulator_finding_is_overdue():
    own = facts(source="group")
    assert (
        penalty_guidance(facts(level="major", source="enforcement", overdue=True, linked=own)).value
        == "lenient"
    )


def test_linked_own_record_overdue_is_not_lenient_nor_heavy():
    own = facts(source="self", overdue=True)
    g = penalty_guidance(facts(level="major", source="enforcement", linked=own))
    assert g.value == "standard" and not g.accountability_required


def test_tipoff_linked_to_own_record_is_standard():
    # only enforcement/supervision findings take the link's leniency; a tip-off is not heavy
    # either, because the enterprise had found it itself
    own = facts(source="self")
    assert penalty_guidance(facts(level="major", source="tipoff", linked=own)).value == "standard"


# --- heavy: 企业自查自改未发现但综合整治发现的重大事故隐患 -------------------------------------------


@pytest.mark.parametrize("source", ["enforcement", "supervision", "tipoff"])
def test_major_found_by_others_without_own_record_is_heavy(source):
    g = penalty_guidance(facts(level="major", source=source))
    assert g.value == "heavy"
    assert g.accountability_required  # 由事见人逐一追查企业相关人员责任


@pytest.mark.parametrize("source", ["enforcement", "supervision", "tipoff"])
def test_general_found_by_others_is_standard(source):
    g = penalty_guidance(facts(level="general", source=source))
    assert g.value == "standard" and not g.accountability_required


def test_major_of_other_source_is_standard():
    assert penalty_guidance(facts(level="major", source="other")).value == "standard"
