from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .. import audit
from ..choices import AuditAction

# --- Errors ---------------------------------------------------------------------------------


def _api_error(request, status: int, code: str, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": code, "message": str(message), "fields": {}}}, status=status
        )
    return None


def error_404(request, exception=None):
    message = _("This page does not exist, or it lies outside your jurisdiction.")
    json_response = _api_error(request, 404, "not_found", message)
    if json_response is not None:
        return json_response
    return TemplateResponse(
        request,
        "core/error.html",
        {"code": 404, "message": message},
        status=404,
    ).render()


def audit_denial(request, exception=None) -> None:
    """Record a refused request once (services that refuse have recorded it already)."""
    if getattr(exception, "audited", False):
        return
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        audit.record(
            actor=user,
            action=AuditAction.PERMISSION_DENIED,
            success=False,
            object_repr=f"{request.method} {request.path}"[:200],
            region=user.audit_region(),
        )
    if exception is not None:
        exception.audited = True


def error_403(request, exception=None):
    audit_denial(request, exception)
    message = _("You do not have permission to do this.")
    json_response = _api_error(request, 403, "permission_denied", message)
    if json_response is not None:
        return json_response
    return TemplateResponse(
        request,
        "core/error.html",
        {"code": 403, "message": _("You do not have permission to do this.")},
        status=403,
    ).render()


def error_500(request):
    json_response = _api_error(
        request, 500, "server_error", _("Something went wrong on the server; try again later.")
    )
    if json_response is not None:
        return json_response
    return render(
        request,
        "core/error.html",
        {
            "code": 500,
            "message": _(
                "Something went wrong on the server. The error has been logged; try again later."
            ),
        },
        status=500,
    )
