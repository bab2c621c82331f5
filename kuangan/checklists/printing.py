"""The blank checklist of one mine, as an inspector takes it on site: a PDF (WeasyPrint, CJK
fonts from the system's fonts-noto-cjk) and an .xlsx in the formal ledger layout. Both list
exactly the mine's applicable items (``applicability.applicable_items``)."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core.spreadsheets import new_workbook, offer_choices, print_layout, table_formats

from .applicability import Applicability
from .choices import MineKind, family_of_kind
from .models import chinese_number


def columns() -> list[str]:
    return [
        _("No."),
        _("What to check"),
        _("Inspection method"),
        _("Basis"),
        _("Major-hazard clause"),
        _("Result (compliant / non-compliant / not applicable)"),
        _("Problem found"),
    ]


def result_choices() -> list[str]:
    return [_("Compliant"), _("Non-compliant"), _("Not applicable")]


def criteria_text(item) -> str:
    """“是：COAL2020-08-01 第八条第（一）项” or “否”."""
    criteria = list(item.criteria.all())
    if not criteria:
        return _("No")
    return _("Yes: %(clauses)s") % {
        "clauses": "；".join(f"{c.code} {c.clause}" for c in criteria),
    }


def mine_facts(mine) -> list[tuple[str, str]]:
    kind = getattr(mine, "kind", "")
    enterprise = getattr(mine, "enterprise", None)
    region = getattr(mine, "region", None)
    return [
        (_("Mine"), str(getattr(mine, "name", ""))),
        (_("Mine code"), str(getattr(mine, "code", ""))),
        (_("Enterprise"), str(enterprise or "")),
        (_("Region"), str(region or "")),
        (_("Mine kind"), str(MineKind(kind).label) if kind in MineKind.values else kind),
    ]


def context(applicability: Applicability, mine) -> dict:
    groups = []
    for n, (aspect, entries) in enumerate(applicability.by_aspect(), start=1):
        groups.append(
            {
                "number": chinese_number(n),
                "aspect": aspect,
                "rows": [
                    {
                        "item": e.item,
                        "criteria": criteria_text(e.item),
                        "undecided": not e.decided,
                        "unknown": e.unknown_labels,
                    }
                    for e in entries
                ],
            }
        )
    return {
        "template": applicability.template,
        "mine": mine,
        "facts": mine_facts(mine),
        "groups": groups,
        "count": len(applicability.items),
        "undecided": applicability.undecided,
        "columns": columns(),
        "results": result_choices(),
        "printed_at": timezone.localtime(),
        "family_ok": family_of_kind(getattr(mine, "kind", "")) == applicability.template.family,
    }


def render_pdf(applicability: Applicability, mine) -> bytes:
    from weasyprint import HTML

    html = render_to_string("checklists/print_checklist.html", context(applicability, mine))
    return HTML(string=html).write_pdf()


def render_xlsx(applicability: Applicability, mine) -> bytes:
    ctx = context(applicability, mine)
    template = applicability.template
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    font = {"font_name": "宋体", "font_size": 10}
    title = book.add_format(
        {**font, "bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
    )
    info = book.add_format({**font, "valign": "vcenter"})
    table = table_formats(book, font)
    head, cell, centre = table.head, table.cell, table.centre
    aspect_fmt = book.add_format(
        {**font, "bold": True, "border": 1, "bg_color": "#F2F2F2", "valign": "vcenter"}
    )
    major = book.add_format(
        {**font, "border": 1, "text_wrap": True, "valign": "top", "font_color": "#C00000"}
    )
    sign = book.add_format({**font, "valign": "bottom"})

    sheet = book.add_worksheet(_("Checklist")[:31])
    widths = [7, 46, 30, 30, 22, 16, 30]
    for c, w in enumerate(widths):
        sheet.set_column(c, c, w)
    last = len(widths) - 1
    sheet.set_row(0, 30)
    sheet.merge_range(0, 0, 0, last, template.name, title)
    facts = "　".join(f"{label}：{value}" for label, value in ctx["facts"])
    sheet.merge_range(1, 0, 1, last, facts, info)
    summary = _(
        "Checklist version %(version)s · %(count)s applicable items (%(undecided)s to confirm "
        "on site) · Date of inspection: ____-__-__ · Inspectors: __________"
    ) % {"version": template.version, "count": ctx["count"], "undecided": ctx["undecided"]}
    sheet.merge_range(2, 0, 2, last, summary, info)
    header_row = 3
    sheet.set_row(header_row, 32)
    for c, label in enumerate(ctx["columns"]):
        sheet.write_string(header_row, c, label, head)
    row = header_row + 1
    choices = ctx["results"]
    for group in ctx["groups"]:
        label = f"{group['number']}、{group['aspect'].name}（{len(group['rows'])}）"
        sheet.merge_range(row, 0, row, last, label, aspect_fmt)
        row += 1
        for entry in group["rows"]:
            item = entry["item"]
            content = item.content
            if entry["undecided"]:
                content += "\n" + _("[To confirm on site: %(fields)s unknown]") % {
                    "fields": entry["unknown"]
                }
            sheet.write_string(row, 0, item.code, centre)
            sheet.write_string(row, 1, content, cell)
            sheet.write_string(row, 2, item.method, cell)
            sheet.write_string(row, 3, item.basis, cell)
            sheet.write_string(row, 4, entry["criteria"], major if item.criteria.all() else cell)
            sheet.write_blank(row, 5, None, centre)
            sheet.write_blank(row, 6, None, cell)
            offer_choices(sheet, row, 5, row, choices)
            row += 1
    row += 1
    sheet.merge_range(
        row,
        0,
        row,
        last,
        _(
            "Inspectors (signature):                    Person in charge of the mine (signature):                    Date:"
        ),
        sign,
    )
    sheet.freeze_panes(header_row + 1, 0)
    sheet.set_header(f"&L&8{template.name}&R&8{getattr(mine, 'name', '')}")
    print_layout(
        sheet,
        repeat_rows=(header_row, header_row),
        last_row=row,
        last_col=last,
        footer_font_size=8,
    )
    book.close()
    return buffer.getvalue()
