from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import audit
from ..filters import AuditEventFilterSet
from ..ledger import Column, LedgerView
from ..models import AuditEvent
from .bases import action_label

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
        Column("actor_repr", gettext_lazy("Actor"), sort="actor_repr"),
        Column("action", gettext_lazy("Action"), lambda e: action_label(e.action), sort="action"),
        Column("success", gettext_lazy("Success"), sort="success"),
        Column("object_type", gettext_lazy("Object type"), default=False),
        Column("object_repr", gettext_lazy("Object")),
        Column("region", gettext_lazy("Region"), "region.name"),
        Column("ip", gettext_lazy("Address")),
        Column("changes", gettext_lazy("Changes"), lambda e: audit_changes_text(e.changes)),
        Column("request_id", gettext_lazy("Request id"), default=False),
        Column("hash", gettext_lazy("Hash"), default=False),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("region")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["chain"] = self.request.session.get("audit_chain_report")
        return ctx


def audit_changes_text(changes: dict) -> str:
    if not changes:
        return ""
    parts = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            parts.append(f"{key}: {value[0]} → {value[1]}")
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)[:500]


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
