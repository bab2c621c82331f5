"""The look-back draws."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from kuangan.campaigns.models import Campaign
from kuangan.core.api import ScopedReadViewSet, body, id_of
from kuangan.core.models import Region

from .. import services
from ..models import LookbackDraw
from .serializers import LookbackDrawSerializer


class LookbackDrawViewSet(ScopedReadViewSet):
    model = LookbackDraw
    serializer_class = LookbackDrawSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("-drawn_at", "-pk")

    @extend_schema(
        request=inline_serializer(
            "LookbackCreate",
            {
                "campaign": serializers.IntegerField(),
                "region": serializers.CharField(),
                "ratio": serializers.DecimalField(max_digits=4, decimal_places=3),
                "cities": serializers.ListField(child=serializers.CharField(), required=False),
                "counties": serializers.ListField(child=serializers.CharField(), required=False),
                "key_mines": serializers.ListField(child=serializers.CharField(), required=False),
                "seed": serializers.CharField(required=False),
            },
        ),
        responses={201: LookbackDrawSerializer},
    )
    def create(self, request):
        data = body(request)
        campaign = get_object_or_404(
            Campaign.objects.visible_to(request.user), pk=id_of(data, "campaign")
        )
        region = get_object_or_404(Region, code=str(data.get("region", "")))
        lists = {}
        for key in ("cities", "counties", "key_mines"):
            value = data.get(key) or []
            if not isinstance(value, list):
                raise exceptions.ValidationError({key: [_("Give a list.")]})
            lists[key] = [str(v) for v in value]
        record = services.lookback_draw(
            by=request.user,
            campaign=campaign,
            region=region,
            ratio=data.get("ratio"),
            seed=str(data.get("seed") or ""),
            **lists,
        )
        return Response(LookbackDrawSerializer(record).data, status=status.HTTP_201_CREATED)
