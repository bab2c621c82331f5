"""Import and export of the risk list: all or nothing, every error with its row, column, value
and a Chinese message, updates by risk number, the round trip, and the file checks."""

import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from kuangan.core.models import AuditEvent
from kuangan.hazards import risk_io
from kuangan.hazards.models import RiskItem
from kuangan.registry.imports import ImportRefused
from kuangan.registry.tests.factories import make_mine

from .factories import make_risk

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HEADER = [
    "风险编号",
    "矿山编码",
    "风险点/位置",
    "灾害类型",
    "风险描述",
    "风险等级",
    "管控措施",
    "责任人",
    "管控层级",
    "复核日期",
]


def xlsx(rows, header=HEADER, sheet="风险管控清单", before=()) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in before:
        ws.append(row)
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(mine, **over):
    values = {
        "code": "",
        "mine": mine.code,
        "location": "3102掘进工作面",
        "type": "瓦斯",
        "description": "局部通风机停风造成瓦斯积聚",
        "level": "重大",
        "measures": "双风机双电源自动切换",
        "person": "李矿长",
        "control": "矿级",
        "review": (TODAY + dt.timedelta(days=300)).isoformat(),
    }
    values.update(over)
    return list(values.values())


def run(user, data, *, dry_run=False, name="risks.xlsx"):
    with translation.override("zh-hans"):
        return risk_io.import_risks(by=user, filename=name, data=data, dry_run=dry_run)


def test_a_valid_file_adds_every_row_audited(people):
    other = make_mine("220605", enterprise=people.enterprise)
    data = xlsx(
        [
            row(people.mine),
            row(people.mine, location="二采区", type="顶板", level="较大", control="科室级"),
            row(other, location="主井", type="跑车坠罐", level="蓝", control="班组"),
        ]
    )
    preview = run(people.officer, data, dry_run=True)
    assert preview.ok and preview.created == 3
    assert not RiskItem.objects.exists(), "a dry run writes nothing"
    result = run(people.officer, data)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    items = {i.location: i for i in RiskItem.objects.all()}
    assert items["二采区"].level == "orange" and items["二采区"].responsible_level == "department"
    assert items["主井"].hazard_type == "runaway" and items["主井"].mine == other
    assert sorted(i.code for i in items.values() if i.mine == people.mine) == [
        f"{people.mine.code}-R001",
        f"{people.mine.code}-R002",
    ]
    assert sorted(r.code for r in result.rows) == sorted(i.code for i in items.values())
    assert AuditEvent.objects.filter(object_type="hazards.riskitem").count() == 3
    imported = AuditEvent.objects.get(action="data.imported")
    assert imported.changes["created"] == 3 and imported.changes["file"] == "risks.xlsx"


def test_one_bad_row_imports_nothing_and_every_error_is_named(people):
    data = xlsx(
        [
            row(people.mine),
            row(people.mine, location="二采区", level="紫色"),
            row(people.mine, location="三采区", review="2026-02-30"),
            row(people.mine, location="四采区", control="班组级"),
            row(people.mine, location="五采区", person=""),
        ]
    )
    result = run(people.officer, data)
    assert not result.ok
    assert not RiskItem.objects.exists()
    assert not AuditEvent.objects.filter(action="data.imported").exists()
    errors = {(e.row, e.column): e for e in result.errors}
    assert set(errors) == {(3, "风险等级"), (4, "复核日期"), (5, "管控层级"), (6, "责任人")}
    assert errors[(3, "风险等级")].value == "紫色"
    assert "重大" in errors[(3, "风险等级")].message
    assert errors[(4, "复核日期")].value == "2026-02-30"
    assert "日" in errors[(4, "复核日期")].message
    assert "矿级" in errors[(5, "管控层级")].message
    assert errors[(6, "责任人")].value == ""
    for e in result.errors:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.message), e.message


def test_mines_outside_the_area_and_unknown_numbers(people):
    outside = make_mine("220102")
    stranger = make_risk(outside)
    data = xlsx(
        [
            row(outside),
            row(people.mine, code="KA999-R001"),
            row(people.mine, code=stranger.code, location="外区"),
        ]
    )
    result = run(people.officer, data)
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert set(messages) == {(2, "矿山编码"), (3, "风险编号"), (4, "风险编号")}
    assert not RiskItem.objects.filter(mine=people.mine).exists()
    stranger.refresh_from_db()
    assert stranger.location != "外区"


def test_a_risk_number_of_another_mine_is_refused(people):
    other = make_mine("220605", enterprise=people.enterprise)
    item = make_risk(other)
    result = run(people.officer, xlsx([row(people.mine, code=item.code)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "风险编号")]
    assert other.code in result.errors[0].message


def test_duplicates_in_the_file_and_against_the_list(people):
    existing = make_risk(
        people.mine, location="主斜井", hazard_type="transport", description="断绳跑车"
    )
    data = xlsx(
        [
            row(people.mine),
            row(people.mine),
            row(
                people.mine,
                location=" 主斜井",
                type="运输",
                description="断绳跑车 ",
                level="一般",
                control="区队级",
            ),
            row(people.mine, code=existing.code, location="a"),
            row(people.mine, code=existing.code, location="b"),
        ]
    )
    result = run(people.officer, data)
    columns = sorted((e.row, e.column) for e in result.errors)
    assert columns == [(3, "风险描述"), (4, "风险编号"), (6, "风险编号")]
    by_row = {e.row: e.message for e in result.errors}
    assert "2" in by_row[3]  # the same risk as row 2
    assert existing.code in by_row[4]  # already on the list under this number
    assert "5" in by_row[6]  # the same number as row 5
    assert RiskItem.objects.count() == 1


def test_rows_with_a_number_update_and_equal_rows_stay(people):
    item = make_risk(
        people.mine,
        location="主斜井",
        hazard_type="transport",
        description="断绳跑车",
        level="yellow",
        responsible_level="team",
        control_measures="挡车装置",
        responsible_person="王",
        review_on=TODAY + dt.timedelta(days=30),
    )
    same = [
        item.code,
        people.mine.code,
        "主斜井",
        "运输",
        "断绳跑车",
        "一般",
        "挡车装置",
        "王",
        "区队级",
        (TODAY + dt.timedelta(days=30)).isoformat(),
    ]
    result = run(people.officer, xlsx([same]))
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 1)
    version = item.version
    changed = [*same[:5], "较大", same[6], same[7], "科室级", same[9]]
    result = run(people.officer, xlsx([changed]))
    assert result.ok and result.updated == 1
    assert result.rows[0].changed == ["风险等级", "管控层级"]
    item.refresh_from_db()
    assert (item.level, item.responsible_level) == ("orange", "department")
    assert item.version == version + 1
    assert AuditEvent.objects.filter(object_id=str(item.pk), action="object.updated").count() == 1


def test_the_export_imports_back_unchanged(people):
    for level, control in (("red", "mine"), ("orange", "department"), ("blue", "group")):
        make_risk(people.mine, level=level, responsible_level=control)
    data = risk_io.workbook_bytes(RiskItem.objects.select_related("mine"))
    sheet = load_workbook(io.BytesIO(data))["风险管控清单"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["风险编号", "矿山编码", "矿山名称", "风险点/位置"]
    assert sheet.freeze_panes == "A2"
    levels = {sheet.cell(row=r, column=7).value for r in range(2, 5)}
    assert levels == {"重大", "较大", "低"}
    assert sheet.data_validations.dataValidation, "no drop-down lists"
    result = run(people.officer, data)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_the_blank_template_has_the_columns_and_the_instructions(people):
    book = load_workbook(io.BytesIO(risk_io.workbook_bytes([])))
    assert book.sheetnames == ["风险管控清单", "填写说明"]
    assert [c.value for c in book["风险管控清单"][1]] == [c.header for c in risk_io.COLUMNS]
    result = run(people.officer, risk_io.workbook_bytes([]))
    assert not result.ok and "没有任何风险条目" in result.errors[0].message


def test_header_problems(people):
    result = run(people.officer, xlsx([row(people.mine)], header=[*HEADER[:5], *HEADER[6:]]))
    assert [(e.row, e.column) for e in result.errors] == [(1, "风险等级")]
    result = run(people.officer, xlsx([["x"]], header=["甲", "乙"]))
    assert not result.ok and result.errors[0].row == 1
    two = [*HEADER, "风险等级"]
    result = run(people.officer, xlsx([row(people.mine)], header=two))
    assert [(e.row, e.column) for e in result.errors] == [(1, "风险等级")]
    assert "重复" in result.errors[0].message
    # a title row above the header, an unknown column: a warning only
    result = run(
        people.officer,
        xlsx(
            [[*row(people.mine), "备注"]], header=[*HEADER, "备注"], before=[["某矿风险管控清单"]]
        ),
        dry_run=True,
    )
    assert result.ok and result.created == 1
    assert [w.column for w in result.warnings] == ["备注"]


def test_what_is_not_a_workbook_is_refused(people):
    with pytest.raises(ImportRefused) as exc:
        run(people.officer, b"%PDF-1.4 not a sheet", name="risks.pdf")
    assert exc.value.status == 415
    with pytest.raises(ImportRefused) as exc:
        run(people.officer, b"PK\x03\x04broken", name="risks.xlsx")
    assert exc.value.status == 415 and "损坏" in exc.value.message


def test_who_may_import(people):
    with pytest.raises(ImportRefused) as exc:
        run(people.county, xlsx([row(people.mine)]))
    assert exc.value.status == 403
    assert not RiskItem.objects.exists()
