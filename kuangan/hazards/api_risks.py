"""API of the risk list (风险管控清单) and the mine's two lists (两个清单).

``/api/v1/risk-items/``: list (the ledger's filters), retrieve, create, change (PATCH, with the
``version`` loaded: a stale one is 409), delete; ``import/`` (multipart ``file``, optional
``dry_run``: all or nothing, 422 with every error), ``export/`` (the ledger's filters, in the
import format), ``import-template/``; and ``two-lists/<mine code>/`` (the mine's hazard list
and risk list as one .xlsx workbook)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from kuangan.core import audit
from kuangan.core.api import ScopedPrimaryKeyField, ScopedViewSet, version_of
from kuangan.core.choices import AuditAction
from kuangan.registry.imports import ImportRefused
from kuangan.registry.models import Mine

from . import risk_io, risks
from .filters import RiskItemFilterSet
from .models import RiskItem
from .two_lists import two_lists_response

_TRUE = {"1", "true", "yes", "on"}
_XLSX = {(200, risk_io.XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)}


class RiskItemSerializer(serializers.ModelSerializer):
    mine = ScopedPrimaryKeyField(queryset=Mine.objects.all())
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
            "location",
            "hazard_type",
            "description",
            "level",
            "control_measures",
            "responsible_person",
            "responsible_level",
            "review_on",
            "review_overdue",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "version", "created_at", "updated_at"]

    def validate(self, attrs):
        # The service runs the model's full validation; nothing is checked twice here.
        return attrs


_ISSUE = inline_serializer(
    "RiskImportIssue",
    {
        "row": serializers.IntegerField(),
        "column": serializers.CharField(),
        "value": serializers.CharField(),
        "message": serializers.CharField(),
    },
    many=True,
)
_RESULT = inline_serializer(
    "RiskImportResult",
    {
        "dry_run": serializers.BooleanField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "warnings": _ISSUE,
        "errors": _ISSUE,
        "items": serializers.ListField(child=serializers.DictField()),
    },
)


class RiskUpload(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)


def _refused(exc: ImportRefused) -> Response:
    codes = {403: "permission_denied", 413: "too_large", 415: "unsupported_media_type"}
    return Response(
        {"error": {"code": codes.get(exc.status, "invalid"), "message": exc.message, "fields": {}}},
        status=exc.status,
    )


def _xlsx(data: bytes, filename: str):
    from django.http import HttpResponse

    response = HttpResponse(data, content_type=risk_io.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


class RiskItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
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

    def get_queryset(self):
        return super().get_queryset().select_related("mine").order_by("mine__name", "code")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = risks.risk_create(by=self.request.user, mine=data.pop("mine"), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "mine" in data and data.pop("mine").pk != serializer.instance.mine_id:
            raise exceptions.ValidationError(
                {"mine": [_("The mine of a risk item cannot change.")]}
            )
        serializer.instance = risks.risk_update(
            by=self.request.user,
            risk=RiskItem.objects.get(pk=serializer.instance.pk),
            version=version_of(self.request),
            **data,
        )

    def perform_destroy(self, instance):
        version = self.request.query_params.get("version") or (
            self.request.data.get("version") if isinstance(self.request.data, dict) else None
        )
        try:
            version = int(version) if version not in (None, "") else None
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                {"version": [_("Give the version as a whole number.")]}
            ) from None
        risks.risk_delete(by=self.request.user, risk=instance, version=version)

    @extend_schema(
        request={"multipart/form-data": RiskUpload},
        responses={200: _RESULT, 422: _RESULT},
        summary="Import risk items from .xlsx",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request):
        """Check the whole file and, unless ``dry_run`` or any row has an error, import it.
        422 with every error (row, column, value, message) when the file is refused; then
        nothing has been written."""
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Attach the file as “file”.")]})
        if upload.size > settings.UPLOAD_MAX_BYTES:
            return _refused(
                ImportRefused(
                    _("The file is %(size).1f MB; files may be at most %(max)d MB.")
                    % {
                        "size": upload.size / 1024 / 1024,
                        "max": settings.UPLOAD_MAX_BYTES // 1048576,
                    },
                    status=413,
                )
            )
        dry_run = str(request.data.get("dry_run", "")).strip().lower() in _TRUE
        try:
            result = risk_io.import_risks(
                by=request.user,
                filename=upload.name or "",
                data=upload.read(settings.UPLOAD_MAX_BYTES + 1),
                dry_run=dry_run,
            )
        except ImportRefused as exc:
            return _refused(exc)
        code = status.HTTP_200_OK if result.ok else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(result.as_dict(), status=code)

    @extend_schema(responses=_XLSX, summary="Export risk items in the import format")
    @action(detail=False, methods=["get"], url_path="export")
    def export_file(self, request):
        """The risk items of your area, with the ledger's filters, as an .xlsx file that
        imports back unchanged."""
        items = list(self.filter_queryset(self.get_queryset()))
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORTED,
            object_repr=str(RiskItem._meta.verbose_name_plural),
            region=getattr(request.user, "audit_region", lambda: None)(),
            changes={
                "rows": len(items),
                "filters": request.query_params.dict(),
                "format": "import",
            },
        )
        response = _xlsx(risk_io.workbook_bytes(items), risk_io.export_filename(_("risk list")))
        response["X-Export-Rows"] = str(len(items))
        return response

    @extend_schema(responses=_XLSX, summary="The blank import template")
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request):
        return _xlsx(risk_io.workbook_bytes([]), _("risk list template.xlsx"))

    @extend_schema(responses=_XLSX, summary="The mine's two lists (hazard list and risk list)")
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


def register(router) -> None:
    router.register("risk-items", RiskItemViewSet, basename="riskitem")
