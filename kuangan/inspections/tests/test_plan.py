import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kuangan.campaigns.choices import NOTICE_WORDS
from kuangan.campaigns.tests.factories import make_campaign
from kuangan.core.models import Region
from kuangan.registry.services import mine_history_record
from kuangan.registry.tests.factories import make_mine

from .. import plan, services
from ..choices import InspectionKind
from .factories import answer_all, make_setting, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    s = make_setting()
    make_template("non_coal")
    campaign = make_campaign("220000")  # key inspection by 2023-09-30, flood season 2023-06-01
    e = s.enterprise
    mines = {
        "flood": make_mine(enterprise=e, name="水害煤矿", hydro_class="complex"),
        "plain": make_mine(enterprise=e, name="普通煤矿", hydro_class="simple"),
        "low_slope": make_mine(
            enterprise=e, name="低边坡露天矿", kind="metal_open_pit", slope_height_m=Decimal(50)
        ),
        "shutdown": make_mine(enterprise=e, name="停产煤矿", status="long_shutdown"),
        "concern": make_mine(
            enterprise=e, name="不放心矿", kind="metal_underground", regulator_concern=True
        ),
        "unteamed": make_mine(enterprise=e, name="无组煤矿"),
    }
    return s, campaign, mines


def test_plan_lists_the_in_scope_mines_flood_season_first_then_priority(world):
    s, campaign, m = world
    rows = plan.plan_rows(user=s.county, campaign=campaign, today=dt.date(2023, 5, 1))
    names = [r.mine.name for r in rows]
    assert "低边坡露天矿" not in names and "停产煤矿" not in names
    assert names[0] == "水害煤矿" and rows[0].flood_deadline == dt.date(2023, 6, 1)
    assert names[1] == "不放心矿" and rows[1].priority == "high"
    assert rows[2].deadline == dt.date(2023, 9, 30) and rows[2].flood_deadline is None
    # The test setting's own mine is in scope too (a producing coal mine).
    assert len(rows) == 5


def test_coverage_board_counts_no_team_planned_done_and_overdue(world):
    s, campaign, m = world
    team = services.team_create(
        by=s.county,
        campaign=campaign,
        region=Region.objects.get(code="220605"),
        name="江源区第一执法组",
        level="county",
        leader=s.county,
    )
    services.plan_assign(
        by=s.county, campaign=campaign, team=team, mines=[m["plain"], m["concern"]]
    )
    concern = m["concern"].inspections.get(kind=InspectionKind.ENFORCEMENT)
    assert concern.team == team and concern.deadline == dt.date(2023, 9, 30)
    services.inspection_start(by=s.county, inspection=concern)
    answer_all(concern, s.county)
    services.inspection_finish(by=s.county, inspection=concern)
    services.inspection_submit(by=s.county, inspection=concern)

    rows = plan.plan_rows(user=s.county, campaign=campaign, today=dt.date(2023, 7, 1))
    states = {r.mine.name: r.state for r in rows}
    assert states["水害煤矿"] == plan.OVERDUE  # flood season began on 2023-06-01
    assert states["普通煤矿"] == plan.PLANNED
    assert states["不放心矿"] == plan.DONE
    assert states["无组煤矿"] == plan.NO_TEAM
    counts = plan.coverage(rows)
    assert counts == {
        "in_scope": 5,
        "no_team": 3,  # the overdue flood mine has no team either
        "planned": 1,
        "done": 1,
        "overdue": 1,
        "flood": 1,
        "flood_done": 0,
    }
    # After the phase deadline every mine not done is overdue.
    late = plan.coverage(
        plan.plan_rows(user=s.county, campaign=campaign, today=dt.date(2023, 10, 1))
    )
    assert (late["overdue"], late["done"], late["planned"], late["no_team"]) == (4, 1, 0, 3)


def test_no_team_box_counts_every_row_without_a_team_even_when_overdue(world, client):
    s, campaign, m = world
    # Long after the deadline every mine is overdue and none has a team: 未分组 must not say 0.
    rows = plan.plan_rows(user=s.county, campaign=campaign, today=dt.date(2024, 1, 1))
    assert rows and all(r.state == plan.OVERDUE for r in rows)
    assert plan.coverage(rows)["no_team"] == sum(1 for r in rows if r.team is None) == len(rows)
    # The page's box says the same (the campaign's deadlines are long past today), and the
    # box's filter picks those rows.
    client.force_login(s.county)
    url = reverse("inspections:plan") + f"?campaign={campaign.pk}"
    page = client.get(url)
    assert page.context["coverage"]["no_team"] == len(page.context["rows"]) == 5
    assert '<div class="h2 m-0" data-testid="cov-no_team">5</div>' in page.content.decode()
    assert len(client.get(url + "&state=no_team").context["rows"]) == 5


def test_plan_page_shows_reason_labels_and_notice_words_not_codes(world, client):
    s, campaign, m = world
    client.force_login(s.county)
    body = client.get(reverse("inspections:plan") + f"?campaign={campaign.pk}").content.decode()
    assert "正常生产建设煤矿" in body  # the label the mine's 整治范围 tab shows
    assert str(NOTICE_WORDS["coal_operating"]) in body  # with the notice's own words
    assert "coal_operating" not in body and "metal_underground_operating" not in body
    # Dates do not wrap mid-date.
    assert '<td class="text-nowrap">' in body


def test_planning_refuses_mines_out_of_scope_and_outsiders(world):
    s, campaign, m = world
    team = services.team_create(
        by=s.county,
        campaign=campaign,
        region=Region.objects.get(code="220605"),
        name="组",
        level="county",
        leader=s.county,
    )
    with pytest.raises(ValidationError):
        services.plan_assign(by=s.county, campaign=campaign, team=team, mines=[m["low_slope"]])
    with pytest.raises(PermissionDenied):
        services.plan_assign(by=s.outsider, campaign=campaign, team=team, mines=[m["plain"]])
    with pytest.raises(PermissionDenied):
        services.team_create(
            by=s.outsider,
            campaign=campaign,
            region=Region.objects.get(code="220605"),
            name="越权组",
            level="county",
            leader=s.outsider,
        )
    with pytest.raises(PermissionDenied):
        services.plan_assign(by=s.principal, campaign=campaign, team=team, mines=[m["plain"]])


def test_group_coverage_shows_subsidiary_mines_not_yet_checked(world):
    s, campaign, m = world
    rows = plan.group_coverage(user=s.group_inspector)
    # The unmanned long shutdown (停产煤矿) is left out.
    assert len(rows) == 6 and not any(r.checked for r in rows)
    assert m["shutdown"] not in [r.mine for r in rows]
    check = services.inspection_create(by=s.group_inspector, mine=s.mine, kind=InspectionKind.GROUP)
    services.inspection_start(by=s.group_inspector, inspection=check)
    answer_all(check, s.group_inspector)
    services.inspection_finish(by=s.group_inspector, inspection=check)
    services.inspection_submit(by=s.group_inspector, inspection=check)
    rows = plan.group_coverage(user=s.group_inspector)
    assert [r.mine for r in rows if r.checked] == [s.mine]


def test_plan_page_and_assignment_through_http(world, client):
    s, campaign, m = world
    team = services.team_create(
        by=s.county,
        campaign=campaign,
        region=Region.objects.get(code="220605"),
        name="页面组",
        level="county",
        leader=s.county,
    )
    client.force_login(s.county)
    page = client.get(reverse("inspections:plan") + f"?campaign={campaign.pk}")
    assert page.status_code == 200 and "水害煤矿" in page.content.decode()
    response = client.post(
        reverse("inspections:plan_assign", args=[campaign.pk]),
        {"team": team.pk, "mines": [m["flood"].pk]},
    )
    assert response.status_code == 302
    assert m["flood"].inspections.get().team == team
    client.force_login(s.principal)
    assert client.get(reverse("inspections:plan")).status_code == 403


def test_group_coverage_counts_the_groups_own_operating_mines_and_leaves_out_closed_and_unmanned(
    world,
):
    """六(二): “矿山上级公司对所属矿山自查自改工作进行全覆盖检查”; 二、整治范围: “所有正常生产、
    建设、整改的……矿山……启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山进行
    综合整治。” The group's 所属矿山 include the mines it owns itself; closed mines and unmanned
    long shutdowns are not checked, resuming or manned long shutdowns are."""
    s, campaign, m = world
    own = make_mine(enterprise=s.group, name="集团直属矿")
    rectifying = make_mine(enterprise=s.enterprise, name="整改矿", status="rectifying")
    constructing = make_mine(enterprise=s.enterprise, name="在建矿", status="constructing")
    resuming = make_mine(
        enterprise=s.enterprise, name="复产矿", status="long_shutdown", resuming=True
    )
    manned = make_mine(
        enterprise=s.enterprise, name="有人停产矿", status="long_shutdown", personnel_on_site=True
    )
    closed = make_mine(enterprise=s.enterprise, name="关闭矿", status="closed")
    own_closed = make_mine(enterprise=s.group, name="集团关闭矿", status="closed")
    stranger = make_mine(name="别家矿")
    mines = [r.mine for r in plan.group_coverage(user=s.group_inspector)]
    for mine in (own, rectifying, constructing, resuming, manned, s.mine):
        assert mine in mines
    for mine in (closed, own_closed, m["shutdown"], stranger):
        assert mine not in mines
    # A group check of its own mine covers it.
    check = services.inspection_create(by=s.group_inspector, mine=own, kind=InspectionKind.GROUP)
    services.inspection_start(by=s.group_inspector, inspection=check)
    answer_all(check, s.group_inspector)
    services.inspection_finish(by=s.group_inspector, inspection=check)
    services.inspection_submit(by=s.group_inspector, inspection=check)
    rows = plan.group_coverage(user=s.group_inspector)
    assert [r.mine for r in rows if r.checked] == [own]


def test_group_coverage_reads_the_registry_of_the_day_asked(world):
    """二、整治范围 decides on the mine's status of the day: a mine closed today was in the
    group's full coverage yesterday, and is not today."""
    s, campaign, m = world
    today = timezone.localdate()
    mine = make_mine(enterprise=s.group, name="今日关闭矿")
    mine.status = "closed"
    mine.save()
    mine_history_record(mine=mine, by=None, changes={"status": ["producing", "closed"]})
    assert mine not in [r.mine for r in plan.group_coverage(user=s.group_inspector)]
    yesterday = plan.group_coverage(user=s.group_inspector, day=today - dt.timedelta(days=1))
    assert mine in [r.mine for r in yesterday]
    # Before it was registered it was nobody's to check.
    earlier = plan.group_coverage(user=s.group_inspector, day=today - dt.timedelta(days=5))
    assert mine not in [r.mine for r in earlier]


def test_a_company_without_subsidiaries_has_no_group_coverage(world):
    """六(二) “矿山上级公司对所属矿山……全覆盖检查” is the duty of a company over others: an
    enterprise without subsidiaries has no group coverage board rows."""
    s, campaign, m = world
    assert plan.group_coverage(user=s.principal) == []
