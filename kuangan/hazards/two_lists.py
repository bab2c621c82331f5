"""The mine's two lists (两个清单): one workbook with the hazard list (问题隐患清单) and the risk
list (风险管控清单) of one mine, in a formal ledger layout to print and sign.

Notice, 企业全面自查自改阶段: “形成问题隐患、风险管控‘两个清单’，编制自查自改报告”.

Each sheet: a title row and an information row merged across the table, a two-level header
(the 五落实 and the control responsibility grouped), borders, frozen header, the header rows
repeated on every printed page, A4 landscape fitted to the page width, page numbers in the
footer, a summary row and a signature line."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.spreadsheets import new_workbook, print_layout, table_formats, xlsx_response

from .choices import RISK_LEVEL_ORDER, HazardLevel, HazardStatus, RiskLevel
from .models import Hazard, RiskItem

# The four risk colours (fill, text), the choices' own (as kuangan.css: risk-red, ...).
RISK_COLOURS = {level: RiskLevel.hex(level) for level in RiskLevel}


@dataclass(frozen=True)
class Head:
    label: str
    width: float
    group: str = ""  # the upper header cell spanning the columns of one group


def _hazard_heads() -> list[Head]:
    five = _("Rectification (五落实)")
    return [
        Head(_("No."), 5),
        Head(_("Hazard number"), 18),
        Head(_("Hazard description"), 34),
        Head(_("Location in the mine"), 16),
        Head(_("Level"), 10),
        Head(_("Major-hazard criterion"), 22),
        Head(_("Source"), 11),
        Head(_("Found on"), 11),
        Head(_("Responsible person"), 10, five),
        Head(_("Rectification measures"), 28, five),
        Head(_("Funds (yuan)"), 11, five),
        Head(_("Rectification deadline"), 11, five),
        Head(_("Contingency plan"), 18, five),
        Head(_("Status"), 10),
        Head(_("Overdue"), 7),
        Head(_("Closed on"), 11),
        Head(_("Accepted by"), 10),
        Head(_("Listed supervision"), 16),
    ]


def _risk_heads() -> list[Head]:
    duty = _("Control responsibility")
    return [
        Head(_("No."), 5),
        Head(_("Risk number"), 18),
        Head(_("Risk point or location"), 20),
        Head(_("Hazard type"), 12),
        Head(_("Risk description"), 36),
        Head(_("Risk level"), 12),
        Head(_("Control measures"), 40),
        Head(_("Person responsible for control"), 12, duty),
        Head(_("Control level"), 10, duty),
        Head(_("Review date"), 12),
    ]


def _person(user) -> str:
    if user is None:
        return ""
    return getattr(user, "real_name", "") or user.get_full_name() or user.get_username()


def hazard_rows(hazards) -> list[list[Any]]:
    today = timezone.localdate()
    rows = []
    for n, h in enumerate(hazards, start=1):
        listing = ""
        if h.listing_no:
            listing = h.listing_no
            if h.delisted_on:
                listing += " " + _("(delisted %(date)s)") % {"date": h.delisted_on.isoformat()}
        rows.append(
            [
                n,
                h.code,
                h.description,
                h.location,
                h.get_level_display(),
                f"{h.criterion.code} {h.criterion.wording}" if h.criterion_id else "",
                h.get_source_display(),
                h.found_on,
                h.responsible_person,
                h.measures,
                h.funds,
                h.deadline,
                h.contingency_plan,
                h.get_status_display(),
                _("Yes") if h.overdue_on(today) else _("No"),
                timezone.localdate(h.closed_at) if h.closed_at else None,
                _person(h.accepted_by),
                listing,
            ]
        )
    return rows


def risk_rows(risks) -> list[list[Any]]:
    return [
        [
            n,
            r.code,
            r.location,
            r.get_hazard_type_display(),
            r.description,
            r.get_level_display(),
            r.control_measures,
            r.responsible_person,
            r.get_responsible_level_display(),
            r.review_on,
        ]
        for n, r in enumerate(risks, start=1)
    ]


class _Formats:
    def __init__(self, book):
        base = {"font_name": "SimSun", "font_size": 10, "valign": "vcenter"}
        self.title = book.add_format(
            {**base, "bold": True, "font_size": 18, "align": "center", "font_name": "SimHei"}
        )
        self.info = book.add_format({**base, "align": "left"})
        table = table_formats(book, {"font_name": "SimSun", "font_size": 10})
        self.head, self.cell, self.center = table.head, table.cell, table.centre
        self.date = book.add_format(
            {**base, "border": 1, "num_format": "yyyy-mm-dd", "align": "center", "valign": "top"}
        )
        self.money = book.add_format(
            {**base, "border": 1, "num_format": "#,##0.00", "valign": "top"}
        )
        self.closed = book.add_format(
            {
                **base,
                "border": 1,
                "align": "center",
                "valign": "top",
                "font_color": HazardStatus.hex(HazardStatus.CLOSED)[0],
            }
        )
        self.major = book.add_format(
            {
                **base,
                "border": 1,
                "align": "center",
                "valign": "top",
                "font_color": HazardLevel.hex(HazardLevel.MAJOR)[0],
            }
        )
        self.summary = book.add_format({**base, "bold": True})
        self.sign = book.add_format({**base, "font_size": 11})
        self.risk = {
            level: book.add_format(
                {
                    **base,
                    "border": 1,
                    "align": "center",
                    "valign": "top",
                    "bold": True,
                    "bg_color": bg,
                    "font_color": fg,
                }
            )
            for level, (bg, fg) in RISK_COLOURS.items()
        }


def _sheet(book, fmt: _Formats, *, name, title, info, heads, rows, summary, styles=None) -> None:
    """One formal ledger sheet. ``styles(row, col, value)`` may return a format for a cell."""
    sheet = book.add_worksheet(name)
    last = len(heads) - 1
    sheet.set_row(0, 32)
    sheet.merge_range(0, 0, 0, last, title, fmt.title)
    sheet.set_row(1, 20)
    sheet.merge_range(1, 0, 1, last, info, fmt.info)
    # Two header rows: a grouped column has its group above it; the others span both rows.
    col = 0
    while col <= last:
        head = heads[col]
        if head.group:
            end = col
            while end + 1 <= last and heads[end + 1].group == head.group:
                end += 1
            if end > col:
                sheet.merge_range(2, col, 2, end, head.group, fmt.head)
            else:
                sheet.write_string(2, col, head.group, fmt.head)
            for c in range(col, end + 1):
                sheet.write_string(3, c, heads[c].label, fmt.head)
            col = end + 1
        else:
            sheet.merge_range(2, col, 3, col, head.label, fmt.head)
            col += 1
    for c, head in enumerate(heads):
        sheet.set_column(c, c, head.width)
    sheet.set_row(2, 22)
    sheet.set_row(3, 22)
    r = 4
    for values in rows:
        for c, value in enumerate(values):
            style = styles(c, value) if styles else None
            if value is None or value == "":
                sheet.write_blank(r, c, None, style or fmt.cell)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), style or fmt.date)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, style or fmt.center)
            elif hasattr(value, "as_tuple"):  # Decimal
                sheet.write_number(r, c, float(value), style or fmt.money)
            else:
                sheet.write_string(r, c, str(value), style or fmt.cell)
        r += 1
    if not rows:
        sheet.merge_range(r, 0, r, last, _("(none)"), fmt.center)
        r += 1
    sheet.merge_range(r, 0, r, last, summary, fmt.summary)
    sheet.set_row(r + 2, 24)
    sheet.merge_range(
        r + 2,
        0,
        r + 2,
        last,
        _(
            "Compiled by: ____________        Principal (signature): ____________        "
            "Date: ____ year __ month __ day"
        ),
        fmt.sign,
    )
    sheet.freeze_panes(4, 2)
    sheet.center_horizontally()
    print_layout(sheet, repeat_rows=(2, 3), last_row=r + 2, last_col=last)


def two_lists_workbook(*, user, mine) -> tuple[bytes, dict[str, int]]:
    """The workbook of ``mine``'s two lists as ``user`` may see them, and the row counts."""
    hazards = list(
        Hazard.objects.visible_to(user)
        .filter(mine=mine)
        .select_related("criterion", "accepted_by")
        .order_by("found_on", "code")
    )
    order = {level: n for n, level in enumerate(RISK_LEVEL_ORDER)}
    risks = sorted(
        RiskItem.objects.visible_to(user).filter(mine=mine),
        key=lambda r: (order.get(r.level, 9), r.code),
    )
    today = timezone.localdate()
    info = _(
        "Enterprise: %(enterprise)s    Mine code: %(code)s    Location: %(region)s    "
        "As of: %(date)s"
    ) % {
        "enterprise": mine.enterprise.name,
        "code": mine.code,
        "region": "".join(r.name for r in mine.region.ancestors()),
        "date": today.isoformat(),
    }
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    book.set_properties({"title": _("Two lists of %(mine)s") % {"mine": mine.name}})
    fmt = _Formats(book)
    closed_label = str(HazardStatus.CLOSED.label)
    major_label = str(HazardLevel.MAJOR.label)

    def hazard_style(col: int, value):
        if col == 13 and value == closed_label:
            return fmt.closed
        if col == 4 and value == major_label:
            return fmt.major
        if col in (4, 6, 13, 14):
            return fmt.center
        return None

    major = sum(1 for h in hazards if h.level == HazardLevel.MAJOR)
    closed = sum(1 for h in hazards if h.status == HazardStatus.CLOSED)
    _sheet(
        book,
        fmt,
        name=_("Hazard list"),
        title=_("%(mine)s: list of problems and hazards") % {"mine": mine.name},
        info=info,
        heads=_hazard_heads(),
        rows=hazard_rows(hazards),
        summary=_(
            "%(total)d hazards, of which %(major)d major; %(closed)d closed, %(open)d not closed."
        )
        % {
            "total": len(hazards),
            "major": major,
            "closed": closed,
            "open": len(hazards) - closed,
        },
        styles=hazard_style,
    )
    level_label = {str(RiskLevel(level).label): level for level in RiskLevel.values}

    def risk_style(col: int, value):
        if col == 5 and value in level_label:
            return fmt.risk[level_label[value]]
        if col in (3, 8):
            return fmt.center
        return None

    counts = {level: sum(1 for r in risks if r.level == level) for level in RiskLevel.values}
    _sheet(
        book,
        fmt,
        name=_("Risk list"),
        title=_("%(mine)s: list of safety risks and their control") % {"mine": mine.name},
        info=info,
        heads=_risk_heads(),
        rows=risk_rows(risks),
        summary=_(
            "%(total)d risks: %(red)d major (red), %(orange)d significant (orange), "
            "%(yellow)d general (yellow), %(blue)d low (blue)."
        )
        % {"total": len(risks), **counts},
        styles=risk_style,
    )
    book.close()
    return buffer.getvalue(), {"hazards": len(hazards), "risks": len(risks)}


def two_lists_response(*, user, mine) -> HttpResponseBase:
    """The two lists as a download; the export is audited."""
    data, counts = two_lists_workbook(user=user, mine=mine)
    audit.record(
        actor=user,
        action=AuditAction.EXPORTED,
        obj=mine,
        changes={"two_lists": counts},
    )
    filename = _("%(mine)s two lists %(date)s.xlsx") % {
        "mine": mine.name,
        "date": timezone.localdate().strftime("%Y%m%d"),
    }
    return xlsx_response(data, filename, rows=f"{counts['hazards']},{counts['risks']}")
