"""The example checklists shipped with the application (data/templates/*.yaml): written by us,
marked 示例, published by a data migration so that a fresh database has a checklist for every
mine kind until the official tables are imported."""

from __future__ import annotations

from pathlib import Path

from . import imports
from .choices import TemplateStatus

DATA_DIR = Path(__file__).resolve().parent / "data" / "templates"


def files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.yaml"))


def parse_all(criterion_model) -> list[imports.ParsedTemplate]:
    """The parsed example templates, checked against the criteria in the database."""
    ctx = imports.Context(
        criteria={
            code: _kinds(kinds)
            for code, kinds in criterion_model.objects.values_list("code", "mine_kinds")
        }
    )
    parsed: list[imports.ParsedTemplate] = []
    for path in files():
        parsed.extend(imports.parse_yaml(path.read_bytes(), ctx))
    return parsed


def _kinds(value) -> list[str]:
    if isinstance(value, list):
        return value
    return [k for k in (value or "").split(",") if k]


def load(*, template_model, aspect_model, item_model, criterion_model, published_at) -> list:
    """Create the example templates whose version is not there yet, published. A newer
    version of an example (issue 11 rewrote them as version 2) retires the published one
    before it, as publishing does: one current version per code. Inspections keep the
    version they were run on."""
    created = []
    for parsed in parse_all(criterion_model):
        series = template_model.objects.filter(code=parsed.code)
        if series.filter(version__gte=parsed.version).exists():
            continue
        published = list(series.filter(status=TemplateStatus.PUBLISHED).order_by("-version"))
        previous = published[0] if published else None
        for old in published:  # a retirement changes only the retirement fields
            old.status = TemplateStatus.RETIRED
            old.retired_at = published_at
            old.save(update_fields=["status", "retired_at"])
        created.append(
            imports.write_template(
                parsed,
                template_model=template_model,
                aspect_model=aspect_model,
                item_model=item_model,
                criterion_model=criterion_model,
                status=TemplateStatus.PUBLISHED,
                published_at=published_at,
                based_on=previous,
            )
        )
    return created
