"""The registry import (``imports.py``): the whole file is checked by the models' own rules,
any error means nothing is written, a second import of the same file changes nothing."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.utils import translation

from kuangan.core.choices import AuditAction, Role
from kuangan.core.credit_code import make_credit_code
from kuangan.core.models import AuditEvent, Organization, User

from .. import columns as cols
from ..choices import Conversion, GasClass, HydroClass, MineKind, MineStatus
from ..imports import ImportRefused, check_constraints, import_mines
from ..models import Enterprise, Mine, MineHistory
from .factories import make_enterprise, make_mine

CC = make_credit_code("220605", 61000001)  # an enterprise in 白山市江源区
CC2 = make_credit_code("220605", 61000002)
GROUP_CC = make_credit_code("220600", 61000003)
OTHER_CC = make_credit_code("220102", 61000004)  # an enterprise in 长春市南关区


# --- helpers shared by the import/export test modules ---------------------------------------


def mine_row(cells: dict | None = None, **kw) -> dict:
    """One valid row (an underground coal mine in 江源区), with ``cells`` (by column name)
    changed."""
    row = {
        "矿山名称": "江源一号煤矿",
        "企业名称": "白山江源测试矿业有限公司",
        "统一社会信用代码": CC,
        "行政区划代码": "220605",
        "矿山类型": "井工煤矿",
        "生产状态": "正常生产",
        "瓦斯等级": "高瓦斯",
        "水文地质类型": "中等",
        "可采储量年限(年)": "12.5",
        "设计生产能力(万吨/年)": "45",
        "采矿许可证号": "C2200002009011120012345",
        "采矿许可证有效期至": "2030-06-30",
        "安全生产许可证号": "（吉）MK安许证字〔2021〕0101",
        "安全生产许可证有效期至": "2027-03-31",
        "主要负责人": "王建国",
        "联系电话": "13904391234",
        "经度": "126.59",
        "纬度": "42.02",
    }
    row.update(cells or {})
    row.update(kw)
    return row


def tailings_row(cells: dict | None = None) -> dict:
    row = mine_row(
        {
            "矿山名称": "江源尾矿库",
            "矿山类型": "尾矿库",
            "生产状态": "在用",
            "瓦斯等级": "",
            "水文地质类型": "",
            "可采储量年限(年)": "",
            "设计生产能力(万吨/年)": "",
            "尾矿库等别": "三等",
            "头顶库": "是",
        }
    )
    row.update(cells or {})
    return row


def xlsx_bytes(rows: list[dict], headers=None, numbers: bool = False) -> bytes:
    """A workbook with ``headers`` (default: every column) and ``rows``; ``numbers``: write
    numeric-looking cells as numbers, as Excel does when a person types them."""
    headers = list(headers or cols.HEADERS)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": numbers})
    sheet = book.add_worksheet(cols.DATA_SHEET)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def csv_bytes(rows: list[dict], headers=None, encoding: str = "utf-8", bom: bool = False) -> bytes:
    headers = list(headers or cols.HEADERS)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    data = text.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom else data


def grant(user: User, *perms: str) -> User:
    for perm in perms:
        app_label, codename = perm.split(".")
        try:
            permission = Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            )
        except Permission.DoesNotExist:
            permission = Permission.objects.create(
                content_type=ContentType.objects.get_for_model(Mine),
                codename=codename,
                name=codename,
            )
        user.user_permissions.add(permission)
    return User.objects.get(pk=user.pk)  # a fresh object: no cached permissions


def county_importer(user_in, code: str = "220605") -> User:
    """A regulator of one county who may import (and register, change) mines."""
    return grant(user_in(code, role=Role.PROVINCE_ADMIN), "registry.import_mines")


def state() -> tuple:
    """Everything an import could write."""
    return (
        Mine.objects.count(),
        Organization.objects.count(),
        MineHistory.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def importer(user_in):
    return county_importer(user_in)


def run(by, rows, *, fmt="xlsx", dry_run=False, **kw):
    data = xlsx_bytes(rows, **kw) if fmt == "xlsx" else csv_bytes(rows, **kw)
    return import_mines(by=by, filename=f"mines.{fmt}", data=data, dry_run=dry_run)


def issues(result) -> list[tuple]:
    return [(e.row, e.column, e.value) for e in result.errors]


# --- a valid file -----------------------------------------------------------------------------


def test_an_open_pit_converting_to_underground_and_a_water_threatened_pond_import(importer):
    """四(一)6(3) 露天转井工: an open pit converting to underground mining is registered as an open
    pit with the conversion (it used to be refused); 六(三) 受水害威胁严重: a tailings pond carries
    the flag with its basis."""
    rows = [
        mine_row(
            {
                "矿山名称": "江源露天转井工矿",
                "矿山类型": "金属非金属露天矿山",
                "瓦斯等级": "",
                "开采方式转换": "露天转井工",
                "自燃倾向": "是",
            }
        ),
        tailings_row({"受水害威胁严重": "是", "受水害威胁严重依据": "下游紧邻河道，汛期行洪"}),
    ]
    result = run(importer, rows)
    assert result.errors == []
    pit = Mine.objects.get(name="江源露天转井工矿")
    assert (pit.kind, pit.conversion) == (
        MineKind.METAL_OPEN_PIT,
        Conversion.OPEN_PIT_TO_UNDERGROUND,
    )
    assert pit.spontaneous_combustion is True
    pond = Mine.objects.get(name="江源尾矿库")
    assert pond.flood_threat is True
    assert pond.flood_threat_basis == "下游紧邻河道，汛期行洪"
    assert MineHistory.objects.get(mine=pond).state["flood_threat_basis"] == pond.flood_threat_basis


def test_a_water_threat_without_its_basis_is_refused(importer):
    result = run(importer, [tailings_row({"受水害威胁严重": "是"})])
    assert not result.ok
    assert [e.column for e in result.errors] == ["受水害威胁严重依据"]
    assert not Mine.objects.filter(name="江源尾矿库").exists()


def test_a_valid_file_registers_mines_and_enterprises(importer):
    group = make_enterprise("220600", credit_code=GROUP_CC, name="白山测试矿业集团")
    rows = [
        mine_row({"上级公司统一社会信用代码": GROUP_CC}),
        tailings_row({"上级公司统一社会信用代码": GROUP_CC}),
        mine_row(
            {
                "矿山名称": "江源二号露天矿",
                "矿山类型": "金属非金属露天矿山",
                "生产状态": "长期停产停建",
                "瓦斯等级": "",
                "边坡高度(米)": "120",
                "排土场堆置高度(米)": "95.5",
                "开采方式转换": "井工转露天",
                "利用露天采坑排放尾砂": "是",
                "复工复产": "是",
                "上级公司统一社会信用代码": GROUP_CC,
            }
        ),
    ]
    result = run(importer, rows)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert result.enterprises_created == 1
    enterprise = Enterprise.objects.get(credit_code=CC)
    assert enterprise.name == "白山江源测试矿业有限公司"
    assert enterprise.parent == group
    assert enterprise.region.code == "220605"

    coal = Mine.objects.get(name="江源一号煤矿")
    assert coal.code.startswith("KA220605")
    assert coal.kind == MineKind.COAL_UNDERGROUND
    assert coal.status == MineStatus.PRODUCING
    assert coal.gas_class == GasClass.HIGH
    assert coal.hydro_class == HydroClass.MEDIUM
    assert coal.reserve_years == Decimal("12.5")
    assert coal.design_capacity == Decimal("45")
    assert coal.mining_licence_valid_until == dt.date(2030, 6, 30)
    assert coal.latitude == Decimal("42.02")
    assert coal.phone == "13904391234"
    assert coal.enterprise_id == enterprise.pk

    pond = Mine.objects.get(name="江源尾矿库")
    assert (pond.kind, pond.status, pond.tailings_grade, pond.head_top) == (
        MineKind.TAILINGS_POND,
        MineStatus.PRODUCING,
        3,
        True,
    )
    pit = Mine.objects.get(name="江源二号露天矿")
    assert pit.conversion == Conversion.UNDERGROUND_TO_OPEN_PIT
    assert pit.slope_height_m == Decimal("120")
    assert pit.tailings_into_open_pit and pit.resuming
    assert pit.status == MineStatus.LONG_SHUTDOWN
    # Blank yes/no cells mean 否.
    assert not pit.personnel_on_site and not pit.electronic_seal

    # Every mine has its first history row and its audit event; one event sums up the import.
    assert MineHistory.objects.filter(mine__in=[coal, pond, pit]).count() == 3
    assert MineHistory.objects.get(mine=pit).state["status"] == MineStatus.LONG_SHUTDOWN
    assert AuditEvent.objects.filter(action=AuditAction.CREATED, object_id=str(coal.pk)).exists()
    summary = AuditEvent.objects.get(action=AuditAction.IMPORTED)
    assert summary.actor_id == importer.pk
    assert summary.changes["created"] == 3 and summary.changes["rows"] == 3


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("正常生产", MineStatus.PRODUCING),
        ("在用", MineStatus.PRODUCING),
        ("建设", MineStatus.CONSTRUCTING),
        ("在建", MineStatus.CONSTRUCTING),
        ("整改", MineStatus.RECTIFYING),
        ("长期停产停建", MineStatus.LONG_SHUTDOWN),
        ("停用", MineStatus.LONG_SHUTDOWN),
        ("关闭", MineStatus.CLOSED),
        ("闭库", MineStatus.CLOSED),
        ("销库", MineStatus.CLOSED),
    ],
)
def test_status_words_and_their_synonyms(importer, word, status):
    result = run(importer, [tailings_row({"生产状态": word})])
    assert result.errors == []
    assert Mine.objects.get().status == status


@pytest.mark.parametrize(("word", "grade"), [("一等", 1), ("五等", 5), ("2", 2), ("4等", 4)])
def test_tailings_grade_in_words_or_digits(importer, word, grade):
    result = run(importer, [tailings_row({"尾矿库等别": word})])
    assert result.errors == []
    assert Mine.objects.get().tailings_grade == grade


def test_columns_in_any_order_extra_columns_warned_and_ignored(importer):
    headers = ["备注", *reversed(cols.HEADERS)]
    result = run(importer, [mine_row({"备注": "随便写"})], headers=headers)
    assert result.errors == []
    assert result.created == 1
    assert [(w.row, w.column) for w in result.warnings] == [(1, "备注")]


def test_excel_numbers_are_read_as_the_text_a_person_typed(importer):
    """Excel keeps typed numbers as floats: 13904391234.0, 220605.0, 3.0 are read as the
    phone, the division code and grade 3; dates typed as dates are dates."""
    row = tailings_row(
        {
            "联系电话": 13904391234,
            "行政区划代码": 220605,
            "尾矿库等别": 3.0,
            "经度": 126.123456,
            "纬度": 42.5,
            "采矿许可证有效期至": dt.date(2031, 1, 31),
        }
    )
    result = run(importer, [row])
    assert result.errors == []
    pond = Mine.objects.get()
    assert pond.phone == "13904391234"
    assert pond.region.code == "220605"
    assert pond.tailings_grade == 3
    assert pond.longitude == Decimal("126.123456")
    assert pond.mining_licence_valid_until == dt.date(2031, 1, 31)


def test_header_names_with_full_width_brackets_and_spaces_match(importer):
    headers = [h.replace("(", "（").replace(")", "）") for h in cols.HEADERS]
    headers[1] = " 矿山 名称 "
    row = {h2: mine_row().get(h1, "") for h1, h2 in zip(cols.HEADERS, headers, strict=True)}
    result = run(importer, [row], headers=headers)
    assert result.errors == []
    assert Mine.objects.get().reserve_years == Decimal("12.5")


def test_a_title_row_above_the_header_and_blank_rows_are_skipped(importer):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write(0, 0, "白山市矿山名录")
    sheet.write_row(2, 0, cols.HEADERS)
    sheet.write_row(4, 0, [mine_row().get(h, "") for h in cols.HEADERS])
    sheet.write_row(5, 0, [mine_row({"生产状态": "未知"}).get(h, "") for h in cols.HEADERS])
    book.close()
    result = import_mines(by=importer, filename="m.xlsx", data=buffer.getvalue())
    # Rows are numbered as the spreadsheet shows them.
    assert issues(result) == [(6, "生产状态", "未知")]


# --- CSV encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)]
)
def test_csv_in_utf8_utf8_with_bom_and_gb18030(importer, encoding, bom):
    result = run(importer, [mine_row(), tailings_row()], fmt="csv", encoding=encoding, bom=bom)
    assert result.errors == []
    assert result.created == 2
    assert set(Mine.objects.values_list("name", flat=True)) == {"江源一号煤矿", "江源尾矿库"}
    assert Enterprise.objects.get(credit_code=CC).name == "白山江源测试矿业有限公司"


def test_gb18030_csv_is_really_not_utf8():
    data = csv_bytes([mine_row()], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_a_semicolon_or_tab_separated_csv_is_read(importer):
    rows = [[h for h in cols.HEADERS], [mine_row().get(h, "") for h in cols.HEADERS]]
    data = "\n".join("\t".join(r) for r in rows).encode("utf-8")
    result = import_mines(by=importer, filename="m.csv", data=data)
    assert result.errors == [] and result.created == 1


# --- bad cells: a clear error, and nothing written ----------------------------------------------

BAD_CELLS = [
    # (changed cells, column, value, words the message must contain)
    (
        {"统一社会信用代码": CC[:-1] + ("0" if CC[-1] != "0" else "1")},
        "统一社会信用代码",
        None,
        "18",
    ),
    ({"统一社会信用代码": "91220605MA0Y2O3X4L"}, "统一社会信用代码", None, "14"),
    ({"行政区划代码": "229999"}, "行政区划代码", "229999", "229999"),
    ({"行政区划代码": "2206"}, "行政区划代码", "2206", "6"),
    ({"行政区划代码": "220600"}, "行政区划代码", "220600", "220600"),
    ({"矿山类型": "煤矿"}, "矿山类型", "煤矿", "井工煤矿"),
    ({"尾矿库等别": "三等"}, "尾矿库等别", "三等", ""),
    ({"头顶库": "是"}, "头顶库", "是", ""),
    ({"采矿许可证有效期至": "2030-02-30"}, "采矿许可证有效期至", "2030-02-30", ""),
    ({"采矿许可证有效期至": "30/06/2030"}, "采矿许可证有效期至", "30/06/2030", "YYYY-MM-DD"),
    ({"纬度": "39.5"}, "纬度", "39.5", "39.5"),
    ({"经度": "135"}, "经度", "135", ""),
    ({"经度": ""}, "经度", "", ""),
    ({"生产状态": "停产"}, "生产状态", "停产", "长期停产停建"),
    ({"复工复产": "可能"}, "复工复产", "可能", "是"),
    ({"边坡高度(米)": "abc"}, "边坡高度(米)", "abc", ""),
    ({"可采储量年限(年)": "-1"}, "可采储量年限(年)", "-1", ""),
    ({"可采储量年限(年)": "1.25"}, "可采储量年限(年)", "1.25", ""),
    ({"开采方式转换": "井转露"}, "开采方式转换", "井转露", "井工转露天"),
    ({"受水害威胁严重": "是"}, "受水害威胁严重依据", "", ""),
    ({"瓦斯等级": "中瓦斯"}, "瓦斯等级", "中瓦斯", "低瓦斯"),
    ({"矿山名称": ""}, "矿山名称", "", ""),
    ({"企业名称": ""}, "企业名称", "", ""),
    ({"上级公司统一社会信用代码": OTHER_CC}, "上级公司统一社会信用代码", OTHER_CC, ""),
    ({"矿山编码": "X-1"}, "矿山编码", "X-1", ""),
]


@pytest.mark.parametrize(("cells", "column", "value", "words"), BAD_CELLS)
def test_each_kind_of_bad_cell_is_reported_and_nothing_is_written(
    importer, cells, column, value, words
):
    make_enterprise("220605", credit_code=CC2)  # an existing enterprise, left untouched
    rows = [tailings_row({"矿山名称": "好的尾矿库", "统一社会信用代码": CC2, "企业名称": "x"})]
    rows.insert(0, mine_row(cells))
    before = state()
    result = run(importer, rows)
    assert not result.ok
    assert state() == before
    assert (result.created, result.updated) == (0, 0)
    errors = [e for e in result.errors if e.column == column]
    assert errors, result.errors
    error = errors[0]
    assert error.row == 2
    assert error.value == (value if value is not None else cells[column])
    assert words in error.message
    assert error.message


def test_messages_are_chinese_through_the_translations(importer):
    with translation.override("zh-hans"):
        result = run(importer, [mine_row({"矿山类型": "煤矿", "行政区划代码": "229999"})])
    messages = {e.column: e.message for e in result.errors}
    assert "请填写以下之一" in messages["矿山类型"]
    assert "吉林" in messages["行政区划代码"]


def test_all_errors_of_all_rows_are_reported_at_once(importer):
    rows = [
        mine_row({"矿山名称": "甲", "矿山类型": "煤矿", "纬度": "50", "行政区划代码": "220600"}),
        mine_row({"矿山名称": "乙", "采矿许可证有效期至": "明年"}),
        tailings_row({"矿山名称": "丙", "瓦斯等级": "低瓦斯"}),
        mine_row({"矿山名称": "丁"}),
    ]
    result = run(importer, rows)
    assert issues(result) == [
        (2, "行政区划代码", "220600"),
        (2, "矿山类型", "煤矿"),
        (2, "纬度", "50"),
        (3, "采矿许可证有效期至", "明年"),
        (4, "瓦斯等级", "低瓦斯"),
    ]
    assert Mine.objects.count() == 0


def test_a_duplicate_key_inside_the_file(importer):
    result = run(importer, [mine_row(), tailings_row(), mine_row({"生产状态": "整改"})])
    assert issues(result) == [(4, "矿山名称", "江源一号煤矿")]
    assert "2" in result.errors[0].message
    assert Mine.objects.count() == 0


def test_a_duplicate_mine_code_inside_the_file(importer):
    mine = make_mine("220605", enterprise=make_enterprise("220605", credit_code=CC))
    rows = [
        mine_row({"矿山编码": mine.code, "矿山名称": mine.name}),
        mine_row({"矿山编码": mine.code, "矿山名称": "改个名字"}),
    ]
    result = run(importer, rows)
    assert issues(result) == [(3, "矿山编码", mine.code)]


def test_a_row_by_code_and_a_row_by_name_for_the_same_mine(importer):
    mine = make_mine("220605", enterprise=make_enterprise("220605", credit_code=CC))
    rows = [
        mine_row({"矿山名称": mine.name}),
        mine_row({"矿山编码": mine.code, "矿山名称": mine.name}),
    ]
    result = run(importer, rows)
    assert issues(result) == [(3, "矿山编码", mine.code)]


def test_one_credit_code_with_two_enterprise_names(importer):
    result = run(importer, [mine_row(), tailings_row({"企业名称": "另一个名字"})])
    assert issues(result) == [(3, "企业名称", "另一个名字")]
    assert not Enterprise.objects.filter(credit_code=CC).exists()


def test_a_missing_required_column_and_a_doubled_column(importer):
    headers = [h for h in cols.HEADERS if h != "矿山类型"] + ["纬度"]
    result = run(importer, [mine_row()], headers=headers)
    assert sorted((e.row, e.column) for e in result.errors) == [(1, "矿山类型"), (1, "纬度")]
    assert Mine.objects.count() == 0


def test_a_file_without_a_header_row(importer):
    result = import_mines(by=importer, filename="m.csv", data=b"a,b\n1,2\n")
    assert [(e.row, e.column) for e in result.errors] == [(1, "矿山名称")]


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("m.pdf", b"%PDF-1.4", 415),
        ("m.xlsx", b"not a zip at all", 415),
        ("m.csv", b"", 415),
        ("m.csv", xlsx_bytes([mine_row()]), 415),
    ],
)
def test_files_that_are_no_spreadsheet_are_refused(importer, name, data, status):
    with pytest.raises(ImportRefused) as refused:
        import_mines(by=importer, filename=name, data=data)
    assert refused.value.status == status


def test_a_workbook_whose_cells_span_the_whole_sheet_is_refused_before_reading(importer):
    """Two cells, at A1 and XFD1048576: the reader would lay out 17 billion cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(cols.DATA_SHEET)
    sheet.write_row(0, 0, cols.HEADERS)
    sheet.write(1048575, 16383, "x")
    book.close()
    result = import_mines(by=importer, filename="m.xlsx", data=buffer.getvalue())
    assert len(result.errors) == 1 and "1048576" in result.errors[0].message


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_a_file_over_the_size_limit_is_refused(importer):
    with pytest.raises(ImportRefused) as refused:
        import_mines(by=importer, filename="m.csv", data=b"x" * 1001)
    assert refused.value.status == 413


def test_a_csv_in_an_unknown_encoding_is_an_error(importer):
    result = import_mines(by=importer, filename="m.csv", data=b"\xff\xfe\x00\xd8broken" * 3)
    assert result.errors and Mine.objects.count() == 0


# --- updates and idempotence ------------------------------------------------------------------


def test_a_second_import_of_the_same_file_changes_nothing(importer):
    data = xlsx_bytes([mine_row(), tailings_row({"上级公司统一社会信用代码": ""})])
    first = import_mines(by=importer, filename="m.xlsx", data=data)
    assert first.created == 2
    before = state()
    versions = list(Mine.objects.order_by("pk").values_list("version", "updated_at"))
    second = import_mines(by=importer, filename="m.xlsx", data=data)
    assert second.errors == []
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert (second.enterprises_created, second.enterprises_updated) == (0, 0)
    assert state() == before  # no mine, history row or audit event more
    assert list(Mine.objects.order_by("pk").values_list("version", "updated_at")) == versions


def test_numbers_written_differently_are_the_same_value(importer):
    run(importer, [mine_row({"可采储量年限(年)": "12.5", "纬度": "42.02"})])
    before = state()
    again = run(importer, [mine_row({"可采储量年限(年)": "12.50", "纬度": "42.020000"})])
    assert (again.updated, again.unchanged) == (0, 1)
    assert state() == before


def test_an_update_by_code_changes_only_what_differs_and_keeps_history(importer):
    enterprise = make_enterprise("220605", credit_code=CC, name="白山江源测试矿业有限公司")
    mine = make_mine("220605", enterprise=enterprise, name="老名字", kind=MineKind.COAL_UNDERGROUND)
    history = mine.history.count()
    version = mine.version
    row = mine_row({"矿山编码": mine.code, "生产状态": "长期停产停建", "有人员作业": "是"})
    result = run(importer, [row])
    assert result.errors == []
    assert (result.created, result.updated) == (0, 1)
    assert result.rows[0].changed[:3] == ["矿山名称", "生产状态", "有人员作业"]
    mine.refresh_from_db()
    assert mine.name == "江源一号煤矿"  # the code is the key: the name may change
    assert mine.status == MineStatus.LONG_SHUTDOWN and mine.personnel_on_site
    assert mine.version == version + 1
    assert mine.history.count() == history + 1
    entry = mine.history.order_by("-pk").first()
    assert entry.changes["status"] == [MineStatus.PRODUCING, MineStatus.LONG_SHUTDOWN]
    event = AuditEvent.objects.filter(object_id=str(mine.pk)).order_by("-id").first()
    assert event.action == AuditAction.STATUS_CHANGED
    assert event.changes["personnel_on_site"] == [False, True]


def test_without_a_code_the_key_is_credit_code_and_mine_name(importer):
    enterprise = make_enterprise("220605", credit_code=CC, name="白山江源测试矿业有限公司")
    mine = make_mine("220605", enterprise=enterprise, name="江源一号煤矿")
    result = run(importer, [mine_row({"主要负责人": "李四"})])
    assert (result.created, result.updated) == (0, 1)
    mine.refresh_from_db()
    assert mine.principal == "李四"


def test_a_column_left_out_leaves_that_data_alone(importer):
    enterprise = make_enterprise("220605", credit_code=CC, name="白山江源测试矿业有限公司")
    mine = make_mine("220605", enterprise=enterprise, name="江源一号煤矿", principal="原负责人")
    headers = ["矿山名称", "企业名称", "统一社会信用代码", "行政区划代码", "矿山类型", "生产状态"]
    result = run(importer, [mine_row({"生产状态": "整改"})], headers=headers)
    assert result.updated == 1
    mine.refresh_from_db()
    assert mine.status == MineStatus.RECTIFYING and mine.principal == "原负责人"


def test_a_new_mine_may_bring_its_own_registry_code(importer):
    result = run(importer, [mine_row({"矿山编码": "KA2206050777"}), tailings_row()])
    assert result.errors == []
    assert Mine.objects.get(name="江源一号煤矿").code == "KA2206050777"
    # Codes allocated afterwards follow it.
    assert Mine.objects.get(name="江源尾矿库").code == "KA2206050778"


def test_a_code_given_for_a_new_row_of_an_existing_mine_name(importer):
    enterprise = make_enterprise("220605", credit_code=CC)
    mine = make_mine("220605", enterprise=enterprise, name="江源一号煤矿")
    result = run(importer, [mine_row({"矿山编码": "KA2206059999"})])
    assert issues(result) == [(2, "矿山编码", "KA2206059999")]
    assert mine.code in result.errors[0].message


def test_enterprise_renamed_and_group_company_set_from_the_rows(importer):
    enterprise = make_enterprise("220605", credit_code=CC, name="旧名称有限公司")
    group = make_enterprise("220600", credit_code=GROUP_CC)
    result = run(importer, [mine_row({"上级公司统一社会信用代码": GROUP_CC})])
    assert result.errors == []
    assert result.enterprises_updated == 1
    enterprise.refresh_from_db()
    assert enterprise.name == "白山江源测试矿业有限公司"
    assert enterprise.parent_id == group.pk
    event = AuditEvent.objects.filter(object_id=str(enterprise.pk)).order_by("-id").first()
    assert event.changes["name"] == ["旧名称有限公司", "白山江源测试矿业有限公司"]


def test_a_group_company_that_is_itself_a_row_of_the_file(importer):
    rows = [
        mine_row({"上级公司统一社会信用代码": GROUP_CC}),
        mine_row(
            {
                "矿山名称": "集团直属煤矿",
                "企业名称": "白山测试矿业集团",
                "统一社会信用代码": GROUP_CC,
            }
        ),
    ]
    result = run(importer, rows)
    assert result.errors == [], result.errors
    assert Enterprise.objects.get(credit_code=CC).parent.credit_code == GROUP_CC


def test_a_credit_code_of_another_kind_of_organisation(importer, user_in):
    agency = Organization.objects.create(
        kind="agency", name="某评价机构", region=importer.organization.region, credit_code=CC
    )
    result = run(importer, [mine_row()])
    assert [e.column for e in result.errors] == ["统一社会信用代码"]
    assert Organization.objects.get(pk=agency.pk).name == "某评价机构"


# --- dry run ----------------------------------------------------------------------------------


def test_a_dry_run_reports_and_writes_nothing(importer):
    enterprise = make_enterprise("220605", credit_code=CC, name="白山江源测试矿业有限公司")
    mine = make_mine("220605", enterprise=enterprise, name="江源一号煤矿")
    before = state()
    result = run(importer, [mine_row({"生产状态": "整改"}), tailings_row()], dry_run=True)
    assert result.ok and result.dry_run
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert state() == before
    mine.refresh_from_db()
    assert mine.status == MineStatus.PRODUCING


# --- the importer's scope and permissions -----------------------------------------------------


def test_a_county_inspector_cannot_import_a_mine_into_another_county(user_in):
    importer = county_importer(user_in, "220605")
    rows = [mine_row(), mine_row({"矿山名称": "临江煤矿", "行政区划代码": "220681"})]
    before = state()
    result = run(importer, rows)
    assert issues(result) == [(3, "行政区划代码", "220681")]
    assert state() == before
    # Its own county alone is fine.
    assert run(importer, rows[:1]).created == 1


def test_a_county_inspector_cannot_move_its_mine_out_of_its_county(user_in):
    importer = county_importer(user_in, "220605")
    mine = make_mine("220605", enterprise=make_enterprise("220605", credit_code=CC))
    result = run(importer, [mine_row({"矿山编码": mine.code, "行政区划代码": "220102"})])
    assert issues(result) == [(2, "行政区划代码", "220102")]
    mine.refresh_from_db()
    assert mine.region.code == "220605"


def test_a_mine_of_another_county_is_unknown_by_its_code(user_in):
    importer = county_importer(user_in, "220605")
    other = make_mine("220102", enterprise=make_enterprise("220102", credit_code=OTHER_CC))
    result = run(importer, [mine_row({"矿山编码": other.code})])
    assert issues(result) == [(2, "矿山编码", other.code)]
    assert "辖区" in result.errors[0].message or "jurisdiction" in result.errors[0].message


def test_an_enterprise_user_may_update_its_own_mines_but_not_register_new_ones(user_in):
    enterprise = make_enterprise("220605", credit_code=CC, name="白山江源测试矿业有限公司")
    mine = make_mine("220605", enterprise=enterprise, name="江源一号煤矿")
    user = make_enterprise_user(user_in, enterprise)
    result = run(user, [mine_row({"主要负责人": "新负责人"})])
    assert result.errors == [] and result.updated == 1
    result = run(user, [tailings_row()])
    assert [e.column for e in result.errors] == ["矿山名称"]
    assert not Mine.objects.filter(name="江源尾矿库").exists()
    assert mine.pk


def make_enterprise_user(user_in, enterprise) -> User:
    from kuangan.core.tests.factories import make_user

    user = make_user(organization=enterprise, role=Role.ENTERPRISE_PRINCIPAL)
    return grant(user, "registry.import_mines")


def test_without_the_import_permission_the_file_is_refused(user_in):
    user = user_in("220605", role=Role.GOVERNMENT_USER)
    with pytest.raises(ImportRefused) as refused:
        run(user, [mine_row()])
    assert refused.value.status == 403
    assert Mine.objects.count() == 0


def test_the_system_import_has_no_scope(db):
    result = run(None, [mine_row(), mine_row({"矿山名称": "临江煤矿", "行政区划代码": "220681"})])
    assert result.errors == [] and result.created == 2
    summary = AuditEvent.objects.get(action=AuditAction.IMPORTED)
    assert summary.actor_id is None and summary.actor_repr == "system"


# --- the model's constraints, evaluated without a query each ------------------------------------


def _candidates():
    base = {"name": "x", "code": "KA2206059999"}
    yield Mine(kind=MineKind.COAL_UNDERGROUND, status="producing", tailings_grade=3, **base)
    yield Mine(kind=MineKind.TAILINGS_POND, status="producing", tailings_grade=7, **base)
    yield Mine(kind=MineKind.TAILINGS_POND, status="producing", tailings_grade=None, **base)
    yield Mine(kind=MineKind.METAL_OPEN_PIT, status="closed", slope_height_m=Decimal(-1), **base)
    yield Mine(kind=MineKind.METAL_OPEN_PIT, status="closed", slope_height_m=Decimal(100), **base)
    yield Mine(
        kind=MineKind.METAL_UNDERGROUND,
        status="closed",
        conversion=Conversion.UNDERGROUND_TO_OPEN_PIT,
        **base,
    )
    yield Mine(
        kind=MineKind.METAL_OPEN_PIT,
        status="closed",
        longitude=Decimal("126"),
        latitude=Decimal("47"),
        **base,
    )
    yield Mine(kind=MineKind.COAL_OPEN_PIT, status="producing", gas_class="low", **base)
    yield Mine(kind=MineKind.COAL_UNDERGROUND, status="producing", gas_class="low", **base)


@pytest.mark.parametrize("mine", list(_candidates()), ids=lambda m: f"{m.kind}")
def test_constraints_in_python_agree_with_the_database(db, mine):
    def messages(check):
        try:
            check()
        except Exception as exc:  # noqa: BLE001
            return sorted(getattr(exc, "messages", [str(exc)]))
        return []

    database = messages(lambda: mine.validate_constraints())
    python = messages(lambda: check_constraints(mine))
    assert python == database


# --- the command ------------------------------------------------------------------------------


def test_the_command_imports_and_reports(db, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "名录.csv"
    path.write_bytes(csv_bytes([mine_row(), tailings_row()], encoding="gb18030"))
    out = io.StringIO()
    call_command("import_mines", str(path), "--dry-run", stdout=out)
    assert Mine.objects.count() == 0
    call_command("import_mines", str(path), stdout=out)
    assert Mine.objects.count() == 2


def test_the_command_fails_with_every_error_and_writes_nothing(db, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes([mine_row({"矿山类型": "煤矿"}), tailings_row()]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_mines", str(path), stderr=err)
    assert "煤矿" in err.getvalue() and "2" in err.getvalue()
    assert Mine.objects.count() == 0


def test_the_command_as_a_user_with_json_output(user_in, tmp_path):
    import json

    from django.core.management import CommandError, call_command

    user = county_importer(user_in, "220605")
    path = tmp_path / "m.xlsx"
    path.write_bytes(xlsx_bytes([mine_row({"行政区划代码": "220102"})]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_mines", str(path), "--json", f"--user={user.username}", stdout=out)
    body = json.loads(out.getvalue())
    assert ("行政区划代码", "220102") in {(e["column"], e["value"]) for e in body["errors"]}
    with pytest.raises(CommandError):
        call_command("import_mines", str(path), "--user=nobody")
    with pytest.raises(CommandError):
        call_command("import_mines", str(tmp_path / "missing.xlsx"))
