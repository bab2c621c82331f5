"""Campaign API: campaigns with their phases and thresholds, and the scope figures."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.core.api import ScopedViewSet
from kuangan.core.models import Region
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


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
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
        from kuangan.registry.api import _version

        data = dict(serializer.validated_data)
        phases = data.pop("phases", None)
        campaign = Campaign.objects.get(pk=serializer.instance.pk)
        serializer.instance = services.campaign_update(
            by=self.request.user,
            campaign=campaign,
            version=_version(self.request),
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


def register(router) -> None:
    """Add this app's API routes to the project router."""
    router.register("campaigns", CampaignViewSet, basename="campaign")
