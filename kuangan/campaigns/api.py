"""Campaign API: campaigns with their phases and thresholds, and the scope figures; and the
campaign verdict of the registry's mines (``/api/v1/mines/{code}/scope/`` and
``/api/v1/mines/scope/``, actions added to the registry's ``MineViewSet``)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kuangan.core.api import ScopedEditViewSet, version_of
from kuangan.core.models import Region
from kuangan.core.schema import paginated
from kuangan.registry.api import MineViewSet
from kuangan.registry.models import Mine

from . import services, verdicts
from .models import Campaign, Phase


class PhaseSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Phase
        fields = ["kind", "kind_label", "starts_on", "deadline", "description"]
        extra_kwargs = {"description": {"required": False}, "starts_on": {"required": False}}


class CampaignSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    phases = PhaseSerializer(many=True, required=False)

    class Meta:
        model = Campaign
        fields = ["id", *services.CAMPAIGN_FIELDS, "phases", "version"]
        read_only_fields = ["version"]
        extra_kwargs = {"flood_season_start": {"required": False, "allow_null": True}}


class CampaignViewSet(ScopedEditViewSet):
    """Campaigns (综合整治): dates, five phases with deadlines, and the rule thresholds."""

    model = Campaign
    serializer_class = CampaignSerializer
    search_fields = ["name", "document_number"]
    ordering_fields = ["starts_on", "name"]

    def get_queryset(self):
        return super().get_queryset().select_related("region").prefetch_related("phases")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        phases = [dict(p) for p in data.pop("phases", [])]
        serializer.instance = services.campaign_create(by=self.request.user, phases=phases, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        phases = data.pop("phases", None)
        campaign = Campaign.objects.get(pk=serializer.instance.pk)
        serializer.instance = services.campaign_update(
            by=self.request.user,
            campaign=campaign,
            version=version_of(self.request),
            phases=[dict(p) for p in phases] if phases is not None else None,
            **data,
        )

    @extend_schema(
        responses=inline_serializer(
            "CampaignFigures",
            {
                "total": serializers.IntegerField(),
                "in_campaign": serializers.IntegerField(),
                "watch_required": serializers.IntegerField(),
                "in_inspection": serializers.IntegerField(),
                "high_priority": serializers.IntegerField(),
                "flood_deadline": serializers.IntegerField(),
                "campaign_reasons": serializers.DictField(child=serializers.IntegerField()),
                "inspection_reasons": serializers.DictField(child=serializers.IntegerField()),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def figures(self, request, pk=None):
        """Counts of the mines the user can see, by campaign scope, reason and priority."""
        campaign = self.get_object()
        return Response(verdicts.counts(Mine.objects.visible_to(request.user), campaign))


# --- The campaign verdict of the registry's mines -------------------------------------------


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


def requested_campaign(request: Request) -> Campaign | None:
    """The campaign of ``?campaign=`` (refused when unknown or not visible), else the latest."""
    raw = request.query_params.get("campaign")
    if not raw:
        return verdicts.latest_campaign(request.user)
    try:
        return Campaign.objects.visible_to(request.user).get(pk=int(raw))
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
def scope(self: MineViewSet, request: Request, code: str | None = None) -> Response:
    """The campaign verdict of one mine: campaign scope, watch duty, key-inspection scope,
    checklist and priority, with reason codes (the shape of ``kuangan scope``)."""
    mine = self.get_object()
    on = None
    raw = request.query_params.get("on")
    if raw:
        try:
            on = dt.date.fromisoformat(raw)
        except ValueError:
            raise exceptions.ValidationError({"on": [_("Give the date as YYYY-MM-DD.")]}) from None
    verdict = verdicts.mine_verdict(mine, requested_campaign(request), on)
    if verdict is None:
        raise Http404
    return Response(verdict)


@extend_schema(responses=ScopeSerializer(many=True), parameters=[CAMPAIGN_PARAM])
@paginated
@action(detail=False, methods=["get"], url_path="scope")
def scope_list(self: MineViewSet, request: Request) -> Response:
    """The campaign verdict of every mine of the (filtered) list, paginated."""
    qs = self.filter_queryset(self.get_queryset())
    page = self.paginate_queryset(qs) or []
    campaign = requested_campaign(request)
    rows = [verdicts.mine_verdict(m, campaign) for m in page]
    return self.get_paginated_response(rows)


def connect() -> None:
    """Add the verdict actions to the registry's mines API (from ``ready()``)."""
    MineViewSet.add_action(scope)
    MineViewSet.add_action(scope_list)


def register(router) -> None:
    """Add this app's API routes to the project router."""
    router.register("campaigns", CampaignViewSet, basename="campaign")
