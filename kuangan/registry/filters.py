"""FilterSets of the registry, shared by the ledgers, the API and the exports. The mine filter
covers every part of the campaign verdict (scope, reasons, watch duty, checklist, priority),
computed by the campaign rules under the chosen (default: latest) campaign's thresholds."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from kuangan.campaigns import verdicts
from kuangan.campaigns.choices import (
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
)
from kuangan.campaigns.models import Campaign
from kuangan.core.filters import RegionSubtreeFilter
from kuangan.core.models import Region

from .choices import MineKind, MineStatus, WatchMode
from .models import Enterprise, Mine, WatchDuty

LICENCE_WARNING_DAYS = 90


class YesNoWidget(forms.Select):
    """All / yes / no (instead of “unknown / yes / no”)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))])

    def format_value(self, value):
        mapping = {True: "true", False: "false", "True": "true", "False": "false"}
        return [mapping.get(value, value if value in ("true", "false") else "")]


def yes_no(label, **kwargs):
    return django_filters.BooleanFilter(label=label, widget=YesNoWidget, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class CampaignFilter(django_filters.ModelChoiceFilter):
    """The campaign whose thresholds the verdict filters use (by id)."""


def _noop(qs, name, value):
    # Verdict criteria are applied together in MineFilterSet.filter_queryset.
    return qs


def _bool(label):
    return yes_no(label, method=_noop)


def _choice(label, choices):
    return django_filters.ChoiceFilter(label=label, choices=choices, method=_noop)


class MineFilterSet(django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"))
    kind = django_filters.MultipleChoiceFilter(label=_("Mine kind"), choices=MineKind.choices)
    status = django_filters.MultipleChoiceFilter(
        label=_("Production status"), choices=MineStatus.choices
    )
    enterprise = django_filters.ModelChoiceFilter(
        label=_("Enterprise"), queryset=Enterprise.objects.all(), method="filter_enterprise"
    )
    campaign = CampaignFilter(label=_("Campaign"), queryset=Campaign.objects.all(), method=_noop)
    in_campaign = _bool(_("In campaign scope"))
    campaign_reason = _choice(_("Campaign scope reason"), CampaignReason.choices)
    watch_required = _bool(_("Watch duty required"))
    watch_holder = yes_no(_("Has a watch duty holder"), method="filter_watch_holder")
    in_inspection = _bool(_("In key-inspection scope"))
    inspection_reason = _choice(_("Key-inspection reason"), InspectionReason.choices)
    checklist = _choice(_("Checklist"), ChecklistFamily.choices)
    priority = _choice(_("Priority"), PriorityLevel.choices)
    priority_reason = _choice(_("Priority reason"), PriorityReason.choices)
    flood_deadline = _bool(_("Inspect before the flood season"))
    licence_expiring = yes_no(
        _("Licence expiring within 90 days"), method="filter_licence_expiring"
    )
    regulator_concern = yes_no(_("Regulator concern"))
    suspended = yes_no(_("Suspended by order"), method="filter_suspended")

    class Meta:
        model = Mine
        fields = [
            "region",
            "kind",
            "status",
            "enterprise",
            "campaign",
            "in_campaign",
            "campaign_reason",
            "watch_required",
            "watch_holder",
            "in_inspection",
            "inspection_reason",
            "checklist",
            "priority",
            "priority_reason",
            "flood_deadline",
            "licence_expiring",
            "regulator_concern",
            "suspended",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.filters["enterprise"].queryset = Enterprise.objects.visible_to(user)
            self.filters["campaign"].queryset = Campaign.objects.visible_to(user)
            self.filters["region"].queryset = Region.objects.all()
        else:
            self.filters["enterprise"].queryset = Enterprise.objects.none()
            self.filters["campaign"].queryset = Campaign.objects.none()

    def chosen_campaign(self) -> Campaign | None:
        campaign = None
        if self.is_bound and self.is_valid():
            campaign = self.form.cleaned_data.get("campaign")
        if campaign is None:
            user = getattr(self.request, "user", None)
            campaign = verdicts.latest_campaign(user)
        return campaign

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        criteria = {k: self.form.cleaned_data.get(k) for k in verdicts.CRITERIA}
        criteria = {k: v for k, v in criteria.items() if v not in (None, "")}
        if criteria:
            queryset = verdicts.filter_mines(queryset, self.chosen_campaign(), criteria)
        return queryset

    def filter_enterprise(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(enterprise_id__in=value.descendant_ids(include_self=True))

    def filter_watch_holder(self, qs, name, value):
        if value is None:
            return qs
        current = WatchDuty.objects.current(timezone.localdate()).filter(mine=OuterRef("pk"))
        return qs.filter(Exists(current)) if value else qs.exclude(Exists(current))

    def filter_suspended(self, qs, name, value):
        if value is None:
            return qs
        return qs.with_suspension().filter(suspended=value)

    def filter_licence_expiring(self, qs, name, value):
        if value is None:
            return qs
        expiring = Mine.objects.licence_expiring(timezone.localdate(), LICENCE_WARNING_DAYS)
        ids = expiring.values("pk")
        return qs.filter(pk__in=ids) if value else qs.exclude(pk__in=ids)


class EnterpriseFilterSet(django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"))
    parent = django_filters.ModelChoiceFilter(
        label=_("Parent company"), queryset=Enterprise.objects.all()
    )
    is_group = yes_no(_("Group company"), method="filter_is_group")
    is_active = yes_no(_("Active"))

    class Meta:
        model = Enterprise
        fields = ["region", "parent", "is_group", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.filters["parent"].queryset = (
                Enterprise.objects.visible_to(user).filter(children__isnull=False).distinct()
            )

    def filter_is_group(self, qs, name, value):
        if value is None:
            return qs
        children = Enterprise.objects.filter(parent=OuterRef("pk"))
        return qs.filter(Exists(children)) if value else qs.exclude(Exists(children))


class WatchDutyFilterSet(django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    mode = django_filters.ChoiceFilter(label=_("Watch mode"), choices=WatchMode.choices)
    current = yes_no(_("Running today"), method="filter_current")

    class Meta:
        model = WatchDuty
        fields = ["region", "mode", "current"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        running = WatchDuty.objects.current(timezone.localdate()).values("pk")
        return qs.filter(pk__in=running) if value else qs.exclude(pk__in=running)


class WatchMineFilterSet(django_filters.FilterSet):
    """Filters of the watch-duty list (unmanned long-shutdown mines)."""

    region = RegionSubtreeFilter(label=_("Region"))
    kind = django_filters.MultipleChoiceFilter(label=_("Mine kind"), choices=MineKind.choices)
    watch_holder = yes_no(_("Has a watch duty holder"), method="filter_watch_holder")

    class Meta:
        model = Mine
        fields = ["region", "kind", "watch_holder"]

    filter_watch_holder = MineFilterSet.filter_watch_holder
