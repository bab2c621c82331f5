"""FilterSets shared by the hazard ledger, its export and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from kuangan.checklists.models import MajorHazardCriterion
from kuangan.core.filters import date_range
from kuangan.registry.filters import MineRowsFilterSet

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
    TransferCategory,
)
from .models import Hazard, MonthlyMajorHazardCheck, Order, RiskItem


def criterion_categories():
    return [
        (c, c)
        for c in MajorHazardCriterion.objects.order_by("category")
        .values_list("category", flat=True)
        .distinct()
    ]


class SubsetFilter(django_filters.BooleanFilter):
    """Yes: the rows of the queryset method ``subset`` (``listed``, ``review_overdue`` …);
    no: every other row; empty: all rows."""

    def __init__(self, *args, subset: str, **kwargs):
        self.subset = subset
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        rows = getattr(qs, self.subset)()
        return rows if value else qs.exclude(pk__in=rows.values("pk"))


class HazardFilterSet(MineRowsFilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=HazardLevel.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=HazardStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=HazardSource.choices)
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")
    listed = SubsetFilter(label=_("Listed supervision"), subset="listed")
    penalty_guidance = django_filters.ChoiceFilter(
        label=_("Penalty guidance"), choices=PenaltyGuidance.choices, method="filter_guidance"
    )
    category = django_filters.ChoiceFilter(
        label=_("Criterion category"),
        field_name="criterion__category",
        choices=criterion_categories,
    )
    found_after, found_before = date_range("found_on", _("Found from"), _("Found until"))

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

    def filter_guidance(self, qs, name, value):
        return qs.with_penalty_guidance(value) if value else qs


class OrderFilterSet(MineRowsFilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrderKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    transfer_category = django_filters.ChoiceFilter(
        label=_("Matter transferred"), choices=TransferCategory.choices
    )
    issued_after, issued_before = date_range("issued_on", _("Issued from"), _("Issued until"))

    class Meta:
        model = Order
        fields = [
            "region",
            "mine",
            "kind",
            "status",
            "transfer_category",
            "issued_after",
            "issued_before",
        ]


class MonthlyCheckFilterSet(MineRowsFilterSet):
    month_from, month_until = date_range("month", _("From month"), _("Until month"))

    class Meta:
        model = MonthlyMajorHazardCheck
        fields = ["region", "mine", "month_from", "month_until"]


class RiskItemFilterSet(MineRowsFilterSet):
    level = django_filters.ChoiceFilter(label=_("Risk level"), choices=RiskLevel.choices)
    hazard_type = django_filters.ChoiceFilter(
        label=_("Hazard type"), choices=RiskHazardType.choices
    )
    responsible_level = django_filters.ChoiceFilter(
        label=_("Control level"), choices=ControlLevel.choices
    )
    review_overdue = SubsetFilter(label=_("Review overdue"), subset="review_overdue")

    class Meta:
        model = RiskItem
        fields = ["region", "mine", "level", "hazard_type", "responsible_level", "review_overdue"]
