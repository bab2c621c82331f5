from __future__ import annotations

import base64
import io

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, files, services
from .choices import AuditAction, OrganizationKind, Role
from .filters import AuditEventFilterSet, OrganizationFilterSet, UserFilterSet
from .forms import (
    AttachmentForm,
    LoginForm,
    OrganizationForm,
    OTPTokenForm,
    PasswordChangeForm,
    RolesForm,
    UserForm,
    apply_errors,
)
from .home import panels_for
from .ledger import Column, LedgerView, Tab
from .models import ApiToken, Attachment, AuditEvent, Notification, Organization, User
from .scope import scope_of

# --- Shared bases ---------------------------------------------------------------------------


class ScopedMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Detail and edit views: the object is looked up in ``visible_to(user)``, so an object
    outside the user's scope is a 404, the same as a missing one."""

    model = None

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user)


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
            history=object_history(self.object),
        )
        return ctx


def object_history(obj, limit: int = 200):
    """The changes recorded for one object (without addresses or agents), shown on the
    object's page to whoever may see the object. The audit log itself is for audit admins."""
    return (
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .only("timestamp", "actor_repr", "action", "changes", "success")
        .order_by("-id")[:limit]
    )


def action_label(action: str) -> str:
    try:
        return str(AuditAction(action).label)
    except ValueError:
        return action


# --- Authentication -------------------------------------------------------------------------


def lockout_response(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed logins: this account is locked for %(minutes)d minutes from this "
        "address. Try again later or ask your security administrator to unlock it."
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429
        )
    return render(
        request,
        "core/login.html",
        {"form": LoginForm(request), "locked_message": message},
        status=429,
    )


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["expired"] = "expired" in self.request.GET
        return ctx

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session["kuangan_login_at"] = timezone.now().timestamp()
        # The login signal has just moved this login's time and address into "previous".
        user = User.objects.only("previous_login_at", "previous_login_ip").get(
            pk=form.get_user().pk
        )
        if user.previous_login_at:
            messages.info(
                self.request,
                _("Your last login was at %(at)s from %(ip)s.")
                % {
                    "at": timezone.localtime(user.previous_login_at).strftime("%Y-%m-%d %H:%M"),
                    "ip": user.previous_login_ip or "-",
                },
            )
        else:
            messages.info(self.request, _("This is the first login of this account."))
        return response


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.success(request, _("You have logged out."))
    return redirect("core:login")


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "core/password_change.html"
    form_class = PasswordChangeForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["forced"] = user.must_change_password
        ctx["expired"] = services.password_expired(user)
        return ctx

    def form_valid(self, form):
        user = self.request.user
        try:
            services.user_change_password(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                keep_session_key=self.request.session.session_key,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    known = field in form.fields and field != "__all__"
                    form.add_error(field if known else "new_password1", errors)
            else:  # the policy validators' messages
                form.add_error("new_password1", exc.messages)
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect("core:home")

    def form_invalid(self, form):
        return super().form_invalid(form)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


class OTPVerifyView(LoginRequiredMixin, FormView):
    template_name = "core/otp_verify.html"
    form_class = OTPTokenForm

    def form_valid(self, form):
        device = match_token(self.request.user, form.cleaned_data["otp_token"].strip())
        if device is None:
            audit.record(
                actor=self.request.user,
                action=AuditAction.OTP_FAILED,
                obj=self.request.user,
                success=False,
            )
            form.add_error(
                "otp_token", _("The code is wrong or has expired. Enter the current code.")
            )
            return self.form_invalid(form)
        otp_login(self.request, device)
        return HttpResponseRedirect(_safe_next(self.request, reverse("core:home")))


class OTPSetupView(LoginRequiredMixin, FormView):
    """Enrol a TOTP device. A user who already has a confirmed device must first pass it in
    this session: otherwise a stolen password alone could enrol a second device."""

    template_name = "core/otp_setup.html"
    form_class = OTPTokenForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and user_has_device(user, confirmed=True)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('core:otp_verify')}?next={reverse('core:otp_setup')}")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice:
        user = self.request.user
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
        return device

    def get_context_data(self, **kwargs):
        import qrcode
        import qrcode.image.svg

        ctx = super().get_context_data(**kwargs)
        device = self.device()
        image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
        buffer = io.BytesIO()
        image.save(buffer)
        ctx["qr_data_uri"] = (
            "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
        )
        ctx["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
        ctx["already"] = user_has_device(self.request.user, confirmed=True)
        ctx["required"] = services.mfa_required(self.request.user)
        return ctx

    def form_valid(self, form):
        device = self.device()
        if not device.verify_token(form.cleaned_data["otp_token"].strip()):
            form.add_error(
                "otp_token",
                _("The code does not match. Check the time on your phone and try again."),
            )
            return self.form_invalid(form)
        device.confirmed = True
        device.save()
        otp_login(self.request, device)
        audit.record(
            actor=self.request.user, action=AuditAction.OTP_ENROLLED, obj=self.request.user
        )
        messages.success(
            self.request,
            _("The second factor is set up. You will be asked for a code at each login."),
        )
        return redirect("core:profile")


# --- Home, profile, notifications ----------------------------------------------------------


@login_required
def home(request):
    return render(request, "core/home.html", {"panels": panels_for(request.user)})


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "create_token":
            token, key = services.token_create(user=user, name=request.POST.get("name", ""))
            messages.warning(
                request,
                _("New API token (shown only once, copy it now): %(key)s") % {"key": key},
            )
        elif request.POST.get("action") == "revoke_token":
            token = get_object_or_404(ApiToken, pk=request.POST.get("token"), user=user)
            services.token_revoke(by=user, token=token)
            messages.success(request, _("The token has been revoked."))
        return redirect("core:profile")
    return render(
        request,
        "core/profile.html",
        {
            "tokens": ApiToken.objects.filter(user=user)[:50],
            "has_otp": user_has_device(user, confirmed=True),
            "now": timezone.now(),
        },
    )


@login_required
def notifications(request):
    qs = Notification.objects.for_user(request.user)
    if request.method == "POST":
        qs.unread().update(read_at=timezone.now())
        return redirect("core:notifications")
    from django.core.paginator import Paginator

    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    note = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    target = (
        note.url
        if note.url and url_has_allowed_host_and_scheme(note.url, {request.get_host()})
        else reverse("core:notifications")
    )
    return redirect(target)


# --- Organisations --------------------------------------------------------------------------


def _kind_badge(obj) -> str:
    return {
        OrganizationKind.REGULATOR: "bg-blue-lt",
        OrganizationKind.ENTERPRISE: "bg-azure-lt",
        OrganizationKind.AGENCY: "bg-purple-lt",
        OrganizationKind.GOVERNMENT: "bg-teal-lt",
    }.get(obj.kind, "bg-secondary-lt")


class OrganizationLedger(LedgerView):
    model = Organization
    permission_required = "core.view_organization"
    filterset_class = OrganizationFilterSet
    search_fields = ("name", "credit_code", "principal", "address")
    title = gettext_lazy("Organisations")
    default_sort = "region__path"
    create_url = "core:organization_create"
    create_perm = "core.add_organization"
    empty_hint = gettext_lazy("No organisation matches. Clear the filters, or add an organisation.")
    columns = [
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("kind", gettext_lazy("Kind"), "get_kind_display", sort="kind", badge=_kind_badge),
        Column("region", gettext_lazy("Region"), "region.name", sort="region__path"),
        Column("parent", gettext_lazy("Parent organisation"), "parent.name", sort="parent__name"),
        Column("credit_code", gettext_lazy("Unified social credit code"), default=False),
        Column("principal", gettext_lazy("Principal"), default=False),
        Column("phone", gettext_lazy("Phone"), default=False),
        Column("is_active", gettext_lazy("Active"), sort="is_active"),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("region", "parent")


class OrganizationPage(ObjectPageView):
    model = Organization
    permission_required = "core.view_organization"
    list_url_name = "core:organization_list"

    def get_queryset(self):
        return super().get_queryset().select_related("region", "parent")

    def tabs(self):
        user = self.request.user
        org = self.object
        tabs = [
            Tab(
                "children",
                gettext_lazy("Subordinate organisations"),
                "core/tab_org_children.html",
                extra={
                    "rows": Organization.objects.visible_to(user)
                    .filter(parent=org)
                    .select_related("region")
                },
            )
        ]
        if user.has_perm("core.view_user"):
            users = User.objects.visible_to(user).filter(organization=org)
            tabs.append(
                Tab(
                    "users",
                    gettext_lazy("Users"),
                    "core/tab_org_users.html",
                    users.count(),
                    {"rows": users},
                )
            )
        return tabs

    def data_rows(self):
        org = self.object
        rows = super().data_rows()
        rows.append(
            (
                _("Jurisdiction"),
                "、".join(r.name for r in org.jurisdiction.all()) or org.region.name,
            )
        )
        return rows

    def can_change(self):
        return self.request.user.has_perm("core.change_organization")


class OrganizationFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = OrganizationForm
    permission_required = "core.add_organization"
    organization = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if "pk" in kwargs:
            self.organization = get_object_or_404(
                Organization.objects.visible_to(request.user), pk=kwargs["pk"]
            )
            self.permission_required = "core.change_organization"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.organization is not None:
            kwargs["instance"] = self.organization
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Edit organisation") if self.organization else _("New organisation")
        ctx["version"] = self.organization.version if self.organization else None
        ctx["cancel_url"] = (
            reverse("core:organization_detail", args=[self.organization.pk])
            if self.organization
            else reverse("core:organization_list")
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        jurisdiction = list(data.pop("jurisdiction", []) or [])
        try:
            if self.organization is None:
                org = services.organization_create(
                    by=self.request.user, jurisdiction=jurisdiction, **data
                )
            else:
                # The form saved its cleaned values on the instance; reload a clean copy.
                org = Organization.objects.get(pk=self.organization.pk)
                org = services.organization_update(
                    by=self.request.user,
                    organization=org,
                    version=_posted_version(self.request),
                    jurisdiction=jurisdiction,
                    **data,
                )
        except (services.ConflictError, PermissionDenied) as exc:
            # A stale edit, or a result outside the user's jurisdiction: say so on the form.
            form.add_error(None, str(exc) or _("You do not have permission to do this."))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect("core:organization_detail", org.pk)


def _posted_version(request) -> int:
    """The version the form was loaded at (a missing or bad value can only conflict)."""
    try:
        return int(request.POST.get("version") or 0)
    except ValueError:
        return 0


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


class UserFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = UserForm
    permission_required = "core.add_user"
    target = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if "pk" in kwargs:
            self.target = get_object_or_404(User.objects.visible_to(request.user), pk=kwargs["pk"])
            self.permission_required = "core.change_user"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(user=self.request.user, editing=self.target is not None)
        if self.target is not None and self.request.method == "GET":
            kwargs["initial"] = {
                "real_name": self.target.real_name,
                "phone": self.target.phone,
                "email": self.target.email,
                "organization": self.target.organization,
            }
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Edit user") if self.target else _("New user")
        ctx["version"] = self.target.version if self.target else None
        ctx["cancel_url"] = (
            reverse("core:user_detail", args=[self.target.pk])
            if self.target
            else reverse("core:user_list")
        )
        if not self.target:
            ctx["help"] = _(
                "An initial password is generated and shown once; the user must change it at "
                "first login."
            )
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if self.target is None:
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
                    _("Account created. Initial password (shown only once): %(p)s")
                    % {"p": password},
                )
            else:
                user = services.user_update(
                    by=self.request.user,
                    user=self.target,
                    version=_posted_version(self.request),
                    real_name=data["real_name"],
                    phone=data["phone"],
                    email=data["email"],
                    organization=data["organization"],
                )
                messages.success(self.request, _("Saved."))
        except (services.ConflictError, PermissionDenied) as exc:
            # A stale edit, or a result outside the user's jurisdiction: say so on the form.
            form.add_error(None, str(exc) or _("You do not have permission to do this."))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        return redirect("core:user_detail", user.pk)


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


# --- Files ----------------------------------------------------------------------------------


def _target_for(user, content_type_id: int, object_id: str):
    """The object a file belongs to, looked up through its model's visible_to (404 outside)."""
    ct = get_object_or_404(ContentType, pk=content_type_id)
    model = ct.model_class()
    if model is None or not hasattr(model.objects, "visible_to"):
        raise Http404
    return get_object_or_404(model.objects.visible_to(user), pk=object_id)


@login_required
@require_POST
def attachment_upload(request, content_type_id: int, object_id: str):
    target = _target_for(request.user, content_type_id, object_id)
    perm = f"{target._meta.app_label}.change_{target._meta.model_name}"
    if not request.user.has_perm(perm):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    back = request.POST.get("next") or "/"
    back = back if url_has_allowed_host_and_scheme(back, {request.get_host()}) else "/"
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect(back)
    try:
        files.attachment_add(
            by=request.user,
            target=target,
            uploaded_file=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("File uploaded."))
    return redirect(back)


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    _target_for(request.user, attachment.content_type_id, attachment.object_id)
    audit.record(actor=request.user, action=AuditAction.FILE_DOWNLOADED, obj=attachment)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.mime_type.startswith("image/")
        and attachment.mime_type != "application/pdf",
        filename=attachment.original_name,
        content_type=attachment.mime_type,
    )
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )
    return response


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


@login_required
def role_overview(request):
    """Security administrator: how many active users hold each role, the failed-login
    records, and the security policy in force."""
    if not request.user.has_perm("core.assign_roles"):
        raise PermissionDenied
    counts = dict(
        User.objects.visible_to(request.user)
        .filter(is_active=True)
        .values_list("groups__name")
        .annotate(n=Count("pk"))
        .values_list("groups__name", "n")
    )
    rows = [(Role(r).label, counts.get(r, 0), r) for r in Role.values]
    return render(
        request,
        "core/roles.html",
        {
            "rows": rows,
            "locked": visible_access_attempts(request.user)[:50],
            "policy": security_policy(),
        },
    )


def visible_access_attempts(user):
    """Failed-login records (django-axes) of the accounts this administrator can see; those of
    unknown usernames only for administrators of the whole province."""
    attempts = AccessAttempt.objects.order_by("-attempt_time")
    if any(path.count("/") == 2 for path in scope_of(user).region_paths):
        return attempts
    return attempts.filter(username__in=User.objects.visible_to(user).values("username"))


def security_policy() -> list[tuple[str, object]]:
    """The security policy in force (settings, see settings.py), as label/value rows."""
    return [
        (_("Minimum password length"), settings.PASSWORD_MIN_LENGTH),
        (_("Character classes required (of 4)"), settings.PASSWORD_MIN_CLASSES),
        (_("Previous passwords that cannot be reused"), settings.PASSWORD_HISTORY),
        (_("Password rotation (days, 0 = never)"), settings.PASSWORD_MAX_AGE_DAYS),
        (_("Failed logins before lockout"), settings.AXES_FAILURE_LIMIT),
        (
            _("Lockout (minutes)"),
            int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        ),
        (_("Idle session timeout (minutes)"), settings.SESSION_IDLE_MINUTES),
        (_("Absolute session lifetime (hours)"), settings.SESSION_ABSOLUTE_HOURS),
        (_("Second factor required"), settings.MFA_REQUIRED),
        (_("API token lifetime (days)"), settings.API_TOKEN_DAYS),
        (_("Audit hash algorithm"), settings.AUDIT_HASH_ALGORITHM.upper()),
    ]
