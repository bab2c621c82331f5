"""One create-or-edit page for an object, shared by every app: the object is looked up through
``visible_to`` (out of scope is 404), the form carries the version it was loaded at, one
service call saves, and what the service refuses is said on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from ..forms import apply_errors, apply_ownership
from ..services import ConflictError
from .bases import get_visible_or_404, posted_version


class ObjectFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Create an object (no object named in the URL) or edit the one the URL names (by
    ``pk_url_kwarg``, or by ``slug_field`` when ``slug_url_kwarg`` is in the URL).

    A subclass declares ``model``, ``form_class``, ``permission_required`` (to create),
    ``edit_permission``, the two titles and ``list_url`` (where cancel goes while creating),
    and writes ``save(form)``: the one service call, with ``by=request.user`` and, when
    editing, ``version=self.posted_version()`` on ``self.fresh_object()``; it returns the
    saved object, whose page (``get_success_url``) is shown next.

    An object that cannot be edited now (a published version, a closed record) says so with
    ``is_open``: the page then goes back (``get_closed_url``) with ``closed_message``."""

    template_name = "core/form.html"
    model: type[Any] | None = None
    pk_url_kwarg = "pk"
    slug_url_kwarg: str | None = None
    slug_field: str | None = None
    permission_required: str | None = None  # to create
    edit_permission: str | None = None  # to edit
    title_create: Any = None
    title_edit: Any = None
    list_url: str | None = None  # URL name of the list, where cancel goes while creating
    help_text: Any = None
    form_takes_user = True  # the form's ``user`` argument: the signed-in user
    versioned = True  # the page carries the version it was loaded at (``posted_version``)
    confirm: Any = ""  # a question the browser asks before posting
    success_message: Any = gettext_lazy("Saved.")
    closed_message = gettext_lazy("This step is not open to you now.")
    # The service's refusals said on the form (a stale version, a result out of the user's
    # jurisdiction); a refusal not listed here is the 403 page.
    refusals: tuple[type[Exception], ...] = (ConflictError, PermissionDenied)
    object = None
    saved = None  # the object ``save`` returned

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model._default_manager.visible_to(self.request.user)

    def get_object(self):
        """The object being edited (404 when the user cannot see it), or None to create."""
        if self.slug_url_kwarg and self.slug_url_kwarg in self.kwargs:
            lookup = {self.slug_field: self.kwargs[self.slug_url_kwarg]}
        elif self.pk_url_kwarg in self.kwargs:
            lookup = {"pk": self.kwargs[self.pk_url_kwarg]}
        else:
            return None
        return get_visible_or_404(self.request.user, self.get_queryset(), **lookup)

    def is_open(self) -> bool:
        """Whether the page may be used now (checked after the permissions)."""
        return True

    def get_closed_url(self) -> str:
        return self.get_cancel_url()

    def get(self, request, *args, **kwargs):
        if not self.is_open():
            return self.closed()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.is_open():
            return self.closed()
        return super().post(request, *args, **kwargs)

    def closed(self):
        messages.error(self.request, str(self.closed_message))
        return redirect(self.get_closed_url())

    def get_permission_required(self):
        if self.object is not None:
            return (self.edit_permission,)
        return super().get_permission_required()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_takes_user:
            kwargs["user"] = self.request.user
        if self.object is not None and issubclass(self.get_form_class(), forms.BaseModelForm):
            kwargs["instance"] = self.object
        return kwargs

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        # The fields the user's side does not own show read-only (``core.ownership``).
        apply_ownership(form, self.request.user, self.model, self.object)
        return form

    def get_title(self) -> str:
        return self.title_edit if self.object is not None else self.title_create

    def get_cancel_url(self) -> str:
        if self.object is not None:
            return self.object.get_absolute_url()
        return reverse(self.list_url)

    def get_help(self) -> str | None:
        return self.help_text

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.get_title()
        ctx["version"] = self.object.version if self.object is not None and self.versioned else None
        ctx["cancel_url"] = self.get_cancel_url()
        if self.confirm:
            ctx["confirm"] = self.confirm
        help_text = self.get_help()
        if help_text:
            ctx["help"] = help_text
        return ctx

    def posted_version(self) -> int:
        """The version the form was loaded at."""
        return posted_version(self.request)

    def fresh_object(self):
        """A fresh copy of the object being edited (a model form wrote its cleaned values on
        ``self.object`` while validating)."""
        return type(self.object)._default_manager.get(pk=self.object.pk)

    def save(self, form):
        """Call the service that creates or changes the object; return the saved object."""
        raise NotImplementedError

    def get_success_message(self, obj) -> str | None:
        return self.success_message

    def get_success_url(self) -> str:
        """Where the saved object (``self.saved``) is shown next: its page."""
        return self.saved.get_absolute_url()

    def form_valid(self, form):
        try:
            obj = self.save(form)
        except self.refusals as exc:
            form.add_error(None, str(exc) or _("You do not have permission to do this."))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        self.saved = obj
        message = self.get_success_message(obj)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url())
