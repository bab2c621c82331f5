"""Enterprise pages: the ledger, an enterprise with its mines, and for a group company its
subsidiaries and their mines. Apps above the registry add to the mine rows and to the group's
figures through ``hooks.mine_extras`` (the campaigns app: scope reasons and priority)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectFormView, ObjectPageView

from .. import hooks, services
from ..filters import EnterpriseFilterSet
from ..forms import EnterpriseForm
from ..models import Enterprise, Mine
from .requests import may_request_change


class EnterpriseLedger(LedgerView):
    model = Enterprise
    permission_required = "registry.view_enterprise"
    filterset_class = EnterpriseFilterSet
    search_fields = ("name", "credit_code", "principal", "legal_representative")
    title = gettext_lazy("Enterprises")
    default_sort = "name"
    create_url = "registry:enterprise_create"
    create_perm = "registry.add_enterprise"
    empty_hint = gettext_lazy("No enterprise is registered in your area yet.")
    columns = [
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("credit_code", gettext_lazy("Unified social credit code"), sort="credit_code"),
        Column("region", gettext_lazy("Region"), "region.name", sort="region__path"),
        Column("parent", gettext_lazy("Parent company"), "parent.name", sort="parent__name"),
        Column("mine_count", gettext_lazy("Mines"), sort="mine_count"),
        Column(
            "subsidiary_count", gettext_lazy("Subsidiaries"), sort="subsidiary_count", default=False
        ),
        Column("legal_representative", gettext_lazy("Legal representative"), default=False),
        Column("principal", gettext_lazy("Principal"), default=False),
        Column("phone", gettext_lazy("Phone"), default=False),
    ]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .select_related("region", "parent")
            .annotate(
                mine_count=Count("mines", distinct=True),
                subsidiary_count=Count("children", distinct=True),
            )
        )


class EnterprisePage(ObjectPageView):
    """An enterprise with its mines (and their scope); for a group company, its subsidiaries
    and all their mines."""

    model = Enterprise
    permission_required = "registry.view_enterprise"
    list_url_name = "registry:enterprise_list"
    template_name = "registry/enterprise_page.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region", "parent")

    def can_change(self) -> bool:
        return self.request.user.has_perm("registry.change_enterprise")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_request_change"] = may_request_change(self.request.user)
        return ctx

    def data_rows(self):
        e = self.object
        return [
            (_("Name"), e.name),
            (_("Unified social credit code"), e.credit_code),
            (_("Region"), e.region.name),
            (_("Parent company"), e.parent.name if e.parent_id else None),
            (_("Address"), e.address),
            (_("Legal representative"), e.legal_representative),
            (_("Principal"), e.principal),
            (_("Phone"), e.phone),
            (_("Active"), e.is_active),
        ]

    def mine_extras(self) -> list[Callable[[Mine], hooks.MineExtras]]:
        """The extras of each app for this request (looked up once per page)."""
        if not hasattr(self, "_mine_extras"):
            self._mine_extras = [provider(self.request) for provider in hooks.mine_extras]
        return self._mine_extras

    def _mine_rows(self, mines: Iterable[Mine]) -> list[dict[str, Any]]:
        rows = []
        for m in mines:
            row: dict[str, Any] = {"mine": m}
            for extras in self.mine_extras():
                row.update(extras(m).row)
            rows.append(row)
        return rows

    def tabs(self):
        user = self.request.user
        e = self.object
        mines = Mine.objects.visible_to(user).filter(enterprise=e).with_related().order_by("code")
        tabs = [
            Tab(
                "mines",
                gettext_lazy("Mines"),
                "registry/tab_enterprise_mines.html",
                mines.count(),
                {"rows": self._mine_rows(mines), "show_enterprise": False},
            )
        ]
        subsidiaries = (
            Enterprise.objects.visible_to(user)
            .filter(pk__in=e.descendant_ids(include_self=False))
            .select_related("region", "parent")
            .order_by("name")
        )
        if subsidiaries.exists():
            sub_ids = [s.pk for s in subsidiaries]
            group_mines = (
                Mine.objects.visible_to(user)
                .filter(enterprise_id__in=sub_ids)
                .with_related()
                .order_by("enterprise__name", "code")
            )
            figures: dict[int, dict[str, int]] = {}
            for m in group_mines:
                f = figures.setdefault(m.enterprise_id, {"mines": 0})
                f["mines"] += 1
                for extras in self.mine_extras():
                    for key, n in extras(m).counts.items():
                        f[key] = f.get(key, 0) + n
            tabs.append(
                Tab(
                    "subsidiaries",
                    gettext_lazy("Subsidiaries"),
                    "registry/tab_enterprise_subsidiaries.html",
                    len(sub_ids),
                    {
                        "rows": [(s, figures.get(s.pk, {})) for s in subsidiaries],
                    },
                )
            )
            tabs.append(
                Tab(
                    "group_mines",
                    gettext_lazy("Subsidiaries' mines"),
                    "registry/tab_enterprise_mines.html",
                    group_mines.count(),
                    {"rows": self._mine_rows(group_mines), "show_enterprise": True},
                )
            )
        return tabs


class EnterpriseFormView(ObjectFormView):
    model = Enterprise
    form_class = EnterpriseForm
    permission_required = "registry.add_enterprise"
    edit_permission = "registry.change_enterprise"
    title_create = gettext_lazy("New enterprise")
    title_edit = gettext_lazy("Edit enterprise")
    list_url = "registry:enterprise_list"

    def save(self, form):
        data = dict(form.cleaned_data)
        if self.object is None:
            return services.enterprise_create(by=self.request.user, **data)
        return services.enterprise_update(
            by=self.request.user,
            enterprise=self.fresh_object(),
            version=self.posted_version(),
            **data,
        )
