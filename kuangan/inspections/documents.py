"""Inspection reports as formal documents: .docx (python-docx, East Asian fonts set through
``w:eastAsia``) and .pdf (WeasyPrint, with the CJK fonts installed on the server)."""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core.text import clean_value

from . import services
from .choices import Outcome
from .models import Inspection

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BODY_FONT = "宋体"
TITLE_FONT = "黑体"


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def report_context(inspection: Inspection) -> dict:
    """Everything the report shows, as plain data."""
    mine = inspection.mine
    problems = []
    results = inspection.results.filter(outcome=Outcome.NONCOMPLIANT).select_related(
        "item__aspect", "criterion__standard"
    )
    for n, r in enumerate(results.order_by("order"), start=1):
        problems.append(
            {
                "no": n,
                "item": r.item.code,
                "aspect": r.item.aspect.name,
                "content": r.item.content,
                "basis": r.item.basis,
                "note": r.note,
                "level": r.get_hazard_level_display(),
                "criterion": r.criterion.citation if r.criterion_id else "",
                "disposal": r.get_disposal_display() if r.disposal else "",
                "disposal_note": r.disposal_note,
            }
        )
    report = getattr(inspection, "report", None) if not inspection.is_self else None
    self_report = getattr(inspection, "self_report", None) if inspection.is_self else None
    team = [str(m) for m in inspection.members.all()]
    title = (
        _("Self-inspection and self-correction report")
        if inspection.is_self
        else _("Inspection report")
    )
    return {
        "title": title,
        "kind": inspection.get_kind_display(),
        "mine": mine.name,
        "mine_code": mine.code,
        "enterprise": mine.enterprise.name,
        "region": " › ".join(r.name for r in mine.region.ancestors()),
        "checklist": str(inspection.template),
        "campaign": str(inspection.campaign or ""),
        "started": _date(inspection.started_at),
        "finished": _date(inspection.finished_at),
        "team": "、".join(team),
        "figures": services.figures(inspection),
        "problems": problems,
        "conclusion": report.conclusion if report else "",
        "recommendations": report.recommendations if report else "",
        "sent_on": _date(report.sent_on) if report else "",
        "sent_to": report.sent_to if report else "",
        "summary": self_report.summary if self_report else "",
        "rectification": self_report.rectification if self_report else "",
        "commitment": self_report.commitment if self_report else "",
        "signed_by": str(self_report.signed_by or "") if self_report else "",
        "signed_at": _date(self_report.signed_at) if self_report else "",
        "content_hash": self_report.content_hash if self_report else "",
        "generated": _date(timezone.now()),
    }


# --- .docx ------------------------------------------------------------------------------------


def _font(run, name: str = BODY_FONT, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    r_pr = run._element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = r_pr.makeelement(qn("w:rFonts"), {})
        r_pr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _para(doc, text: str, *, size: float = 12, bold: bool = False, align=None, font=BODY_FONT):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    _font(p.add_run(text), font, size, bold)
    return p


def report_docx(inspection: Inspection) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    ctx = clean_value(report_context(inspection))  # no character a .docx cannot hold
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.6))
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    from docx.oxml.ns import qn

    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _para(doc, ctx["title"], size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT)
    _para(
        doc,
        f"{ctx['mine']}（{ctx['mine_code']}）",
        size=16,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    rows = [
        (_("Enterprise"), ctx["enterprise"]),
        (_("Region"), ctx["region"]),
        (_("Kind"), ctx["kind"]),
        (_("Checklist"), ctx["checklist"]),
        (_("Campaign"), ctx["campaign"]),
        (_("Started"), ctx["started"]),
        (_("Finished"), ctx["finished"]),
        (_("Team"), ctx["team"]),
    ]
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        _font(cells[0].paragraphs[0].add_run(str(label)), bold=True, size=11)
        _font(cells[1].paragraphs[0].add_run(str(value or "")), size=11)
    f = ctx["figures"]
    _para(doc, _("1. Figures"), size=14, bold=True, font=TITLE_FONT)
    _para(
        doc,
        _(
            "Items checked: %(items)d; compliant: %(compliant)d; non-compliant: %(noncompliant)d "
            "(major hazards: %(major)d, general hazards: %(general)d); not applicable: %(na)d."
        )
        % {
            "items": f["items"],
            "compliant": f["compliant"],
            "noncompliant": f["noncompliant"],
            "major": f["major"],
            "general": f["general"],
            "na": f["not_applicable"],
        },
    )
    if ctx["summary"]:
        _para(doc, ctx["summary"])
    _para(doc, _("2. Problem list and disposal opinions"), size=14, bold=True, font=TITLE_FONT)
    if ctx["problems"]:
        headers = [_("No."), _("Item"), _("Problem"), _("Level"), _("Basis"), _("Disposal")]
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        for cell, label in zip(t.rows[0].cells, headers, strict=True):
            _font(cell.paragraphs[0].add_run(str(label)), bold=True, size=10.5)
        for p in ctx["problems"]:
            problem = p["content"] + (f"\n{p['note']}" if p["note"] else "")
            level = p["level"] + (f"\n{p['criterion']}" if p["criterion"] else "")
            disposal = p["disposal"] + (f"：{p['disposal_note']}" if p["disposal_note"] else "")
            values = [str(p["no"]), p["item"], problem, level, p["basis"], disposal]
            for cell, value in zip(t.add_row().cells, values, strict=True):
                _font(cell.paragraphs[0].add_run(value), size=10.5)
    else:
        _para(doc, _("No problem was found."))
    if ctx["rectification"]:
        _para(doc, _("Rectification status"), size=14, bold=True, font=TITLE_FONT)
        _para(doc, ctx["rectification"])
    if not inspection.is_self:
        _para(doc, _("3. Conclusion and recommendations"), size=14, bold=True, font=TITLE_FONT)
        _para(doc, ctx["conclusion"] or "—")
        _para(doc, ctx["recommendations"] or "—")
        if ctx["sent_on"]:
            _para(
                doc,
                _("Sent to %(to)s on %(on)s.") % {"to": ctx["sent_to"], "on": ctx["sent_on"]},
            )
    if ctx["commitment"]:
        doc.add_page_break()
        for line in ctx["commitment"].split("\n"):
            _para(doc, line, size=14 if line == ctx["commitment"].split("\n")[0] else 12)
        if ctx["signed_at"]:
            _para(
                doc,
                _("Signed by %(who)s at %(at)s; content SHA-256 %(hash)s")
                % {"who": ctx["signed_by"], "at": ctx["signed_at"], "hash": ctx["content_hash"]},
                size=9,
            )
    _para(doc, _("Generated %(at)s") % {"at": ctx["generated"]}, size=9)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --- .pdf -------------------------------------------------------------------------------------


def report_pdf(inspection: Inspection) -> bytes:
    from weasyprint import HTML

    html = render_to_string("inspections/report_pdf.html", {"r": report_context(inspection)})
    return HTML(string=html).write_pdf()
