from __future__ import annotations

from axes.models import AccessAttempt
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..filters import UserFilterSet
from ..forms import PasswordResetRequestForm, RolesForm, UserForm
from ..ledger import Column, LedgerView
from ..models import Organization, User
from .bases import ObjectPageView
from .forms import ObjectFormView
from .steps import ObjectStepSwitch, ObjectStepView

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
        ctx["can_request_reset"] = (
            user.has_perm("core.request_password_reset") and user.pk != self.object.pk
        )
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
        # A new account's message says where its password link went (see ``save``).
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
        user, _password = services.user_create(
            by=self.request.user,
            username=data["username"],
            organization=data["organization"],
            roles=data.get("roles", []),
            real_name=data["real_name"],
            phone=data["phone"],
            email=data["email"],
            site=self.request.build_absolute_uri("/"),
        )
        messages.success(
            self.request,
            _(
                "Account created. A one-time link to set its password was sent to %(address)s; "
                "the security administrator grants its roles."
            )
            % {"address": services.mask_email(user.email)},
        )
        return user


class UserRolesView(ObjectFormView):
    """The roles of one account (the security administrator's)."""

    model = User
    form_class = RolesForm
    permission_required = "core.assign_roles"
    edit_permission = "core.assign_roles"
    form_takes_user = False
    versioned = False  # the roles are set whole; the service takes no version
    confirm = gettext_lazy("Change the roles? The user's menus and permissions change at once.")
    success_message = gettext_lazy("Roles saved.")

    def get_initial(self):
        return {"roles": sorted(self.object.roles)}

    def get_title(self) -> str:
        return _("Roles of %(user)s") % {"user": self.object}

    def save(self, form):
        return services.user_set_roles(
            by=self.request.user, user=self.object, roles=form.cleaned_data["roles"]
        )


# --- The steps on an account ----------------------------------------------------------------


class UserStep(ObjectStepView):
    """Confirm, then act on an account. The services take no version."""

    model = User
    permission_required = "core.change_user"
    object_arg = "user"
    versioned = False

    def get_success_message(self) -> str:
        return _("Done: %(label)s.") % {"label": self.get_title()}


class DeactivateUserView(UserStep):
    service = services.user_set_active
    title = gettext_lazy("Deactivate account")
    consequence = gettext_lazy(
        "The user is logged out everywhere, its API tokens are revoked and it cannot log in "
        "until activated again."
    )

    def service_kwargs(self, data: dict) -> dict:
        return {"active": False}


class ActivateUserView(UserStep):
    service = services.user_set_active
    title = gettext_lazy("Activate account")
    consequence = gettext_lazy("The user can log in again with its password.")

    def service_kwargs(self, data: dict) -> dict:
        return {"active": True}


class ResetPasswordView(UserStep):
    """Request a reset: a security administrator approves it, then the user gets a one-time
    link by e-mail. Nobody is shown a password."""

    permission_required = "core.request_password_reset"
    form_class = PasswordResetRequestForm
    service = services.password_reset_request
    title = gettext_lazy("Reset password")
    consequence = gettext_lazy(
        "A security administrator must approve the reset. Then a one-time link to set a new "
        "password is e-mailed to the user's own address; nobody else sees it, and the "
        "current password works until the user sets the new one."
    )

    def get_success_message(self) -> str:
        return _(
            "The reset is requested. It waits for a security administrator's approval; then "
            "the link is sent to %(address)s."
        ) % {"address": services.mask_email(getattr(self.object, "email", ""))}

    def get_success_url(self) -> str:
        return self.result.get_absolute_url()


class UnlockUserView(UserStep):
    permission_required = "core.unlock_user"
    service = services.user_unlock
    title = gettext_lazy("Unlock account")
    consequence = gettext_lazy(
        "The failed-login counter of this account is cleared, so it can log in at once."
    )


class UserActionView(ObjectStepSwitch):
    """Deactivate, activate, reset the password of, unlock an account
    (``users/<pk>/<action>/``)."""

    step_kwarg = "action"
    steps = {
        "deactivate": DeactivateUserView,
        "activate": ActivateUserView,
        "reset_password": ResetPasswordView,
        "unlock": UnlockUserView,
    }
    actions = steps  # the names of the steps
