"""API of enforcement orders (执法处置) and monthly major-hazard checks (每月重大事故隐患排查).

Orders: list and retrieve with the order ledger's filters, issue (create) through
``orders.order_issue``, the steps as POSTs on the order (refuse, comply, lift, escalate), the
formal document as .docx or .pdf, and the proposals the system makes for a mine. Monthly
checks: list and retrieve with the ledger's filters, record (create) through
``monthly.monthly_check_record``, and the duty calendar (months that ended without a check)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.core.api import ScopedPrimaryKeyField, ScopedViewSet, body, version_of
from kuangan.registry.models import Mine

from . import monthly, orders
from .choices import OrderKind
from .filters import MonthlyCheckFilterSet, OrderFilterSet
from .models import Hazard, MonthlyMajorHazardCheck, Order


def _date(data, key: str, *, required: bool = False) -> dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise exceptions.ValidationError({key: [_("This field is required.")]})
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise exceptions.ValidationError({key: [_("Give the date as YYYY-MM-DD.")]}) from None


# --- orders ---------------------------------------------------------------------------------


class OrderSerializer(serializers.ModelSerializer):
    mine = ScopedPrimaryKeyField(queryset=Mine.objects.all())
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    hazards = ScopedPrimaryKeyField(queryset=Hazard.objects.all(), many=True, required=False)
    issuing_body = serializers.CharField(source="issuing_body.name", read_only=True)
    officer = serializers.CharField(source="officer.username", read_only=True)
    is_decision = serializers.BooleanField(read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "kind",
            "is_decision",
            "mine",
            "mine_code",
            "mine_name",
            "hazards",
            "inspection",
            "facts",
            "legal_basis",
            "requirements",
            "amount",
            "deadline",
            "issuing_body",
            "officer",
            "issued_on",
            "status",
            "refused_on",
            "complied_on",
            "lifted_on",
            "escalated_to",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "inspection",
            "status",
            "refused_on",
            "complied_on",
            "lifted_on",
            "escalated_to",
            "version",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"issued_on": {"required": False}}

    def validate(self, attrs):
        # The service runs the model's full validation; nothing is checked twice here.
        return attrs


class ProposalSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    reason = serializers.CharField()
    hazards = serializers.ListField(child=serializers.IntegerField())


_DOCUMENT = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
}


class OrderViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Orders and decisions issued to the mines in your area. Issuing and the steps are for
    regulators (the service checks who); each step may send the ``version`` it loaded (a
    stale one is refused with 409)."""

    model = Order
    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet
    search_fields = ["number", "mine__name", "facts"]
    ordering_fields = ["issued_on", "deadline", "number", "status"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("mine", "issuing_body", "officer")
            .prefetch_related("hazards")
            .order_by("-issued_on", "-pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = orders.order_issue(
            by=self.request.user,
            mine=data.pop("mine"),
            hazards=data.pop("hazards", []),
            **data,
        )

    def _done(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        order = self.get_queryset().get(pk=order.pk)
        return Response(
            OrderSerializer(order, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(
        request=inline_serializer(
            "OrderRefusal",
            {
                "on": serializers.DateField(required=False),
                "version": serializers.IntegerField(required=False),
            },
        )
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Record that the enterprise refuses to carry out the order (a fact for a suspension)."""
        order = self.get_object()
        orders.order_record_refusal(
            by=request.user,
            order=order,
            on=_date(body(request), "on"),
            version=version_of(request),
        )
        return self._done(order)

    @extend_schema(
        request=inline_serializer(
            "OrderCompliance",
            {
                "on": serializers.DateField(required=False),
                "version": serializers.IntegerField(required=False),
            },
        )
    )
    @action(detail=True, methods=["post"])
    def comply(self, request, pk=None):
        """issued → complied: the enterprise carried the order out."""
        order = self.get_object()
        orders.order_comply(
            by=request.user,
            order=order,
            on=_date(body(request), "on"),
            version=version_of(request),
        )
        return self._done(order)

    @extend_schema(
        request=inline_serializer(
            "OrderLift", {"version": serializers.IntegerField(required=False)}
        )
    )
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """complied → lifted."""
        order = self.get_object()
        orders.order_lift(by=request.user, order=order, version=version_of(request))
        return self._done(order)

    @extend_schema(
        request=inline_serializer(
            "OrderEscalation",
            {
                "facts": serializers.CharField(),
                "legal_basis": serializers.CharField(required=False),
                "version": serializers.IntegerField(required=False),
            },
        ),
        responses={201: OrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        """A suspension not lifted in time → escalated; the close request issued is returned."""
        order = self.get_object()
        data = body(request)
        close = orders.order_escalate(
            by=request.user,
            order=order,
            facts=str(data.get("facts", "")),
            legal_basis=str(data.get("legal_basis") or order.legal_basis),
            version=version_of(request),
        )
        return self._done(close, status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ): OpenApiResponse(OpenApiTypes.BINARY)
        }
    )
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        """The formal document (指令书 / 决定书) as .docx."""
        order = self.get_object()
        response = HttpResponse(
            orders.render_docx(order),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="order-{order.pk}.docx"'
        return response

    @extend_schema(responses=_DOCUMENT)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The formal document (指令书 / 决定书) as .pdf."""
        order = self.get_object()
        response = HttpResponse(orders.render_pdf(order), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="order-{order.pk}.pdf"'
        return response

    @extend_schema(responses=ProposalSerializer(many=True))
    @action(detail=False, methods=["get"], url_path=r"proposals/(?P<mine>\d+)")
    def proposals(self, request, mine=None):
        """What the system proposes for the mine now, from its facts (the officer confirms a
        proposal by issuing the order)."""
        target = get_object_or_404(Mine.objects.visible_to(request.user), pk=mine)
        return Response(
            [
                {
                    "kind": p.kind,
                    "kind_label": str(OrderKind(p.kind).label),
                    "reason": p.reason,
                    "hazards": list(p.hazard_ids),
                }
                for p in orders.order_proposals(target)
            ]
        )


# --- monthly checks -------------------------------------------------------------------------


class MonthlyCheckSerializer(serializers.ModelSerializer):
    mine = ScopedPrimaryKeyField(queryset=Mine.objects.all())
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    hazards = ScopedPrimaryKeyField(queryset=Hazard.objects.all(), many=True, required=False)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = MonthlyMajorHazardCheck
        fields = [
            "id",
            "mine",
            "mine_code",
            "mine_name",
            "month",
            "checked_on",
            "led_by",
            "participants",
            "areas",
            "hazards",
            "report",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"report": {"required": False}}
        # One check per mine and month: the service says so in words (no generic validator).
        validators: list = []

    def validate(self, attrs):
        return attrs


class MonthlyCheckViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
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
        serializer.instance = monthly.monthly_check_record(
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
                "mine": serializers.IntegerField(),
                "mine_code": serializers.CharField(),
                "mine_name": serializers.CharField(),
                "checked": serializers.ListField(child=serializers.CharField()),
                "missing": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        ),
    )
    @action(detail=False, methods=["get"])
    def calendar(self, request):
        """The duty calendar: per mine of your area, the months checked and the months that
        ended without a check (``YYYY-MM``), paginated over the mines."""
        today = timezone.localdate()
        since = _date(request.query_params, "since") or monthly.calendar_start(request.user, today)
        mines = (
            Mine.objects.visible_to(request.user)
            .select_related("region")
            .order_by("region__code", "name", "pk")
        )
        page = self.paginate_queryset(mines)
        rows = monthly.duty_calendar(page if page is not None else mines, since=since, on=today)
        data = [
            {
                "mine": r["mine"].pk,
                "mine_code": r["mine"].code,
                "mine_name": r["mine"].name,
                "checked": [m.strftime("%Y-%m") for m in r["checked"]],
                "missing": [m.strftime("%Y-%m") for m in r["missing"]],
            }
            for r in rows
        ]
        return self.get_paginated_response(data) if page is not None else Response(data)


def register(router) -> None:
    router.register("orders", OrderViewSet, basename="order")
    router.register("monthly-checks", MonthlyCheckViewSet, basename="monthlycheck")
