"""Which checklist items a given mine gets: the current published checklist of its family,
filtered by each item's mine kinds and applicability condition. Works on a ``Mine`` or on any
object or dict with the same attribute names."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import conditions
from .choices import MineKind, family_of_kind
from .models import ChecklistItem, ChecklistTemplate


@dataclass
class ApplicableItem:
    item: ChecklistItem
    decided: bool = True  # False: a value the condition needs is unknown; confirm on site
    unknown: list[str] = field(default_factory=list)

    @property
    def unknown_labels(self) -> str:
        return "、".join(str(conditions.FIELDS[n].label) for n in self.unknown)


@dataclass
class Applicability:
    template: ChecklistTemplate
    items: list[ApplicableItem]
    excluded: int  # items of the template the mine does not get

    @property
    def undecided(self) -> int:
        return sum(1 for i in self.items if not i.decided)

    def by_aspect(self) -> list[tuple]:
        """[(aspect, [ApplicableItem, ...]), ...] in the template's order."""
        groups: dict[int, tuple] = {}
        for entry in self.items:
            aspect = entry.item.aspect
            groups.setdefault(aspect.pk, (aspect, []))[1].append(entry)
        return list(groups.values())


def current_template(kind: str, visible=None) -> ChecklistTemplate | None:
    """The checklist a mine of ``kind`` is inspected with: the latest published version of
    its family (``visible``: a queryset to pick from, e.g. the user's visible templates)."""
    family = family_of_kind(kind)
    if family is None:
        return None
    qs = ChecklistTemplate.objects.all() if visible is None else visible
    return qs.published().filter(family=family).order_by("-published_at", "-pk").first()


def kind_of(mine) -> str:
    return conditions.value_of(mine, "kind") or ""


def applies_to_kind(item: ChecklistItem, kind: str) -> bool:
    return not item.mine_kinds or kind in item.mine_kinds


def applicable_items(template: ChecklistTemplate, mine) -> Applicability:
    """The items of ``template`` that ``mine`` gets, in order; an item whose condition cannot be
    decided (unknown values) is kept and marked."""
    kind = kind_of(mine)
    if kind not in template.kinds:
        raise ValidationError(
            _("The checklist “%(template)s” is not meant for a %(kind)s.")
            % {
                "template": template,
                "kind": MineKind(kind).label if kind in MineKind.values else kind or "?",
            }
        )
    items = (
        template.items.select_related("aspect")
        .prefetch_related("criteria__standard")
        .order_by("aspect__order", "order")
    )
    result: list[ApplicableItem] = []
    excluded = 0
    for item in items:
        if not applies_to_kind(item, kind):
            excluded += 1
            continue
        verdict = conditions.evaluate(item.condition, mine)
        if verdict is False:
            excluded += 1
            continue
        result.append(
            ApplicableItem(
                item=item,
                decided=verdict is True,
                unknown=conditions.unknown_fields(item.condition, mine) if verdict is None else [],
            )
        )
    return Applicability(template=template, items=result, excluded=excluded)
