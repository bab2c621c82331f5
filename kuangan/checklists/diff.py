"""What changed between two versions of a checklist: items added, removed and changed (matched
by their number), aspects added and removed, and changes of the template's own fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .exports import template_to_dict
from .models import ChecklistTemplate

ITEM_FIELDS = {
    "aspect": _("Aspect"),
    "content": _("What to check"),
    "method": _("Method and documents"),
    "basis": _("Basis"),
    "criteria": _("Major-hazard criteria"),
    "condition": _("Applicability condition"),
    "mine_kinds": _("Mine kinds"),
}
TEMPLATE_FIELDS = {"name": _("Name"), "family": _("Family"), "source_note": _("Source note")}


@dataclass
class ItemChange:
    code: str
    old: dict
    new: dict
    fields: list[str]

    def rows(self) -> list[tuple]:
        """(label, old value, new value) per changed field."""
        return [(ITEM_FIELDS[f], self.old[f], self.new[f]) for f in self.fields]


@dataclass
class TemplateDiff:
    old: ChecklistTemplate
    new: ChecklistTemplate
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    aspects_added: list[str] = field(default_factory=list)
    aspects_removed: list[str] = field(default_factory=list)
    template_changes: list[tuple] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.aspects_added
            or self.aspects_removed
            or self.template_changes
        )

    def summary(self) -> dict:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "aspects_added": len(self.aspects_added),
            "aspects_removed": len(self.aspects_removed),
        }


def _items(data: dict) -> dict[str, dict]:
    out = {}
    for aspect in data["aspects"]:
        for item in aspect["items"]:
            out[item["code"]] = {**item, "aspect": aspect["name"]}
    return out


def template_diff(old: ChecklistTemplate, new: ChecklistTemplate) -> TemplateDiff:
    a, b = template_to_dict(old), template_to_dict(new)
    diff = TemplateDiff(old=old, new=new)
    for key, label in TEMPLATE_FIELDS.items():
        if a[key] != b[key]:
            diff.template_changes.append((label, a[key], b[key]))
    old_aspects = [x["name"] for x in a["aspects"]]
    new_aspects = [x["name"] for x in b["aspects"]]
    diff.aspects_added = [n for n in new_aspects if n not in old_aspects]
    diff.aspects_removed = [n for n in old_aspects if n not in new_aspects]
    items_a, items_b = _items(a), _items(b)
    diff.added = [items_b[c] for c in items_b if c not in items_a]
    diff.removed = [items_a[c] for c in items_a if c not in items_b]
    for code, item in items_b.items():
        if code not in items_a:
            continue
        before = items_a[code]
        fields = [f for f in ITEM_FIELDS if before[f] != item[f]]
        if fields:
            diff.changed.append(ItemChange(code, before, item, fields))
    return diff
