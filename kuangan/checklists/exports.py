"""Writing checklist templates to YAML and .xlsx (the same formats ``imports`` reads: an export
imported again gives the same template)."""

from __future__ import annotations

import io
from collections.abc import Iterable

import yaml
from django.http import HttpResponse

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.spreadsheets import XLSX_MIME, new_workbook
from kuangan.core.views import file_response

from . import conditions
from .choices import ChecklistFamily, MineKind
from .imports import ITEM_COLUMNS, META_COLUMNS, META_SHEET, chinese_label
from .models import ChecklistTemplate

FORMAT = "kuangan-checklist/1"


def template_to_dict(template: ChecklistTemplate) -> dict:
    """The canonical form of a template (the same as ``ParsedTemplate.to_dict``)."""
    aspects = []
    items_by_aspect: dict[int, list] = {}
    for item in template.items.order_by("aspect__order", "order").prefetch_related("criteria"):
        items_by_aspect.setdefault(item.aspect_id, []).append(
            {
                "code": str(item.code),
                "content": str(item.content),
                "method": str(item.method),
                "basis": str(item.basis),
                "criteria": sorted(c.code for c in item.criteria.all()),
                "condition": item.condition or {},
                "mine_kinds": list(item.mine_kinds),
            }
        )
    for aspect in template.aspects.order_by("order"):
        aspects.append({"name": aspect.name, "items": items_by_aspect.get(aspect.pk, [])})
    return {
        "code": str(template.code),
        "family": str(template.family),
        "name": str(template.name),
        "version": int(template.version),
        "source_note": str(template.source_note),
        "aspects": aspects,
    }


def _compact(data: dict) -> dict:
    """Leave out empty optional keys of items (the reader defaults them)."""
    out = {k: v for k, v in data.items() if k != "aspects"}
    out["aspects"] = [
        {
            "name": a["name"],
            "items": [
                {k: v for k, v in item.items() if v or k in ("code", "content")}
                for item in a["items"]
            ],
        }
        for a in data["aspects"]
    ]
    return out


def export_yaml(templates: Iterable[ChecklistTemplate]) -> bytes:
    body = yaml.safe_dump(
        {"format": FORMAT, "templates": [_compact(template_to_dict(t)) for t in templates]},
        allow_unicode=True,
        sort_keys=False,
        width=1000,
    )
    header = "# 矿安 Kuang'an checklist export (YAML). Import with: kuangan import-checklist FILE\n"
    return (header + body).encode("utf-8")


def _sheet_name(code: str, used: set[str]) -> str:
    base = "".join(ch for ch in code if ch not in "[]:*?/\\")[:28] or "checklist"
    name, n = base, 1
    while name in used or name == META_SHEET:
        n += 1
        name = f"{base[:26]}-{n}"
    used.add(name)
    return name


def export_xlsx(templates: Iterable[ChecklistTemplate]) -> bytes:
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, in_memory=True)
    title_fmt = workbook.add_format({"bold": True, "font_size": 14})
    head_fmt = workbook.add_format(
        {"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    cell_fmt = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})

    templates = list(templates)
    meta = workbook.add_worksheet(META_SHEET)
    meta.write_string(0, 0, META_SHEET, title_fmt)
    for c, title in enumerate(META_COLUMNS.values()):
        meta.write_string(1, c, title, head_fmt)
    meta.set_column(0, 1, 28)
    meta.set_column(2, 2, 14)
    meta.set_column(3, 3, 40)
    meta.set_column(4, 4, 8)
    meta.set_column(5, 5, 60)
    used: set[str] = set()
    widths = [14, 8, 50, 36, 30, 22, 30, 18]
    for r, template in enumerate(templates, start=2):
        data = template_to_dict(template)
        sheet_name = _sheet_name(template.code, used)
        row = [
            sheet_name,
            data["code"],
            chinese_label(ChecklistFamily, data["family"]),
            data["name"],
            str(data["version"]),
            data["source_note"],
        ]
        for c, value in enumerate(row):
            meta.write_string(r, c, value, cell_fmt)
        sheet = workbook.add_worksheet(sheet_name)
        sheet.write_string(0, 0, f"{data['name']}（{data['version']}）", title_fmt)
        for c, title in enumerate(ITEM_COLUMNS.values()):
            sheet.write_string(1, c, title, head_fmt)
            sheet.set_column(c, c, widths[c])
        sheet.freeze_panes(2, 0)
        line = 2
        for aspect in data["aspects"]:
            for item in aspect["items"]:
                values = [
                    aspect["name"],
                    item["code"],
                    item["content"],
                    item["method"],
                    item["basis"],
                    ", ".join(item["criteria"]),
                    conditions.to_text(item["condition"]),
                    "、".join(chinese_label(MineKind, k) for k in item["mine_kinds"]),
                ]
                for c, value in enumerate(values):
                    if value:
                        sheet.write_string(line, c, value, cell_fmt)
                    else:
                        sheet.write_blank(line, c, None, cell_fmt)
                line += 1
        sheet.autofilter(1, 0, max(line - 1, 1), len(ITEM_COLUMNS) - 1)
    workbook.close()
    return buffer.getvalue()


FORMATS = ("xlsx", "yaml")


def export_download(*, by: User, template: ChecklistTemplate, kind: str) -> HttpResponse:
    """The template in the import format ``kind`` (one of ``FORMATS``) as a download, for the
    page and the API alike; the export is recorded in the audit log."""
    audit.record(
        actor=by,
        action=AuditAction.EXPORTED,
        obj=template,
        changes={"format": kind},
        region=by.audit_region(),
    )
    name = f"{template.code}-v{template.version}.{kind}"
    if kind == "yaml":
        return file_response(export_yaml([template]), name, "application/yaml")
    return file_response(export_xlsx([template]), name, XLSX_MIME)
