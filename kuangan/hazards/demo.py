"""Demo hazards: several states for the demo enterprise principal's mines in 白山市江源区 (one
closed, one overdue, one major awaiting the county's acceptance, one enforcement-found major
hazard listed for supervision by the province, one just reported), last month's major-hazard
check, the mines' risk lists (all four levels) and an enforcement order. Everything is made
through the services, so the audit log tells the story."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from kuangan.checklists.models import MajorHazardCriterion
from kuangan.core.models import User
from kuangan.registry.models import Mine

from . import services
from .choices import HazardLevel, HazardSource
from .models import Hazard
from .suggest import suggest_criteria


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (180, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _user(name: str) -> User | None:
    return User.objects.filter(username=name).first()


def _general_in_rectification(
    by: User,
    mine: Mine,
    *,
    description: str,
    location: str,
    found_on: dt.date,
    responsible_person: str,
    measures: str,
    deadline: dt.date,
) -> Hazard:
    """A general hazard recorded by ``by`` and being rectified."""
    hazard = services.hazard_create(
        by=by,
        mine=mine,
        description=description,
        location=location,
        level=HazardLevel.GENERAL,
        found_on=found_on,
    )
    services.hazard_start_rectification(
        by=by,
        hazard=hazard,
        responsible_person=responsible_person,
        measures=measures,
        deadline=deadline,
    )
    return hazard


def load(ctx: dict) -> None:
    principal = _user("enterprise_principal")
    officer = _user("enterprise_safety_officer")
    county = _user("jiangyuan_inspector")
    leader = _user("province_leader")
    if not all((principal, officer, county, leader)):
        return
    mines = list(Mine.objects.filter(enterprise=principal.organization).order_by("code")[:3])
    if not mines:
        return
    today = timezone.localdate()
    five = {
        "responsible_person": "张建国",
        "measures": "补打锚索，加密支护，设置顶板离层仪",
        "funds": "80000",
        "contingency_plan": "《顶板事故专项应急预案》",
        # 七(三): the root cause of a major hazard and the lasting measure against it.
        "root_cause": "局部通风管理制度不落实，双风机双电源切换装置未纳入日常检修计划",
        "lasting_measure": "将双风机双电源自动切换纳入班前检查和月度检修，建立通风设施台账",
    }

    def crit(mine, text):
        found = suggest_criteria(text, kind=mine.kind, on=today)
        return (
            found[0]
            if found
            else MajorHazardCriterion.objects.in_force(today).for_kind(mine.kind).first()
        )

    m = mines[0]
    # 1. a general hazard, rectified and closed
    h = _general_in_rectification(
        officer,
        m,
        description="主斜井带式输送机防跑偏保护装置损坏",
        location="主斜井",
        found_on=today - dt.timedelta(days=30),
        responsible_person="李明",
        measures="更换防跑偏传感器",
        deadline=today + dt.timedelta(days=5),
    )
    services.hazard_request_acceptance(by=officer, hazard=h, note="已更换并试验合格")
    services.hazard_accept(by=principal, hazard=h, note="现场验收合格")
    # 2. a general hazard past its deadline (overdue)
    h = _general_in_rectification(
        officer,
        m,
        description="井下消防管路阀门锈蚀，部分无法开启",
        location="-250水平大巷",
        found_on=today - dt.timedelta(days=25),
        responsible_person="王强",
        measures="更换锈蚀阀门",
        deadline=today + dt.timedelta(days=1),
    )
    services.hazard_update(by=officer, hazard=h, deadline=today - dt.timedelta(days=5))
    # 3. a major hazard found by the enterprise (reported upward), awaiting the county
    target = mines[1] if len(mines) > 1 else m
    text = "掘进工作面局部通风机未实现双风机双电源自动切换"
    h = services.hazard_create(
        by=officer,
        mine=target,
        description=text,
        location="3102掘进工作面",
        level=HazardLevel.MAJOR,
        criterion=crit(target, text),
        found_on=today - dt.timedelta(days=12),
    )
    services.hazard_start_rectification(
        by=officer, hazard=h, deadline=today + dt.timedelta(days=10), **five
    )
    for stage in ("before", "after"):
        services.hazard_add_evidence(
            by=officer,
            hazard=h,
            uploaded_file=SimpleUploadedFile(f"{stage}.png", _png()),
            stage=stage,
        )
    services.hazard_request_acceptance(
        by=officer, hazard=h, note="已安装备用局部通风机并实现自动切换"
    )
    # 4. a major hazard found by enforcement, listed for supervision by the province (heavy)
    text = "未按规定进行探放水即在老空水威胁区域掘进"
    h = services.hazard_create(
        by=county,
        mine=m,
        description=text,
        location="1205运输巷",
        level=HazardLevel.MAJOR,
        criterion=crit(m, text),
        source=HazardSource.ENFORCEMENT,
        found_on=today - dt.timedelta(days=8),
        found_by_name="江源区执法人员",
    )
    services.hazard_list(
        by=leader,
        hazard=h,
        listing_no=f"吉应急督〔{today.year}〕3号",
        listed_on=today - dt.timedelta(days=6),
        listing_due=today + dt.timedelta(days=24),
    )
    # 5. a general hazard just reported
    services.hazard_create(
        by=officer,
        mine=mines[-1],
        description="采区变电所绝缘胶垫破损",
        location="一采区变电所",
        level=HazardLevel.GENERAL,
        found_on=today - dt.timedelta(days=1),
    )
    # last month's check, led by the principal of the mine's enterprise
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    if m.enterprise_id == principal.organization_id:
        services.monthly_check_record(
            by=officer,
            mine=m,
            month=last_month.replace(day=1),
            checked_on=last_month.replace(day=20),
            principal=principal,
            participants="安全科、通风科、地测防治水科",
            areas="全矿井采掘工作面及主要系统",
            report="对照判定标准逐条排查，未发现新的重大事故隐患。",
        )

    # every mine of the enterprise that is not closed keeps its risk list
    _risks(
        officer,
        Mine.objects.filter(enterprise=principal.organization)
        .exclude(status="closed")
        .order_by("code"),
        today,
    )
    enforcement = m.hazards.filter(source=HazardSource.ENFORCEMENT).first()
    if enforcement is not None:
        services.order_issue(
            by=county,
            mine=m,
            kind="rectify_by",
            hazards=[enforcement],
            facts="经查，该矿在老空水威胁区域未按规定进行探放水即组织掘进作业。",
            legal_basis="《中华人民共和国安全生产法》第六十五条、《煤矿防治水细则》第三十八条",
            requirements="立即停止1205运输巷掘进作业，撤出作业人员，制定探放水设计，落实“有掘必探、先探后掘”。",
            deadline=today + dt.timedelta(days=15),
            issued_on=today - dt.timedelta(days=7),
        )


# Risk points by mine kind: (location, hazard type, description, level, measures, level of control)
_RISKS = {
    "underground": [
        (
            "3102综采工作面",
            "gas",
            "上隅角瓦斯积聚，遇火源引发瓦斯爆炸",
            "red",
            "上隅角埋管抽采，瓦斯传感器与采煤机闭锁，严格执行“一炮三检”",
            "mine",
        ),
        (
            "1205运输巷",
            "water",
            "掘进接近老空区，老空水突水",
            "red",
            "有掘必探、先探后掘，超前钻探不少于30米",
            "mine",
        ),
        (
            "3102综采工作面",
            "roof",
            "过断层期间顶板破碎冒落",
            "orange",
            "超前支架加强支护，顶板离层仪监测，班前敲帮问顶",
            "department",
        ),
        (
            "主斜井",
            "transport",
            "带式输送机断带、跑偏伤人",
            "yellow",
            "完善防跑偏、防撕裂、防打滑保护，每班巡检",
            "team",
        ),
        (
            "中央变电所",
            "electromechanical",
            "高压设备漏电、触电",
            "yellow",
            "漏电保护每日试验，停送电执行工作票制度",
            "team",
        ),
        (
            "一采区回风巷",
            "dust",
            "煤尘堆积遇火源引发煤尘爆炸",
            "blue",
            "定期冲洗巷帮，设置隔爆水棚",
            "group",
        ),
    ],
    "open_pit": [
        ("北帮边坡", "roof", "边坡失稳滑坡", "red", "边坡雷达在线监测，台阶高度不超过设计", "mine"),
        (
            "爆破作业区",
            "blasting",
            "爆破飞石伤人",
            "orange",
            "划定警戒范围，爆破前清场确认",
            "department",
        ),
        ("运输道路", "transport", "矿用卡车制动失效", "yellow", "设置避险车道，车辆日检", "team"),
    ],
    "tailings_pond": [
        (
            "初期坝",
            "dam_failure",
            "浸润线抬升导致坝体失稳溃坝",
            "red",
            "浸润线在线监测，干滩长度不低于设计值",
            "mine",
        ),
        (
            "排洪系统",
            "tailings_leak",
            "排洪井堵塞，汛期漫顶泄漏",
            "orange",
            "汛前疏通排洪设施，24小时值班巡坝",
            "department",
        ),
    ],
}


def _risks(by, mines, today) -> None:
    for n, mine in enumerate(mines):
        if mine.kind == "tailings_pond":
            rows = _RISKS["tailings_pond"]
        elif mine.kind.endswith("open_pit"):
            rows = _RISKS["open_pit"]
        else:
            rows = _RISKS["underground"]
        for k, (location, kind, text, level, measures, control) in enumerate(rows):
            services.risk_create(
                by=by,
                mine=mine,
                location=location,
                hazard_type=kind,
                description=text,
                level=level,
                control_measures=measures,
                responsible_person=["张建国", "李明", "王强", "赵刚"][k % 4],
                responsible_level=control,
                # one review already due, so that the ledger shows an overdue review
                review_on=today - dt.timedelta(days=3)
                if n == 0 and k == len(rows) - 1
                else today + dt.timedelta(days=120 + 30 * k),
            )
