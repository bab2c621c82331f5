"""The import pages, upload → preview → confirm, once for every import.

The upload is checked in full (a dry run) and the preview shows what would be created and
changed, or every error with its row, column and value. Between preview and confirm the file
is kept under ``KUANGAN_DATA_DIR/imports/<prefix><random>.<ext>`` (never under the name the
person gave it), bound to the person's session, and deleted after the confirmation, a
cancellation, or a preview that found errors or nothing to change.

An import declares only what differs::

    class ThingImportView(SpreadsheetImportView):
        permission_required = "things.import_thing"
        session_key = "thing_import"
        urls = ImportUrls("things:import", template=..., export=..., done="things:list")
        texts = ImportTexts(title=_("Import things"), ...)
        counts = Count.rows(_("new things"), _("things changed"), _("things unchanged"))

        def run_import(self, *, filename, data, dry_run):
            return import_things(by=self.request.user, filename=filename, data=data,
                                 dry_run=dry_run)

    urlpatterns = [*ThingImportView.urlpatterns("things/import/", "import"), ...]
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from kuangan.core.forms import StyledForm

from .reading import EXTENSIONS, check_upload, extension_of
from .results import ImportRefused, ImportResult, RowOutcome

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


def remove_stale(folder: Path) -> None:
    """Files of previews that were never confirmed nor cancelled go after a day."""
    limit = time.time() - STALE_SECONDS
    for kept in folder.iterdir():
        try:
            if kept.is_file() and kept.stat().st_mtime < limit:
                kept.unlink()
        except OSError:
            continue


class SpreadsheetUploadForm(StyledForm, forms.Form):
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))

    def __init__(self, *args: Any, label: Any = None, help_text: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["file"].label = label
        if help_text:
            self.fields["file"].help_text = help_text

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            check_upload(upload.name or "", upload.size)
        except ImportRefused as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload


@dataclass(frozen=True)
class ImportUrls:
    """URL names of an import's pages; the confirmation and the cancellation are named after
    the upload page (``<page>_confirm``, ``<page>_cancel``)."""

    page: str  # the upload page
    template: str  # the blank template
    export: str  # the data in the import format
    done: str  # the ledger the import fills
    cancelled: str = ""  # where a cancellation leads (default: the upload page)

    def resolved(self) -> dict[str, str]:
        return {
            "page": reverse(self.page),
            "confirm": reverse(f"{self.page}_confirm"),
            "cancel": reverse(f"{self.page}_cancel"),
            "template": reverse(self.template),
            "export": reverse(self.export),
            "done": reverse(self.done),
        }


@dataclass(frozen=True)
class ImportTexts:
    """What an import's pages say about it (translated lazily)."""

    title: Any  # "Import things"
    preview: Any  # "Import things: preview"
    changed: Any  # "Import things: the data changed since the preview"
    done: Any  # "Import things: done"
    intro: Any  # how the check works, on the upload page
    pending: Any  # nothing written yet; confirm to write
    question: Any  # the confirmation question
    matches: Any  # the file changes nothing
    finished: Any  # the import is done
    open_list: Any  # the button to the ledger
    export: Any  # the link to the export


@dataclass(frozen=True)
class Count:
    """One figure of the preview's summary: ``attr`` of the result."""

    attr: str
    label: Any
    tone: str = ""  # the text colour class of the figure
    testid: str = ""
    width: str = "col-sm-4 col-lg-2"

    @classmethod
    def rows(cls, new: Any, changed: Any, unchanged: Any) -> tuple[Count, ...]:
        """The figures every import shows: objects created, changed and left as they are."""
        return (
            cls("created", new, "text-green", "count-created"),
            cls("updated", changed, "text-orange", "count-updated"),
            cls("unchanged", unchanged, "text-secondary", "count-unchanged"),
        )


class SpreadsheetImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """One step of an import: ``step`` is "upload" (the page and the dry run), "confirm" or
    "cancel"; ``urlpatterns`` routes all three."""

    step = "upload"
    session_key: str
    file_prefix = ""  # of the kept files' names
    urls: ImportUrls
    texts: ImportTexts
    export_perm: str | None = None  # the export link is shown only with it
    upload_label: Any = None
    upload_help: Any = None
    counts: tuple[Count, ...] = ()
    outcome_headers: tuple[Any, ...] = ()  # the columns naming a row's object
    upload_template = "core/import_upload.html"
    preview_template = "core/import_preview.html"

    @classmethod
    def urlpatterns(cls, route: str, name: str) -> list[URLPattern]:
        """The upload page at ``route`` named ``name``, and its confirmation and cancellation
        at ``<route>confirm/`` and ``<route>cancel/`` named ``<name>_confirm`` and
        ``<name>_cancel``."""
        return [
            path(route, cls.as_view(), name=name),
            path(f"{route}confirm/", cls.as_view(step="confirm"), name=f"{name}_confirm"),
            path(f"{route}cancel/", cls.as_view(step="cancel"), name=f"{name}_cancel"),
        ]

    # --- what an import provides -----------------------------------------------------------

    def run_import(self, *, filename: str, data: bytes, dry_run: bool) -> ImportResult:
        raise NotImplementedError

    def columns(self) -> list[dict[str, Any]]:
        """The file's columns as the upload page lists them (header, required, help, words)."""
        raise NotImplementedError

    def outcome_cells(self, outcome: RowOutcome, code: str) -> list[dict[str, Any]]:
        """The cells naming a row's object (``{"text", "badge"}``), under ``outcome_headers``."""
        return [{"text": code or "—"}, *({"text": v} for v in outcome.details.values())]

    # --- the kept file ---------------------------------------------------------------------

    def stored_path(self, token: str, ext: str) -> Path | None:
        if not token.isalnum() or ext not in EXTENSIONS:
            return None
        return import_folder() / f"{self.file_prefix}{token}.{ext}"

    def forget(self) -> None:
        """Delete the file of the pending import of this session, if any."""
        pending = self.request.session.pop(self.session_key, None)
        if pending:
            kept = self.stored_path(pending.get("token", ""), pending.get("ext", ""))
            if kept is not None:
                kept.unlink(missing_ok=True)

    def keep(self, name: str, data: bytes) -> str:
        folder = import_folder()
        remove_stale(folder)
        token = secrets.token_hex(16)
        ext = extension_of(name)
        (folder / f"{self.file_prefix}{token}.{ext}").write_bytes(data)
        self.request.session[self.session_key] = {"token": token, "ext": ext, "name": name}
        return token

    # --- pages -----------------------------------------------------------------------------

    def page_urls(self) -> dict[str, str | None]:
        urls: dict[str, str | None] = {**self.urls.resolved()}
        if self.export_perm and not self.request.user.has_perm(self.export_perm):
            urls["export"] = None
        return urls

    def form(self, *args: Any) -> SpreadsheetUploadForm:
        return SpreadsheetUploadForm(*args, label=self.upload_label, help_text=self.upload_help)

    def upload_page(self, form: SpreadsheetUploadForm, status: int = 200) -> HttpResponse:
        context = {
            "title": self.texts.title,
            "form": form,
            "columns": self.columns(),
            "texts": self.texts,
            "urls": self.page_urls(),
        }
        return render(self.request, self.upload_template, context, status=status)

    def preview(
        self,
        result: ImportResult,
        *,
        title: Any,
        status: int = 200,
        final: bool = False,
        **extra: Any,
    ) -> HttpResponse:
        outcomes = [r for r in result.rows if r.action != "unchanged"]
        context = {
            "title": title,
            "result": result,
            "done": final,
            "texts": self.texts,
            "urls": self.page_urls(),
            "counts": [
                {
                    "value": getattr(result, c.attr),
                    "label": c.label,
                    "tone": c.tone,
                    "testid": c.testid,
                    "width": c.width,
                }
                for c in self.counts
            ],
            "outcome_headers": self.outcome_headers,
            "outcomes": [
                {
                    "row": o.row,
                    "action": o.action,
                    "action_label": ACTION_LABELS[o.action],
                    "cells": self.outcome_cells(o, o.code if final or o.action != "create" else ""),
                    "changed": "、".join(o.changed),
                }
                for o in outcomes[:PREVIEW_ROWS]
            ],
            "outcomes_more": max(0, len(outcomes) - PREVIEW_ROWS),
            **extra,
        }
        return render(self.request, self.preview_template, context, status=status)

    # --- the steps -------------------------------------------------------------------------

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.step != "upload":
            return redirect(self.urls.page)
        self.forget()
        return self.upload_page(self.form())

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.step == "confirm":
            return self.confirm()
        if self.step == "cancel":
            self.forget()
            messages.info(request, _("The import was cancelled; nothing was changed."))
            return redirect(self.urls.cancelled or self.urls.page)
        return self.upload()

    def upload(self) -> HttpResponse:
        """Check the uploaded file in full and show what it would do; keep it if there is
        anything to confirm."""
        self.forget()
        form = self.form(self.request.POST, self.request.FILES)
        if not form.is_valid():
            return self.upload_page(form, status=400)
        upload = form.cleaned_data["file"]
        name = upload.name or ""
        data = upload.read(settings.UPLOAD_MAX_BYTES + 1)
        try:
            result = self.run_import(filename=name, data=data, dry_run=True)
        except ImportRefused as exc:
            form.add_error("file", exc.message)
            return self.upload_page(form, status=400)
        if not result.ok or not result.changes:
            # Nothing to confirm: the file is not kept.
            return self.preview(
                result,
                title=self.texts.preview,
                status=200 if result.ok else 422,
                filename=name,
            )
        token = self.keep(name, data)
        return self.preview(result, title=self.texts.preview, filename=name, token=token)

    def confirm(self) -> HttpResponse:
        """Carry out the import that was previewed, then delete the kept file."""
        request = self.request
        pending = request.session.get(self.session_key) or {}
        kept = self.stored_path(pending.get("token", ""), pending.get("ext", ""))
        token = request.POST.get("token", "")
        if not pending or token != pending.get("token") or kept is None or not kept.exists():
            self.forget()
            messages.error(
                request, _("There is no import waiting for confirmation; upload the file again.")
            )
            return redirect(self.urls.page)
        try:
            result = self.run_import(
                filename=pending["name"], data=kept.read_bytes(), dry_run=False
            )
        except ImportRefused as exc:
            messages.error(request, exc.message)
            return redirect(self.urls.page)
        finally:
            self.forget()
        if not result.ok:
            return self.preview(
                result, title=self.texts.changed, status=422, filename=pending["name"]
            )
        return self.preview(result, title=self.texts.done, final=True, filename=pending["name"])
