"""Import and export: round trips in both formats, row-by-row Chinese errors, all or nothing."""

import io

import pytest
import xlsxwriter
import yaml
from django.core.management import CommandError, call_command

from kuangan.checklists import exports, imports, services
from kuangan.checklists.choices import TemplateStatus
from kuangan.checklists.exports import template_to_dict
from kuangan.checklists.models import ChecklistAspect, ChecklistItem, ChecklistTemplate
from kuangan.core.choices import AuditAction, Role
from kuangan.core.models import AuditEvent

from .factories import example, make_template

pytestmark = pytest.mark.django_db

EXAMPLES = ["example-coal-underground", "example-coal-open-pit", "example-non-coal"]


def counts():
    return (
        ChecklistTemplate.objects.count(),
        ChecklistAspect.objects.count(),
        ChecklistItem.objects.count(),
        ChecklistItem.criteria.through.objects.count(),
    )


def _renamed(data: dict, code: str) -> dict:
    return {**data, "code": code}


@pytest.mark.parametrize("fmt", ["xlsx", "yaml"])
def test_export_then_import_round_trips_exactly(fmt):
    originals = [example(code) for code in EXAMPLES]
    content = exports.export_xlsx(originals) if fmt == "xlsx" else exports.export_yaml(originals)
    # Re-import under new codes (the originals' versions exist), by editing the codes only.
    renames = {code: f"{code}-copy" for code in EXAMPLES}
    content = _recode(content, fmt, renames)
    created = services.checklist_import(by=None, filename=f"x.{fmt}", content=content)
    assert len(created) == 3
    for original, copy in zip(originals, created, strict=True):
        assert copy.status == TemplateStatus.DRAFT
        assert template_to_dict(copy) == _renamed(template_to_dict(original), copy.code)


@pytest.mark.parametrize("fmt", ["xlsx", "yaml"])
def test_round_trip_keeps_conditions_kinds_criteria_and_odd_text(fmt):
    draft = make_template(family="non_coal", criteria=["NM2022-TP-16"])
    item = draft.items.get(code="1.1")
    item.condition = {
        "any": [
            {"field": "tailings_grade", "lte": 3},
            {"not": {"field": "head_top", "is_false": True}},
        ]
    }
    item.mine_kinds = ["tailings_pond"]
    item.content = "=SUM(A1:A2) 以等号开头的文字\n第二行"
    item.basis = "GB 39496-2020 第6.1.9条"
    item.save()
    before = template_to_dict(draft)
    content = exports.export_xlsx([draft]) if fmt == "xlsx" else exports.export_yaml([draft])
    draft.delete()
    (copy,) = services.checklist_import(by=None, filename=f"x.{fmt}", content=content)
    assert template_to_dict(copy) == before


def _recode(content: bytes, fmt: str, renames: dict) -> bytes:
    if fmt == "yaml":
        data = yaml.safe_load(content.decode())
        for t in data["templates"]:
            t["code"] = renames[t["code"]]
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    sheet = book[imports.META_SHEET]
    for row in sheet.iter_rows(min_row=3):
        if row[1].value in renames:
            row[1].value = renames[row[1].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _workbook(rows, *, meta=None, columns=None) -> bytes:
    """A small workbook in the import format; ``rows`` are lists in ``columns`` order."""
    columns = columns or list(imports.ITEM_COLUMNS.values())
    meta = meta or ["表1", "new-checklist", "井工煤矿", "新检查表", "1", "测试"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    m = book.add_worksheet(imports.META_SHEET)
    m.write_row(0, 0, list(imports.META_COLUMNS.values()))
    m.write_row(1, 0, meta)
    sheet = book.add_worksheet("表1")
    sheet.write_row(0, 0, columns)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


GOOD_ROW = [
    "通风管理",
    "1.1",
    "检查主要通风机",
    "现场检查",
    "《煤矿安全规程》第一百五十八条",
    "COAL2020-08-02",
    "",
    "井工煤矿",
]


def test_a_good_workbook_imports_as_a_draft():
    rows = [
        GOOD_ROW,
        ["", "1.2", "检查反风", "查阅记录", "《煤矿安全规程》第一百五十九条", "", "", ""],
        [
            "瓦斯防治",
            2.1,
            "检查抽采",
            "查阅",
            "判定标准第七条",
            "COAL2020-07-01，COAL2020-04-05",
            '{"field": "gas_class", "in": ["high", "outburst"]}',
            "",
        ],
    ]
    (t,) = services.checklist_import(by=None, filename="a.xlsx", content=_workbook(rows))
    data = template_to_dict(t)
    assert [a["name"] for a in data["aspects"]] == ["通风管理", "瓦斯防治"]
    assert [i["code"] for i in data["aspects"][0]["items"]] == ["1.1", "1.2"]
    item = data["aspects"][1]["items"][0]
    assert item["code"] == "2.1"
    assert item["criteria"] == ["COAL2020-04-05", "COAL2020-07-01"]
    assert item["condition"] == {"field": "gas_class", "in": ["high", "outburst"]}
    assert data["aspects"][0]["items"][0]["mine_kinds"] == ["coal_underground"]


@pytest.mark.parametrize(
    ("rows", "columns", "where", "fragment"),
    [
        (
            [GOOD_ROW[:2] + GOOD_ROW[3:]],
            [c for c in imports.ITEM_COLUMNS.values() if c != "检查内容"],
            "工作表“表1”",
            "缺少列：检查内容",
        ),
        (
            [GOOD_ROW[:5] + ["COAL2020-99-01"] + GOOD_ROW[6:]],
            None,
            "第2行",
            "未知的重大事故隐患判定条款编码“COAL2020-99-01”",
        ),
        ([GOOD_ROW[:5] + ["NM2022-UG-01"] + GOOD_ROW[6:]], None, "第2行", "不适用于本检查表"),
        ([GOOD_ROW[:6] + ['{"field": "gas", "eq": "high"}', ""]], None, "第2行", "未知字段“gas”"),
        ([GOOD_ROW[:6] + ["gas_class = high", ""]], None, "第2行", "JSON"),
        ([GOOD_ROW[:6] + ['{"field": "gas_class", "gte": 1}', ""]], None, "第2行", "不能用于"),
        ([GOOD_ROW, GOOD_ROW], None, "第3行", "序号“1.1”重复"),
        ([GOOD_ROW[:7] + ["尾矿库"]], None, "第2行", "不是本类检查表的矿山类型"),
        ([["", *GOOD_ROW[1:]]], None, "第2行", "第一行必须填写方面"),
        ([GOOD_ROW[:2] + [""] + GOOD_ROW[3:]], None, "第2行", "检查内容为必填项"),
    ],
)
def test_row_errors_are_reported_in_chinese_and_nothing_is_written(rows, columns, where, fragment):
    before = counts()
    events = AuditEvent.objects.count()
    with pytest.raises(imports.ImportFailed) as exc:
        services.checklist_import(
            by=None, filename="bad.xlsx", content=_workbook(rows, columns=columns)
        )
    text = "\n".join(str(e) for e in exc.value.errors)
    assert where in text and fragment in text, text
    assert counts() == before
    assert AuditEvent.objects.count() == events


def test_all_row_errors_are_listed_and_a_good_template_in_the_same_file_is_not_written():
    good = exports.export_yaml([make_template(code="good-one")])
    data = yaml.safe_load(good.decode())
    data["templates"][0]["code"] = "good-two"
    bad = {
        "code": "bad-one",
        "family": "coal_underground",
        "name": "坏表",
        "version": 1,
        "aspects": [
            {
                "name": "方面",
                "items": [
                    {"code": "1", "content": "x", "criteria": ["NOPE-1"]},
                    {"code": "1", "content": "", "condition": {"field": "x", "eq": 1}},
                ],
            }
        ],
    }
    data["templates"].append(bad)
    before = counts()
    with pytest.raises(imports.ImportFailed) as exc:
        services.checklist_import(
            by=None, filename="m.yaml", content=yaml.safe_dump(data, allow_unicode=True).encode()
        )
    assert len(exc.value.errors) == 4
    assert counts() == before


def test_file_level_errors():
    for filename, content, fragment in [
        ("a.csv", b"x", "不支持的文件类型"),
        ("a.xlsx", b"not a workbook", "无法作为 Excel"),
        ("a.yaml", b"templates: [", "YAML"),
        ("a.yaml", b"- 1\n- 2\n", "templates"),
    ]:
        with pytest.raises(imports.ImportFailed) as exc:
            services.checklist_import(by=None, filename=filename, content=content)
        assert fragment in str(exc.value.errors[0]), exc.value.errors
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Sheet1")
    book.close()
    with pytest.raises(imports.ImportFailed) as exc:
        services.checklist_import(by=None, filename="a.xlsx", content=buffer.getvalue())
    assert "检查表信息" in str(exc.value.errors[0])


def test_an_existing_version_is_refused_unless_imported_as_a_new_version():
    original = example("example-coal-open-pit")
    content = exports.export_xlsx([original])
    with pytest.raises(imports.ImportFailed) as exc:
        services.checklist_import(by=None, filename="x.xlsx", content=content)
    assert "已存在" in str(exc.value.errors[0])
    (copy,) = services.checklist_import(
        by=None, filename="x.xlsx", content=content, as_new_version=True
    )
    assert (copy.code, copy.version, copy.status) == (original.code, 3, TemplateStatus.DRAFT)
    # A second import while that draft exists is refused (one draft per checklist).
    with pytest.raises(imports.ImportFailed) as exc:
        services.checklist_import(by=None, filename="x.xlsx", content=content, as_new_version=True)
    assert "草稿" in str(exc.value.errors[0])


def test_import_needs_the_permission_and_is_audited(user_in):
    content = exports.export_yaml([make_template(code="perm-test")])
    ChecklistTemplate.objects.get(code="perm-test").delete()
    inspector = user_in("220600", role=Role.REGULATOR_INSPECTOR)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.checklist_import(by=inspector, filename="p.yaml", content=content)
    admin = user_in("220000", role=Role.PROVINCE_ADMIN)
    (t,) = services.checklist_import(by=admin, filename="p.yaml", content=content)
    event = AuditEvent.objects.get(action=AuditAction.IMPORTED, object_id=str(t.pk))
    assert event.actor == admin and event.changes["items"] == 6


def test_import_checklist_command(tmp_path, capsys):
    path = tmp_path / "example.yaml"
    data = yaml.safe_load(exports.export_yaml([example("example-non-coal")]).decode())
    data["templates"][0]["code"] = "nc-official-2023"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    call_command("import_checklist", str(path), "--dry-run")
    assert not ChecklistTemplate.objects.filter(code="nc-official-2023").exists()
    call_command("import_checklist", str(path), "--publish")
    t = ChecklistTemplate.objects.get(code="nc-official-2023")
    assert t.status == TemplateStatus.PUBLISHED and t.items.count() == 100
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_workbook([GOOD_ROW[:5] + ["COAL2020-99-01"] + GOOD_ROW[6:]]))
    before = counts()
    with pytest.raises(CommandError):
        call_command("import_checklist", str(bad))
    assert "COAL2020-99-01" in capsys.readouterr().err
    assert counts() == before


def test_export_checklist_command(tmp_path):
    out = tmp_path / "all.xlsx"
    call_command("export_checklist", str(out))
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names[0] == imports.META_SHEET
    assert len(book.sheet_names) == 4
