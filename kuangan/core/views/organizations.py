from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import services
from ..choices import OrganizationKind
from ..filters import OrganizationFilterSet
from ..forms import (
    JurisdictionForm,
    OrganizationForm,
)
from ..ledger import Column, LedgerView, Tab
from ..models import Organization, User
from .bases import ObjectPageView
from .forms import ObjectFormView

# --- Organisations --------------------------------------------------------------------------


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
        Column(
            "kind", gettext_lazy("Kind"), "get_kind_display", sort="kind", badge=OrganizationKind
        ),
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
    template_name = "core/organization_page.html"
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

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_set_jurisdiction"] = self.request.user.has_perm("core.change_jurisdiction")
        return ctx


class OrganizationFormView(ObjectFormView):
    model = Organization
    form_class = OrganizationForm
    permission_required = "core.add_organization"
    edit_permission = "core.change_organization"
    title_create = gettext_lazy("New organisation")
    title_edit = gettext_lazy("Edit organisation")
    list_url = "core:organization_list"

    def save(self, form):
        data = dict(form.cleaned_data)
        # The field is only on the form of whoever may set it (the security administrator).
        jurisdiction = data.pop("jurisdiction", None)
        if jurisdiction is not None:
            jurisdiction = list(jurisdiction)
        if self.object is None:
            return services.organization_create(
                by=self.request.user, jurisdiction=jurisdiction, **data
            )
        return services.organization_update(
            by=self.request.user,
            organization=self.fresh_object(),
            version=self.posted_version(),
            jurisdiction=jurisdiction,
            **data,
        )


class OrganizationJurisdictionView(ObjectFormView):
    """The regions an organisation governs (the security administrator's: 三员分立)."""

    model = Organization
    form_class = JurisdictionForm
    permission_required = "core.change_jurisdiction"
    edit_permission = "core.change_jurisdiction"
    confirm = gettext_lazy("Change the jurisdiction? Who regulates which mines changes at once.")
    success_message = gettext_lazy("Jurisdiction saved.")
    help_text = gettext_lazy(
        "The region subtrees this organisation governs. None selected: the subtree of its "
        "own region."
    )

    def get_title(self) -> str:
        return _("Jurisdiction of %(organization)s") % {"organization": self.object}

    def save(self, form):
        return services.organization_update(
            by=self.request.user,
            organization=self.fresh_object(),
            version=self.posted_version(),
            jurisdiction=list(form.cleaned_data["jurisdiction"]),
        )
