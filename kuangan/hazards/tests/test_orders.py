"""Order proposals from the notice's words (七(四)), the order workflow and its document."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kuangan.hazards.choices import OrderStatus
from kuangan.hazards.rules import HazardForOrder, OrderFacts, propose_orders
from kuangan.hazards.services import orders

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


@pytest.mark.django_db
def test_suspension_not_lifted_in_time_escalates(people):
    order = orders.order_issue(
        by=people.county,
        mine=people.mine,
        kind="suspend",
        facts="f",
        legal_basis="b",
        requirements="r",
        deadline=TODAY + dt.timedelta(days=1),
        issued_on=TODAY - dt.timedelta(days=5),
    )
    assert "close_request" not in [p.kind for p in orders.order_proposals(people.mine, TODAY)]
    later = TODAY + dt.timedelta(days=2)
    assert "close_request" in [p.kind for p in orders.order_proposals(people.mine, later)]
    close = orders.order_escalate(
        by=people.county, order=order, facts="整顿期满仍不具备条件", legal_basis="b"
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.ESCALATED and order.escalated_to == close
    assert close.kind == "close_request"


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
