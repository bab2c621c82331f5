"""API of the monthly major-hazard checks (每月重大事故隐患排查): list and retrieve with the
ledger's filters, record (create) through ``services.monthly_check_record``, and the duty
calendar (months that ended without a check)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.core.api import ScopedCreateViewSet, ScopedPrimaryKeyField, date_of
from kuangan.core.models import User
from kuangan.core.schema import paginated
from kuangan.registry.api import MineRowSerializer
from kuangan.registry.models import Mine

from .. import services
from ..filters import MonthlyCheckFilterSet
from ..models import Hazard, MonthlyMajorHazardCheck
from ..models.monthly import principal_candidates


class MonthlyCheckSerializer(MineRowSerializer):
    hazards = ScopedPrimaryKeyField(queryset=Hazard.objects.all(), many=True, required=False)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)
    # The person who led the check (主要负责人): the username of a principal of the mine's
    # enterprise; ``led_by`` is their name as recorded (free text on older checks).
    principal = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.none(),
        help_text="username of the principal of the mine's enterprise who led the check",
    )

    class Meta:
        model = MonthlyMajorHazardCheck
        fields = [
            "id",
            "mine",
            "mine_code",
            "mine_name",
            "month",
            "checked_on",
            "principal",
            "led_by",
            "participants",
            "areas",
            "hazards",
            "report",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["created_at", "led_by"]
        extra_kwargs = {"report": {"required": False}}
        # One check per mine and month: the service says so in words (no generic validator).
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            # Only the principals of the enterprises of the user's mines can be named.
            fields["principal"].queryset = principal_candidates(
                Mine.objects.visible_to(request.user)
            )
        return fields

    def validate(self, attrs):
        return attrs


class MonthlyCheckViewSet(ScopedCreateViewSet):
    """Monthly major-hazard checks (one per mine and month, led by the mine's principal),
    recorded by the enterprise."""

    model = MonthlyMajorHazardCheck
    serializer_class = MonthlyCheckSerializer
    filterset_class = MonthlyCheckFilterSet
    search_fields = ["mine__name", "led_by", "areas"]
    ordering_fields = ["month", "checked_on"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine", "recorded_by")
            .prefetch_related("hazards")
            .order_by("-month", "mine__name", "pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.monthly_check_record(
            by=self.request.user,
            mine=data.pop("mine"),
            hazards=data.pop("hazards", []),
            **data,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATE,
                OpenApiParameter.QUERY,
                description="first month of the calendar (default: the campaign's start)",
            )
        ],
        responses=inline_serializer(
            "DutyCalendarRow",
            {
                "mine": serializers.CharField(help_text="the mine's code"),
                "mine_code": serializers.CharField(),
                "mine_name": serializers.CharField(),
                "checked": serializers.ListField(child=serializers.CharField()),
                "missing": serializers.ListField(child=serializers.CharField()),
                "not_owed": serializers.ListField(
                    child=serializers.DictField(child=serializers.CharField()),
                    help_text="months ended without a check the mine did not owe, with why",
                ),
            },
            many=True,
        ),
    )
    @paginated
    @action(detail=False, methods=["get"])
    def calendar(self, request):
        """The duty calendar: per mine of your area that owes the check (closed mines and
        unmanned long shutdowns left out), the months checked and the months that ended
        without a check while the mine owed it (``YYYY-MM``), paginated over the mines."""
        today = timezone.localdate()
        since = date_of(request.query_params, "since") or services.calendar_start(
            request.user, today
        )
        mines = (
            services.owing_mines(Mine.objects.visible_to(request.user))
            .select_related("region")
            .order_by("region__code", "name", "pk")
        )
        page = self.paginate_queryset(mines)
        rows = services.duty_calendar(page if page is not None else mines, since=since, on=today)
        data = [
            {
                "mine": r["mine"].code,
                "mine_code": r["mine"].code,
                "mine_name": r["mine"].name,
                "checked": [m.strftime("%Y-%m") for m in r["checked"]],
                "missing": [m.strftime("%Y-%m") for m in r["missing"]],
                "not_owed": [
                    {"month": m.strftime("%Y-%m"), "reason": services.not_owed_reason_label(why)}
                    for m, why in sorted(r["not_owed"].items())
                ],
            }
            for r in rows
        ]
        return self.get_paginated_response(data) if page is not None else Response(data)
