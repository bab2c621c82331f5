"""The blank checklist of one inspection as .xlsx (for work without network on site) and the
reading of the filled one back. The import goes through ``services.items_record_bulk``: all
rows or none."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kuangan.core.spreadsheets import new_workbook

from .choices import HazardLevel, Outcome
from .models import Inspection

# The words an inspector writes in the result column (Chinese as printed, and the codes).
OUTCOME_WORDS = {
    "符合": Outcome.COMPLIANT,
    "不符合": Outcome.NONCOMPLIANT,
    "不适用": Outcome.NOT_APPLICABLE,
    "未检查": Outcome.UNCHECKED,
    **{o.value: o.value for o in Outcome},
}
OUTCOME_TEXT = {
    Outcome.COMPLIANT: "符合",
    Outcome.NONCOMPLIANT: "不符合",
    Outcome.NOT_APPLICABLE: "不适用",
    Outcome.UNCHECKED: "",
}
LEVEL_WORDS = {
    "一般": HazardLevel.GENERAL,
    "重大": HazardLevel.MAJOR,
    "general": "general",
    "major": "major",
}
LEVEL_TEXT = {HazardLevel.GENERAL: "一般", HazardLevel.MAJOR: "重大", "": ""}
HEADERS = [
    ("item", "序号"),
    ("aspect", "检查方面"),
    ("content", "检查内容"),
    ("method", "检查方法"),
    ("basis", "检查依据"),
    ("criteria", "可判定的重大事故隐患"),
    ("outcome", "检查结果"),
    ("reason", "不适用原因"),
    ("hazard_level", "隐患等级"),
    ("criterion", "重大事故隐患判定条款"),
    ("note", "问题描述/备注"),
]
MARKER = "kuangan-inspection"


def checklist_xlsx(inspection: Inspection) -> bytes:
    """The inspection's applicable items with the current answers, ready to fill in."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, in_memory=True)
    sheet = workbook.add_worksheet("检查表")
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = workbook.add_format(
        {"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    fill = workbook.add_format({"border": 1, "bg_color": "#FFF8E1", "text_wrap": True})
    mine = inspection.mine
    sheet.merge_range(
        0,
        0,
        0,
        len(HEADERS) - 1,
        f"{mine.name}（{mine.code}）{inspection.get_kind_display()} · {inspection.template}",
        title,
    )
    # The second row identifies the inspection; the import checks it.
    sheet.write_string(1, 0, MARKER)
    sheet.write_number(1, 1, inspection.pk)
    sheet.write_string(1, 2, _("Fill in the yellow columns; do not change the item numbers."))
    for col, (_key, label) in enumerate(HEADERS):
        sheet.write_string(2, col, label, head)
    widths = [8, 14, 40, 24, 24, 24, 10, 16, 10, 16, 30]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(3, 0)
    results = inspection.results.select_related("item__aspect", "criterion").prefetch_related(
        "item__criteria"
    )
    row = 3
    for result in results.order_by("order"):
        item = result.item
        values = [
            item.code,
            item.aspect.name,
            item.content,
            item.method,
            item.basis,
            "；".join(c.code for c in item.criteria.all()),
        ]
        for col, value in enumerate(values):
            sheet.write_string(row, col, value or "", cell)
        answers = [
            OUTCOME_TEXT[result.outcome],
            result.reason,
            LEVEL_TEXT.get(result.hazard_level, ""),
            result.criterion.code if result.criterion_id else "",
            result.note,
        ]
        for col, value in enumerate(answers, start=len(values)):
            sheet.write_string(row, col, value or "", fill)
        row += 1
    if row > 3:
        sheet.data_validation(
            3, 6, row - 1, 6, {"validate": "list", "source": ["符合", "不符合", "不适用"]}
        )
        sheet.data_validation(3, 8, row - 1, 8, {"validate": "list", "source": ["一般", "重大"]})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(2)
    workbook.close()
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_checklist_xlsx(content: bytes, inspection: Inspection) -> list[dict]:
    """The answers of a filled checklist: rows with a result; errors name the row."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = workbook.get_sheet_by_index(0).to_python()
    except Exception as exc:  # noqa: BLE001 (any unreadable file is the same error to the user)
        raise ValidationError(_("The file is not a readable .xlsx workbook.")) from exc
    if len(rows) < 3 or _text(rows[1][0] if rows[1] else "") != MARKER:
        raise ValidationError(
            _("This is not a checklist downloaded from this system; download the blank one.")
        )
    if _text(rows[1][1]) != str(inspection.pk):
        raise ValidationError(
            _("This checklist belongs to inspection #%(other)s, not to this one.")
            % {"other": _text(rows[1][1])}
        )
    header = [_text(c) for c in rows[2]]
    index = {}
    for key, label in HEADERS:
        if label not in header:
            raise ValidationError(_("The column “%(col)s” is missing.") % {"col": label})
        index[key] = header.index(label)
    answers = []
    errors = {}
    for n, row in enumerate(rows[3:], start=4):
        cells = list(row) + [""] * (len(HEADERS) - len(row))
        code = _text(cells[index["item"]])
        word = _text(cells[index["outcome"]])
        if not code or not word:
            continue
        outcome = OUTCOME_WORDS.get(word)
        if outcome is None:
            errors[_("row %(n)d") % {"n": n}] = [
                _("Result “%(word)s” is not 符合, 不符合 or 不适用.") % {"word": word}
            ]
            continue
        level_word = _text(cells[index["hazard_level"]])
        level = LEVEL_WORDS.get(level_word, None if level_word else "")
        if level is None:
            errors[_("row %(n)d") % {"n": n}] = [
                _("Hazard level “%(word)s” is not 一般 or 重大.") % {"word": level_word}
            ]
            continue
        answers.append(
            {
                "item": code,
                "outcome": outcome,
                "reason": _text(cells[index["reason"]]),
                "hazard_level": level,
                "criterion": _text(cells[index["criterion"]]),
                "note": _text(cells[index["note"]]),
            }
        )
    if errors:
        raise ValidationError(errors)
    if not answers:
        raise ValidationError(_("The file contains no answered item."))
    return answers
