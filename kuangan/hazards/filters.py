"""FilterSets shared by the hazard ledger, its export and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from kuangan.checklists.models import MajorHazardCriterion
from kuangan.core.filters import RegionSubtreeFilter
from kuangan.registry.models import Mine

from .choices import (
    ControlLevel,
    HazardLevel,
    HazardSource,
    HazardStatus,
    OrderKind,
    OrderStatus,
    PenaltyGuidance,
    RiskHazardType,
    RiskLevel,
)
from .models import Hazard, MonthlyMajorHazardCheck, Order, RiskItem


def criterion_categories():
    return [
        (c, c)
        for c in MajorHazardCriterion.objects.order_by("category")
        .values_list("category", flat=True)
        .distinct()
    ]


class ScopedMineFilterMixin:
    """The ``mine`` filter offers (and accepts) only the mines the user can see."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.filters["mine"].queryset = Mine.objects.visible_to(user)


class HazardFilterSet(ScopedMineFilterMixin, django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    mine = django_filters.ModelChoiceFilter(label=_("Mine"), queryset=Mine.objects.none())
    level = django_filters.ChoiceFilter(label=_("Level"), choices=HazardLevel.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=HazardStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=HazardSource.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    listed = django_filters.BooleanFilter(label=_("Listed supervision"), method="filter_listed")
    penalty_guidance = django_filters.ChoiceFilter(
        label=_("Penalty guidance"), choices=PenaltyGuidance.choices, method="filter_guidance"
    )
    category = django_filters.ChoiceFilter(
        label=_("Criterion category"),
        field_name="criterion__category",
        choices=criterion_categories,
    )
    found_after = django_filters.DateFilter(
        label=_("Found from"), field_name="found_on", lookup_expr="gte"
    )
    found_before = django_filters.DateFilter(
        label=_("Found until"), field_name="found_on", lookup_expr="lte"
    )

    class Meta:
        model = Hazard
        fields = [
            "region",
            "mine",
            "level",
            "status",
            "source",
            "overdue",
            "listed",
            "penalty_guidance",
            "category",
            "found_after",
            "found_before",
        ]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        return qs.overdue() if value else qs.not_overdue()

    def filter_listed(self, qs, name, value):
        if value is None:
            return qs
        listed = qs.listed()
        return listed if value else qs.exclude(pk__in=listed.values("pk"))

    def filter_guidance(self, qs, name, value):
        return qs.with_penalty_guidance(value) if value else qs


class OrderFilterSet(ScopedMineFilterMixin, django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    mine = django_filters.ModelChoiceFilter(label=_("Mine"), queryset=Mine.objects.none())
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrderKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    issued_after = django_filters.DateFilter(
        label=_("Issued from"), field_name="issued_on", lookup_expr="gte"
    )
    issued_before = django_filters.DateFilter(
        label=_("Issued until"), field_name="issued_on", lookup_expr="lte"
    )

    class Meta:
        model = Order
        fields = ["region", "mine", "kind", "status", "issued_after", "issued_before"]


class MonthlyCheckFilterSet(ScopedMineFilterMixin, django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    mine = django_filters.ModelChoiceFilter(label=_("Mine"), queryset=Mine.objects.none())
    month_from = django_filters.DateFilter(
        label=_("From month"), field_name="month", lookup_expr="gte"
    )
    month_until = django_filters.DateFilter(
        label=_("Until month"), field_name="month", lookup_expr="lte"
    )

    class Meta:
        model = MonthlyMajorHazardCheck
        fields = ["region", "mine", "month_from", "month_until"]


class RiskItemFilterSet(ScopedMineFilterMixin, django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    mine = django_filters.ModelChoiceFilter(label=_("Mine"), queryset=Mine.objects.none())
    level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    hazard_type = django_filters.ChoiceFilter(
        label=_("Hazard type"), choices=RiskHazardType.choices
    )
    responsible_level = django_filters.ChoiceFilter(
        label=_("Control level"), choices=ControlLevel.choices
    )
    review_overdue = django_filters.BooleanFilter(
        label=_("Review overdue"), method="filter_review_overdue"
    )

    class Meta:
        model = RiskItem
        fields = ["region", "mine", "level", "hazard_type", "responsible_level", "review_overdue"]

    def filter_review_overdue(self, qs, name, value):
        if value is None:
            return qs
        overdue = qs.review_overdue()
        return overdue if value else qs.exclude(pk__in=overdue.values("pk"))
