from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from .. import audit, files, history
from ..choices import AuditAction
from ..forms import (
    AttachmentForm,
)
from ..ledger import Tab
from ..models import AuditEvent

# --- Shared bases ---------------------------------------------------------------------------


def get_visible_or_404(user: Any, queryset: Any, **lookup: Any) -> Any:
    """``get_object_or_404`` on ``queryset`` (the user's rows); when the object exists outside
    them, the 404 is audited (``audit.record_out_of_scope``)."""
    try:
        return get_object_or_404(queryset, **lookup)
    except Http404:
        try:
            found = queryset.model._default_manager.filter(**lookup).first()
        except (TypeError, ValueError, ValidationError):
            found = None
        if found is not None:
            audit.record_out_of_scope(actor=user, obj=found)
        raise


class ScopedMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Detail and edit views: the object is looked up in ``visible_to(user)``, so an object
    outside the user's scope is a 404, the same as a missing one. When it does exist outside
    the scope, the 404 is audited (``audit.record_out_of_scope``: repeated probing is what an
    auditor looks for)."""

    model: type[Any] | None = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)  # type: ignore[misc]
        except Http404:
            if queryset is None and self.model is not None:
                try:  # the same lookup, in every row
                    found = super().get_object(self.model._default_manager.all())  # type: ignore[misc]
                except Http404:
                    found = None
                if found is not None:
                    audit.record_out_of_scope(actor=self.request.user, obj=found)
            raise


class ObjectPageView(ScopedMixin, DetailView):
    """An object page with tabs (data, related records, files, history)."""

    template_name = "core/object_page.html"
    data_template = "core/object_data.html"
    context_object_name = "object"
    list_url_name: str | None = None  # the object's ledger: region crumbs link to it, filtered

    def tabs(self) -> list[Tab]:
        return []

    def breadcrumb_region(self):
        """The region the object belongs to (its ``audit_region()`` by default)."""
        audit_region = getattr(self.object, "audit_region", None)
        return audit_region() if callable(audit_region) else None

    def breadcrumbs(self) -> list[tuple[str, str | None]]:
        """省 › 市 › 县 › the object: the jurisdiction the object lies in, each level linking
        to the object's ledger filtered to that region. Override to add levels (an enterprise
        before its mine) and call ``super()``."""
        list_url = reverse(self.list_url_name) if self.list_url_name else None
        crumbs: list[tuple[str, str | None]] = []
        region = self.breadcrumb_region()
        if region is not None:
            for r in region.ancestors():
                crumbs.append((r.name, f"{list_url}?region={r.pk}" if list_url else None))
        crumbs.append((str(self.object), None))
        return crumbs

    def data_rows(self) -> list[tuple[str, object]]:
        obj = self.object
        rows = []
        for f in obj._meta.concrete_fields:
            if f.name in {"id", "version", "password"} or not f.editable:
                continue
            display = getattr(obj, f"get_{f.name}_display", None)
            value = display() if display else getattr(obj, f.name)
            rows.append((f.verbose_name, value))
        return rows

    def can_change(self) -> bool:
        return False

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        tab_list = [Tab("data", gettext_lazy("Data"), self.data_template), *self.tabs()]
        tab_list.append(Tab("files", gettext_lazy("Files"), "core/tab_files.html"))
        tab_list.append(Tab("history", gettext_lazy("History"), "core/tab_history.html"))
        active = self.request.GET.get("tab", "data")
        if active not in {t.key for t in tab_list}:
            active = "data"
        ctx.update(
            breadcrumbs=self.breadcrumbs(),
            tabs=tab_list,
            active_tab=active,
            data_rows=self.data_rows(),
            can_change=self.can_change(),
            attachments=files.attachments_of(self.object),
            upload_form=AttachmentForm(),
            content_type_id=ContentType.objects.get_for_model(self.object).pk,
            history=object_history(self.object) if active == "history" else [],
        )
        return ctx


def object_history(obj, limit: int = 200) -> list[history.HistoryRow]:
    """The changes recorded for one object (without addresses or agents), shown on the
    object's page to whoever may see the object, in words (``core.history``). The audit log
    itself is for audit admins."""
    events = (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .exclude(action=AuditAction.SCOPE_DENIED)  # who probed from outside: the auditors' business
        .only("timestamp", "actor", "actor_repr", "action", "changes", "success")
        .order_by("-id")[:limit]
    )
    return history.render(events, type(obj))


def file_response(
    content: bytes, filename: str, content_type: str, *, inline: bool = False
) -> HttpResponse:
    """``content`` sent as a file named ``filename``: to be saved (an attachment), or with
    ``inline`` to be shown in the browser (a PDF). A name that is not ASCII is sent UTF-8
    encoded (RFC 6266), the same way ``core.spreadsheets.xlsx_response`` sends a workbook."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    return response


def posted_version(request) -> int:
    """The version the form was loaded at (a missing or bad value can only conflict)."""
    try:
        return int(request.POST.get("version") or 0)
    except ValueError:
        return 0


action_label = history.action_label
