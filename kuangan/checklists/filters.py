"""FilterSets of the checklist library and the criteria catalogue, shared by the ledgers and
the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuangan.core.filters import IdFilter

from .choices import ChecklistFamily, MineKind, StandardFamily, StandardPart, TemplateStatus
from .models import (
    ChecklistAspect,
    ChecklistItem,
    ChecklistTemplate,
    HazardStandard,
    MajorHazardCriterion,
    kinds_q,
)


class ChecklistTemplateFilterSet(django_filters.FilterSet):
    family = django_filters.ChoiceFilter(label=_("Family"), choices=ChecklistFamily.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=TemplateStatus.choices)
    code = django_filters.CharFilter(label=_("Code"))

    class Meta:
        model = ChecklistTemplate
        fields = ["family", "status", "code"]


class ChecklistAspectFilterSet(django_filters.FilterSet):
    template = IdFilter(label=_("Checklist version (id)"))

    class Meta:
        model = ChecklistAspect
        fields = ["template"]


class ChecklistItemFilterSet(django_filters.FilterSet):
    template = IdFilter(label=_("Checklist version (id)"))
    aspect = IdFilter(label=_("Aspect (id)"))
    criterion = django_filters.CharFilter(
        label=_("Criterion code"), field_name="criteria__code", distinct=True
    )
    has_criteria = django_filters.BooleanFilter(
        label=_("Linked to major-hazard criteria"), method="filter_has_criteria"
    )
    mine_kind = django_filters.ChoiceFilter(
        label=_("Mine kind"), choices=MineKind.choices, method="filter_mine_kind"
    )

    class Meta:
        model = ChecklistItem
        fields = ["template", "aspect", "criterion", "has_criteria", "mine_kind"]

    def filter_has_criteria(self, qs, name, value):
        if value is None:
            return qs
        linked = ChecklistItem.criteria.through.objects.values("checklistitem_id")
        return qs.filter(pk__in=linked) if value else qs.exclude(pk__in=linked)

    def filter_mine_kind(self, qs, name, value):
        return qs.filter(kinds_q("mine_kinds", value, empty_matches=True)) if value else qs


class HazardStandardFilterSet(django_filters.FilterSet):
    family = django_filters.ChoiceFilter(label=_("Applies to"), choices=StandardFamily.choices)
    in_force_on = django_filters.DateFilter(label=_("In force on"), method="filter_in_force")

    class Meta:
        model = HazardStandard
        fields = ["family", "in_force_on"]

    def filter_in_force(self, qs, name, value):
        return qs.in_force(value) if value else qs


class MajorHazardCriterionFilterSet(django_filters.FilterSet):
    standard = django_filters.ModelChoiceFilter(
        label=_("Standard"), queryset=HazardStandard.objects.all()
    )
    part = django_filters.ChoiceFilter(
        label=_("Part"), choices=[c for c in StandardPart.choices if c[0]]
    )
    mine_kind = django_filters.ChoiceFilter(
        label=_("Mine kind"), choices=MineKind.choices, method="filter_mine_kind"
    )
    in_force_on = django_filters.DateFilter(label=_("In force on"), method="filter_in_force")
    category = django_filters.CharFilter(label=_("Category"), lookup_expr="icontains")

    class Meta:
        model = MajorHazardCriterion
        fields = ["standard", "part", "mine_kind", "in_force_on", "category"]

    def filter_mine_kind(self, qs, name, value):
        return qs.filter(kinds_q("mine_kinds", value)) if value else qs

    def filter_in_force(self, qs, name, value):
        return qs.in_force(value) if value else qs


def search_items(qs, query: str):
    query = (query or "").strip()
    if not query:
        return qs
    return qs.filter(
        Q(code__icontains=query)
        | Q(content__icontains=query)
        | Q(method__icontains=query)
        | Q(basis__icontains=query)
        | Q(criteria__code__icontains=query)
    ).distinct()
