"""FilterSets of the registry, shared by the ledgers, the API and the exports. An app above the
registry adds filters of its own to the mine filter through ``MineFilterSet.add_filters`` and
``add_step`` (the campaigns app: every part of the campaign verdict)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.core.api import find_by_code
from kuangan.core.filters import RegionSubtreeFilter, date_range
from kuangan.core.models import Region

from .choices import ChangeRequestStatus, MineKind, MineStatus, WatchMode
from .models import ChangeRequest, Enterprise, Mine, WatchDuty

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


class MineFilterSet(django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"))
    kind = django_filters.MultipleChoiceFilter(label=_("Mine kind"), choices=MineKind.choices)
    status = django_filters.MultipleChoiceFilter(
        label=_("Production status"), choices=MineStatus.choices
    )
    enterprise = django_filters.ModelChoiceFilter(
        label=_("Enterprise"), queryset=Enterprise.objects.all(), method="filter_enterprise"
    )
    watch_holder = yes_no(_("Has a watch duty holder"), method="filter_watch_holder")
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
            "watch_holder",
            "licence_expiring",
            "regulator_concern",
            "suspended",
        ]

    # Steps of the higher apps, run after the filters (see ``add_step``).
    steps: ClassVar[list[Callable[[MineFilterSet, QuerySet], QuerySet]]] = []

    @classmethod
    def add_filters(cls, filters: dict[str, django_filters.Filter], *, before: str) -> None:
        """Add an app's own filters (from its ``AppConfig.ready()``), shown before the filter
        named ``before``. A filter that needs the others' values together leaves its own
        ``method`` a no-op and does the work in a step."""
        for name, filter_ in filters.items():
            if filter_.field_name is None:
                filter_.field_name = name
        merged = type(cls.base_filters)()
        for name, filter_ in cls.base_filters.items():
            if name == before:
                merged.update(filters)
            merged[name] = filter_
        cls.base_filters = merged

    @classmethod
    def add_step(cls, step: Callable[[MineFilterSet, QuerySet], QuerySet]) -> None:
        """Add a step that narrows the filtered mines further (from ``AppConfig.ready()``)."""
        if step not in cls.steps:
            cls.steps.append(step)

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.filters["enterprise"].queryset = Enterprise.objects.visible_to(user)
            self.filters["region"].queryset = Region.objects.all()
        else:
            self.filters["enterprise"].queryset = Enterprise.objects.none()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        for step in self.steps:
            queryset = step(self, queryset)
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


class MineChoiceField(forms.ModelChoiceField):
    """A mine by its code (as the API shows mines) or by its id (as the pages' links give it)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = find_by_code(self.queryset, value)
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found


class MineChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = MineChoiceField


class MineRowsFilterSet(django_filters.FilterSet):
    """Rows of one mine each: filtered by the region (its subtree) and by the mine (its code or
    its id), which offers (and accepts) only the mines the user can see."""

    region = RegionSubtreeFilter(label=_("Region"), lookup="mine__region")
    mine = MineChoiceFilter(label=_("Mine"), queryset=Mine.objects.none())

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.filters["mine"].queryset = Mine.objects.visible_to(user)


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


class ChangeRequestFilterSet(django_filters.FilterSet):
    region = RegionSubtreeFilter(label=_("Region"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ChangeRequestStatus.choices)
    requested_after, requested_before = date_range(
        "created_at__date", _("Requested from"), _("Requested until")
    )

    class Meta:
        model = ChangeRequest
        fields = ["region", "status", "requested_after", "requested_before"]
