"""Factories of inspections, and the inspections app's part of the authorisation matrix."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from django.utils import timezone

from kuangan.checklists.choices import ChecklistFamily, TemplateStatus
from kuangan.checklists.models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    MajorHazardCriterion,
)
from kuangan.core.choices import OrganizationKind, RegulatorAgency, Role
from kuangan.core.models import Region
from kuangan.core.tests import authz
from kuangan.core.tests.factories import make_organization, make_user
from kuangan.registry.tests.factories import make_enterprise, make_mine

from .. import services
from ..choices import InspectionKind, Outcome
from ..models import Inspection, InspectionTeam, LookbackDraw

_serial = itertools.count(1)

FAMILY_OF = {
    "coal_underground": ChecklistFamily.COAL_UNDERGROUND,
    "coal_open_pit": ChecklistFamily.COAL_OPEN_PIT,
}


def make_template(
    family: str = ChecklistFamily.COAL_UNDERGROUND, *, aspects: int = 2, items: int = 3
) -> ChecklistTemplate:
    """A published checklist: ``aspects`` × ``items``; the first item of each aspect can
    reveal a major hazard (linked to a criterion of the family's standard)."""
    n = next(_serial)
    template = ChecklistTemplate.objects.create(
        code=f"test-{family}-{n}".replace("_", "-"),
        family=family,
        name=f"测试检查表{n}",
    )
    kind = "coal" if family.startswith("coal") else "metal"
    criterion = (
        MajorHazardCriterion.objects.filter(standard__family__startswith=kind[:4]).first()
        or MajorHazardCriterion.objects.first()
    )
    for a in range(1, aspects + 1):
        aspect = ChecklistAspect.objects.create(template=template, order=a, name=f"方面{a}")
        for i in range(1, items + 1):
            item = ChecklistItem.objects.create(
                template=template,
                aspect=aspect,
                code=f"{a}.{i}",
                order=i,
                content=f"检查内容{a}-{i}",
                basis=f"《煤矿安全规程》第{a}{i}条",
            )
            if i == 1 and criterion is not None:
                item.criteria.add(criterion)
    ChecklistTemplate.objects.filter(pk=template.pk).update(
        status=TemplateStatus.PUBLISHED, published_at=timezone.now()
    )
    template.refresh_from_db()
    return template


@dataclass
class Setting:
    """A mine in 白山市江源区 with its enterprise people, its regulators and outsiders."""

    mine: object
    enterprise: object
    principal: object
    officer: object
    group: object
    group_inspector: object
    county: object  # county bureau inspector (江源区)
    office: object  # the national bureau's enforcement office governing 白山市
    city_leader: object
    outsider: object  # a regulator of 长春市南关区
    other_principal: object  # the principal of another enterprise in the same county
    template: object


def make_setting(county_code: str = "220605", city_code: str = "220600") -> Setting:
    template = make_template()
    group = make_organization(city_code, OrganizationKind.ENTERPRISE, name=f"集团{next(_serial)}")
    enterprise = make_enterprise(county_code, parent=group, principal="张矿长")
    mine = make_mine(county_code, enterprise=enterprise)
    county_bureau = make_organization(
        county_code, name=f"县应急局{next(_serial)}", agency=RegulatorAgency.EMERGENCY
    )
    office_org = make_organization(
        "220000", name=f"监察执法处{next(_serial)}", agency=RegulatorAgency.MINE_SAFETY_ADMIN
    )
    office_org.jurisdiction.set([Region.objects.get(code=city_code)])
    city_bureau = make_organization(
        city_code, name=f"市应急局{next(_serial)}", agency=RegulatorAgency.EMERGENCY
    )
    other = make_enterprise(county_code)
    return Setting(
        mine=mine,
        enterprise=enterprise,
        principal=make_user(organization=enterprise, role=Role.ENTERPRISE_PRINCIPAL),
        officer=make_user(organization=enterprise, role=Role.ENTERPRISE_SAFETY_OFFICER),
        group=group,
        group_inspector=make_user(organization=group, role=Role.GROUP_INSPECTOR),
        county=make_user(organization=county_bureau, role=Role.REGULATOR_INSPECTOR),
        office=make_user(organization=office_org, role=Role.REGULATOR_INSPECTOR),
        city_leader=make_user(organization=city_bureau, role=Role.REGULATOR_LEADER),
        outsider=make_user("220102", role=Role.REGULATOR_INSPECTOR),
        other_principal=make_user(organization=other, role=Role.ENTERPRISE_PRINCIPAL),
        template=template,
    )


def answer_all(inspection: Inspection, by, *, noncompliant: int = 1) -> None:
    """Answer every item: the first ``noncompliant`` non-compliant, one not applicable, the
    rest compliant."""
    answers = []
    for n, result in enumerate(inspection.results.select_related("item").order_by("order")):
        if n < noncompliant:
            answers.append({"item": result.item.code, "outcome": Outcome.NONCOMPLIANT})
        elif n == noncompliant:
            answers.append(
                {"item": result.item.code, "outcome": Outcome.NOT_APPLICABLE, "reason": "无此系统"}
            )
        else:
            answers.append({"item": result.item.code, "outcome": Outcome.COMPLIANT})
    services.items_record_bulk(by=by, inspection=inspection, answers=answers)


def signed_self_inspection(s: Setting) -> Inspection:
    from kuangan.core.tests.factories import PASSWORD

    inspection = services.inspection_create(by=s.principal, mine=s.mine, kind=InspectionKind.SELF)
    services.inspection_start(by=s.officer, inspection=inspection)
    answer_all(inspection, s.officer)
    services.inspection_finish(by=s.officer, inspection=inspection)
    services.self_report_sign(by=s.principal, inspection=inspection, password=PASSWORD)
    inspection.refresh_from_db()
    return inspection


# --- The authorisation matrix ----------------------------------------------------------------


def _template_for_matrix() -> ChecklistTemplate:
    found = ChecklistTemplate.objects.filter(
        family=ChecklistFamily.COAL_UNDERGROUND, status=TemplateStatus.PUBLISHED
    ).first()
    return found or make_template()


@authz.factory(Inspection)
def _inspection(world: authz.World) -> Inspection:
    template = _template_for_matrix()
    mine = make_mine(world.county.code, enterprise=world.enterprise, name=f"{world.token}检查煤矿")
    inspection = Inspection.objects.create(
        kind=InspectionKind.SELF,
        mine=mine,
        template=template,
        created_by=world.owner,
        plan=f"{world.token}自查方案",
    )
    services.fill_results(inspection)
    return inspection


@authz.factory(InspectionTeam)
def _team(world: authz.World) -> InspectionTeam:
    from kuangan.campaigns.tests.factories import make_campaign

    campaign = make_campaign(world.city.code, name=f"{world.token}整治")
    leader = make_user(organization=world.city_regulator, role=Role.REGULATOR_INSPECTOR)
    return InspectionTeam.objects.create(
        campaign=campaign,
        region=world.city,
        name=f"{world.token}执法组",
        level="city",
        leader=leader,
        created_by=leader,
    )


@authz.factory(LookbackDraw)
def _draw(world: authz.World) -> LookbackDraw:
    from kuangan.campaigns.tests.factories import make_campaign

    campaign = make_campaign(world.city.code, name=f"{world.token}整治")
    leader = make_user(organization=world.city_regulator, role=Role.REGULATOR_LEADER)
    return LookbackDraw.objects.create(
        campaign=campaign,
        region=world.city,
        ratio="0.100",
        seed=f"{world.token}seed",
        drawn_by=leader,
    )


def _result_kwargs(inspection: Inspection) -> list[dict]:
    result = inspection.results.first()
    if result is None:
        return []
    return [{"pk": inspection.pk, "result_pk": result.pk}]


def _actions(inspection: Inspection) -> list[dict]:
    return [{"pk": inspection.pk, "action": a} for a in ("start", "accept")]


def _formats(inspection: Inspection) -> list[dict]:
    return [{"pk": inspection.pk, "fmt": f} for f in ("docx", "pdf")]


def _campaign_of(team: InspectionTeam) -> list[dict]:
    return [{"campaign_pk": team.campaign_id}]


for _name in (
    "inspections:answer",
    "inspections:checklist_download",
    "inspections:checklist_import",
    "inspections:expert_invite",
    "inspections:report_edit",
    "inspections:report_send",
    "inspections:self_report_edit",
    "inspections:sign",
):
    authz.route(_name, model=Inspection)
authz.route("inspections:answer_save", model=Inspection, kwargs=_result_kwargs, methods=("POST",))
authz.route("inspections:photo_upload", model=Inspection, kwargs=_result_kwargs, methods=("POST",))
authz.route("inspections:transition", model=Inspection, kwargs=_actions)
authz.route("inspections:report_download", model=Inspection, kwargs=_formats, methods=("GET",))
authz.route("inspections:lookback_detail", model=LookbackDraw)
authz.route("inspections:plan_assign", model=InspectionTeam, kwargs=_campaign_of, methods=("POST",))
authz.route("inspections:team_create", model=InspectionTeam, kwargs=_campaign_of)
authz.route("inspections:document_upload", model=Inspection, methods=("POST",))
