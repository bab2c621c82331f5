"""Factories of hazards, and the hazards app's part of the authorisation matrix.

``make_hazard`` writes a valid hazard directly (fast, for tests of reads); tests of workflows
go through ``services``."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from kuangan.checklists.models import MajorHazardCriterion
from kuangan.core.tests import authz
from kuangan.registry.models import Mine
from kuangan.registry.tests.factories import make_mine

from ..choices import (
    ControlLevel,
    HazardLevel,
    HazardSource,
    HazardStatus,
    RiskHazardType,
    RiskLevel,
)
from ..models import (
    Hazard,
    HazardEvidence,
    HazardExtension,
    MonthlyMajorHazardCheck,
    Order,
    RiskItem,
)
from ..services.penalty import decide_at_recording

_serial = itertools.count(1)


def criterion_for(mine: Mine, on: dt.date | None = None) -> MajorHazardCriterion:
    """A criterion of the standard in force on ``on`` that applies to the mine's kind."""
    on = on or timezone.localdate()
    return MajorHazardCriterion.objects.in_force(on).for_kind(mine.kind).order_by("order").first()


FIVE = {
    "responsible_person": "张矿长",
    "measures": "加强支护，补打锚杆",
    "funds": Decimal("50000.00"),
    "contingency_plan": "顶板事故专项应急预案",
    # 七(三): a major hazard's root cause and lasting measure, filled in with the 五落实
    "root_cause": "采掘接续紧张，支护设计未随地压变化修订",
    "lasting_measure": "修订支护设计并建立顶板离层在线监测",
}


def make_hazard(
    mine: Mine | None = None,
    *,
    level: str = HazardLevel.GENERAL,
    source: str = HazardSource.SELF,
    status: str = HazardStatus.REPORTED,
    found_on: dt.date | None = None,
    five: bool = False,
    **fields,
) -> Hazard:
    """A valid hazard saved directly (no audit, no services)."""
    mine = mine or make_mine()
    found_on = found_on or timezone.localdate() - dt.timedelta(days=10)
    if level == HazardLevel.MAJOR:
        fields.setdefault("criterion", criterion_for(mine, found_on))
    if five:
        for key, value in FIVE.items():
            fields.setdefault(key, value)
        fields.setdefault("deadline", found_on + dt.timedelta(days=30))
    if status == HazardStatus.CLOSED:
        fields.setdefault("closed_at", timezone.now())
    fields.setdefault("description", f"测试隐患{next(_serial)}：巷道顶板离层")
    hazard = Hazard(
        mine=mine,
        code=f"{mine.code}-{found_on.year}-{next(_serial):03d}",
        level=level,
        source=source,
        status=status,
        found_on=found_on,
        **fields,
    )
    hazard.full_clean(exclude=["code"])
    decide_at_recording(hazard)  # a regulator's finding: its guidance, as the service stores it
    hazard.save()
    return hazard


def make_risk(mine: Mine | None = None, **fields) -> RiskItem:
    """A valid risk item saved directly (no audit, no services)."""
    mine = mine or make_mine()
    n = next(_serial)
    fields.setdefault("location", f"测试风险点{n}")
    fields.setdefault("hazard_type", RiskHazardType.ROOF)
    fields.setdefault("description", f"巷道顶板离层冒落风险{n}")
    fields.setdefault("level", RiskLevel.YELLOW)
    fields.setdefault("control_measures", "锚网索联合支护，顶板离层监测")
    fields.setdefault("responsible_person", "王区长")
    fields.setdefault("responsible_level", ControlLevel.TEAM)
    fields.setdefault("review_on", timezone.localdate() + dt.timedelta(days=180))
    fields.setdefault("code", f"{mine.code}-R{n:03d}")
    item = RiskItem(mine=mine, **fields)
    item.full_clean()
    item.save()
    return item


# --- The authorisation matrix -----------------------------------------------------------------


@authz.factory(Hazard)
def _hazard(world: authz.World) -> Hazard:
    mine = make_mine(world.county.code, enterprise=world.enterprise, name=f"{world.token}隐患煤矿")
    return make_hazard(mine, description=f"{world.token}顶板隐患", five=True)


@authz.factory(HazardExtension)
def _extension(world: authz.World) -> HazardExtension:
    hazard = _hazard(world)
    return HazardExtension.objects.create(
        hazard=hazard,
        requested_by=world.owner,
        reason=f"{world.token}延期",
        old_deadline=hazard.deadline,
        new_deadline=hazard.deadline + dt.timedelta(days=10),
    )


@authz.factory(HazardEvidence)
def _evidence(world: authz.World) -> HazardEvidence:
    from kuangan.core.tests.factories import make_attachment

    hazard = _hazard(world)
    attachment = make_attachment(by=world.owner, target=hazard)
    return HazardEvidence.objects.create(hazard=hazard, attachment=attachment, stage="before")


@authz.factory(Order)
def _order(world: authz.World) -> Order:
    hazard = _hazard(world)
    officer = world.user("regulator_inspector")
    order = Order.objects.create(
        number=f"{world.token}-{next(_serial)}",
        kind="rectify_by",
        mine=hazard.mine,
        facts=f"{world.token}事实",
        legal_basis="依据",
        requirements="要求",
        deadline=timezone.localdate() + dt.timedelta(days=10),
        issuing_body=officer.organization,
        officer=officer,
        issued_on=timezone.localdate(),
    )
    order.hazards.set([hazard])
    return order


@authz.factory(MonthlyMajorHazardCheck)
def _monthly(world: authz.World) -> MonthlyMajorHazardCheck:
    mine = make_mine(world.county.code, enterprise=world.enterprise, name=f"{world.token}月检煤矿")
    return MonthlyMajorHazardCheck.objects.create(
        mine=mine,
        month=timezone.localdate().replace(day=1),
        checked_on=timezone.localdate(),
        led_by="矿长",
        participants=f"{world.token}参加人",
        areas="全矿",
        recorded_by=world.owner,
    )


@authz.factory(RiskItem)
def _risk(world: authz.World) -> RiskItem:
    mine = make_mine(world.county.code, enterprise=world.enterprise, name=f"{world.token}风险煤矿")
    return make_risk(mine, location=f"{world.token}风险点", description=f"{world.token}顶板风险")


def _pk(obj) -> list[dict]:
    return [{"pk": obj.pk}]


for _name in (
    "hazard_accept",
    "hazard_delist",
    "hazard_edit",
    "hazard_evidence",
    "hazard_extension",
    "hazard_link",
    "hazard_list_supervision",
    "hazard_rectify",
    "hazard_reject",
    "hazard_request_acceptance",
):
    authz.route(f"hazards:{_name}", model=Hazard, kwargs=_pk)
authz.route(
    "hazards:hazard_extension_decide",
    model=HazardExtension,
    kwargs=lambda ext: [{"pk": ext.hazard_id, "ext": ext.pk}],
)
authz.route("hazards:order_docx", model=Order, kwargs=_pk)
authz.route("hazards:order_pdf", model=Order, kwargs=_pk)
authz.route("hazards:risk_edit", model=RiskItem, kwargs=_pk)
authz.route("hazards:risk_delete", model=RiskItem, kwargs=_pk)
authz.route("hazards:two_lists", model=Mine, kwargs=lambda m: [{"code": m.code}])
authz.route("riskitem-two-lists", model=Mine, kwargs=lambda m: [{"code": m.code}])
authz.route("order-proposals", model=Mine, kwargs=lambda m: [{"mine": m.pk}])
authz.route(
    "hazards:order_step",
    model=Order,
    kwargs=lambda o: [
        {"pk": o.pk, "step": s} for s in ("reinspect", "refuse", "comply", "lift", "escalate")
    ],
)
authz.route("hazards:order_issue", model=Mine, kwargs=lambda m: [{"mine": m.pk}])
authz.route("hazard-from-inspection", skip="POST only: bulk creation from an inspection")
authz.route("hazard-suggest", skip="needs a mine of the user's area; tested in test_api")
