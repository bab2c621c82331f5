"""The one base of the pages that do one action on one object (a workflow step: accept a
hazard, lift an order, submit an inspection, delete a risk item …).

A step is declared, not written::

    class AcceptView(HazardStepView):            # model = Hazard (in the app's base)
        form_class = forms.NoteForm              # or none: a plain confirmation
        service = services.hazard_accept         # called as service(by=, hazard=, **form data,
                                                 #                   version=)
        title = gettext_lazy("Accept and close")
        consequence = gettext_lazy("Closing is final …")
        success_message = gettext_lazy("Saved.")

``ObjectStepView`` does the rest, the same way for every app: it finds the object in
``visible_to(user)`` (outside the scope: 404, the same as missing), checks the permission
(403), shows the confirmation page saying what will follow (GET), calls the service (POST,
plain or HTMX) and goes back to the object's page with the success message. What the service
refuses is shown where the person acted: on the form when the step takes input (field errors
on their fields), otherwise as a message on the object's page; a stale version (someone changed
the object since the page was loaded) shows the conflict message, and the page reloaded shows
the current version. An HTMX request gets an ``HX-Redirect`` on success, and only the page's
``step`` partial back when something must be corrected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from ..forms import apply_errors
from ..services import ConflictError
from .bases import get_visible_or_404, posted_version
from .errors import audit_denial


def is_htmx(request) -> bool:
    """An HTMX request that expects a fragment (a boosted one expects the whole page)."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


class ObjectStepView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """One action on one object: the confirmation page, then the service."""

    model: type[models.Model] | None = None
    pk_url_kwarg = "pk"
    permission_required: str | Sequence[str] = ()
    template_name = "core/confirm.html"
    partial_name = "step"  # the part of the page an HTMX request gets back
    form_class: type[forms.BaseForm] | None = None  # None: a plain confirmation, no input
    # The workflow service: called as service(by=user, <object_arg>=object, **form data,
    # version=the posted version when ``versioned``). Or override ``perform``.
    service: Callable[..., Any] | None = None
    object_arg: str | None = None  # the service's keyword for the object (the model's name)
    versioned = True  # the page carries the version it was loaded at; a stale one conflicts
    title: Any = ""  # text: a str or a lazy translation (so are the next three)
    consequence: Any = ""  # what will follow (the confirmation page; the help of a form page)
    confirm: Any = ""  # a question the browser asks before posting a form page
    success_message: Any = gettext_lazy("Saved.")
    closed_message = gettext_lazy("This step is not open to you now.")

    object: models.Model
    result: Any = None

    # --- the object ---------------------------------------------------------------------

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_object(self):
        return get_visible_or_404(
            self.request.user, self.get_queryset(), pk=self.kwargs[self.pk_url_kwarg]
        )

    def dispatch(self, request, *args, **kwargs):
        # The object first: out of scope is a 404 whatever the permissions (as missing).
        if request.user.is_authenticated:
            self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def is_open(self) -> bool:
        """Whether the step may be started now (otherwise GET goes back with a message)."""
        return True

    def get(self, request, *args, **kwargs):
        if not self.is_open():
            messages.error(request, str(self.closed_message))
            return redirect(self.get_cancel_url())
        return super().get(request, *args, **kwargs)

    # --- the page -----------------------------------------------------------------------

    def get_form_class(self):
        return self.form_class or forms.Form

    def get_template_names(self) -> list[str]:
        names = super().get_template_names()
        if is_htmx(self.request) and self.partial_name:
            # A template without the partial falls back to the whole page.
            return [f"{name}#{self.partial_name}" for name in names] + names
        return names

    def get_title(self) -> str:
        return str(self.title)

    def get_cancel_url(self) -> str:
        return self.object.get_absolute_url()

    def get_version(self) -> int | None:
        return self.object.version if self.versioned else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            object=self.object,
            title=self.get_title(),
            consequence=self.consequence,
            help=self.consequence,
            confirm=self.confirm,
            cancel_url=self.get_cancel_url(),
            version=self.get_version(),
        )
        return ctx

    # --- the action ---------------------------------------------------------------------

    def service_kwargs(self, data: dict) -> dict:
        """The service's keyword arguments from the form's cleaned data."""
        return dict(data)

    def perform(self, data: dict):
        """Call the service with the form's cleaned ``data`` (the bound, valid form is
        ``self.form``); its result is ``self.result`` afterwards."""
        service = type(self).service
        if service is None:
            raise NotImplementedError("declare the step's service, or override perform()")
        arg = self.object_arg or self.object._meta.model_name
        kwargs = {"by": self.request.user, arg: self.object, **self.service_kwargs(data)}
        if self.versioned:
            kwargs["version"] = posted_version(self.request)
        return service(**kwargs)

    def form_valid(self, form):
        self.form = form
        try:
            self.result = self.perform(dict(form.cleaned_data))
        except ConflictError as exc:
            return self.refused(form, str(exc))
        except ValidationError as exc:
            if form.fields:
                self.apply_errors(form, exc)
                return self.form_invalid(form)
            return self.refused(form, *self.refusal_messages(exc))
        except PermissionDenied as exc:
            audit_denial(self.request, exc)  # once: a service's refusal is audited already
            return self.refused(form, str(exc) or _("You do not have permission to do this."))
        return self.succeeded()

    def apply_errors(self, form, exc: ValidationError) -> None:
        apply_errors(form, exc)

    def refusal_messages(self, exc: ValidationError) -> list[str]:
        """What a step without input says of the service's ``ValidationError``: one message
        (a step whose refusals are lists of problems may say each on its own)."""
        return [" ".join(exc.messages)]

    def refused(self, form, *said: str):
        """Show why the step was not done: on the form when the step takes input, else as
        messages on the object's page (which then shows the object as it is now)."""
        if form.fields:
            for message in said:
                form.add_error(None, message)
            return self.form_invalid(form)
        for message in said:
            messages.error(self.request, message)
        return self.go(self.get_cancel_url())

    def get_success_message(self) -> str:
        return str(self.success_message) if self.success_message else ""

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()

    def succeeded(self):
        message = self.get_success_message()
        if message:
            messages.success(self.request, message)
        return self.go(self.get_success_url())

    def go(self, url: str):
        """Go to ``url``: a redirect, or for HTMX an ``HX-Redirect`` (HTMX follows it)."""
        if is_htmx(self.request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


class ObjectStepSwitch(View):
    """One URL for several steps of one object (``…/<pk>/<step>/``): the URL's ``step``
    picks the declared step view; an unknown step is a 404, like a missing object."""

    steps: Mapping[str, type[ObjectStepView]] = {}
    step_kwarg = "step"

    def dispatch(self, request, *args, **kwargs):
        view = self.steps.get(kwargs.get(self.step_kwarg))
        if view is None:
            raise Http404
        return view.as_view()(request, *args, **kwargs)
