"""API of enforcement orders (执法处置): list and retrieve with the order ledger's filters,
issue (create) through ``services.order_issue``, the steps as POSTs on the order (refuse,
comply, lift, escalate, reinspect), the formal document as .docx or .pdf, and the proposals the system
makes for a mine."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from kuangan.core.api import (
    ScopedCreateViewSet,
    ScopedPrimaryKeyField,
    body,
    date_of,
    find_by_code,
    version_of,
)
from kuangan.registry.api import MineRowSerializer
from kuangan.registry.models import Mine

from .. import services
from ..choices import OrderKind, ReinspectionOutcome
from ..documents import DOCX_MIME, order_document
from ..filters import OrderFilterSet
from ..models import Hazard, Order, Reinspection


def _dated_step_input(name: str) -> serializers.Serializer:
    """The body of a step that may say on which day it happened."""
    return inline_serializer(
        name,
        {
            "on": serializers.DateField(required=False),
            "version": serializers.IntegerField(required=False),
        },
    )


class ReinspectionSerializer(serializers.ModelSerializer):
    inspector = serializers.CharField(source="inspector.username", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)

    class Meta:
        model = Reinspection
        fields = [
            "id",
            "order",
            "inspected_on",
            "outcome",
            "outcome_label",
            "findings",
            "inspector",
        ]
        read_only_fields = fields


class OrderSerializer(MineRowSerializer):
    hazards = ScopedPrimaryKeyField(queryset=Hazard.objects.all(), many=True, required=False)
    issuing_body = serializers.CharField(source="issuing_body.name", read_only=True)
    officer = serializers.CharField(source="officer.username", read_only=True)
    is_decision = serializers.BooleanField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    transfer_category_label = serializers.CharField(
        source="get_transfer_category_display", read_only=True
    )
    reinspections = ReinspectionSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
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
            "transfer_category",
            "transfer_category_label",
            "reinspection",
            "reinspections",
            "proposal",
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
            "reinspection",
            "proposal",
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
    transfer_category = serializers.CharField()
    grounds = serializers.ListField(child=serializers.CharField())


_DOCUMENT = {
    (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
}


class OrderViewSet(ScopedCreateViewSet):
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
            .prefetch_related("hazards", "reinspections", "reinspections__inspector")
            .order_by("-issued_on", "-pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.order_issue(
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

    def _dated_step(self, request, service) -> Response:
        """A step on the order that may say on which day (``on``, default today)."""
        order = self.get_object()
        service(
            by=request.user,
            order=order,
            on=date_of(body(request), "on"),
            version=version_of(request),
        )
        return self._done(order)

    @extend_schema(request=_dated_step_input("OrderRefusal"))
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Record that the enterprise refuses to carry out the order (a fact for a suspension)."""
        return self._dated_step(request, services.order_record_refusal)

    @extend_schema(request=_dated_step_input("OrderCompliance"))
    @action(detail=True, methods=["post"])
    def comply(self, request, pk=None):
        """issued → complied: the enterprise carried the order out."""
        return self._dated_step(request, services.order_comply)

    @extend_schema(
        request=inline_serializer(
            "OrderLift", {"version": serializers.IntegerField(required=False)}
        )
    )
    @action(detail=True, methods=["post"])
    def lift(self, request, pk=None):
        """complied → lifted."""
        order = self.get_object()
        services.order_lift(by=request.user, order=order, version=version_of(request))
        return self._done(order)

    @extend_schema(
        request=inline_serializer(
            "OrderReinspection",
            {
                "inspected_on": serializers.DateField(required=False),
                "outcome": serializers.ChoiceField(choices=ReinspectionOutcome.choices),
                "findings": serializers.CharField(),
                "version": serializers.IntegerField(required=False),
            },
        ),
        responses={201: OrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def reinspect(self, request, pk=None):
        """Record the re-inspection (复查) of a suspension with its outcome (``met`` /
        ``unmet``); an ``unmet`` one is the fact a close request rests on."""
        order = self.get_object()
        data = body(request)
        services.order_reinspect(
            by=request.user,
            order=order,
            inspected_on=date_of(data, "inspected_on"),
            outcome=str(data.get("outcome", "")),
            findings=str(data.get("findings", "")),
            version=version_of(request),
        )
        return self._done(order, status.HTTP_201_CREATED)

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
        """A suspension whose latest re-inspection found the conditions unmet → escalated; the
        close request issued is returned."""
        order = self.get_object()
        data = body(request)
        close = services.order_escalate(
            by=request.user,
            order=order,
            facts=str(data.get("facts", "")),
            legal_basis=str(data.get("legal_basis") or order.legal_basis),
            version=version_of(request),
        )
        return self._done(close, status.HTTP_201_CREATED)

    @extend_schema(responses={(200, DOCX_MIME): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        """The formal document (指令书 / 决定书) as .docx."""
        return order_document(self.get_object(), "docx")

    @extend_schema(responses=_DOCUMENT)
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The formal document (指令书 / 决定书) as .pdf."""
        return order_document(self.get_object(), "pdf")

    @extend_schema(responses=ProposalSerializer(many=True))
    @action(detail=False, methods=["get"], url_path=r"proposals/(?P<mine>[^/]+)")
    def proposals(self, request, mine=None):
        """What the system proposes for the mine (its code) now, from its facts (the officer
        confirms a proposal by issuing the order)."""
        target = find_by_code(Mine.objects.visible_to(request.user), mine)
        if target is None:
            raise Http404
        return Response(
            [
                {
                    "kind": p.kind,
                    "kind_label": str(OrderKind(p.kind).label),
                    "reason": p.reason,
                    "hazards": list(p.hazard_ids),
                    "transfer_category": p.transfer_category,
                    "grounds": list(p.grounds),
                }
                for p in services.order_proposals(target)
            ]
        )
