"""Importing checklists from a file: upload → preview with every row error → confirm."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from .. import imports, services
from ..forms import ImportForm
from ..models import ChecklistTemplate


def _import_dir() -> Path:
    path = Path(settings.DATA_DIR) / "checklist-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


class ImportView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Upload → preview with every row error → confirm. Nothing is saved before confirming,
    and nothing at all when the file has an error."""

    model = ChecklistTemplate
    permission_required = "checklists.import_checklisttemplate"
    template_name = "checklists/import_upload.html"
    form_class = ImportForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        if upload.size > imports.MAX_BYTES:
            form.add_error(
                "file",
                _("The file is larger than %(mb)s MB.") % {"mb": imports.MAX_BYTES // 1048576},
            )
            return self.form_invalid(form)
        content = upload.read()
        as_new = form.cleaned_data["as_new_version"]
        try:
            parsed = services.checklist_import_preview(
                filename=upload.name, content=content, as_new_version=as_new
            )
        except imports.ImportFailed as exc:
            return render(
                self.request,
                "checklists/import_upload.html",
                {"form": form, "errors": exc.errors, "filename": upload.name},
                status=422,
            )
        token = secrets.token_urlsafe(16)
        suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".yaml"
        (_import_dir() / f"{token}{suffix}").write_bytes(content)
        self.request.session["checklist_import"] = {
            "token": token,
            "suffix": suffix,
            "filename": upload.name[:200],
            "as_new_version": as_new,
        }
        return render(
            self.request,
            "checklists/import_preview.html",
            {"templates": parsed, "filename": upload.name},
        )


class ImportConfirmView(LoginRequiredMixin, PermissionRequiredMixin, View):
    model = ChecklistTemplate
    permission_required = "checklists.import_checklisttemplate"

    def get(self, request):
        return redirect("checklists:import")

    def post(self, request):
        pending = request.session.pop("checklist_import", None)
        if not pending:
            messages.error(request, _("Nothing to import: upload the file again."))
            return redirect("checklists:import")
        path = _import_dir() / f"{pending['token']}{pending['suffix']}"
        if not path.exists():
            messages.error(request, _("Nothing to import: upload the file again."))
            return redirect("checklists:import")
        content = path.read_bytes()
        path.unlink(missing_ok=True)
        try:
            created = services.checklist_import(
                by=request.user,
                filename=pending["filename"],
                content=content,
                as_new_version=pending["as_new_version"],
            )
        except imports.ImportFailed as exc:
            return render(
                request,
                "checklists/import_upload.html",
                {"form": ImportForm(), "errors": exc.errors, "filename": pending["filename"]},
                status=422,
            )
        messages.success(
            request,
            _("Imported %(n)s checklist(s) as drafts. Check them, then publish.")
            % {"n": len(created)},
        )
        return redirect(created[0].get_absolute_url())
