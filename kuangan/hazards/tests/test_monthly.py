"""Monthly major-hazard checks (task 2: “每月组织开展 1次重大事故隐患排查整治”) and the duty
calendar."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from kuangan.hazards.rules import missing_monthly_checks
from kuangan.hazards.services import monthly

from .factories import make_hazard


def test_month_flagged_only_after_it_ends():
    since = dt.date(2023, 7, 15)
    assert missing_monthly_checks(since=since, today=dt.date(2023, 7, 31), done=set()) == []
    assert missing_monthly_checks(since=since, today=dt.date(2023, 8, 1), done=set()) == [
        dt.date(2023, 7, 1)
    ]
    done = {dt.date(2023, 7, 1)}
    assert missing_monthly_checks(since=since, today=dt.date(2023, 10, 2), done=done) == [
        dt.date(2023, 8, 1),
        dt.date(2023, 9, 1),
    ]


def test_across_the_year_end():
    assert missing_monthly_checks(
        since=dt.date(2023, 12, 1), today=dt.date(2024, 2, 1), done=set()
    ) == [
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 1),
    ]


@pytest.mark.django_db
def test_record_led_by_the_principal_once_a_month(people, client):
    people.mine.principal = "赵矿长"
    people.mine.save()
    h = make_hazard(people.mine)
    with time_machine.travel(dt.datetime(2023, 8, 20, 4, tzinfo=dt.UTC), tick=False):
        args = dict(
            by=people.officer,
            mine=people.mine,
            month=dt.date(2023, 8, 5),
            checked_on=dt.date(2023, 8, 10),
            participants="安全科、通风科",
            areas="全矿井",
        )
        with pytest.raises(ValidationError) as e:
            monthly.monthly_check_record(led_by="钱副矿长", **args)
        assert "led_by" in e.value.message_dict
        with pytest.raises(ValidationError):  # not in the month it is for
            monthly.monthly_check_record(
                led_by="赵矿长", **{**args, "checked_on": dt.date(2023, 7, 30)}
            )
        check = monthly.monthly_check_record(led_by="赵矿长", hazards=[h], **args)
        assert check.month == dt.date(2023, 8, 1)
        with pytest.raises(ValidationError):
            monthly.monthly_check_record(led_by="赵矿长", **args)
        rows = monthly.duty_calendar(
            [people.mine], since=dt.date(2023, 6, 1), on=dt.date(2023, 9, 2)
        )
        assert rows[0]["missing"] == [dt.date(2023, 6, 1), dt.date(2023, 7, 1)]
        client.force_login(people.county)
        page = client.get(reverse("hazards:duty_calendar"), {"since": "2023-06-01"})
        assert page.status_code == 200 and page.context["missing_total"] == 2
        assert client.get(reverse("hazards:monthly_list")).status_code == 200
