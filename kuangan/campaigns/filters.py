"""The campaign verdict as filters of the registry's mines (ledger, map, API, exports): the
campaign whose thresholds apply (default: the latest) and every part of the verdict (scope,
reasons, watch duty, checklist, priority). The registry's ``MineFilterSet`` takes them through
its hooks (``CampaignsConfig.ready()``)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from kuangan.registry.filters import MineFilterSet, yes_no

from . import verdicts
from .choices import (
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
)
from .models import Campaign


@extend_schema_field(OpenApiTypes.INT)
class CampaignFilter(django_filters.ModelChoiceFilter):
    """The campaign whose thresholds the verdict filters use (by id)."""


def _visible_campaigns(request: HttpRequest | None) -> QuerySet[Campaign]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Campaign.objects.visible_to(user)
    return Campaign.objects.none()


def _noop(qs: QuerySet, name: str, value) -> QuerySet:
    # Verdict criteria are applied together by ``filter_by_verdict``. (``value`` has no type
    # hint: the OpenAPI schema then takes each filter's own type.)
    return qs


def _bool(label: Any) -> django_filters.BooleanFilter:
    return yes_no(label, method=_noop)


def _choice(label: Any, choices: list[tuple[str, Any]]) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(label=label, choices=choices, method=_noop)


# Shown before the registry's "has a watch duty holder" filter.
SCOPE_FILTERS: dict[str, django_filters.Filter] = {
    "campaign": CampaignFilter(label=_("Campaign"), queryset=_visible_campaigns, method=_noop),
    "in_campaign": _bool(_("In campaign scope")),
    "campaign_reason": _choice(_("Campaign scope reason"), CampaignReason.choices),
    "watch_required": _bool(_("Watch duty required")),
}
# Shown before the registry's "licence expiring" filter.
INSPECTION_FILTERS: dict[str, django_filters.Filter] = {
    "in_inspection": _bool(_("In key-inspection scope")),
    "inspection_reason": _choice(_("Key-inspection reason"), InspectionReason.choices),
    "checklist": _choice(_("Checklist"), ChecklistFamily.choices),
    "priority": _choice(_("Priority"), PriorityLevel.choices),
    "priority_reason": _choice(_("Priority reason"), PriorityReason.choices),
    "flood_deadline": _bool(_("Inspect before the flood season")),
}


def chosen_campaign(filterset: MineFilterSet) -> Campaign | None:
    """The campaign of the filters, else the latest one the user may see."""
    campaign = None
    if filterset.is_bound and filterset.is_valid():
        campaign = filterset.form.cleaned_data.get("campaign")
    if campaign is None:
        user = getattr(filterset.request, "user", None)
        campaign = verdicts.latest_campaign(user)
    return campaign


def filter_by_verdict(filterset: MineFilterSet, queryset: QuerySet) -> QuerySet:
    """The mines whose verdict under the chosen campaign meets every verdict criterion given."""
    criteria = {k: filterset.form.cleaned_data.get(k) for k in verdicts.CRITERIA}
    criteria = {k: v for k, v in criteria.items() if v not in (None, "")}
    if criteria:
        queryset = verdicts.filter_mines(queryset, chosen_campaign(filterset), criteria)
    return queryset


def connect() -> None:
    """Add the verdict filters to the registry's mine filters (from ``ready()``)."""
    MineFilterSet.add_filters(SCOPE_FILTERS, before="watch_holder")
    MineFilterSet.add_filters(INSPECTION_FILTERS, before="licence_expiring")
    MineFilterSet.add_step(filter_by_verdict)
