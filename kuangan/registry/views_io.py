"""Pages to import the mine registry (upload → preview → confirm, on core's
``SpreadsheetImportView``), to download the blank template and to export the registry in the
import format."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from django.views import View

from kuangan.core.spreadsheets import ImportResult
from kuangan.core.spreadsheets.views import (
    Count,
    ImportTexts,
    ImportUrls,
    SpreadsheetImportView,
)

from . import columns as cols
from .exports import export_response, template_response
from .imports import IMPORT_PERM, import_mines

SESSION_KEY = "registry_import"


class ImportView(SpreadsheetImportView):
    """Upload a file; it is checked in full (a dry run) and the preview shown; then confirm
    (the import is carried out, the kept file deleted) or cancel."""

    permission_required = IMPORT_PERM
    session_key = SESSION_KEY
    export_perm = "registry.export_mine"
    urls = ImportUrls(
        "registry:mine_import",
        template="registry:mine_import_template",
        export="registry:mine_export",
        done="registry:mine_list",
    )
    texts = ImportTexts(
        title=_("Import mines"),
        preview=_("Import mines: preview"),
        changed=_("Import mines: the registry changed since the preview"),
        done=_("Import mines: done"),
        intro=_(
            "The file is checked in full first: you will see what would be registered, changed "
            "or left as it is, or every error with its row, column and value. Nothing is "
            "changed until you confirm."
        ),
        pending=_(
            "Nothing has been changed yet. Confirm to write these changes into the registry; "
            "each is recorded in the mines' history and the audit log."
        ),
        question=_("Write the changes shown into the mine registry?"),
        matches=_("The file matches the registry: importing it changes nothing."),
        finished=_(
            "The import is done. The changes are recorded in the mines' history and the audit log."
        ),
        open_list=_("Open the mine registry"),
        export=_("Export the registry in this format"),
    )
    upload_label = _("Registry file")
    upload_help = _(
        "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030) with one row per mine."
    )
    counts = (
        *Count.rows(_("new mines"), _("mines changed"), _("mines unchanged")),
        Count("enterprises_created", _("new enterprises"), width="col-sm-6 col-lg-3"),
        Count("enterprises_updated", _("enterprises changed"), width="col-sm-6 col-lg-3"),
    )
    outcome_headers = (_("Mine code"), _("Mine name"))

    def run_import(self, *, filename: str, data: bytes, dry_run: bool) -> ImportResult:
        return import_mines(by=self.request.user, filename=filename, data=data, dry_run=dry_run)

    def columns(self) -> list[dict[str, Any]]:
        return cols.FORMAT.described()


class ImportTemplateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The blank import workbook with its drop-down lists and instruction sheet."""

    permission_required = "registry.view_mine"

    def get(self, request: HttpRequest) -> HttpResponseBase:
        return template_response()


class ExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The registry, with the ledger's filters (same GET parameters), in the import format."""

    permission_required = ("registry.view_mine", "registry.export_mine")

    def get(self, request: HttpRequest) -> HttpResponseBase:
        return export_response(request)
