"""The import endpoint, once for every import: ``POST <prefix>/import/`` with the multipart
``file`` and an optional ``dry_run``. The whole file is checked and, unless ``dry_run`` or any
row has an error, imported; 200 with the result, or 422 with every error (row, column, value,
message) and nothing written. A file that is no spreadsheet at all is 413/415 (or 403 when the
import refuses the caller) in the API's error format.

A viewset declares what differs::

    class ThingViewSet(SpreadsheetImportMixin, ScopedViewSet):
        import_schema = ImportSchema("ThingImport", "Import things from .xlsx or .csv")

        def run_import(self, *, filename, data, dry_run):
            return import_things(by=self.request.user, filename=filename, data=data,
                                 dry_run=dry_run)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..parsers import FormParser, MultiPartParser  # texts cleaned
from .reading import check_size
from .results import ImportRefused, ImportResult
from .writing import XLSX_MIME

TRUE_WORDS = {"1", "true", "yes", "on"}
XLSX_RESPONSE = {(200, XLSX_MIME): OpenApiResponse(OpenApiTypes.BINARY)}
_REFUSAL_CODES = {403: "permission_denied", 413: "too_large", 415: "unsupported_media_type"}


def refused_response(exc: ImportRefused) -> Response:
    """A refused file in the API's error format."""
    code = _REFUSAL_CODES.get(exc.status, "invalid")
    return Response(
        {"error": {"code": code, "message": exc.message, "fields": {}}}, status=exc.status
    )


@dataclass(frozen=True)
class ImportSchema:
    """The OpenAPI description of an import endpoint: components ``<name>Issue``,
    ``<name>Result`` and ``<name>Upload``; ``counts`` are the result's further counts,
    ``items``: the result lists each row's outcome."""

    name: str
    summary: str
    counts: tuple[str, ...] = ()
    items: bool = False

    def decorator(self) -> Any:
        issue = inline_serializer(
            f"{self.name}Issue",
            {
                "row": serializers.IntegerField(),
                "column": serializers.CharField(),
                "value": serializers.CharField(),
                "message": serializers.CharField(),
            },
            many=True,
        )
        fields: dict[str, serializers.Field] = {
            "dry_run": serializers.BooleanField(),
            "rows": serializers.IntegerField(),
            **{n: serializers.IntegerField() for n in ("created", "updated", "unchanged")},
            **{n: serializers.IntegerField() for n in self.counts},
            "warnings": issue,
            "errors": issue,
        }
        if self.items:
            fields["items"] = serializers.ListField(child=serializers.DictField())
        result = inline_serializer(f"{self.name}Result", fields)
        upload = inline_serializer(
            f"{self.name}Upload",
            {
                "file": serializers.FileField(),
                "dry_run": serializers.BooleanField(required=False, default=False),
            },
        )
        return extend_schema(
            request={"multipart/form-data": upload},
            responses={200: result, 422: result},
            summary=self.summary,
        )


class SpreadsheetImportMixin:
    """A viewset's ``import/`` action. ``import_permission``: refused with 403 (and audited
    as a refusal) before the file is looked at, unless the caller has it."""

    import_schema: ImportSchema
    import_permission: str | None = None
    import_denied: Any = None  # the message of that refusal
    request: Request

    def __init_subclass__(cls, **kwargs: Any):
        super().__init_subclass__(**kwargs)
        if "import_schema" in cls.__dict__:
            extend_schema_view(import_file=cls.import_schema.decorator())(cls)

    def run_import(self, *, filename: str, data: bytes, dry_run: bool) -> ImportResult:
        raise NotImplementedError

    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_file(self, request: Request) -> Response:
        """Check the whole file and, unless ``dry_run`` or any row has an error, import it.
        422 with every error (row, column, value, message) when the file is refused; then
        nothing has been written."""
        if self.import_permission and not request.user.has_perm(self.import_permission):
            raise exceptions.PermissionDenied(self.import_denied)
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Attach the file as “file”.")]})
        dry_run = str(request.data.get("dry_run", "")).strip().lower() in TRUE_WORDS
        try:
            check_size(upload.size)
            result = self.run_import(
                filename=upload.name or "",
                data=upload.read(settings.UPLOAD_MAX_BYTES + 1),
                dry_run=dry_run,
            )
        except ImportRefused as exc:
            return refused_response(exc)
        code = status.HTTP_200_OK if result.ok else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(result.as_dict(), status=code)
