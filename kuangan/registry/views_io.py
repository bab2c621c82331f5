"""Pages to import the mine registry (upload → preview → confirm), to download the blank
template and to export the registry in the import format.

Between preview and confirm the uploaded file is kept under
``KUANGAN_DATA_DIR/imports/<random>.<ext>`` (never under the name the person gave it), bound
to the person's session, and deleted after the confirmation, a cancellation, or a preview
that found errors.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kuangan.core.forms import StyledForm

from . import columns as cols
from .exports import export_response, template_response
from .imports import EXTENSIONS, IMPORT_PERM, ImportRefused, extension_of, import_mines

SESSION_KEY = "registry_import"
STALE_SECONDS = 24 * 3600
PREVIEW_ROWS = 500
ACTION_LABELS = {
    "create": gettext_lazy("New"),
    "update": gettext_lazy("Changed"),
    "unchanged": gettext_lazy("Unchanged"),
}


def import_folder() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _remove_stale(folder: Path) -> None:
    """Files of previews that were never confirmed nor cancelled go after a day."""
    limit = time.time() - STALE_SECONDS
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _stored_path(token: str, ext: str) -> Path | None:
    if not token.isalnum() or ext not in EXTENSIONS:
        return None
    return import_folder() / f"{token}.{ext}"


def _forget(request) -> None:
    """Delete the file of the pending import of this session, if any."""
    pending = request.session.pop(SESSION_KEY, None)
    if pending:
        path = _stored_path(pending.get("token", ""), pending.get("ext", ""))
        if path is not None:
            path.unlink(missing_ok=True)


class ImportForm(StyledForm, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Registry file"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030) with one row per mine."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if extension_of(upload.name or "") not in EXTENSIONS:
            raise forms.ValidationError(
                _("Only Excel (.xlsx) and CSV (.csv) files can be imported.")
            )
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; files may be at most %(max)d MB.")
                % {
                    "size": upload.size / 1024 / 1024,
                    "max": settings.UPLOAD_MAX_BYTES // 1048576,
                }
            )
        return upload


def _context(result, final: bool = False, **extra) -> dict:
    outcomes = [r for r in result.rows if r.action != "unchanged"]
    return {
        "result": result,
        "outcomes": [
            {
                "row": r.row,
                "action": r.action,
                "action_label": ACTION_LABELS[r.action],
                "code": r.code if final or r.action != "create" else "",
                "name": r.name,
                "changed": "、".join(r.changed),
            }
            for r in outcomes[:PREVIEW_ROWS]
        ],
        "outcomes_more": max(0, len(outcomes) - PREVIEW_ROWS),
        "headers": cols.HEADERS,
        **extra,
    }


class ImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Upload a file; it is checked in full (a dry run) and the preview shown."""

    permission_required = IMPORT_PERM
    template_name = "registry/io_upload.html"

    def get(self, request):
        _forget(request)
        return self.page(ImportForm())

    def page(self, form, status: int = 200):
        return render(
            self.request,
            self.template_name,
            {"title": _("Import mines"), "form": form, "headers": cols.COLUMNS},
            status=status,
        )

    def post(self, request):
        _forget(request)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        upload = form.cleaned_data["file"]
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        ext = extension_of(upload.name)
        try:
            result = import_mines(by=request.user, filename=upload.name, data=data, dry_run=True)
        except ImportRefused as exc:
            form.add_error("file", exc.message)
            return self.page(form, status=400)
        title = _("Import mines: preview")
        changes = (
            result.created
            + result.updated
            + result.enterprises_created
            + result.enterprises_updated
        )
        if not result.ok or not changes:
            # Nothing to confirm: the file is not kept.
            return render(
                request,
                "registry/io_preview.html",
                _context(result, title=title, filename=upload.name),
                status=200 if result.ok else 422,
            )
        folder = import_folder()
        _remove_stale(folder)
        token = secrets.token_hex(16)
        (folder / f"{token}.{ext}").write_bytes(data)
        request.session[SESSION_KEY] = {"token": token, "ext": ext, "name": upload.name}
        return render(
            request,
            "registry/io_preview.html",
            _context(result, title=title, filename=upload.name, token=token),
        )


class ImportConfirmView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Carry out the import that was previewed, then delete the kept file."""

    permission_required = IMPORT_PERM

    def get(self, request):
        return redirect("registry:mine_import")

    def post(self, request):
        pending = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        path = _stored_path(pending.get("token", ""), pending.get("ext", ""))
        if not pending or token != pending.get("token") or path is None or not path.exists():
            _forget(request)
            messages.error(
                request,
                _("There is no import waiting for confirmation; upload the file again."),
            )
            return redirect("registry:mine_import")
        try:
            data = path.read_bytes()
            result = import_mines(by=request.user, filename=pending["name"], data=data)
        except ImportRefused as exc:
            messages.error(request, exc.message)
            return redirect("registry:mine_import")
        finally:
            _forget(request)
        if not result.ok:
            return render(
                request,
                "registry/io_preview.html",
                _context(
                    result,
                    title=_("Import mines: the registry changed since the preview"),
                    filename=pending["name"],
                ),
                status=422,
            )
        return render(
            request,
            "registry/io_result.html",
            _context(result, final=True, title=_("Import mines: done"), filename=pending["name"]),
        )


class ImportCancelView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = IMPORT_PERM

    def get(self, request):
        return redirect("registry:mine_import")

    def post(self, request):
        _forget(request)
        messages.info(request, _("The import was cancelled; nothing was changed."))
        return redirect("registry:mine_import")


class ImportTemplateView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The blank import workbook with its drop-down lists and instruction sheet."""

    permission_required = "registry.view_mine"

    def get(self, request):
        return template_response()


class ExportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The registry, with the ledger's filters (same GET parameters), in the import format."""

    permission_required = ("registry.view_mine", "registry.export_mine")

    def get(self, request):
        return export_response(request)
