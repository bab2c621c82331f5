"""Monthly major-hazard checks (task 2: “每月组织开展 1次重大事故隐患排查整治”) and the duty
calendar."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kuangan.campaigns import rules as campaign_rules
from kuangan.core.choices import Role
from kuangan.core.tests.factories import make_user
from kuangan.hazards.models import MonthlyMajorHazardCheck
from kuangan.hazards.panels import monthly_checks
from kuangan.hazards.rules import missing_monthly_checks
from kuangan.hazards.services import monthly
from kuangan.registry.choices import MineStatus
from kuangan.registry.models import Mine
from kuangan.registry.services import mine_history_record
from kuangan.registry.tests.factories import make_mine

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
            monthly.monthly_check_record(principal=people.officer2, **args)
        assert "principal" in e.value.message_dict
        with pytest.raises(ValidationError):  # not in the month it is for
            monthly.monthly_check_record(
                principal=people.principal, **{**args, "checked_on": dt.date(2023, 7, 30)}
            )
        check = monthly.monthly_check_record(principal=people.principal, hazards=[h], **args)
        assert check.month == dt.date(2023, 8, 1)
        with pytest.raises(ValidationError):
            monthly.monthly_check_record(principal=people.principal, **args)
        rows = monthly.duty_calendar(
            [people.mine], since=dt.date(2023, 6, 1), on=dt.date(2023, 9, 2)
        )
        assert rows[0]["missing"] == [dt.date(2023, 6, 1), dt.date(2023, 7, 1)]
        client.force_login(people.county)
        page = client.get(reverse("hazards:duty_calendar"), {"since": "2023-06-01"})
        assert page.status_code == 200 and page.context["missing_total"] == 2
        assert client.get(reverse("hazards:monthly_list")).status_code == 200


# --- Issue 11: who owes the check, month by month; who leads it ------------------------------


def _becomes(mine, day: dt.date, **fields):
    """The mine's rule facts change at the start of ``day`` (recorded in its history)."""
    changes = {f: [getattr(mine, f), v] for f, v in fields.items()}
    for f, v in fields.items():
        setattr(mine, f, v)
    mine.save()
    mine_history_record(
        mine=mine,
        by=None,
        changes=changes,
        at=timezone.make_aware(dt.datetime.combine(day, dt.time())),
    )


def _registered(mine, day: dt.date):
    """Move the mine's first history row back to ``day`` (registered then)."""
    mine.history.update(effective_at=timezone.make_aware(dt.datetime.combine(day, dt.time())))


@pytest.mark.django_db
def test_calendar_leaves_out_closed_and_unmanned_shutdown_mines(people, client):
    """二、整治范围: “所有正常生产、建设、整改的煤矿……启动复工复产、有人员作业的长期停产停建矿山，
    必须按照正常生产建设矿山进行综合整治。对无人作业的长期停产停建矿山，由属地应急管理局严格落实
    驻矿盯守或者联系盯守责任。” The duty calendar leaves out closed mines and unmanned long
    shutdowns, as the home panel does (one rule: ``owing_mines``)."""
    e = people.enterprise
    closed = make_mine("220605", enterprise=e, status=MineStatus.CLOSED)
    unmanned = make_mine("220605", enterprise=e, status=MineStatus.LONG_SHUTDOWN)
    manned = make_mine(
        "220605", enterprise=e, status=MineStatus.LONG_SHUTDOWN, personnel_on_site=True
    )
    resuming = make_mine("220605", enterprise=e, status=MineStatus.LONG_SHUTDOWN, resuming=True)
    rectifying = make_mine("220605", enterprise=e, status=MineStatus.RECTIFYING)
    owing = set(monthly.owing_mines(Mine.objects.filter(enterprise=e)))
    assert owing == {people.mine, manned, resuming, rectifying}
    assert closed not in owing and unmanned not in owing
    client.force_login(people.county)
    page = client.get(reverse("hazards:duty_calendar"))
    shown = {r["mine"] for r in page.context["rows"]}
    assert shown == owing
    assert "无人作业的长期停产停建矿山" in page.content.decode()
    r = client.get("/api/v1/monthly-checks/calendar/")
    assert {x["mine"] for x in r.json()["results"]} == {m.code for m in owing}
    # the home panel counts the same mines
    assert sum(row[1] for row in monthly_checks(people.county).context["rows"]) == len(owing)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status,resuming,personnel",
    [(s, r, p) for s in MineStatus.values for r in (False, True) for p in (False, True)],
)
def test_owing_mines_is_the_campaign_scope_rule(status, resuming, personnel):
    """二、整治范围 (the words above): the ORM form agrees with ``campaigns.rules.campaign_scope``
    for every status, resuming or not, with people on site or not."""
    mine = make_mine(status=status, resuming=resuming, personnel_on_site=personnel)
    in_scope = campaign_rules.campaign_scope(campaign_rules.facts(mine.rule_state())).in_scope
    assert monthly.owing_mines(Mine.objects.filter(pk=mine.pk)).exists() == in_scope


@pytest.mark.django_db
def test_month_owed_on_the_facts_of_that_month(people):
    """“每月组织开展 1次重大事故隐患排查整治” for the mines of 二、整治范围: a month is owed when the
    mine was in the range on any day of it (a check may be held on any day); a month spent
    wholly as an unmanned long shutdown or closed is not, whatever the mine is now."""
    mine = people.mine
    _registered(mine, dt.date(2023, 1, 1))
    # producing until 9 July; unmanned shutdown from 10 July; people back on 31 August;
    # closed from 1 October; producing again from 1 December.
    _becomes(mine, dt.date(2023, 7, 10), status=MineStatus.LONG_SHUTDOWN)
    _becomes(mine, dt.date(2023, 8, 31), personnel_on_site=True)
    _becomes(mine, dt.date(2023, 9, 1), personnel_on_site=False)
    _becomes(mine, dt.date(2023, 10, 1), status=MineStatus.CLOSED)
    _becomes(mine, dt.date(2023, 12, 1), status=MineStatus.PRODUCING)
    (row,) = monthly.duty_calendar([mine], since=dt.date(2023, 6, 1), on=dt.date(2024, 1, 5))
    assert row["missing"] == [
        dt.date(2023, 6, 1),  # producing all month
        dt.date(2023, 7, 1),  # producing 1–9 July
        dt.date(2023, 8, 1),  # people working on the last day
        dt.date(2023, 12, 1),  # producing again
    ]
    assert row["not_owed"] == {
        dt.date(2023, 9, 1): monthly.NOT_OWED_UNMANNED,  # unmanned all month
        dt.date(2023, 10, 1): monthly.NOT_OWED_CLOSED,
        dt.date(2023, 11, 1): monthly.NOT_OWED_CLOSED,
    }
    # the month is judged once it ended: on 30 November, November is not yet flagged
    (row,) = monthly.duty_calendar([mine], since=dt.date(2023, 11, 1), on=dt.date(2023, 11, 30))
    assert row["missing"] == [] and row["not_owed"] == {}
    # a change on the first day of a month takes effect for the whole month
    (row,) = monthly.duty_calendar([mine], since=dt.date(2023, 10, 1), on=dt.date(2023, 11, 1))
    assert row["not_owed"] == {dt.date(2023, 10, 1): monthly.NOT_OWED_CLOSED}
    with translation.override("zh-hans"):
        assert "全月处于关闭" in monthly.not_owed_reason_label(monthly.NOT_OWED_CLOSED)


@pytest.mark.django_db
def test_principal_is_a_person_of_the_mine_with_that_post(people):
    """四(一)2: “各矿山企业主要负责人要带头学习重大事故隐患判定标准，每月组织开展 1次重大事故隐患
    排查整治”: the check is led by a person, a user of the mine's enterprise holding the
    principal role — not free text, not a safety officer, not another enterprise's principal."""
    args = dict(
        by=people.officer,
        mine=people.mine,
        month=dt.date(2023, 8, 1),
        checked_on=dt.date(2023, 8, 10),
        participants="安全科",
        areas="全矿井",
    )
    gone = make_user(organization=people.enterprise, role=Role.ENTERPRISE_PRINCIPAL)
    gone.is_active = False
    gone.save()
    with (
        time_machine.travel(dt.datetime(2023, 8, 20, 4, tzinfo=dt.UTC), tick=False),
        translation.override("zh-hans"),
    ):
        for person, words in [
            (None, "请选择带头排查的主要负责人"),
            (people.officer2, "不是"),
            (people.other_enterprise, "不属于"),
            (gone, "已停用"),
        ]:
            with pytest.raises(ValidationError) as e:
                monthly.monthly_check_record(principal=person, **args)
            assert words in e.value.message_dict["principal"][0], person
        check = monthly.monthly_check_record(principal=people.principal, **args)
    assert check.principal == people.principal
    assert check.led_by == str(people.principal)  # the name as it stood, kept with it


@pytest.mark.django_db
def test_checks_recorded_with_a_free_text_leader_stay_valid(people):
    """Checks recorded before the leader was a person keep their name and stay valid."""
    old = MonthlyMajorHazardCheck.objects.create(
        mine=people.mine,
        month=dt.date(2023, 5, 1),
        checked_on=dt.date(2023, 5, 10),
        led_by="赵矿长",
        participants="p",
        areas="a",
        recorded_by=people.officer,
    )
    old.full_clean()
    assert old.principal is None and old.led_by == "赵矿长"


@pytest.mark.django_db
def test_record_page_offers_only_the_principals_of_your_mines(people, client):
    """The form names the principal from a list: the principals of the enterprises of the
    user's mines; the one who records it may be the principal."""
    client.force_login(people.principal)
    url = reverse("hazards:monthly_create")
    page = client.get(url)
    field = page.context["form"].fields["principal"]
    assert list(field.queryset) == [people.principal]
    assert page.context["form"].initial["principal"] == people.principal
    today = timezone.localdate()
    r = client.post(
        url,
        {
            "mine": people.mine.pk,
            "month": today.replace(day=1).isoformat(),
            "checked_on": today.isoformat(),
            "principal": people.other_enterprise.pk,
            "participants": "安全科",
            "areas": "全矿井",
        },
    )
    assert r.status_code == 200 and "principal" in r.context["form"].errors
    assert not MonthlyMajorHazardCheck.objects.exists()
    r = client.post(
        url,
        {
            "mine": people.mine.pk,
            "month": today.replace(day=1).isoformat(),
            "checked_on": today.isoformat(),
            "principal": people.principal.pk,
            "participants": "安全科",
            "areas": "全矿井",
        },
    )
    assert r.status_code == 302
    assert MonthlyMajorHazardCheck.objects.get().principal == people.principal
