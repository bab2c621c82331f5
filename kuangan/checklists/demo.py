"""Demo data of the checklist library. The criteria catalogue and the three example checklists
come with the data migrations (a fresh database has them); the demo adds a draft second version
of the open-pit coal example, with a few changes, so that the version history and the diff page
have something to show. Demo only."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import services
from .choices import TemplateStatus
from .models import ChecklistTemplate, MajorHazardCriterion


def load(ctx: dict) -> None:
    base = ChecklistTemplate.objects.filter(
        code="example-coal-open-pit", status=TemplateStatus.PUBLISHED
    ).first()
    if base is None or ChecklistTemplate.objects.filter(code=base.code, version__gt=1).exists():
        return
    draft = services.checklist_draft_create(by=None, template=base)
    slope = draft.aspects.get(name="边坡管理")
    services.checklist_item_save(
        by=None,
        template=draft,
        aspect=slope,
        code="9.7",
        content="边坡高度200 m及以上的采场边坡实行在线监测，监测数据接入调度中心并设置预警阈值。",
        method="查看在线监测平台、预警阈值设置和报警处置记录。",
        basis="《煤矿安全规程》第四编；《煤矿重大事故隐患判定标准》第十八条第（十）项",
        criteria=[MajorHazardCriterion.objects.get(code="COAL2020-18-10")],
        condition={"field": "slope_height_m", "gte": 200},
    )
    item = draft.items.get(code="9.3")
    services.checklist_item_save(
        by=None,
        template=draft,
        item=item,
        aspect=item.aspect,
        code=item.code,
        content="按规定每年进行边坡稳定性分析和评价，边坡参数变化时重新评价。",
        method=item.method,
        basis=item.basis,
        criteria=list(item.criteria.all()),
        condition=item.condition,
        mine_kinds=item.mine_kinds,
    )
    services.checklist_template_update(
        by=None,
        template=draft,
        name=draft.name,
        source_note=f"{draft.source_note} "
        + _("(Demo draft version 2: one item added, one changed.)"),
    )
    ctx["checklist_draft"] = draft
