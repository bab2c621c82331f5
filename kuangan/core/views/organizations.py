from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from .. import services
from ..choices import OrganizationKind
from ..filters import OrganizationFilterSet
from ..forms import (
    OrganizationForm,
    apply_errors,
)
from ..ledger import Column, LedgerView, Tab
from ..models import Organization, User
from .bases import ObjectPageView, posted_version

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
                    version=posted_version(self.request),
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
