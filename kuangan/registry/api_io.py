"""Registry import/export API: ``POST /api/v1/mines/import/`` (multipart ``file``, optional
``dry_run``), ``GET /api/v1/mines/export/?<ledger filters>`` and
``GET /api/v1/mines/import-template/``."""

from __future__ import annotations

from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.routers import BaseRouter

from kuangan.core.spreadsheets import ImportResult
from kuangan.core.spreadsheets.api import XLSX_RESPONSE, ImportSchema, SpreadsheetImportMixin

from .exports import export_response, filtered_mines, template_response
from .filters import MineFilterSet
from .imports import IMPORT_PERM, import_mines

_EXPORT_PARAMETERS = [
    *(
        OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, description=f.label)
        for name, f in MineFilterSet.base_filters.items()
    ),
    OpenApiParameter("q", OpenApiTypes.STR, OpenApiParameter.QUERY, description="search text"),
    OpenApiParameter("sort", OpenApiTypes.STR, OpenApiParameter.QUERY, description="sort key"),
]


class MineImportExportViewSet(SpreadsheetImportMixin, viewsets.ViewSet):
    """Import and export of the mine registry in its spreadsheet format."""

    permission_classes = [permissions.IsAuthenticated]
    import_permission = IMPORT_PERM
    import_denied = gettext_lazy("You do not have permission to import mines.")
    import_schema = ImportSchema(
        "MineImport",
        "Import mines from .xlsx or .csv",
        counts=("enterprises_created", "enterprises_updated"),
    )

    def run_import(self, *, filename: str, data: bytes, dry_run: bool) -> ImportResult:
        return import_mines(by=self.request.user, filename=filename, data=data, dry_run=dry_run)

    @extend_schema(
        parameters=_EXPORT_PARAMETERS,
        responses=XLSX_RESPONSE,
        summary="Export the mine registry in the import format",
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export_file(self, request: Request) -> HttpResponseBase:
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
        responses=XLSX_RESPONSE,
        summary="The blank import template",
    )
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request: Request) -> HttpResponseBase:
        if not request.user.has_perm("registry.view_mine"):
            raise exceptions.PermissionDenied()
        return template_response()


def register(router: BaseRouter) -> None:
    """Registry import/export API routes, under the ``mines/`` prefix. They are moved to the
    front of the router so that ``mines/import/`` and ``mines/export/`` are matched before the
    mine viewset's ``mines/{code}/``."""
    router.register("mines", MineImportExportViewSet, basename="mine-io")
    router.registry.insert(0, router.registry.pop())
