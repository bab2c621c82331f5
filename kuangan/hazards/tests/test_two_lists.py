"""The mine's two lists (两个清单): one workbook with the hazard list and the risk list of one
mine, in a formal ledger layout; from the page and the API, in scope only, audited."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.test import APIClient

from kuangan.core.models import AuditEvent
from kuangan.hazards.choices import HazardStatus
from kuangan.hazards.two_lists import two_lists_workbook
from kuangan.registry.tests.factories import make_mine

from .factories import make_hazard, make_risk

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def mine_lists(people):
    closed = make_hazard(
        people.mine,
        description="主斜井带式输送机防跑偏保护损坏",
        status=HazardStatus.CLOSED,
        five=True,
        accepted_by=people.principal,
    )
    major = make_hazard(
        people.mine, level="major", source="enforcement", description="老空水威胁区域未探放水"
    )
    for level, control in (
        ("blue", "group"),
        ("red", "mine"),
        ("yellow", "team"),
        ("orange", "department"),
    ):
        make_risk(people.mine, level=level, responsible_level=control, description=f"{level}风险")
    other = make_mine("220605", enterprise=people.enterprise)
    make_hazard(other, description="别的矿的隐患")
    make_risk(other, description="别的矿的风险")
    return closed, major


def book_of(data: bytes):
    return load_workbook(io.BytesIO(data))


def rows(sheet, start=5):
    return [
        [c.value for c in r] for r in sheet.iter_rows(min_row=start) if r[1].value not in (None, "")
    ]


def test_workbook_layout_and_content(people, mine_lists):
    closed, major = mine_lists
    with translation.override("zh-hans"):
        data, counts = two_lists_workbook(user=people.county, mine=people.mine)
    assert counts == {"hazards": 2, "risks": 4}
    book = book_of(data)
    assert book.sheetnames == ["问题隐患清单", "风险管控清单"]
    hazards, risks = book["问题隐患清单"], book["风险管控清单"]

    # Title and information rows merged across the table.
    assert people.mine.name in hazards["A1"].value and "隐患清单" in hazards["A1"].value
    assert people.mine.code in hazards["A2"].value and people.enterprise.name in hazards["A2"].value
    merged = {str(r) for r in hazards.merged_cells.ranges}
    assert {"A1:R1", "A2:R2", "I3:M3", "A3:A4"} <= merged
    # A two-level header: the 五落实 grouped above its five columns.
    assert hazards["A3"].value == "序号" and hazards["B3"].value == "隐患编号"
    assert "五落实" in hazards["I3"].value
    assert [hazards.cell(row=4, column=c).value for c in range(9, 14)] == [
        "整改责任人",
        "整改措施",
        "整改资金（元）",
        "整改时限",
        "应急预案",
    ]
    assert hazards["A3"].border.left.style == "thin"
    # Frozen header, print titles, A4 landscape fitted to the width.
    assert hazards.freeze_panes == "C5"
    assert hazards.print_title_rows == "$3:$4"
    assert hazards.page_setup.orientation == "landscape"
    assert str(hazards.page_setup.paperSize) == "9"
    assert hazards.sheet_properties.pageSetUpPr.fitToPage
    assert "&P" in hazards.oddFooter.center.text
    assert hazards.column_dimensions["C"].width > 30

    data_rows = rows(hazards)
    by_code = {r[1]: r for r in data_rows if isinstance(r[0], int)}
    assert set(by_code) == {closed.code, major.code}, "only this mine's hazards"
    shown = by_code[closed.code]
    assert shown[13] == "已销号"
    assert shown[15] is not None  # closed on
    assert shown[16] == people.principal.real_name or people.principal.username
    assert by_code[major.code][4] == "重大事故隐患"
    assert by_code[major.code][13] == "已上报"
    summary = hazards.cell(row=7, column=1).value  # below the two hazards
    assert summary == "共 2 项隐患，其中重大事故隐患 1 项；已销号 1 项，未销号 1 项。"
    assert "主要负责人（签字）" in hazards.cell(row=9, column=1).value

    assert "风险" in risks["A1"].value
    assert risks["H3"].value == "管控责任" and risks["H4"].value == "管控责任人"
    assert risks.freeze_panes == "C5" and risks.print_title_rows == "$3:$4"
    risk_rows = [r for r in rows(risks) if isinstance(r[0], int)]
    assert [r[5] for r in risk_rows] == ["重大风险", "较大风险", "一般风险", "低风险"]
    fill = risks.cell(row=5, column=6).fill.fgColor.rgb
    assert fill.upper().endswith("D63939"), "the red risk is red"
    assert all("别的矿" not in str(v) for r in risk_rows for v in r)


def test_enterprise_sees_the_same_lists(people, mine_lists):
    _data, counts = two_lists_workbook(user=people.officer, mine=people.mine)
    assert counts == {"hazards": 2, "risks": 4}


def test_empty_lists_say_so(people):
    with translation.override("zh-hans"):
        data, counts = two_lists_workbook(user=people.county, mine=people.mine)
    assert counts == {"hazards": 0, "risks": 0}
    sheet = book_of(data)["问题隐患清单"]
    assert sheet["A5"].value == "（无）"


def test_page_download_in_scope_only_and_audited(people, mine_lists, client):
    url = reverse("hazards:two_lists", args=[people.mine.code])
    client.force_login(people.county)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    assert len(book_of(response.content).sheetnames) == 2
    event = AuditEvent.objects.get(action="data.exported", object_id=str(people.mine.pk))
    assert event.changes == {"two_lists": {"hazards": 2, "risks": 4}}
    client.force_login(people.other_county)
    assert client.get(url).status_code == 404
    client.force_login(people.other_enterprise)
    assert client.get(url).status_code == 404
    assert client.get(reverse("hazards:two_lists", args=["KA000"])).status_code == 404


def test_links_to_the_two_lists(people, mine_lists, client):
    closed, _major = mine_lists
    client.force_login(people.officer)
    url = reverse("hazards:two_lists", args=[people.mine.code])
    assert url in client.get(closed.get_absolute_url()).content.decode()
    ledger = client.get(reverse("hazards:hazard_list"), {"mine": people.mine.pk})
    assert url in ledger.content.decode()
    assert url not in client.get(reverse("hazards:hazard_list")).content.decode()
    risks = client.get(reverse("hazards:risk_list"), {"mine": people.mine.pk})
    assert url in risks.content.decode()


def test_api_download(people, mine_lists):
    api = APIClient()
    api.force_authenticate(people.city)
    url = f"/api/v1/risk-items/two-lists/{people.mine.code}/"
    response = api.get(url)
    assert response.status_code == 200
    assert book_of(response.content).sheetnames[0]
    api.force_authenticate(people.other_county)
    response = api.get(url)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_closed_hazard_after_rectification_is_closed_in_the_lists(people):
    """Through the services: recorded, rectified, accepted; then closed in the lists."""
    from kuangan.hazards import services

    hazard = services.hazard_create(
        by=people.officer,
        mine=people.mine,
        description="采区变电所绝缘胶垫破损",
        level="general",
        found_on=TODAY - dt.timedelta(days=3),
    )
    services.hazard_start_rectification(
        by=people.officer,
        hazard=hazard,
        responsible_person="赵",
        measures="更换绝缘胶垫",
        deadline=TODAY + dt.timedelta(days=3),
    )
    services.hazard_request_acceptance(by=people.officer, hazard=hazard)
    services.hazard_accept(by=people.principal, hazard=hazard, note="合格")
    with translation.override("zh-hans"):
        data, _counts = two_lists_workbook(user=people.city, mine=people.mine)
    row = next(r for r in rows(book_of(data)["问题隐患清单"]) if r[1] == hazard.code)
    assert row[13] == "已销号" and row[14] == "否"
