"""Registry API: mines (by code) with their campaign verdict, enterprises, watch duties."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.campaigns import verdicts
from kuangan.campaigns.models import Campaign
from kuangan.core.api import ScopedViewSet
from kuangan.core.choices import RegionLevel
from kuangan.core.models import Region

from . import services
from .filters import EnterpriseFilterSet, MineFilterSet, WatchDutyFilterSet
from .models import Enterprise, Mine, WatchDuty


def _version(request) -> int | None:
    value = request.data.get("version")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"version": [_("Give a whole number.")]}) from None


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


class _ScopePartSerializer(serializers.Serializer):
    in_scope = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class _PrioritySerializer(serializers.Serializer):
    level = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    inspect_before = serializers.DateField(allow_null=True)


class ScopeSerializer(serializers.Serializer):
    """The campaign verdict of one mine (documentation of the response)."""

    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    region_code = serializers.CharField()
    campaign_scope = _ScopePartSerializer()
    watch_required = serializers.BooleanField()
    inspection_scope = _ScopePartSerializer()
    checklist = serializers.CharField()
    priority = _PrioritySerializer()


CAMPAIGN_PARAM = OpenApiParameter(
    "campaign", int, description="Campaign id (default: the latest campaign)"
)


class MineViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
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
            version=_version(self.request),
            **serializer.validated_data,
        )

    def _campaign(self) -> Campaign | None:
        raw = self.request.query_params.get("campaign")
        if raw in (None, ""):
            return verdicts.latest_campaign(self.request.user)
        try:
            return Campaign.objects.visible_to(self.request.user).get(pk=int(raw))
        except (ValueError, Campaign.DoesNotExist):
            raise exceptions.ValidationError({"campaign": [_("Unknown campaign.")]}) from None

    @extend_schema(
        responses=ScopeSerializer,
        parameters=[
            CAMPAIGN_PARAM,
            OpenApiParameter(
                "on", dt.date, description="Answer for the mine's state on this past date"
            ),
        ],
    )
    @action(detail=True, methods=["get"])
    def scope(self, request, code=None):
        """The campaign verdict of one mine: campaign scope, watch duty, key-inspection scope,
        checklist and priority, with reason codes (the shape of ``kuangan scope``)."""
        mine = self.get_object()
        on = None
        raw = request.query_params.get("on")
        if raw:
            try:
                on = dt.date.fromisoformat(raw)
            except ValueError:
                raise exceptions.ValidationError(
                    {"on": [_("Give the date as YYYY-MM-DD.")]}
                ) from None
        verdict = verdicts.mine_verdict(mine, self._campaign(), on)
        if verdict is None:
            raise Http404
        return Response(verdict)

    @extend_schema(responses=ScopeSerializer(many=True), parameters=[CAMPAIGN_PARAM])
    @action(detail=False, methods=["get"], url_path="scope")
    def scope_list(self, request):
        """The campaign verdict of every mine of the (filtered) list, paginated."""
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        campaign = self._campaign()
        rows = [verdicts.mine_verdict(m, campaign) for m in page]
        return self.get_paginated_response(rows)


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.none(), allow_null=True, required=False
    )
    mine_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Enterprise
        fields = ["id", *services.ENTERPRISE_FIELDS, "mine_count", "version"]
        read_only_fields = ["version"]
        extra_kwargs = {"credit_code": {"validators": []}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "parent" in self.fields:
            self.fields["parent"].queryset = Enterprise.objects.visible_to(request.user)


class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
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
            version=_version(self.request),
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


class WatchDutyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
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
            by=self.request.user, duty=duty, version=_version(self.request), **data
        )


def register(router) -> None:
    """Add the registry's API routes to the project router."""
    router.register("mines", MineViewSet, basename="mine")
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("watch-duties", WatchDutyViewSet, basename="watchduty")
