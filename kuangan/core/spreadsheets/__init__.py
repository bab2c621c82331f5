"""The spreadsheet toolkit every import and export builds on.

- reading: ``read_table`` (an uploaded .xlsx, or .csv in UTF-8 with or without BOM, GB18030
  or UTF-16), ``check_file``/``check_upload``/``check_size`` (what is no spreadsheet is
  ``ImportRefused``), ``read_xlsx``, ``read_csv``, ``decode_csv``, ``check_xlsx_extent``;
- cells: ``cell_text``, ``normalise_header``, the parsers (``parse_text``, ``parse_upper``,
  ``parse_bool``, ``parse_decimal``, ``parse_date``, ``text_parser``, ``choice_parser``) and
  ``CellError``; ``first_words``/``export_word`` for vocabularies;
- formats: ``Column`` and ``ColumnSet`` (columns found by their Chinese names);
- importing: ``SheetImporter`` and ``Row`` (header row, column mapping, every cell read, each
  problem at its row and column); ``check_constraints`` (a model's check constraints without
  a query per row);
- results: ``Issue``, ``RowOutcome``, ``ImportResult``, ``ImportRefused``;
- writing: ``new_workbook`` (text stays text: no formula injection), ``write_value``,
  ``header_formats``, ``xlsx_response``, ``export_filename``, ``XLSX_MIME``; for a formal
  ledger to print, ``table_formats``, ``offer_choices`` and ``print_layout``.

The pages and the API endpoint of an import are in ``.views`` and ``.api``.
"""

from .cells import (
    NO,
    YES,
    CellError,
    Parser,
    cell_text,
    choice_parser,
    export_word,
    first_words,
    normalise_header,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_text,
    parse_upper,
    text_parser,
    word,
)
from .columns import Column, ColumnSet
from .constraints import check_constraints
from .importer import Row, SheetImporter
from .reading import (
    EXTENSIONS,
    Table,
    check_file,
    check_size,
    check_upload,
    check_xlsx_extent,
    decode_csv,
    extension_of,
    read_csv,
    read_table,
    read_xlsx,
)
from .results import ImportRefused, ImportResult, Issue, RowOutcome
from .writing import (
    XLSX_MIME,
    TableFormats,
    export_filename,
    header_formats,
    new_workbook,
    offer_choices,
    print_layout,
    table_formats,
    write_value,
    xlsx_response,
)

__all__ = [
    "EXTENSIONS",
    "NO",
    "XLSX_MIME",
    "YES",
    "CellError",
    "Column",
    "ColumnSet",
    "ImportRefused",
    "ImportResult",
    "Issue",
    "Parser",
    "Row",
    "RowOutcome",
    "SheetImporter",
    "Table",
    "TableFormats",
    "cell_text",
    "check_constraints",
    "check_file",
    "check_size",
    "check_upload",
    "check_xlsx_extent",
    "choice_parser",
    "decode_csv",
    "export_filename",
    "export_word",
    "extension_of",
    "first_words",
    "header_formats",
    "new_workbook",
    "normalise_header",
    "offer_choices",
    "parse_bool",
    "parse_date",
    "parse_decimal",
    "parse_text",
    "parse_upper",
    "print_layout",
    "read_csv",
    "read_table",
    "read_xlsx",
    "table_formats",
    "text_parser",
    "word",
    "write_value",
    "xlsx_response",
]
