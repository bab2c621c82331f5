"""API of the risk list (风险管控清单) and the mine's two lists (两个清单).

``/api/v1/risk-items/``: list (the ledger's filters), retrieve, create, change (PATCH, with the
``version`` loaded: a stale one is 409), delete; ``import/`` (multipart ``file``, optional
``dry_run``: all or nothing, 422 with every error), ``export/`` (the ledger's filters, in the
import format), ``import-template/``; and ``two-lists/<mine code>/`` (the mine's hazard list
and risk list as one .xlsx workbook)."""

from __future__ import annotations

from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from kuangan.core.api import (
    ScopedCodeField,
    ScopedViewSet,
    VersionedUpdateMixin,
    version_of,
)
from kuangan.core.spreadsheets import ImportResult
from kuangan.core.spreadsheets.api import XLSX_RESPONSE, ImportSchema, SpreadsheetImportMixin
from kuangan.registry.models import Mine

from .. import risk_io, services
from ..filters import RiskItemFilterSet
from ..models import RiskItem
from ..two_lists import two_lists_response


class RiskItemSerializer(serializers.ModelSerializer):
    mine = ScopedCodeField(queryset=Mine.objects.all())
    mine_code = serializers.CharField(source="mine.code", read_only=True)
    mine_name = serializers.CharField(source="mine.name", read_only=True)
    review_overdue = serializers.BooleanField(source="is_review_overdue", read_only=True)

    class Meta:
        model = RiskItem
        fields = [
            "id",
            "code",
            "mine",
            "mine_code",
            "mine_name",
            *services.RISK_FIELDS,
            "review_overdue",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "version", "created_at", "updated_at"]

    def validate(self, attrs):
        # The service runs the model's full validation; nothing is checked twice here.
        return attrs


class RiskItemViewSet(
    SpreadsheetImportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    VersionedUpdateMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """The risk lists of the mines in your area. The enterprise keeps its list; regulators
    read it."""

    model = RiskItem
    serializer_class = RiskItemSerializer
    filterset_class = RiskItemFilterSet
    search_fields = ["code", "location", "description", "control_measures", "mine__name"]
    ordering_fields = ["code", "level", "review_on", "updated_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    import_schema = ImportSchema("RiskImport", "Import risk items from .xlsx", items=True)

    def get_queryset(self):
        return super().get_queryset().select_related("mine").order_by("mine__name", "code")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.risk_create(
            by=self.request.user, mine=data.pop("mine"), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "mine" in data and data.pop("mine").pk != serializer.instance.mine_id:
            raise exceptions.ValidationError(
                {"mine": [_("The mine of a risk item cannot change.")]}
            )
        serializer.instance = services.risk_update(
            by=self.request.user,
            risk=RiskItem.objects.get(pk=serializer.instance.pk),
            version=version_of(self.request),
            **data,
        )

    def perform_destroy(self, instance):
        services.risk_delete(
            by=self.request.user, risk=instance, version=version_of(self.request, in_query=True)
        )

    def run_import(self, *, filename: str, data: bytes, dry_run: bool) -> ImportResult:
        return risk_io.import_risks(
            by=self.request.user, filename=filename, data=data, dry_run=dry_run
        )

    @extend_schema(responses=XLSX_RESPONSE, summary="Export risk items in the import format")
    @action(detail=False, methods=["get"], url_path="export")
    def export_file(self, request: Request) -> HttpResponseBase:
        """The risk items of your area, with the ledger's filters, as an .xlsx file that
        imports back unchanged."""
        return risk_io.export_response(
            by=request.user,
            items=list(self.filter_queryset(self.get_queryset())),
            filters=request.query_params.dict(),
        )

    @extend_schema(responses=XLSX_RESPONSE, summary="The blank import template")
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request: Request) -> HttpResponseBase:
        return risk_io.template_response()

    @extend_schema(
        responses=XLSX_RESPONSE, summary="The mine's two lists (hazard list and risk list)"
    )
    @action(detail=False, methods=["get"], url_path=r"two-lists/(?P<code>[^/.]+)")
    def two_lists(self, request, code=None):
        """The mine's hazard list and risk list as one .xlsx workbook (formal ledger layout)."""
        if not request.user.has_perm("hazards.view_hazard"):
            raise exceptions.PermissionDenied()
        mine = get_object_or_404(
            Mine.objects.visible_to(request.user).select_related("enterprise", "region"),
            code=code,
        )
        return two_lists_response(user=request.user, mine=mine)
