"""What the pages of inspections share: the inspection of the user's scope, the base of the
steps on one inspection and the service's refusal as messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from kuangan.core.views import ObjectStepView

from ..models import Inspection


def visible_inspection(request: HttpRequest, pk: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related(
            "mine__region", "mine__enterprise", "template"
        ),
        pk=pk,
    )


def message_errors(request: HttpRequest, exc: ValidationError) -> None:
    """A service's refusal as error messages (a field's errors named by the field)."""
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            for m in msgs:
                messages.error(request, m if field == "__all__" else f"{field}: {m}")
    else:
        for m in exc.messages:
            messages.error(request, m)


def safe_reverse(name: str, *args: object) -> str | None:
    """A URL of another app, or None when that app does not offer it (yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class InspectionStep(ObjectStepView):
    """A step on one inspection of the user's scope (outside it: 404). The inspections'
    services take no version: their steps are guarded by the status."""

    model = Inspection
    versioned = False
    object: Inspection

    def get_queryset(self):
        return super().get_queryset().select_related("mine__region", "mine__enterprise", "template")

    def get_context_data(self, **kwargs):
        return super().get_context_data(inspection=self.object, **kwargs)
