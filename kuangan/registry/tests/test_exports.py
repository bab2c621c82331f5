"""Export of the registry in the import format (``exports.py``) and the blank template: an
export imports back unchanged, into an empty registry and into the same one."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import translation
from openpyxl import load_workbook

from kuangan.core.choices import Role

from .. import columns as cols
from ..choices import Conversion, GasClass, HydroClass, MineKind, MineStatus
from ..exports import filtered_mines, write_workbook
from ..imports import import_mines, read_xlsx
from ..models import Enterprise, Mine
from .factories import make_enterprise, make_mine
from .test_imports import county_importer, state


def workbook_bytes(mines) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, mines)
    return buffer.getvalue()


def cell_values(data: bytes) -> list[list]:
    """The data sheet's cells as the importer reads them."""
    return [cells for _n, cells in read_xlsx(data).rows]


def varied_registry() -> list[Mine]:
    """Mines of every kind with every sort of value (decimals, dates, blanks, codes with
    leading zeros in text columns, a group company). No history rows: not needed here."""
    group = make_enterprise("220600", name="白山测试矿业集团")
    coal_co = make_enterprise("220605", parent=group, name="江源煤业有限公司")
    metal_co = make_enterprise("220621", name="抚松矿业有限公司")
    return [
        make_mine(
            "220605",
            history=False,
            enterprise=coal_co,
            name="江源一号井",
            kind=MineKind.COAL_UNDERGROUND,
            status=MineStatus.LONG_SHUTDOWN,
            personnel_on_site=True,
            gas_class=GasClass.OUTBURST,
            hydro_class=HydroClass.VERY_COMPLEX,
            rockburst=True,
            spontaneous_combustion=True,
            conversion=Conversion.OPEN_PIT_TO_UNDERGROUND,
            reserve_years=Decimal("2.9"),
            design_capacity=Decimal("45.25"),
            mining_licence_no="0012345",
            mining_licence_valid_until=dt.date(2026, 1, 5),
            safety_licence_no="（吉）MK安许证字〔2021〕0101",
            safety_licence_valid_until=dt.date(2025, 12, 31),
            principal="王建国",
            phone="04393456789",
            longitude=Decimal("126.591234"),
            latitude=Decimal("42.020001"),
        ),
        make_mine(
            "220605",
            history=False,
            enterprise=coal_co,
            name="江源露天煤矿",
            kind=MineKind.COAL_OPEN_PIT,
            status=MineStatus.CONSTRUCTING,
            slope_height_m=Decimal("100.0"),
            dump_height_m=Decimal("99.9"),
            # 露天转井工, still registered as an open pit (issue 11).
            conversion=Conversion.OPEN_PIT_TO_UNDERGROUND,
        ),
        make_mine(
            "220621",
            history=False,
            enterprise=metal_co,
            name="抚松铁矿",
            kind=MineKind.METAL_OPEN_PIT,
            status=MineStatus.RECTIFYING,
            conversion=Conversion.UNDERGROUND_TO_OPEN_PIT,
            tailings_into_open_pit=True,
            geohazard_exposed=True,
            electronic_seal=True,
            physically_sealed=True,
            slope_height_m=Decimal("150.5"),
            hydro_class=HydroClass.COMPLEX,
        ),
        make_mine(
            "220621",
            history=False,
            enterprise=metal_co,
            name="抚松金矿",
            kind=MineKind.METAL_UNDERGROUND,
            status=MineStatus.CLOSED,
            dump_height_m=Decimal("12"),
        ),
        make_mine(
            "220621",
            history=False,
            enterprise=metal_co,
            name="抚松尾矿库",
            kind=MineKind.TAILINGS_POND,
            status=MineStatus.LONG_SHUTDOWN,
            tailings_grade=1,
            head_top=True,
            ownerless=True,
            flood_threat=True,
            flood_threat_basis="库区下游紧邻村庄，汛期行洪",
        ),
    ]


def empty_the_registry() -> None:
    """Remove every mine and every enterprise that owns one. Group companies that own no mine
    stay: the file names them by credit code only, so they are registered before an import
    (the import says so when one is missing)."""
    owners = list(Mine.objects.values_list("enterprise_id", flat=True).distinct())
    Mine.objects.all().delete()
    Enterprise.objects.filter(pk__in=owners).delete()


def test_export_import_into_an_empty_registry_and_export_again_round_trips(db):
    mines = varied_registry()
    first = workbook_bytes(Mine.objects.order_by("code"))
    originals = {
        m.code: {f.attname: getattr(m, f.attname) for f in Mine._meta.concrete_fields}
        for m in Mine.objects.all()
    }
    assert len(cell_values(first)) == len(mines) + 1

    empty_the_registry()
    result = import_mines(by=None, filename="registry.xlsx", data=first)
    assert result.errors == []
    assert (result.created, result.enterprises_created) == (5, 2)

    second = workbook_bytes(Mine.objects.order_by("code"))
    assert cell_values(second) == cell_values(first)
    for mine in Mine.objects.all():
        before = originals[mine.code]
        for name in (
            "name",
            "kind",
            "status",
            "slope_height_m",
            "dump_height_m",
            "tailings_grade",
            "reserve_years",
            "design_capacity",
            "conversion",
            "gas_class",
            "hydro_class",
            "mining_licence_no",
            "mining_licence_valid_until",
            "safety_licence_valid_until",
            "phone",
            "longitude",
            "latitude",
            "head_top",
            "ownerless",
            "rockburst",
            "personnel_on_site",
            "tailings_into_open_pit",
            "geohazard_exposed",
            "spontaneous_combustion",
            "flood_threat",
            "flood_threat_basis",
        ):
            assert getattr(mine, name) == before[name], (mine.code, name)
    assert Enterprise.objects.get(name="江源煤业有限公司").parent.name == "白山测试矿业集团"


def test_reimporting_an_export_into_the_same_registry_changes_nothing(db):
    varied_registry()
    data = workbook_bytes(Mine.objects.all())
    before = state()
    result = import_mines(by=None, filename="registry.xlsx", data=data)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert (result.enterprises_created, result.enterprises_updated) == (0, 0)
    assert state() == before


def test_text_columns_keep_leading_zeros_and_numbers_are_numbers(db):
    (coal, *_rest) = varied_registry()
    rows = cell_values(workbook_bytes([coal]))
    header, row = rows[0], rows[1]
    cell = dict(zip(header, row, strict=False))
    assert cell["采矿许可证号"] == "0012345"
    assert cell["联系电话"] == "04393456789"
    assert cell["行政区划代码"] == "220605"
    assert cell["可采储量年限(年)"] == 2.9
    assert cell["采矿许可证有效期至"] == dt.date(2026, 1, 5)
    assert cell["生产状态"] == "长期停产停建"
    assert cell["瓦斯等级"] == "煤与瓦斯突出"
    assert cell["有人员作业"] == "是" and cell["电子封条"] == "否"
    assert cell["上级公司统一社会信用代码"] == coal.enterprise.parent.credit_code


def test_tailings_ponds_are_written_with_the_words_for_ponds(db):
    pond = varied_registry()[-1]
    rows = cell_values(workbook_bytes([pond]))
    cell = dict(zip(rows[0], rows[1], strict=False))
    assert (cell["生产状态"], cell["尾矿库等别"], cell["头顶库"]) == ("停用", "一等", "是")


def test_the_blank_template_has_the_headers_drop_downs_and_instructions(db):
    with translation.override("zh-hans"):
        data = workbook_bytes([])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [cols.DATA_SHEET, cols.HELP_SHEET]
    sheet = book[cols.DATA_SHEET]
    assert [c.value for c in sheet[1]] == list(cols.HEADERS)
    assert sheet.max_row == 1
    lists = {}
    for validation in sheet.data_validations.dataValidation:
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        lists[sheet[f"{column}1"].value] = validation.formula1
    assert set(lists) == {c.header for c in cols.COLUMNS if c.choices}
    assert "尾矿库" in lists["矿山类型"]
    assert "销库" in lists["生产状态"]
    assert "是" in lists["冲击地压"]
    help_sheet = book[cols.HELP_SHEET]
    texts = [str(c.value) for row in help_sheet.iter_rows() for c in row if c.value]
    assert any("矿山编码" in t for t in texts)
    assert {c.header for c in cols.COLUMNS} <= set(texts)
    assert any("填写" in t for t in texts)  # the instructions are in Chinese


def test_a_template_filled_in_imports(db):
    data = workbook_bytes([])
    book = load_workbook(io.BytesIO(data))
    sheet = book[cols.DATA_SHEET]
    from .test_imports import mine_row

    row = mine_row()
    sheet.append([row.get(h, None) for h in cols.HEADERS])
    out = io.BytesIO()
    book.save(out)
    result = import_mines(by=None, filename="filled.xlsx", data=out.getvalue())
    assert result.errors == [] and result.created == 1


def _request(user, **params):
    request = RequestFactory().get("/registry/mines/export/", params)
    request.user = user
    request.session = {}
    return request


def test_the_export_takes_the_ledger_filters_and_the_users_scope(user_in):
    varied_registry()
    make_mine("220102", name="长春的矿")
    province = user_in("220000", role=Role.PROVINCE_ADMIN)
    qs, errors = filtered_mines(_request(province))
    assert errors == {} and qs.count() == 6
    qs, _e = filtered_mines(_request(province, kind=MineKind.TAILINGS_POND))
    assert [m.name for m in qs] == ["抚松尾矿库"]
    qs, _e = filtered_mines(_request(province, q="江源"))
    assert {m.name for m in qs} == {"江源一号井", "江源露天煤矿"}
    county = county_importer(user_in, "220621")
    qs, _e = filtered_mines(_request(county))
    assert {m.name for m in qs} == {"抚松铁矿", "抚松金矿", "抚松尾矿库"}
    qs, errors = filtered_mines(_request(province, kind="no-such-kind"))
    assert "kind" in errors


@pytest.mark.parametrize("fmt", ["xlsx"])
def test_export_of_nothing_is_a_valid_empty_file(db, fmt):
    data = workbook_bytes(Mine.objects.none())
    result = import_mines(by=None, filename=f"empty.{fmt}", data=data)
    assert result.errors == [] and result.rows_read == 0


def test_the_export_command_with_filters(db, tmp_path):
    from django.core.management import CommandError, call_command

    varied_registry()
    path = tmp_path / "out.xlsx"
    call_command("export_mines", output=str(path), region="220621", stdout=io.StringIO())
    names = {row[1] for row in cell_values(path.read_bytes())[1:]}
    assert names == {"抚松铁矿", "抚松金矿", "抚松尾矿库"}
    call_command(
        "export_mines",
        "--output",
        str(path),
        "--kind",
        MineKind.TAILINGS_POND,
        "--kind",
        MineKind.COAL_OPEN_PIT,
        stdout=io.StringIO(),
    )
    assert {row[1] for row in cell_values(path.read_bytes())[1:]} == {"抚松尾矿库", "江源露天煤矿"}
    # The export imports back unchanged.
    result = import_mines(by=None, filename="out.xlsx", data=path.read_bytes())
    assert (result.unchanged, result.created, result.updated) == (2, 0, 0)
    with pytest.raises(CommandError):
        call_command("export_mines", output=str(path), region="229999")
    with pytest.raises(CommandError):
        call_command("export_mines", "--output", str(path), "--status", "bogus")
