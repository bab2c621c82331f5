"""Registry API: mines (by code), enterprises, watch duties. An app above the registry adds
actions of its own to the mines through ``MineViewSet.add_action`` (the campaigns app: the
campaign verdict of a mine, ``/api/v1/mines/{code}/scope/`` and ``/api/v1/mines/scope/``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers

from kuangan.core.api import ScopedCodeField, ScopedEditViewSet, version_of
from kuangan.core.choices import RegionLevel
from kuangan.core.models import Region

from . import services
from .filters import EnterpriseFilterSet, MineFilterSet, WatchDutyFilterSet
from .models import Enterprise, Mine, WatchDuty


# Base of the serializers of a row of one mine: the ``mine`` (its code, as the mines endpoint
# shows it; an id still accepted), of a mine the user sees, with its ``mine_code`` and
# ``mine_name`` to read. (A comment, not a docstring: the API schema would show a docstring as
# the description of every serializer built on it.)
class MineRowSerializer(serializers.ModelSerializer):
    mine = ScopedCodeField(queryset=Mine.objects.all())
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True)


class MineSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.none())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COUNTY)
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    suspended = serializers.BooleanField(source="is_suspended", read_only=True)

    class Meta:
        model = Mine
        fields = [
            "code",
            *services.MINE_FIELDS[:3],
            "enterprise_name",
            "region_name",
            *services.MINE_FIELDS[3:],
            "suspended",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "version", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "enterprise" in self.fields:
            self.fields["enterprise"].queryset = Enterprise.objects.visible_to(request.user)


class MineViewSet(ScopedEditViewSet):
    """Mines of the registry, looked up by their code. The list filters on every part of the
    campaign verdict (``in_campaign``, ``campaign_reason``, ``watch_required``,
    ``in_inspection``, ``inspection_reason``, ``checklist``, ``priority``, ``priority_reason``,
    ``flood_deadline``), under ``campaign`` (default: the latest)."""

    model = Mine
    serializer_class = MineSerializer
    filterset_class = MineFilterSet
    lookup_field = "code"
    search_fields = ["code", "name", "enterprise__name", "principal"]
    ordering_fields = ["code", "name", "kind", "status", "updated_at"]

    def get_queryset(self):
        return super().get_queryset().with_related().order_by("code")

    def perform_create(self, serializer):
        serializer.instance = services.mine_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        mine = Mine.objects.get(pk=serializer.instance.pk)
        serializer.instance = services.mine_update(
            by=self.request.user,
            mine=mine,
            version=version_of(self.request),
            **serializer.validated_data,
        )

    @classmethod
    def add_action(cls, action: Callable[..., Any]) -> None:
        """Add an app's own action (a function decorated with DRF's ``@action``, from its
        ``AppConfig.ready()``, before the router reads the actions)."""
        setattr(cls, action.__name__, action)


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    # DRF's stubs type ``Field.parent`` (the serializer a field belongs to); this is a field.
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Enterprise.objects.none(), allow_null=True, required=False
    )
    mine_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Enterprise
        fields = ["id", *services.ENTERPRISE_FIELDS, "mine_count", "version"]
        read_only_fields = ["version"]
        extra_kwargs: dict[str, dict[str, Any]] = {"credit_code": {"validators": []}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "parent" in self.fields:
            self.fields["parent"].queryset = Enterprise.objects.visible_to(request.user)


class EnterpriseViewSet(ScopedEditViewSet):
    """Mining enterprises (a group company is the ``parent`` of its subsidiaries)."""

    model = Enterprise
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "credit_code"]

    def get_queryset(self):
        return super().get_queryset().select_related("region").order_by("name", "pk")

    def perform_create(self, serializer):
        serializer.instance = services.enterprise_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        enterprise = Enterprise.objects.get(pk=serializer.instance.pk)
        serializer.instance = services.enterprise_update(
            by=self.request.user,
            enterprise=enterprise,
            version=version_of(self.request),
            **serializer.validated_data,
        )


class WatchDutySerializer(serializers.ModelSerializer):
    mine = serializers.SlugRelatedField(slug_field="code", queryset=Mine.objects.none())
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    assigned_by = serializers.CharField(source="assigned_by.__str__", read_only=True)

    class Meta:
        model = WatchDuty
        fields = [
            "id",
            "mine",
            "mine_name",
            "mode",
            "holder_name",
            "holder_phone",
            "valid_from",
            "valid_until",
            "note",
            "assigned_by",
            "version",
        ]
        read_only_fields = ["version", "assigned_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "mine" in self.fields:
            self.fields["mine"].queryset = Mine.objects.visible_to(request.user)


class WatchDutyViewSet(ScopedEditViewSet):
    """Watch duty (驻矿盯守 / 联系盯守) over unmanned long-shutdown mines."""

    model = WatchDuty
    serializer_class = WatchDutySerializer
    filterset_class = WatchDutyFilterSet
    search_fields = ["holder_name", "mine__name", "mine__code"]
    ordering_fields = ["valid_from", "valid_until"]

    def get_queryset(self):
        return super().get_queryset().select_related("mine", "assigned_by")

    def perform_create(self, serializer):
        serializer.instance = services.watch_duty_assign(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "mine" in data and data.pop("mine") != serializer.instance.mine:
            raise exceptions.ValidationError(
                {"mine": [_("The mine of a watch duty cannot be changed.")]}
            )
        duty = get_object_or_404(WatchDuty, pk=serializer.instance.pk)
        serializer.instance = services.watch_duty_update(
            by=self.request.user, duty=duty, version=version_of(self.request), **data
        )


def register(router) -> None:
    """Add the registry's API routes to the project router."""
    router.register("mines", MineViewSet, basename="mine")
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("watch-duties", WatchDutyViewSet, basename="watchduty")
