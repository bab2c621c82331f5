"""The teams of the key inspection, and the plan of a campaign with its coverage."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.campaigns.models import Campaign
from kuangan.core.api import ScopedReadViewSet, ScopedViewSet, body, id_of, ids_of
from kuangan.core.models import Region, User
from kuangan.registry.models import Mine

from .. import plan, services
from ..models import InspectionTeam
from .serializers import InspectionSerializer, InspectionTeamSerializer


class InspectionTeamViewSet(ScopedReadViewSet):
    model = InspectionTeam
    serializer_class = InspectionTeamSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("leader", "region").order_by("pk")

    @extend_schema(
        request=inline_serializer(
            "TeamCreate",
            {
                "campaign": serializers.IntegerField(),
                "region": serializers.CharField(),
                "name": serializers.CharField(),
                "level": serializers.CharField(),
                "leader": serializers.IntegerField(),
                "members": serializers.ListField(child=serializers.IntegerField(), required=False),
            },
        ),
        responses={201: InspectionTeamSerializer},
    )
    def create(self, request):
        data = body(request)
        campaign = get_object_or_404(
            Campaign.objects.visible_to(request.user), pk=id_of(data, "campaign")
        )
        region = get_object_or_404(Region, code=str(data.get("region", "")))
        people = User.objects.visible_to(request.user)
        leader = get_object_or_404(people, pk=id_of(data, "leader"))
        members = list(people.filter(pk__in=ids_of(data, "members")))
        team = services.team_create(
            by=request.user,
            campaign=campaign,
            region=region,
            name=str(data.get("name", "")),
            level=str(data.get("level", "")),
            leader=leader,
            members=members,
        )
        return Response(InspectionTeamSerializer(team).data, status=status.HTTP_201_CREATED)


class PlanViewSet(ScopedViewSet):
    """The key-inspection plan of a campaign (``?campaign=`` id, default the latest;
    ``?region=`` code): the in-scope mines in order (list), the coverage figures
    (``coverage/``); POST gives mines to a team."""

    model = InspectionTeam  # reading the plan needs view_inspectionteam, assigning add_…
    serializer_class = InspectionTeamSerializer

    def _campaign(self, request, value):
        if not request.user.has_perm("inspections.plan_inspection"):
            raise exceptions.PermissionDenied()
        qs = Campaign.objects.visible_to(request.user).latest_first()
        if value in (None, ""):
            campaign = qs.first()
            if campaign is None:
                raise exceptions.NotFound()
            return campaign
        try:
            return get_object_or_404(qs, pk=int(value))
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"campaign": [_("Give the campaign id.")]}) from None

    def _rows(self, request):
        campaign = self._campaign(request, request.query_params.get("campaign"))
        region = None
        if request.query_params.get("region"):
            region = get_object_or_404(Region, code=request.query_params["region"])
        return campaign, plan.plan_rows(user=request.user, campaign=campaign, region=region)

    @extend_schema(
        parameters=[OpenApiParameter("campaign", int), OpenApiParameter("region", str)],
        responses=inline_serializer(
            "PlanRow",
            {
                "code": serializers.CharField(),
                "state": serializers.CharField(),
                "deadline": serializers.DateField(),
            },
            many=True,
        ),
    )
    def list(self, request):
        _campaign, rows = self._rows(request)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            [
                {
                    "code": r.mine.code,
                    "name": r.mine.name,
                    "region": r.mine.region.code,
                    "reasons": list(r.reasons),
                    "priority": r.priority,
                    "priority_reasons": list(r.priority_reasons),
                    "flood_deadline": r.flood_deadline,
                    "deadline": r.deadline,
                    "team": r.inspection.team_id if r.inspection else None,
                    "inspection": r.inspection.pk if r.inspection else None,
                    "state": r.state,
                }
                for r in page
            ]
        )

    @extend_schema(
        parameters=[OpenApiParameter("campaign", int), OpenApiParameter("region", str)],
        responses=inline_serializer("PlanCoverage", {"coverage": serializers.DictField()}),
    )
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        campaign, rows = self._rows(request)
        return Response({"campaign": campaign.pk, "coverage": plan.coverage(rows)})

    @extend_schema(
        request=inline_serializer(
            "PlanAssign",
            {
                "campaign": serializers.IntegerField(),
                "team": serializers.IntegerField(),
                "mines": serializers.ListField(child=serializers.CharField()),
            },
        ),
        responses=InspectionSerializer(many=True),
    )
    def create(self, request):
        """Give mines (codes) to a team of the campaign."""
        data = body(request)
        campaign = self._campaign(request, data.get("campaign"))
        team = get_object_or_404(
            InspectionTeam.objects.visible_to(request.user), pk=id_of(data, "team")
        )
        codes = data.get("mines") or []
        if not isinstance(codes, list):
            raise exceptions.ValidationError({"mines": [_("Give a list of mine codes.")]})
        mines = list(Mine.objects.visible_to(request.user).filter(code__in=[str(c) for c in codes]))
        if len(mines) != len(set(codes)):
            raise exceptions.ValidationError({"mines": [_("Unknown mine code in the list.")]})
        done = services.plan_assign(by=request.user, campaign=campaign, team=team, mines=mines)
        return Response(InspectionSerializer(done, many=True).data)
