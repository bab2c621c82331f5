"""Order proposals from the notice's words (七(四)), the order workflow and its document."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kuangan.hazards import rules
from kuangan.hazards.choices import OrderStatus, ReinspectionOutcome
from kuangan.hazards.rules import HazardForOrder, OrderFacts, organizing_production, propose_orders
from kuangan.hazards.services import orders
from kuangan.registry.services import mine_history_record
from kuangan.registry.tests.factories import make_mine

from .factories import make_hazard

TODAY = timezone.localdate()


def kinds(facts):
    return [p.kind for p in propose_orders(facts)]


def H(id=1, level="general", open=True, **kw):
    return HazardForOrder(id=id, level=level, open=open, **kw)


# “发现冒险作业的，必须立即下达从危险区域撤出作业人员的指令”
def test_reckless_operation_proposes_evacuation():
    assert kinds(OrderFacts(mine_producing=False, hazards=(H(reckless_operation=True),))) == [
        "evacuate"
    ]


def test_major_with_imminent_danger_proposes_evacuation():
    assert "evacuate" in kinds(
        OrderFacts(mine_producing=False, hazards=(H(level="major", imminent_danger=True),))
    )
    # a general hazard with imminent danger alone does not
    assert kinds(OrderFacts(mine_producing=False, hazards=(H(imminent_danger=True),))) == []


# “对存在重大事故隐患违规组织生产、拒不执行监管监察指令……要依法责令停产整顿”
def test_major_hazard_while_producing_proposes_suspension():
    assert kinds(OrderFacts(mine_producing=True, hazards=(H(level="major"),))) == ["suspend"]
    assert kinds(OrderFacts(mine_producing=False, hazards=(H(level="major"),))) == []
    assert kinds(OrderFacts(mine_producing=True, hazards=(H(level="major", open=False),))) == []


def test_refused_order_proposes_suspension():
    assert kinds(OrderFacts(mine_producing=False, order_refused=True)) == ["suspend"]


# “经停产整顿仍不具备安全生产条件的，要依法提请地方政府予以关闭”
def test_failed_reinspection_after_suspension_proposes_close_request():
    assert kinds(OrderFacts(mine_producing=False, reinspection_after_suspension_failed=True)) == [
        "close_request"
    ]


# “发现超层越界开采等需要移送相关部门处理的，要及时移送相关部门”
def test_out_of_bounds_mining_proposes_transfer():
    facts = OrderFacts(
        mine_producing=False, hazards=(H(level="major", criterion_category="超层越界开采"),)
    )
    assert kinds(facts) == ["transfer"]


def test_nothing_proposed_without_facts():
    assert kinds(OrderFacts(mine_producing=True)) == []


@pytest.mark.parametrize(
    ("status", "resuming", "manned", "expected"),
    [
        ("producing", False, False, True),
        ("constructing", False, False, True),
        ("long_shutdown", True, False, True),
        ("long_shutdown", False, True, True),
        ("long_shutdown", False, False, False),
        ("rectifying", False, False, False),
        ("closed", False, False, False),
        ("", False, False, False),  # not registered on the day
    ],
)
def test_organizing_production_is_operating_in_fact(status, resuming, manned, expected):
    """“存在重大事故隐患违规组织生产”: producing, under construction, or a long shutdown that
    is resuming or manned (“启动复工复产、有人员作业的长期停产停建矿山，必须按照正常生产建设矿山
    进行综合整治”) — not only ``producing``."""
    assert (
        organizing_production(status=status, resuming=resuming, personnel_on_site=manned)
        is expected
    )


def test_evacuation_disposal_on_the_report_proposes_evacuation():
    """“发现冒险作业的，必须立即下达从危险区域撤出作业人员的指令”: the report's disposal
    撤出作业人员 proposes the order."""
    [p] = propose_orders(OrderFacts(mine_producing=False, hazards=(H(disposal="evacuate"),)))
    assert p.kind == "evacuate" and p.grounds == ("disposal",)


def test_transfer_disposal_proposes_transfer_with_the_matter_left_to_pick():
    """“发现超层越界开采等需要移送相关部门处理的，要及时移送相关部门”: 等 — a general hazard
    at any mine, with the report's disposal 移送, is proposed for transfer; the inspector picks
    the matter. 超层越界开采 itself names it."""
    [p] = propose_orders(OrderFacts(mine_producing=False, hazards=(H(disposal="transfer"),)))
    assert (p.kind, p.transfer_category, p.grounds) == ("transfer", "", ("disposal",))
    [p] = propose_orders(
        OrderFacts(
            mine_producing=False,
            hazards=(
                H(1, "major", criterion_category="超层越界开采"),
                H(2, disposal="transfer"),
            ),
        )
    )
    assert p.hazard_ids == (1, 2) and p.transfer_category == "out_of_bounds"
    assert p.grounds == ("criterion", "disposal")


def test_suspected_crime_proposes_judicial_transfer():
    """“发现涉嫌犯罪的，要严格按照行刑衔接有关规定移送司法机关”."""
    facts = OrderFacts(mine_producing=False, hazards=(H(disposal="judicial_transfer"),))
    assert kinds(facts) == ["judicial_transfer"]
    closed = OrderFacts(
        mine_producing=False, hazards=(H(disposal="judicial_transfer", open=False),)
    )
    assert kinds(closed) == []


# --- workflow --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_issue_comply_lift_and_document(people, client):
    h = make_hazard(people.mine, level="major", source="enforcement")
    assert [p.kind for p in orders.order_proposals(people.mine)] == ["suspend"]
    with pytest.raises(PermissionDenied):
        orders.order_issue(
            by=people.principal,
            mine=people.mine,
            kind="suspend",
            facts="f",
            legal_basis="b",
            requirements="r",
        )
    with pytest.raises(ValidationError):  # a suspension needs its deadline
        orders.order_issue(
            by=people.county,
            mine=people.mine,
            kind="suspend",
            facts="f",
            legal_basis="b",
            requirements="r",
        )
    order = orders.order_issue(
        by=people.county,
        mine=people.mine,
        kind="suspend",
        hazards=[h],
        facts="存在重大事故隐患仍组织生产",
        legal_basis="《安全生产法》第一百一十三条",
        requirements="立即停产整顿",
        deadline=TODAY + dt.timedelta(days=30),
    )
    assert order.number.startswith("220605-") and order.status == OrderStatus.ISSUED
    assert orders.order_proposals(people.mine) == []  # a suspension is already in force
    with pytest.raises(ValidationError):
        orders.order_lift(by=people.county, order=order)
    order = orders.order_comply(by=people.county, order=order)
    order = orders.order_lift(by=people.county, order=order)
    assert order.status == OrderStatus.LIFTED
    client.force_login(people.county)
    response = client.get(reverse("hazards:order_docx", args=[order.pk]))
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert order.number in text and "立即停产整顿" in text and people.mine.name in text


@pytest.mark.django_db
def test_fine_needs_amount(people):
    with pytest.raises(ValidationError) as e:
        orders.order_issue(
            by=people.county,
            mine=people.mine,
            kind="fine",
            facts="f",
            legal_basis="b",
            requirements="r",
        )
    assert "amount" in e.value.message_dict


def _suspend(people, **extra):
    fields = {
        "facts": "存在重大事故隐患仍组织生产",
        "legal_basis": "《安全生产法》第一百一十三条",
        "requirements": "立即停产整顿",
        "deadline": TODAY + dt.timedelta(days=1),
        "issued_on": TODAY - dt.timedelta(days=5),
    }
    fields.update(extra)
    return orders.order_issue(by=people.county, mine=people.mine, kind="suspend", **fields)


@pytest.mark.django_db
def test_suspension_deadline_passing_is_not_a_close_request(people):
    """“经停产整顿仍不具备安全生产条件的，要依法提请地方政府予以关闭”: the fact is a re-inspection
    (复查) after the suspension finding the conditions still unmet, not the mere passing of the
    suspension's deadline."""
    order = _suspend(people, deadline=TODAY - dt.timedelta(days=2))
    assert "close_request" not in [p.kind for p in orders.order_proposals(people.mine, TODAY)]
    with pytest.raises(ValidationError):
        orders.order_escalate(by=people.county, order=order, facts="期满", legal_basis="b")
    with pytest.raises(ValidationError):  # nor issued directly
        orders.order_issue(
            by=people.county,
            mine=people.mine,
            kind="close_request",
            facts="f",
            legal_basis="b",
            requirements="r",
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.ISSUED


@pytest.mark.django_db
def test_unmet_reinspection_proposes_the_close_request_from_its_day(people):
    """“经停产整顿仍不具备安全生产条件的” is decided on the facts of each day: not before the
    re-inspection, from its day on; the close request rests on that re-inspection and keeps the
    proposal of its day."""
    order = _suspend(people)
    day = TODAY - dt.timedelta(days=2)
    reinspection = orders.order_reinspect(
        by=people.county,
        order=order,
        inspected_on=day,
        outcome=ReinspectionOutcome.UNMET,
        findings="采区仍未形成独立通风系统",
    )

    def proposed(on):
        return "close_request" in [p.kind for p in orders.order_proposals(people.mine, on)]

    assert not proposed(day - dt.timedelta(days=1))
    assert proposed(day) and proposed(TODAY)
    with pytest.raises(ValidationError):  # an unmet re-inspection: not lifted
        orders.order_lift(
            by=people.county, order=orders.order_comply(by=people.county, order=order)
        )
    order.refresh_from_db()
    close = orders.order_escalate(by=people.county, order=order, facts="仍不具备", legal_basis="b")
    order.refresh_from_db()
    assert order.status == OrderStatus.ESCALATED and order.escalated_to == close
    assert close.kind == "close_request" and close.reinspection == reinspection
    assert close.proposal["proposed"] and close.proposal["grounds"] == ["reinspection_unmet"]
    assert close.proposal["on"] == TODAY.isoformat()
    assert close.proposal["reason"] == rules.WORDS_CLOSE


@pytest.mark.django_db
def test_met_reinspection_then_lift(people):
    """A re-inspection that finds the conditions met proposes no close request; the
    suspension is lifted."""
    order = _suspend(people)
    orders.order_reinspect(
        by=people.county,
        order=order,
        outcome=ReinspectionOutcome.UNMET,
        findings="未整改",
        inspected_on=TODAY - dt.timedelta(days=1),
    )
    orders.order_reinspect(
        by=people.county, order=order, outcome=ReinspectionOutcome.MET, findings="已整改到位"
    )
    assert "close_request" not in [p.kind for p in orders.order_proposals(people.mine)]
    with pytest.raises(ValidationError):
        orders.order_escalate(by=people.county, order=order, facts="f", legal_basis="b")
    order = orders.order_comply(by=people.county, order=order)
    assert orders.order_lift(by=people.county, order=order).status == OrderStatus.LIFTED


@pytest.mark.django_db
def test_reinspection_refusals(people):
    order = _suspend(people)
    with pytest.raises(PermissionDenied):  # the enterprise does not re-inspect itself
        orders.order_reinspect(by=people.principal, order=order, outcome="met", findings="x")
    with pytest.raises(ValidationError) as e:
        orders.order_reinspect(
            by=people.county,
            order=order,
            outcome="met",
            findings="x",
            inspected_on=order.issued_on - dt.timedelta(days=1),
        )
    assert "inspected_on" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        orders.order_reinspect(by=people.county, order=order, outcome="", findings="")
    assert {"outcome", "findings"} <= set(e.value.message_dict)
    fine = orders.order_issue(
        by=people.county,
        mine=people.mine,
        kind="fine",
        amount=Decimal("1000"),
        facts="f",
        legal_basis="b",
        requirements="r",
    )
    with pytest.raises(ValidationError):
        orders.order_reinspect(by=people.county, order=fine, outcome="met", findings="x")


@pytest.mark.django_db
def test_reinspection_step_page(people, client):
    order = _suspend(people)
    client.force_login(people.county)
    page = client.get(order.get_absolute_url())
    assert reverse("hazards:order_step", args=[order.pk, "reinspect"]) in page.content.decode()
    r = client.post(
        reverse("hazards:order_step", args=[order.pk, "reinspect"]),
        {
            "inspected_on": TODAY.isoformat(),
            "outcome": "unmet",
            "findings": "仍不具备",
            "version": order.version,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    page = client.get(order.get_absolute_url(), {"tab": "reinspections"}).content.decode()
    assert 'data-testid="reinspection"' in page and "仍不具备" in page
    assert reverse("hazards:order_step", args=[order.pk, "escalate"]) in page


# “对存在重大事故隐患违规组织生产……要依法责令停产整顿”: a mine operating in fact on the day
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "extra", "proposed"),
    [
        ("producing", {}, True),
        ("constructing", {}, True),
        ("long_shutdown", {"resuming": True}, True),
        ("long_shutdown", {"personnel_on_site": True}, True),
        ("long_shutdown", {}, False),
        ("rectifying", {}, False),
    ],
)
def test_major_hazard_at_a_mine_operating_in_fact_proposes_suspension(
    people, status, extra, proposed
):
    """“对存在重大事故隐患违规组织生产……的矿山，要依法责令停产整顿”; 二、“启动复工复产、有人员作业的
    长期停产停建矿山，必须按照正常生产建设矿山进行综合整治”."""
    mine = make_mine("220605", enterprise=people.enterprise, status=status, **extra)
    make_hazard(mine, level="major", source="enforcement")
    assert ("suspend" in [p.kind for p in orders.order_proposals(mine)]) is proposed


@pytest.mark.django_db
def test_suspension_reads_the_mine_as_it_stood_that_day(people):
    """The suspension is decided on the mine's facts of the day: a long shutdown becomes
    manned (有人员作业) on a day; before it, no suspension; from it, one."""
    mine = make_mine("220605", enterprise=people.enterprise, status="long_shutdown", history=False)
    mine_history_record(
        mine=mine,
        by=None,
        changes={f: [None, v] for f, v in mine.rule_state().items()},
        at=timezone.now() - dt.timedelta(days=30),
    )
    manned_on = TODAY - dt.timedelta(days=3)
    mine.personnel_on_site = True
    mine.save()
    mine_history_record(
        mine=mine,
        by=None,
        changes={"personnel_on_site": [False, True]},
        at=timezone.make_aware(dt.datetime.combine(manned_on, dt.time(9))),
    )
    make_hazard(mine, level="major", source="enforcement", found_on=TODAY - dt.timedelta(days=20))

    def suspend(on):
        return "suspend" in [p.kind for p in orders.order_proposals(mine, on)]

    assert not suspend(manned_on - dt.timedelta(days=1))
    assert suspend(manned_on) and suspend(TODAY)
    # and a hazard found after a day is no fact of that day
    assert not suspend(TODAY - dt.timedelta(days=21))


# “发现超层越界开采等需要移送相关部门处理的，要及时移送相关部门”
@pytest.mark.django_db
def test_transfer_names_the_matter_for_a_metal_mine_too(people):
    """等 is a category the inspector picks: a transfer names its matter, at a metal/non-metal
    mine too (its standard has no 超层越界 criterion), and keeps the proposal of its day."""
    mine = make_mine("220605", enterprise=people.enterprise, kind="metal_underground")
    fields = {"facts": "无证开采", "legal_basis": "b", "requirements": "移送自然资源部门"}
    with pytest.raises(ValidationError) as e:
        orders.order_issue(by=people.county, mine=mine, kind="transfer", **fields)
    assert "transfer_category" in e.value.message_dict
    order = orders.order_issue(
        by=people.county, mine=mine, kind="transfer", transfer_category="unlicensed", **fields
    )
    assert order.get_transfer_category_display() and order.proposal["proposed"] is False
    with pytest.raises(ValidationError):  # only a transfer names a matter
        orders.order_issue(
            by=people.county,
            mine=mine,
            kind="rectify_by",
            transfer_category="unlicensed",
            deadline=TODAY,
            **fields,
        )


@pytest.mark.django_db
def test_issued_order_keeps_the_proposal_of_its_day(people):
    h = make_hazard(people.mine, level="major", source="enforcement")
    order = _suspend(people, hazards=[h], issued_on=TODAY, deadline=TODAY)
    assert order.proposal == {
        "proposed": True,
        "kind": "suspend",
        "reason": "对存在重大事故隐患违规组织生产的矿山，要依法责令停产整顿",
        "hazards": [h.pk],
        "transfer_category": "",
        "grounds": ["major_hazard_producing"],
        "on": TODAY.isoformat(),
    }


@pytest.mark.django_db
def test_order_pages(people, client):
    make_hazard(people.mine, reckless_operation=True, source="enforcement")
    client.force_login(people.county)
    page = client.get(reverse("hazards:order_issue", args=[people.mine.pk]))
    assert page.status_code == 200 and "evacuate" in page.content.decode()
    assert client.get(reverse("hazards:order_list")).status_code == 200
    client.force_login(people.other_county)
    assert client.get(reverse("hazards:order_issue", args=[people.mine.pk])).status_code == 404


@pytest.mark.django_db
def test_order_pdf_is_a_formal_chinese_document(people, client):
    """The PDF is a 指令书/决定书 in real Chinese text (extracted with pdftotext): issuing
    body, title, number, parties, facts with the hazards, basis, requirements, deadline,
    the remedy notice of a decision and the signature block."""
    import shutil
    import subprocess

    from django.utils import translation

    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    h = make_hazard(
        people.mine, level="major", source="enforcement", description="老空水威胁区域未探放水"
    )
    order = orders.order_issue(
        by=people.county,
        mine=people.mine,
        kind="suspend",
        hazards=[h],
        facts="该矿存在重大事故隐患仍组织生产",
        legal_basis="《安全生产法》第一百一十三条",
        requirements="立即停产整顿，整改完毕经验收合格后方可恢复生产",
        deadline=TODAY + dt.timedelta(days=30),
    )

    def text_of(pdf: bytes) -> str:
        out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
        return out.stdout.decode().replace(" ", "")

    with translation.override("zh-hans"):
        text = text_of(orders.render_pdf(order))
    for expected in (
        people.county_org.name,
        "责令停产整顿决定书",
        order.number,
        "当事人",
        people.enterprise.name,
        people.mine.name,
        "该矿存在重大事故隐患仍组织生产",
        h.code,
        "《安全生产法》第一百一十三条",
        "立即停产整顿",
        (TODAY + dt.timedelta(days=30)).isoformat(),
        "行政复议",
        "执法人员（签名）",
        "当事人（签收）",
        order.issued_on.isoformat(),
    ):
        assert expected in text, expected
    rectify = orders.order_issue(
        by=people.county,
        mine=people.mine,
        kind="rectify_by",
        facts="f",
        legal_basis="b",
        requirements="r",
        deadline=TODAY + dt.timedelta(days=5),
    )
    with translation.override("zh-hans"):
        text = text_of(orders.render_pdf(rectify))
    assert "责令限期整改指令书" in text and "行政复议" not in text
    client.force_login(people.principal)
    response = client.get(reverse("hazards:order_pdf", args=[order.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    client.force_login(people.other_county)
    assert client.get(reverse("hazards:order_pdf", args=[order.pk])).status_code == 404
