from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from .. import services
from ..filters import UserFilterSet
from ..forms import (
    RolesForm,
    UserForm,
    apply_errors,
)
from ..ledger import Column, LedgerView
from ..models import Organization, User
from .bases import ObjectPageView
from .forms import ObjectFormView

# --- Users ----------------------------------------------------------------------------------


class UserLedger(LedgerView):
    model = User
    permission_required = "core.view_user"
    filterset_class = UserFilterSet
    search_fields = ("username", "real_name", "phone", "email")
    title = gettext_lazy("Users")
    default_sort = "username"
    create_url = "core:user_create"
    create_perm = "core.add_user"
    empty_hint = gettext_lazy("No user matches. Clear the filters, or create an account.")
    columns = [
        Column("username", gettext_lazy("Username"), sort="username", link=True),
        Column("real_name", gettext_lazy("Real name"), sort="real_name"),
        Column(
            "organization",
            gettext_lazy("Organisation"),
            "organization.name",
            sort="organization__name",
        ),
        Column("roles", gettext_lazy("Roles"), lambda u: "、".join(u.role_labels())),
        Column("phone", gettext_lazy("Phone"), default=False),
        Column("email", gettext_lazy("E-mail"), default=False),
        Column("is_active", gettext_lazy("Active"), sort="is_active"),
        Column("last_login", gettext_lazy("Last login"), sort="last_login"),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("organization").prefetch_related("groups")


class UserPage(ObjectPageView):
    model = User
    permission_required = "core.view_user"
    template_name = "core/user_page.html"
    list_url_name = "core:user_list"

    def get_queryset(self):
        return super().get_queryset().select_related("organization__region")

    def breadcrumbs(self):
        crumbs = super().breadcrumbs()
        org = self.object.organization
        if org is not None:
            visible = Organization.objects.visible_to(self.request.user).filter(pk=org.pk)
            url = org.get_absolute_url() if visible.exists() else None
            crumbs.insert(len(crumbs) - 1, (org.name, url))
        return crumbs

    def data_rows(self):
        u = self.object
        return [
            (_("Username"), u.username),
            (_("Real name"), u.real_name),
            (_("Organisation"), u.organization),
            (_("Roles"), "、".join(u.role_labels())),
            (_("Phone"), u.phone),
            (_("E-mail"), u.email),
            (_("Active"), u.is_active),
            (_("Must change password"), u.must_change_password),
            (_("Password changed at"), u.password_changed_at),
            (_("Last login"), u.last_login),
            (_("Last login address"), u.last_login_ip),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_edit"] = user.has_perm("core.change_user")
        ctx["can_assign"] = user.has_perm("core.assign_roles") and user.pk != self.object.pk
        ctx["can_unlock"] = user.has_perm("core.unlock_user")
        ctx["locked"] = AccessAttempt.objects.filter(username=self.object.username).exists()
        return ctx


class UserFormView(ObjectFormView):
    model = User
    form_class = UserForm
    permission_required = "core.add_user"
    edit_permission = "core.change_user"
    title_create = gettext_lazy("New user")
    title_edit = gettext_lazy("Edit user")
    list_url = "core:user_list"
    help_text = gettext_lazy(
        "An initial password is generated and shown once; the user must change it at first login."
    )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["editing"] = self.object is not None
        if self.object is not None and self.request.method == "GET":
            kwargs["initial"] = {
                "real_name": self.object.real_name,
                "phone": self.object.phone,
                "email": self.object.email,
                "organization": self.object.organization,
            }
        return kwargs

    def get_help(self):
        return None if self.object is not None else super().get_help()

    def get_success_message(self, obj):
        # A new account's message is the one-time password (see ``save``).
        return None if self.object is None else super().get_success_message(obj)

    def save(self, form):
        data = form.cleaned_data
        if self.object is not None:
            return services.user_update(
                by=self.request.user,
                user=self.object,
                version=self.posted_version(),
                real_name=data["real_name"],
                phone=data["phone"],
                email=data["email"],
                organization=data["organization"],
            )
        user, password = services.user_create(
            by=self.request.user,
            username=data["username"],
            organization=data["organization"],
            roles=data["roles"],
            real_name=data["real_name"],
            phone=data["phone"],
            email=data["email"],
        )
        messages.warning(
            self.request,
            _("Account created. Initial password (shown only once): %(p)s") % {"p": password},
        )
        return user


class UserRolesView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = RolesForm
    permission_required = "core.assign_roles"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.target = get_object_or_404(User.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"roles": sorted(self.target.roles)}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Roles of %(user)s") % {"user": self.target}
        ctx["cancel_url"] = reverse("core:user_detail", args=[self.target.pk])
        ctx["confirm"] = _("Change the roles? The user's menus and permissions change at once.")
        return ctx

    def form_valid(self, form):
        try:
            services.user_set_roles(
                by=self.request.user, user=self.target, roles=form.cleaned_data["roles"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Roles saved."))
        return redirect("core:user_detail", self.target.pk)


class UserActionView(LoginRequiredMixin, View):
    """Confirm-then-act pages for deactivate, activate, reset password, unlock."""

    actions = {
        "deactivate": (
            "core.change_user",
            gettext_lazy("Deactivate account"),
            gettext_lazy(
                "The user is logged out everywhere, its API tokens are revoked and it cannot log in "
                "until activated again."
            ),
        ),
        "activate": (
            "core.change_user",
            gettext_lazy("Activate account"),
            gettext_lazy("The user can log in again with its password."),
        ),
        "reset_password": (
            "core.change_user",
            gettext_lazy("Reset password"),
            gettext_lazy(
                "A new initial password is generated and shown once; the user is logged out and must "
                "change it at next login."
            ),
        ),
        "unlock": (
            "core.unlock_user",
            gettext_lazy("Unlock account"),
            gettext_lazy(
                "The failed-login counter of this account is cleared, so it can log in at once."
            ),
        ),
    }

    def dispatch(self, request, *args, **kwargs):
        action = kwargs["action"]
        if action not in self.actions:
            raise Http404
        self.perm, self.label, self.consequence = self.actions[action]
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.target = get_object_or_404(User.objects.visible_to(request.user), pk=kwargs["pk"])
        if not request.user.has_perm(self.perm):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk, action):
        return render(
            request,
            "core/confirm.html",
            {
                "title": self.label,
                "object": self.target,
                "consequence": self.consequence,
                "cancel_url": reverse("core:user_detail", args=[pk]),
            },
        )

    def post(self, request, pk, action):
        by = request.user
        try:
            if action == "deactivate":
                services.user_set_active(by=by, user=self.target, active=False)
            elif action == "activate":
                services.user_set_active(by=by, user=self.target, active=True)
            elif action == "reset_password":
                password = services.user_reset_password(by=by, user=self.target)
                messages.warning(
                    request, _("New initial password (shown only once): %(p)s") % {"p": password}
                )
            elif action == "unlock":
                services.user_unlock(by=by, user=self.target)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You do not have permission to do this."))
            return redirect("core:user_detail", pk)
        if action != "reset_password":
            messages.success(request, _("Done: %(label)s.") % {"label": self.label})
        return redirect("core:user_detail", pk)
