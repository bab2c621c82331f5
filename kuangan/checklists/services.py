"""Workflows of the checklist library and the criteria catalogue. Each function checks the
permission, validates, saves and audits in one transaction. ``by=None`` is the command line
(a set-up action of the operator, audited without an actor).

Who may do what (see permissions.py): the provincial administrator drafts, imports, publishes
and retires checklists and loads new versions of a standard. Publishing changes what every
inspection in the province checks, so it stays with the one role accountable for the whole
province; nobody else publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kuangan.core import audit
from kuangan.core.choices import AuditAction
from kuangan.core.models import User
from kuangan.core.services import ensure_visible, lock, require_perm, transition

from . import catalogue, imports
from .choices import TemplateStatus
from .exports import template_to_dict
from .models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    HazardStandard,
    ImmutableError,
    MajorHazardCriterion,
)

MODELS: dict[str, type[models.Model]] = {
    "template_model": ChecklistTemplate,
    "aspect_model": ChecklistAspect,
    "item_model": ChecklistItem,
    "criterion_model": MajorHazardCriterion,
}


def _perm(by: User | None, perm: str, obj: models.Model | None = None) -> None:
    if by is not None:
        require_perm(by, perm, obj)


def _visible(by: User | None, obj: models.Model) -> None:
    if by is not None:
        ensure_visible(by, obj)


def _record(
    by: User | None, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> None:
    audit.record(
        actor=by,
        action=action,
        obj=obj,
        changes=changes,
        actor_repr=None if by is not None else "command line",
    )


def _locked(template: ChecklistTemplate) -> ChecklistTemplate:
    """The template re-read inside the transaction (its status may have changed)."""
    return lock(template)


def _require_draft(template: ChecklistTemplate) -> None:
    if template.status != TemplateStatus.DRAFT:
        raise ImmutableError()


# --- Criteria catalogue ---------------------------------------------------------------------


def hazard_standard_load(*, by: User | None, source: str | Path | bytes) -> HazardStandard:
    """Load a new version of a major-hazard standard from its data file (path or bytes).
    The previous version of the same family, if still open-ended, ends the day the new one
    takes effect. Refuses a code that is loaded already."""
    _perm(by, "checklists.add_hazardstandard")
    try:
        fields, criteria = catalogue.parse(catalogue.read(source))
    except catalogue.StandardFileError as exc:
        raise ValidationError(exc.errors) from None
    with transaction.atomic():
        try:
            standard: HazardStandard = catalogue.write_standard(
                fields,
                criteria,
                standard_model=HazardStandard,
                criterion_model=MajorHazardCriterion,
            )
        except catalogue.StandardFileError as exc:
            raise ValidationError(exc.errors) from None
        _record(
            by,
            AuditAction.IMPORTED,
            standard,
            {"criteria": len(criteria), "effective_from": str(standard.effective_from)},
        )
    return standard


# --- Import ---------------------------------------------------------------------------------


def import_context(*, as_new_version: bool = False) -> imports.Context:
    versions = ChecklistTemplate.objects.values_list("code", "version", "status")
    latest: dict[str, int] = {}
    for code, version, _status in versions:
        latest[code] = max(latest.get(code, 0), version)
    return imports.Context(
        criteria={
            code: MajorHazardCriterion._meta.get_field("mine_kinds").normalise(kinds)
            for code, kinds in MajorHazardCriterion.objects.values_list("code", "mine_kinds")
        },
        existing_versions={(c, v) for c, v, _s in versions},
        draft_codes={c for c, _v, s in versions if s == TemplateStatus.DRAFT},
        latest_versions=latest,
        as_new_version=as_new_version,
    )


def checklist_import_preview(
    *, filename: str, content: bytes, as_new_version: bool = False
) -> list[imports.ParsedTemplate]:
    """Parse and check a file without writing anything; ``ImportFailed`` lists the errors."""
    return imports.parse_file(filename, content, import_context(as_new_version=as_new_version))


def checklist_import(
    *, by: User | None, filename: str, content: bytes, as_new_version: bool = False
) -> list[ChecklistTemplate]:
    """Import every checklist of a file as a draft version, or nothing at all."""
    _perm(by, "checklists.import_checklisttemplate")
    created: list[ChecklistTemplate] = []
    with transaction.atomic():
        parsed = checklist_import_preview(
            filename=filename, content=content, as_new_version=as_new_version
        )
        for template_data in parsed:
            template = imports.write_template(
                template_data,
                status=TemplateStatus.DRAFT,
                created_by=by,
                **MODELS,
            )
            _visible(by, template)
            _record(
                by,
                AuditAction.IMPORTED,
                template,
                {
                    "file": filename[:200],
                    "version": template.version,
                    "aspects": len(template_data.aspects),
                    "items": template_data.item_count,
                },
            )
            created.append(template)
    return created


# --- Versions -------------------------------------------------------------------------------


def checklist_template_create(
    *, by: User | None, code: str, family: str, name: str, source_note: str = ""
) -> ChecklistTemplate:
    """Start a new checklist series: an empty draft, version 1."""
    _perm(by, "checklists.add_checklisttemplate")
    with transaction.atomic():
        if ChecklistTemplate.objects.filter(code=code).exists():
            raise ValidationError(
                {
                    "code": _(
                        "A checklist with this code exists already; create a new version of it."
                    )
                }
            )
        template = ChecklistTemplate(
            code=code,
            family=family,
            name=name.strip(),
            source_note=source_note.strip(),
            version=1,
            created_by=by,
        )
        template.full_clean()
        template.save()
        _visible(by, template)
        _record(by, AuditAction.CREATED, template, audit.diff({}, audit.snapshot(template)))
    return template


def checklist_template_update(
    *, by: User | None, template: ChecklistTemplate, name: str, source_note: str
) -> ChecklistTemplate:
    _perm(by, "checklists.change_checklisttemplate", template)
    with transaction.atomic():
        template = _locked(template)
        _require_draft(template)
        before = audit.snapshot(template, ["name", "source_note"])
        template.name = name.strip()
        template.source_note = source_note.strip()
        template.full_clean()
        template.save()
        _visible(by, template)
        changes = audit.diff(before, audit.snapshot(template, ["name", "source_note"]))
        if changes:
            _record(by, AuditAction.UPDATED, template, changes)
    return template


def latest_version(code: str) -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(code=code).order_by("-version").first()


def checklist_draft_create(*, by: User | None, template: ChecklistTemplate) -> ChecklistTemplate:
    """Editing a published checklist: a new draft version, copied from the last version of the
    series (whichever version ``template`` is)."""
    _perm(by, "checklists.add_checklisttemplate", template)
    with transaction.atomic():
        source = latest_version(template.code) or template
        if source.status == TemplateStatus.DRAFT:
            raise ValidationError(
                _("Version %(version)s of this checklist is a draft already; edit that draft.")
                % {"version": source.version}
            )
        data = template_to_dict(source)
        data["version"] = source.version + 1
        parsed = imports.ParsedTemplate(
            code=data["code"],
            family=data["family"],
            name=data["name"],
            version=data["version"],
            source_note=data["source_note"],
            aspects=[
                imports.ParsedAspect(a["name"], [imports.ParsedItem(**i) for i in a["items"]])
                for a in data["aspects"]
            ],
        )
        draft: ChecklistTemplate = imports.write_template(
            parsed, status=TemplateStatus.DRAFT, created_by=by, based_on=source, **MODELS
        )
        _visible(by, draft)
        _record(
            by,
            AuditAction.CREATED,
            draft,
            audit.added({"copied_from": source.pk, "version": draft.version}),
        )
    return draft


def checklist_draft_discard(*, by: User | None, template: ChecklistTemplate) -> None:
    _perm(by, "checklists.delete_checklisttemplate", template)
    with transaction.atomic():
        template = _locked(template)
        _require_draft(template)
        _record(
            by,
            AuditAction.DELETED,
            template,
            {"version": [template.version, None], "items": [template.items.count(), 0]},
        )
        template.delete()


def publish_problems(template: ChecklistTemplate) -> list[str]:
    """Why a draft cannot be published (empty when it can)."""
    ctx = import_context()
    ctx.existing_versions = set()
    ctx.draft_codes = set()
    return [str(e) for e in imports.check_dict(template_to_dict(template), ctx)]


def _status_change(before: str, after: str, **extra: object) -> Callable[[dict, Any], dict]:
    """The audit record of a template's change of status (as the ledger's history reads it)."""
    return lambda _before, _current: {"status": [before, after], **extra}


def checklist_publish(*, by: User | None, template: ChecklistTemplate) -> ChecklistTemplate:
    """Draft → published. The version published before it is retired: one current version."""
    _perm(by, "checklists.publish_checklisttemplate", template)

    def guard(current: ChecklistTemplate) -> None:
        if current.status != TemplateStatus.DRAFT:
            raise ValidationError(_("Only a draft can be published."))
        problems = publish_problems(current)
        if problems:
            raise ValidationError(problems)

    actor_repr = None if by is not None else "command line"
    with transaction.atomic():
        now = timezone.now()
        previous = ChecklistTemplate.objects.filter(
            code=template.code, status=TemplateStatus.PUBLISHED
        ).first()
        with transition(
            template,
            by=by,
            to=TemplateStatus.PUBLISHED,
            guard=guard,
            changes=_status_change(TemplateStatus.DRAFT, TemplateStatus.PUBLISHED),
            recheck=by is not None,
            actor_repr=actor_repr,
        ) as current:
            if previous is not None and previous.pk != current.pk:
                with transition(
                    previous,
                    by=by,
                    to=TemplateStatus.RETIRED,
                    changes=_status_change(
                        TemplateStatus.PUBLISHED,
                        TemplateStatus.RETIRED,
                        replaced_by=current.version,
                    ),
                    recheck=False,
                    actor_repr=actor_repr,
                ) as retiring:
                    retiring.retired_at = now
                    retiring.retired_by = by
            current.published_at = now
            current.published_by = by
    return template


def checklist_retire(*, by: User | None, template: ChecklistTemplate) -> ChecklistTemplate:
    """Published → retired: no new inspection uses it; past inspections keep it."""
    _perm(by, "checklists.publish_checklisttemplate", template)

    def guard(current: ChecklistTemplate) -> None:
        if current.status != TemplateStatus.PUBLISHED:
            raise ValidationError(_("Only a published version can be retired."))

    with transition(
        template,
        by=by,
        to=TemplateStatus.RETIRED,
        guard=guard,
        changes=_status_change(TemplateStatus.PUBLISHED, TemplateStatus.RETIRED),
        recheck=by is not None,
        actor_repr=None if by is not None else "command line",
    ) as current:
        current.retired_at = timezone.now()
        current.retired_by = by
    return template


# --- Editing a draft ------------------------------------------------------------------------


def checklist_aspect_save(
    *,
    by: User | None,
    template: ChecklistTemplate,
    name: str,
    aspect: ChecklistAspect | None = None,
) -> ChecklistAspect:
    """Add an aspect at the end of a draft, or rename one."""
    _perm(by, "checklists.change_checklisttemplate", template)
    with transaction.atomic():
        template = _locked(template)
        _require_draft(template)
        name = name.strip()
        if not name:
            raise ValidationError({"name": _("The aspect name is required.")})
        clash = template.aspects.filter(name=name)
        if aspect is not None:
            clash = clash.exclude(pk=aspect.pk)
        if clash.exists():
            raise ValidationError({"name": _("This checklist has an aspect of that name already.")})
        if aspect is None:
            top = template.aspects.aggregate(m=Max("order"))["m"] or 0
            aspect = ChecklistAspect(template=template, order=top + 1, name=name)
            before: dict[str, Any] = {}
        else:
            before = {"name": aspect.name}
            aspect.name = name
        aspect.save()
        _record(by, AuditAction.UPDATED, template, {"aspect": [before.get("name"), name]})
    return aspect


def checklist_aspect_delete(*, by: User | None, aspect: ChecklistAspect) -> None:
    template = aspect.template
    _perm(by, "checklists.change_checklisttemplate", template)
    with transaction.atomic():
        template = _locked(template)
        _require_draft(template)
        count = aspect.items.count()
        aspect.delete()
        _record(by, AuditAction.UPDATED, template, {"aspect": [aspect.name, None], "items": count})


ITEM_FIELDS = ["aspect", "code", "content", "method", "basis", "condition", "mine_kinds"]


def checklist_item_save(
    *,
    by: User | None,
    template: ChecklistTemplate,
    aspect: ChecklistAspect,
    code: str,
    content: str,
    method: str = "",
    basis: str = "",
    criteria: Iterable[MajorHazardCriterion] = (),
    condition: dict[str, Any] | None = None,
    mine_kinds: Iterable[str] = (),
    item: ChecklistItem | None = None,
) -> ChecklistItem:
    """Add an item to a draft (at the end of its aspect) or change one."""
    _perm(by, "checklists.change_checklisttemplate", template)
    with transaction.atomic():
        template = _locked(template)
        _require_draft(template)
        if aspect.template_id != template.pk:
            raise ValidationError({"aspect": _("The aspect belongs to another template.")})
        code = code.strip()
        clash = template.items.filter(code=code)
        if item is not None:
            clash = clash.exclude(pk=item.pk)
        if clash.exists():
            raise ValidationError({"code": _("Another item of this checklist has this number.")})
        criteria = list(criteria)
        outside = [c.code for c in criteria if not set(c.mine_kinds) & set(template.kinds)]
        if outside:
            raise ValidationError(
                {
                    "criteria": _(
                        "The criterion “%(code)s” does not apply to the mines of this checklist."
                    )
                    % {"code": outside[0]}
                }
            )
        if item is None:
            top = aspect.items.aggregate(m=Max("order"))["m"] or 0
            item = ChecklistItem(template=template, aspect=aspect, order=top + 1)
            before: dict[str, Any] = {}
        else:
            before = audit.snapshot(item, ITEM_FIELDS)
            before["criteria"] = sorted(item.criteria.values_list("code", flat=True))
            if item.aspect_id != aspect.pk:
                top = aspect.items.aggregate(m=Max("order"))["m"] or 0
                item.order = top + 1
            item.aspect = aspect
        item.code = code
        item.content = content.strip()
        item.method = method.strip()
        item.basis = basis.strip()
        item.condition = condition or {}
        item.mine_kinds = list(mine_kinds)
        item.full_clean(exclude=["template", "order"])
        item.save()
        item.criteria.set(criteria)
        after = audit.snapshot(item, ITEM_FIELDS)
        after["criteria"] = sorted(c.code for c in criteria)
        changes = audit.diff(before, after)
        if changes:
            _record(by, AuditAction.UPDATED, template, {"item": item.code, **changes})
    return item


def checklist_item_delete(*, by: User | None, item: ChecklistItem) -> None:
    template = item.template
    _perm(by, "checklists.change_checklisttemplate", template)
    with transaction.atomic():
        template = _locked(template)
        _require_draft(template)
        item.delete()
        _record(by, AuditAction.UPDATED, template, {"item": [item.code, None]})


__all__ = [
    "checklist_aspect_delete",
    "checklist_aspect_save",
    "checklist_draft_create",
    "checklist_draft_discard",
    "checklist_import",
    "checklist_import_preview",
    "checklist_item_delete",
    "checklist_item_save",
    "checklist_publish",
    "checklist_retire",
    "checklist_template_create",
    "checklist_template_update",
    "hazard_standard_load",
]
