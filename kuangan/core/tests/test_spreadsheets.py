"""The spreadsheet toolkit (``kuangan.core.spreadsheets``) through its public functions:
reading .xlsx and .csv in every accepted encoding, header mapping by Chinese column names,
refusals at their row and column, and writing that keeps text as text."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from kuangan.core.spreadsheets import (
    XLSX_MIME,
    CellError,
    Column,
    ColumnSet,
    ImportRefused,
    ImportResult,
    Issue,
    RowOutcome,
    SheetImporter,
    Table,
    cell_text,
    check_file,
    choice_parser,
    decode_csv,
    export_word,
    first_words,
    new_workbook,
    parse_bool,
    parse_date,
    parse_decimal,
    read_table,
    read_xlsx,
    text_parser,
    write_value,
    xlsx_response,
)

ROWS = [["名称", "日期", "数量"], ["甲矿", "2026-03-01", "12.5"], ["乙矿", "2026/4/2", "7"]]
LEVELS = {"重大": "red", "红": "red", "一般": "yellow", "黄": "yellow"}
COLUMNS = ColumnSet(
    [
        Column("名称", "name", text_parser(10), required=True),
        Column("日期", "day", parse_date, required=True),
        Column("数量(吨)", "amount", parse_decimal),
        Column("等级", "level", choice_parser(LEVELS, offer=first_words(LEVELS)), words=LEVELS),
    ]
)


class _Importer(SheetImporter):
    columns = COLUMNS
    anchor_keys = ("name",)
    max_rows = 5
    sheet = "数据"

    def no_rows_message(self) -> str:
        return "empty"


def csv_bytes(rows: list[list[str]], encoding: str, bom: bytes = b"", sep: str = ",") -> bytes:
    return bom + "\r\n".join(sep.join(r) for r in rows).encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                write_value(sheet, r, c, value)
    book.close()
    return buffer.getvalue()


def cells(table: Table) -> list[list]:
    return [row for _n, row in table.rows]


def run(table_rows: list[list], **kw) -> _Importer:
    importer = _Importer(by=None, result=ImportResult(filename="t.csv"))
    with translation.override("en"):
        importer.parse(Table([(n, row) for n, row in enumerate(table_rows, start=1)]))
    return importer


# --- reading --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("gb18030", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_csv_in_every_accepted_encoding_reads_the_same(encoding, bom):
    table = read_table("名录.csv", csv_bytes(ROWS, encoding, bom))
    assert cells(table) == ROWS
    assert [n for n, _row in table.rows] == [1, 2, 3]


def test_the_bom_is_not_part_of_the_first_header():
    text = decode_csv(csv_bytes(ROWS, "utf-8", codecs.BOM_UTF8))
    assert text.startswith("名称,")


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_csv_delimiter_is_the_one_the_first_line_holds(sep):
    assert cells(read_table("a.csv", csv_bytes(ROWS, "utf-8", sep=sep))) == ROWS


def test_text_in_no_known_encoding_is_a_validation_error():
    with pytest.raises(ValidationError):
        decode_csv(codecs.BOM_UTF8 + b"\xff\xfe\xfa")
    with pytest.raises(ValidationError):
        read_table("a.csv", b"a,b\x00\x00\xff")


def test_xlsx_reads_the_named_sheet_else_the_first():
    data = xlsx_bytes({"说明": [["读我"]], "数据": [["名称", "数量"], ["甲矿", 3]]})
    assert cells(read_xlsx(data, "数据")) == [["名称", "数量"], ["甲矿", 3.0]]
    assert cells(read_xlsx(data, "没有")) == [["读我"]]
    assert cells(read_table("a.xlsx", data, "数据"))[1][0] == "甲矿"


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("a.pdf", b"%PDF-1.4", 415),
        ("a.xlsx", b"not a zip", 415),
        ("a.csv", b"PK\x03\x04rest", 415),
        ("a.csv", b"", 415),
    ],
)
def test_what_is_no_spreadsheet_is_refused(name, data, status):
    with pytest.raises(ImportRefused) as exc:
        check_file(name, data)
    assert exc.value.status == status and exc.value.message


def test_a_file_over_the_upload_limit_is_refused_with_413(settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ImportRefused) as exc:
        check_file("a.csv", b"a,b\n" * 10)
    assert exc.value.status == 413


def test_a_sheet_reaching_far_beyond_the_table_is_refused_before_it_is_laid_out():
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    sheet = book.add_worksheet("数据")
    sheet.write_string(0, 0, "名称")
    sheet.write_string(1_048_575, 0, "far")
    book.close()
    with pytest.raises(ValidationError) as exc:
        read_xlsx(buffer.getvalue())
    assert "1048576" in exc.value.messages[0]


# --- cells ----------------------------------------------------------------------------------


def test_cell_text_and_parsers():
    assert cell_text(13912345678.0) == "13912345678"
    assert cell_text(dt.datetime(2026, 3, 1)) == "2026-03-01"  # noqa: DTZ001
    assert cell_text(True) == "是"
    assert parse_bool(" 否 ") is False and parse_bool("") is False and parse_bool("1") is True
    assert parse_decimal("1,234.50") == Decimal("1234.50") and parse_decimal("") is None
    assert parse_date("2026年3月1日") == dt.date(2026, 3, 1)
    for parse, value in [(parse_bool, "也许"), (parse_decimal, "NaN"), (parse_date, "2026-02-30")]:
        with pytest.raises(CellError):
            parse(value)


def test_a_vocabulary_offers_its_first_words():
    assert first_words(LEVELS) == ["重大", "一般"]
    assert export_word(LEVELS, "yellow") == "一般"
    parse = COLUMNS.by_key["level"].parse
    assert parse("红") == "red" and parse("") == ""
    with translation.override("en"), pytest.raises(CellError) as exc:
        parse("紫")
    assert exc.value.message == "Unknown value; write one of: 重大、一般."


# --- header mapping and refusals at their row and column ------------------------------------


def test_headers_match_by_their_chinese_names_in_any_form():
    assert COLUMNS.column_for(" 数量（吨） ").key == "amount"
    assert COLUMNS.find("名称").key == "name" and COLUMNS.find("day").header == "日期"
    assert COLUMNS.column_for("备注") is None
    assert COLUMNS.order("日期") == 1 and COLUMNS.order("备注") == len(COLUMNS)


def test_a_title_row_and_unknown_columns_are_passed_over():
    importer = run(
        [
            ["某矿数据表"],
            ["备注", "数量 (吨)", "日期", "名称"],
            ["x", "3", "2026-01-02", "甲矿"],
            ["", "", "", ""],
        ]
    )
    assert importer.result.errors == []
    assert importer.result.warnings == [Issue(2, "备注", "", "Unknown column; it is ignored.")]
    assert importer.result.rows_read == 1
    (row,) = importer.rows
    assert row.number == 3
    assert row.values == {"amount": Decimal(3), "day": dt.date(2026, 1, 2), "name": "甲矿"}


def test_a_bad_cell_is_refused_at_its_row_and_column_with_its_value():
    importer = run([["名称", "日期"], ["甲矿", "明天"], ["", "2026-01-01"]])
    errors = [(e.row, e.column, e.value) for e in importer.result.errors]
    assert errors == [(2, "日期", "明天"), (3, "名称", "")]
    assert "YYYY-MM-DD" in importer.result.errors[0].message
    assert importer.result.errors[1].message == "This cell must be filled in."
    assert [r.failed for r in importer.rows] == [True, True]
    assert importer.rows[0].bad == {"day"}


def test_header_problems_are_refusals_of_the_header_row():
    twice = run([["名称", "日期", "名称"], ["甲矿", "2026-01-01", "甲矿"]]).result.errors
    assert [(e.row, e.column, e.message) for e in twice] == [
        (1, "名称", "This column appears twice.")
    ]
    missing = run([["名称", "数量(吨)"], ["甲矿", "1"]]).result.errors
    assert [(e.row, e.column) for e in missing] == [(1, "日期")]
    none = run([["甲", "乙"], ["1", "2"]]).result.errors
    assert [(e.row, e.column) for e in none] == [(1, "名称")]
    assert run([["名称", "日期"]]).result.errors[0].message == "empty"
    too_many = run([["名称", "日期"], *[["甲", "2026-01-01"]] * 6]).result.errors
    assert "at most 5" in too_many[0].message


def test_results_as_the_api_gives_them():
    result = ImportResult(created=1, unchanged=2, list_rows=True)
    result.rows.append(RowOutcome(2, "create", "", ["名称"], {"mine": "KA1"}))
    assert result.ok and result.changes == 1
    assert result.as_dict() == {
        "dry_run": False,
        "rows": 0,
        "created": 1,
        "updated": 0,
        "unchanged": 2,
        "warnings": [],
        "errors": [],
        "items": [{"row": 2, "action": "create", "code": "", "mine": "KA1", "changed": ["名称"]}],
    }
    result.errors.append(Issue(3, "日期", "x", "bad"))
    result.clear_counts()
    assert not result.ok and (result.created, result.unchanged) == (0, 0)


# --- writing --------------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_stays_text():
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    sheet = book.add_worksheet("数据")
    for col, value in enumerate(["=1+1", '=HYPERLINK("http://x")', "http://x.cn", "007"]):
        sheet.write(0, col, value)  # the generic write: it would make formulas and links
    write_value(sheet, 1, 0, True)
    write_value(sheet, 1, 1, Decimal("2.50"))
    write_value(
        sheet, 1, 2, dt.date(2026, 3, 1), date_format=book.add_format({"num_format": "yyyy-mm-dd"})
    )
    assert write_value(sheet, 1, 3, "") is False
    book.close()
    ws = load_workbook(buffer)["数据"]
    first = [ws.cell(row=1, column=c) for c in range(1, 5)]
    assert [c.value for c in first] == ["=1+1", '=HYPERLINK("http://x")', "http://x.cn", "007"]
    assert all(c.data_type == "s" and c.hyperlink is None for c in first)
    assert [ws.cell(row=2, column=c).value for c in range(1, 4)] == [
        "是",
        2.5,
        dt.datetime(2026, 3, 1),  # noqa: DTZ001
    ]
    assert ws.cell(row=2, column=4).value is None


def test_a_workbook_is_sent_as_xlsx():
    response = xlsx_response(b"PK", "风险清单.xlsx", rows=3)
    assert response["Content-Type"] == XLSX_MIME
    assert response["X-Export-Rows"] == "3"
    assert "attachment" in response["Content-Disposition"]
