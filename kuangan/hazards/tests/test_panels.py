"""Home page panels: open hazards overdue first, and last month's checks per county."""

import datetime as dt

import time_machine
from django.utils import timezone

from kuangan.core.choices import Role
from kuangan.hazards.models import MonthlyMajorHazardCheck
from kuangan.hazards.panels import last_month, monthly_checks, open_hazards
from kuangan.hazards.tests.factories import make_hazard
from kuangan.registry.tests.factories import make_mine


def test_last_month_is_the_month_before():
    assert last_month(dt.date(2023, 3, 1)) == dt.date(2023, 2, 1)
    assert last_month(dt.date(2023, 1, 31)) == dt.date(2022, 12, 1)


@time_machine.travel(dt.datetime(2023, 7, 10, 12, tzinfo=dt.UTC), tick=False)
def test_monthly_panel_counts_operating_mines_without_a_check(user_in):
    inspector = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    checked = make_mine("220605", status="producing")
    make_mine("220605", status="producing")  # no check in June
    make_mine("220605", status="closed")  # owes no check
    MonthlyMajorHazardCheck.objects.create(
        mine=checked,
        month=dt.date(2023, 6, 1),
        checked_on=dt.date(2023, 6, 20),
        led_by=checked.principal or "矿长",
        participants="矿长、总工",
        areas="井下全部采掘工作面",
        recorded_by=inspector,
    )
    panel = monthly_checks(inspector)
    assert panel.context["month"] == dt.date(2023, 6, 1)
    assert panel.context["rows"] == [("江源区", 2, 1, 1)]
    assert panel.context["missing"] == 1


def test_open_hazards_panel_puts_the_overdue_first(user_in, client):
    inspector = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    mine = make_mine("220605", status="producing")
    late = make_hazard(mine=mine, deadline=dt.date(2020, 1, 1), found_on=dt.date(2019, 12, 1))
    panel = open_hazards(inspector)
    assert panel.context["overdue"] == 1
    assert panel.context["first"][0] == late
    client.force_login(inspector)
    assert 'data-testid="overdue-count"' in client.get("/").content.decode()


def test_open_hazards_panel_puts_hazards_without_a_deadline_last(user_in, client):
    """Issue 12: the hazard without a deadline came first and pushed the overdue one out."""
    inspector = user_in("220605", role=Role.REGULATOR_INSPECTOR)
    mine = make_mine("220605", status="producing")
    today = timezone.localdate()
    undated = [make_hazard(mine=mine, deadline=None) for _ in range(8)]
    later = make_hazard(mine=mine, deadline=today + dt.timedelta(days=20))
    soon = make_hazard(mine=mine, deadline=today + dt.timedelta(days=2))
    late = make_hazard(mine=mine, deadline=today - dt.timedelta(days=3))
    panel = open_hazards(inspector)
    first = panel.context["first"]
    assert first[:3] == [late, soon, later]
    assert set(first[3:]) <= set(undated) and len(first) == 8
    assert panel.context["total"] == 11
    client.force_login(inspector)
    page = client.get("/").content.decode()
    assert "8 项，共 11 项未销号隐患" in page
