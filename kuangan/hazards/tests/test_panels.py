"""Home page panels: open hazards overdue first, and last month's checks per county."""

import datetime as dt

import time_machine

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
