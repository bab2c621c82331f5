"""Licence expiry reminders: 90, 30 and 0 days before, to the enterprise and the county bureau,
each sent once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kuangan.core.choices import Role
from kuangan.core.models import Notification
from kuangan.core.tests.factories import make_user
from kuangan.registry.models import LicenceReminder
from kuangan.registry.notifications import reminder_step, send_licence_reminders

from .factories import make_mine

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 5, 10)


@pytest.mark.parametrize(
    ("days", "step"),
    [(120, None), (91, None), (90, 90), (31, 90), (30, 30), (1, 30), (0, 0), (-5, 0)],
)
def test_which_reminder_is_due(days, step):
    assert reminder_step(days) == step


@pytest.fixture
def people():
    mine = make_mine("220605", safety_licence_valid_until=TODAY + dt.timedelta(days=90))
    return {
        "mine": mine,
        "principal": make_user(role=Role.ENTERPRISE_PRINCIPAL, organization=mine.enterprise),
        "officer": make_user(role=Role.ENTERPRISE_SAFETY_OFFICER, organization=mine.enterprise),
        "county": make_user("220605", Role.REGULATOR_INSPECTOR),
        "other_county": make_user("220602", Role.REGULATOR_INSPECTOR),
        "city": make_user("220600", Role.REGULATOR_INSPECTOR),
    }


def recipients(mine) -> set:
    return set(
        Notification.objects.filter(url__startswith=mine.get_absolute_url()).values_list(
            "recipient__username", flat=True
        )
    )


def test_reminders_go_to_the_enterprise_and_the_county_bureau_once(people):
    mine = people["mine"]
    report = send_licence_reminders(today=TODAY)
    assert (report.reminders, report.notifications) == (1, 3)
    expected = {people[k].username for k in ("principal", "officer", "county")}
    assert recipients(mine) == expected
    note = Notification.objects.filter(recipient=people["county"]).get()
    assert mine.name in note.title and "90" in note.title
    # Run again the same day, and the day after: nothing new.
    assert send_licence_reminders(today=TODAY).reminders == 0
    assert send_licence_reminders(today=TODAY + dt.timedelta(days=1)).reminders == 0
    assert Notification.objects.count() == 3


def test_90_30_and_0_days_before(people):
    for offset in range(0, 100):
        send_licence_reminders(today=TODAY + dt.timedelta(days=offset))
    steps = sorted(LicenceReminder.objects.values_list("days_before", flat=True))
    assert steps == [0, 30, 90]
    assert Notification.objects.filter(recipient=people["principal"]).count() == 3


def test_a_renewed_licence_is_reminded_again(people):
    mine = people["mine"]
    send_licence_reminders(today=TODAY)
    mine.safety_licence_valid_until = TODAY + dt.timedelta(days=30)
    mine.save()
    assert send_licence_reminders(today=TODAY).reminders == 1


def test_no_reminder_far_from_expiry_or_for_a_closed_mine(people):
    make_mine("220605", mining_licence_valid_until=TODAY + dt.timedelta(days=200))
    make_mine("220605", status="closed", mining_licence_valid_until=TODAY)
    assert send_licence_reminders(today=TODAY).reminders == 1


def test_the_command_is_idempotent(people):
    out = StringIO()
    call_command("licence_reminders", date=TODAY.isoformat(), stdout=out)
    assert out.getvalue().startswith("1 reminder(s) sent")
    out = StringIO()
    call_command("licence_reminders", date=TODAY.isoformat(), stdout=out)
    assert out.getvalue().startswith("0 reminder(s) sent")
    with pytest.raises(CommandError):
        call_command("licence_reminders", date="2024-02-30")


def test_a_mine_with_nobody_to_tell_is_reminded_once_someone_exists():
    mine = make_mine("220581", safety_licence_valid_until=TODAY + dt.timedelta(days=10))
    assert send_licence_reminders(today=TODAY).reminders == 0
    make_user("220581", Role.REGULATOR_INSPECTOR)
    assert send_licence_reminders(today=TODAY).reminders == 1
    assert LicenceReminder.objects.get(mine=mine).days_before == 30
