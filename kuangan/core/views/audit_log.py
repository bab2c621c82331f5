from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import audit, history
from ..filters import AuditEventFilterSet
from ..ledger import Column, LedgerView
from ..models import AuditEvent

# --- Audit log (audit administrators only) -------------------------------------------------


class AuditLedger(LedgerView):
    model = AuditEvent
    permission_required = "core.view_auditevent"
    filterset_class = AuditEventFilterSet
    search_fields = ("actor_repr", "object_repr", "object_id", "request_id")
    title = gettext_lazy("Audit log")
    default_sort = "-id"
    template_name = "core/audit_ledger.html"
    columns = [
        Column("id", "#", sort="id"),
        Column("timestamp", gettext_lazy("Time"), sort="timestamp"),
        Column("actor_repr", gettext_lazy("Actor"), lambda e: _actor(e), sort="actor_repr"),
        Column("action", gettext_lazy("Action"), lambda e: _row(e).action, sort="action"),
        Column("success", gettext_lazy("Success"), sort="success"),
        Column("object_type", gettext_lazy("Object type"), default=False),
        Column("object_repr", gettext_lazy("Object")),
        Column("region", gettext_lazy("Region"), "region.name"),
        Column("ip", gettext_lazy("Address")),
        Column("changes", gettext_lazy("Changes"), lambda e: audit_changes_text(_row(e))),
        Column("request_id", gettext_lazy("Request id"), default=False),
        Column("hash", gettext_lazy("Hash"), default=False),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("region")

    def prepare_rows(self, objects: list) -> None:
        """Render the page's (or the export chunk's) events in words, in one batch."""
        for row in history.render(objects):
            row.event.history_row = row

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["chain"] = self.request.session.get("audit_chain_report")
        return ctx


def _row(event) -> history.HistoryRow:
    row = getattr(event, "history_row", None)
    if row is None:  # an event the ledger did not prepare
        row = event.history_row = history.render([event])[0]
    return row


def _actor(event) -> str:
    """The actor's real name, and the account it acted as when that differs (the audit admin
    needs both)."""
    name = _row(event).actor
    if event.actor_repr and event.actor_repr != name:
        return f"{name}（{event.actor_repr}）"
    return name


def audit_changes_text(row) -> str:
    """An event's changes on one line, in words (``core.history``): a rendered row, an
    ``AuditEvent``, or a bare changes dict (of no known model)."""
    if isinstance(row, dict):
        row = _row(AuditEvent(changes=row, action="", timestamp=None))
    elif not isinstance(row, history.HistoryRow):
        row = _row(row)
    return history.changes_text(row.changes)


@login_required
@require_POST
def audit_verify(request):
    if not request.user.has_perm("core.view_auditevent"):
        raise PermissionDenied
    report = audit.verify_chain()
    request.session["audit_chain_report"] = {
        "ok": report.ok,
        "checked": report.checked,
        "broken_at": report.broken_at,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
    }
    return redirect("core:audit_list")
