"""Registry import/export API: ``POST /api/v1/mines/import/`` (multipart ``file``, optional
``dry_run``), ``GET /api/v1/mines/export/?<ledger filters>`` and
``GET /api/v1/mines/import-template/``."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from .exports import XLSX_TYPE, export_response, filtered_mines, template_response
from .filters import MineFilterSet
from .imports import IMPORT_PERM, ImportRefused, import_mines

_TRUE = {"1", "true", "yes", "on"}

_ISSUE = inline_serializer(
    "MineImportIssue",
    {
        "row": serializers.IntegerField(),
        "column": serializers.CharField(),
        "value": serializers.CharField(),
        "message": serializers.CharField(),
    },
    many=True,
)
_RESULT = inline_serializer(
    "MineImportResult",
    {
        "dry_run": serializers.BooleanField(),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "enterprises_created": serializers.IntegerField(),
        "enterprises_updated": serializers.IntegerField(),
        "warnings": _ISSUE,
        "errors": _ISSUE,
    },
)


_EXPORT_PARAMETERS = [
    *(
        OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=f.label)
        for name, f in MineFilterSet.base_filters.items()
    ),
    OpenApiParameter("q", OpenApiTypes.STR, OpenApiParameter.QUERY, description="search text"),
    OpenApiParameter("sort", OpenApiTypes.STR, OpenApiParameter.QUERY, description="sort key"),
]


class _Upload(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)


def _refused(exc: ImportRefused) -> Response:
    codes = {403: "permission_denied", 413: "too_large", 415: "unsupported_media_type"}
    return Response(
        {"error": {"code": codes.get(exc.status, "invalid"), "message": exc.message, "fields": {}}},
        status=exc.status,
    )


class MineImportExportViewSet(viewsets.ViewSet):
    """Import and export of the mine registry in its spreadsheet format."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request={"multipart/form-data": _Upload},
        responses={200: _RESULT, 422: _RESULT},
        summary="Import mines from .xlsx or .csv",
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
        if not request.user.has_perm(IMPORT_PERM):
            raise exceptions.PermissionDenied(_("You do not have permission to import mines."))
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
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        try:
            result = import_mines(
                by=request.user, filename=upload.name or "", data=data, dry_run=dry_run
            )
        except ImportRefused as exc:
            return _refused(exc)
        code = status.HTTP_200_OK if result.ok else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(result.as_dict(), status=code)

    @extend_schema(
        parameters=_EXPORT_PARAMETERS,
        responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="Export the mine registry in the import format",
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export_file(self, request):
        """The mines visible to the caller, filtered with the registry ledger's parameters
        (``region``, ``kind``, ``status``, scope and priority filters, ``q``, ``sort``), as an
        .xlsx file that imports back unchanged."""
        for perm in ("registry.view_mine", "registry.export_mine"):
            if not request.user.has_perm(perm):
                raise exceptions.PermissionDenied()
        qs, errors = filtered_mines(request._request)
        if errors:
            raise exceptions.ValidationError(errors)
        return export_response(request._request, qs)

    @extend_schema(
        responses={(200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY)},
        summary="The blank import template",
    )
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request):
        if not request.user.has_perm("registry.view_mine"):
            raise exceptions.PermissionDenied()
        return template_response()


def register(router) -> None:
    """Registry import/export API routes, under the ``mines/`` prefix. They are moved to the
    front of the router so that ``mines/import/`` and ``mines/export/`` are matched before the
    mine viewset's ``mines/{code}/``."""
    router.register("mines", MineImportExportViewSet, basename="mine-io")
    router.registry.insert(0, router.registry.pop())
