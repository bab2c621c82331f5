"""Demo inspections: the demo enterprise principal's self-inspections in several states (one
accepted, one in the reviewers' inbox, one returned, one half answered), a group check, and an
enforcement inspection in 白山 with its team, report and the record of sending it to the local
government. Everything goes through the services, as in real use."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kuangan.campaigns import rules
from kuangan.core.demo import demo_password
from kuangan.core.models import Region, User
from kuangan.core.scope import in_subtree
from kuangan.registry.models import Mine

from . import services
from .choices import InspectionKind, Outcome
from .models import Inspection


def _answer(inspection: Inspection, by, rng, *, share: float = 1.0, problems: int = 2) -> None:
    results = list(inspection.results.select_related("item").order_by("order"))
    count = max(1, int(len(results) * share))
    picked = set(rng.sample(range(count), min(problems, count)))
    answers = []
    for n, r in enumerate(results[:count]):
        if n in picked:
            answers.append(
                {
                    "item": r.item.code,
                    "outcome": Outcome.NONCOMPLIANT,
                    "note": "现场检查发现记录不全",
                }
            )
        elif rng.random() < 0.05:
            answers.append(
                {"item": r.item.code, "outcome": Outcome.NOT_APPLICABLE, "reason": "本矿无此系统"}
            )
        else:
            answers.append({"item": r.item.code, "outcome": Outcome.COMPLIANT})
    services.items_record_bulk(by=by, inspection=inspection, answers=answers)


def _finished_self(mine, principal, officer, rng) -> Inspection:
    inspection = services.inspection_create(
        by=principal,
        mine=mine,
        kind=InspectionKind.SELF,
        plan="矿长组织，安全、生产、机电、通风、地测防治水等专业技术人员逐项对照检查表自查。",
    )
    services.inspection_start(by=officer, inspection=inspection)
    _answer(inspection, officer, rng)
    services.inspection_finish(by=officer, inspection=inspection)
    services.self_report_update(
        by=principal,
        report=inspection.self_report,
        rectification="发现的问题已建立隐患台账，按五落实要求限期整改。",
    )
    services.self_report_sign(by=principal, inspection=inspection, password=demo_password())
    return services.inspection_submit(by=principal, inspection=inspection)


def load(ctx: dict) -> None:
    rng = ctx["rng"]
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "enterprise_principal",
                "enterprise_safety_officer",
                "jiangyuan_inspector",
                "msa_office2_inspector",
                "baishan_inspector",
                "baishan_leader",
                "group_inspector",
            ]
        )
    }
    principal = users.get("enterprise_principal")
    officer = users.get("enterprise_safety_officer")
    county = users.get("jiangyuan_inspector")
    if principal is None or officer is None or county is None:
        return
    if Inspection.objects.exists():
        return
    mines = [
        m
        for m in Mine.objects.filter(enterprise=principal.organization).order_by("code")
        if services.pick_template(m) is not None
    ]
    if not mines:
        return
    campaign = ctx.get("campaign")
    # 1. Accepted by the county bureau.
    accepted = _finished_self(mines[0], principal, officer, rng)
    services.inspection_accept(by=county, inspection=accepted, reason="自查认真，问题清单完整。")
    # 2. Waiting in the inbox of the county bureau and the enforcement office.
    if len(mines) > 1:
        _finished_self(mines[1], principal, officer, rng)
    # 3. Returned for correction.
    if len(mines) > 2:
        returned = _finished_self(mines[2], principal, officer, rng)
        services.inspection_return(
            by=county, inspection=returned, reason="通风方面检查不全，请补充后重新报送。"
        )
    # 4. Half answered.
    if len(mines) > 3:
        started = services.inspection_create(by=principal, mine=mines[3], kind=InspectionKind.SELF)
        services.inspection_start(by=officer, inspection=started)
        _answer(started, officer, rng, share=0.5, problems=1)
    # A group check of the accepted mine.
    group = users.get("group_inspector")
    if group is not None:
        check = services.inspection_create(
            by=group, mine=mines[0], kind=InspectionKind.GROUP, subject=accepted
        )
        services.inspection_start(by=group, inspection=check)
        _answer(check, group, rng, problems=1)
        services.inspection_finish(by=group, inspection=check)
        services.inspection_submit(by=group, inspection=check)
    # An enforcement inspection in 白山, with its team and report.
    inspector = users.get("baishan_inspector")
    leader = users.get("baishan_leader")
    if inspector is None or campaign is None:
        return
    baishan = Region.objects.get(code="220600")
    team = services.team_create(
        by=inspector,
        campaign=campaign,
        region=baishan,
        name="白山市第一执法工作组",
        level="city",
        leader=inspector,
        members=[leader] if leader else [],
    )
    t = campaign.thresholds()
    in_scope = [
        m
        for m in Mine.objects.filter(in_subtree("region", baishan)).order_by("code")
        if rules.inspection_scope(rules.facts(m.rule_state()), t).in_scope
        and services.pick_template(m) is not None
    ]
    if not in_scope:
        return
    planned = services.plan_assign(by=inspector, campaign=campaign, team=team, mines=in_scope[:3])
    enforcement = planned[0]
    services.inspection_invite_expert(
        by=inspector,
        inspection=enforcement,
        name="刘工",
        organization_name="吉林省安全科学技术研究院",
    )
    services.inspection_start(by=inspector, inspection=enforcement)
    _answer(enforcement, inspector, rng, problems=3)
    services.inspection_finish(by=inspector, inspection=enforcement)
    problems = enforcement.results.filter(outcome=Outcome.NONCOMPLIANT).order_by("order")
    disposals = {}
    for n, problem in enumerate(problems):
        disposals[problem.pk] = (["rectify", "suspend", "penalty"][n % 3], "")
    services.inspection_report_update(
        by=inspector,
        inspection=enforcement,
        recommendations="建议企业强化隐患排查治理，完善双重预防机制；属地政府加强督促。",
        disposals=disposals,
    )
    services.inspection_submit(by=inspector, inspection=enforcement)
    services.inspection_report_send(
        by=inspector,
        inspection=enforcement,
        sent_on=timezone.localdate() - dt.timedelta(days=1),
        sent_to=f"{enforcement.mine.region.name}人民政府",
    )
