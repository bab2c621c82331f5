"""Model invariants and queryset reads: overdue across time, listed, and the database form of
the penalty rule agreeing with the pure rule on every branch."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from kuangan.hazards.choices import HazardLevel, HazardStatus, PenaltyGuidance
from kuangan.hazards.models import Hazard
from kuangan.registry.tests.factories import make_mine

from .factories import make_hazard

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(db):
    return make_mine()


def test_overdue_across_time(mine):
    found = dt.date(2023, 7, 1)
    with time_machine.travel(dt.datetime(2023, 7, 2, 9, tzinfo=dt.UTC), tick=False):
        h = make_hazard(
            mine, found_on=found, deadline=dt.date(2023, 7, 10), status=HazardStatus.RECTIFYING
        )
    with time_machine.travel(dt.datetime(2023, 7, 10, 9, tzinfo=dt.UTC), tick=False):
        assert not h.is_overdue
        assert not Hazard.objects.overdue().exists()
    with time_machine.travel(dt.datetime(2023, 7, 11, 9, tzinfo=dt.UTC), tick=False):
        assert Hazard.objects.get(pk=h.pk).is_overdue
        assert list(Hazard.objects.overdue()) == [h]
        assert not Hazard.objects.not_overdue().exists()
        Hazard.objects.filter(pk=h.pk).update(status=HazardStatus.CLOSED, closed_at=timezone.now())
        assert not Hazard.objects.get(pk=h.pk).is_overdue
        assert not Hazard.objects.overdue().exists()


def test_overdue_is_not_a_stored_field():
    assert "overdue" not in {f.name for f in Hazard._meta.get_fields()}


def test_major_without_criterion_refused_by_database(mine):
    h = make_hazard(mine)
    with pytest.raises(IntegrityError):
        Hazard.objects.filter(pk=h.pk).update(level=HazardLevel.MAJOR)


def test_listed_queryset(mine):
    listed = make_hazard(mine, level="major", listing_no="1号", listed_on=dt.date(2023, 7, 1))
    make_hazard(mine, level="major", listing_no="2号", delisted_on=dt.date(2023, 8, 1))
    make_hazard(mine)
    assert list(Hazard.objects.listed()) == [listed]


CASES = [
    # (level, source, status, overdue, linked: (status, recorded before the finding) or None)
    ("general", "self", "rectifying", False, None, "lenient"),
    ("major", "group", "closed", True, None, "lenient"),
    ("major", "self", "rectifying", True, None, "standard"),
    ("major", "self", "reported", False, None, "standard"),
    ("major", "enforcement", "reported", False, None, "heavy"),
    ("major", "supervision", "reported", True, None, "heavy"),
    ("major", "tipoff", "reported", False, None, "heavy"),
    ("general", "enforcement", "reported", False, None, "standard"),
    ("major", "other", "reported", False, None, "standard"),
    ("major", "enforcement", "reported", False, ("rectifying", True), "lenient"),
    ("major", "supervision", "reported", True, ("closed", True), "lenient"),
    ("major", "enforcement", "reported", False, ("reported", True), "standard"),
    ("major", "tipoff", "reported", False, ("rectifying", False), "heavy"),
]


def test_database_guidance_agrees_with_the_rule(mine):
    """七(四) read on the day: the own record judged today, a regulator's finding by the
    guidance stored on the day it was found; the database reads the same."""
    today = timezone.localdate()
    found = today - dt.timedelta(days=30)

    def deadline(overdue):
        return today - dt.timedelta(days=1) if overdue else today + dt.timedelta(days=5)

    made = []
    for level, source, status, overdue, linked_facts, _expected in CASES:
        linked = None
        if linked_facts:
            linked_status, before = linked_facts
            when = timezone.now() - dt.timedelta(days=40 if before else 0)
            with time_machine.travel(when, tick=False):
                linked = make_hazard(
                    mine,
                    found_on=today - dt.timedelta(days=45),
                    status=linked_status,
                    five=True,
                    deadline=deadline(False),
                )
        made.append(
            make_hazard(
                mine,
                level=level,
                source=source,
                status=status,
                found_on=found,
                deadline=deadline(overdue),
                self_reported_hazard=linked,
                five=status != "reported",
            )
        )
    for value in PenaltyGuidance.values:
        from_db = set(Hazard.objects.with_penalty_guidance(value).values_list("pk", flat=True))
        from_rule = {h.pk for h in Hazard.objects.all() if h.penalty_guidance == value}
        assert from_db == from_rule, value
    assert [h.penalty_guidance for h in made] == [case[-1] for case in CASES]
