"""Mine pages: the registry ledger, a mine's page, the mine form and the map. Apps above the
registry add columns, tabs and map groups through ``hooks`` (the campaigns app: the campaign
verdict)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from kuangan.core.forms import style_form
from kuangan.core.history import render_changes
from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectFormView, ObjectPageView

from .. import hooks, services
from ..choices import OPEN_PIT_KINDS, UNDERGROUND_KINDS, MineStatus
from ..filters import MineFilterSet
from ..forms import MineForm
from ..models import KIND_FIELDS, Mine, MineHistory, WatchDuty
from ..presenters import describe, licence_state
from .requests import may_request_change


class MineLedger(LedgerView):
    model = Mine
    permission_required = "registry.view_mine"
    export_perm = "registry.export_mine"
    filterset_class = MineFilterSet
    search_fields = ("code", "name", "enterprise__name", "principal", "mining_licence_no")
    title = gettext_lazy("Mine registry")
    default_sort = "code"
    create_url = "registry:mine_create"
    create_perm = "registry.add_mine"
    template_name = "registry/mine_ledger.html"
    empty_hint = gettext_lazy(
        "No mine is registered in your area yet. Add mines one by one, or import the registry "
        "from a spreadsheet."
    )

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.columns = self.make_columns()

    def make_columns(self) -> list[Column]:
        return [
            Column("code", gettext_lazy("Mine code"), sort="code", link=True),
            Column("name", gettext_lazy("Mine name"), sort="name", link=True),
            Column(
                "enterprise", gettext_lazy("Enterprise"), "enterprise.name", sort="enterprise__name"
            ),
            Column("region", gettext_lazy("County"), "region.name", sort="region__path"),
            Column("kind", gettext_lazy("Mine kind"), "kind", sort="kind"),
            Column(
                "status",
                gettext_lazy("Production status"),
                "status",
                sort="status",
                badge=MineStatus,
            ),
            Column(
                "suspended",
                gettext_lazy("Suspended by order"),
                "is_suspended",
                sort="suspended",
                badge=lambda m: "bg-red text-red-fg" if m.is_suspended else "bg-secondary-lt",
            ),
            *[c for provider in hooks.mine_ledger_columns for c in provider(self.request)],
            Column(
                "mining_licence_valid_until",
                gettext_lazy("Mining licence valid until"),
                sort="mining_licence_valid_until",
                default=False,
            ),
            Column(
                "safety_licence_valid_until",
                gettext_lazy("Safety licence valid until"),
                sort="safety_licence_valid_until",
                default=False,
            ),
            Column("principal", gettext_lazy("Principal"), default=False),
            Column("phone", gettext_lazy("Phone"), default=False),
        ]

    def base_queryset(self):
        return super().base_queryset().with_related()


class MinePage(ObjectPageView):
    model = Mine
    permission_required = "registry.view_mine"
    slug_field = "code"
    slug_url_kwarg = "code"
    list_url_name = "registry:mine_list"
    template_name = "registry/mine_page.html"
    data_template = "registry/tab_mine_data.html"

    def get_queryset(self):
        return super().get_queryset().with_related()

    def can_change(self) -> bool:
        return self.request.user.has_perm("registry.change_mine")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_request_change"] = may_request_change(self.request.user)
        return ctx

    def data_rows(self):
        return describe(self.object, "basic")

    def tabs(self):
        mine = self.object
        tabs = [
            Tab(
                "licences",
                gettext_lazy("Licences"),
                "registry/tab_mine_licences.html",
                extra={"licences": licence_state(mine, timezone.localdate())},
            ),
            *[t for provider in hooks.mine_page_tabs for t in provider(self.request, mine)],
        ]
        history = MineHistory.objects.filter(mine=mine).select_related("recorded_by")
        rows = list(history[:200])
        for row, changes in zip(rows, render_changes(Mine, [h.changes for h in rows]), strict=True):
            row.readable_changes = changes  # in words: labels, names, dates
        tabs.append(
            Tab(
                "status_history",
                gettext_lazy("Status history"),
                "registry/tab_mine_status_history.html",
                history.count(),
                {"rows": rows},
            )
        )
        duties = WatchDuty.objects.visible_to(self.request.user).filter(mine=mine)
        if duties.exists() or mine.status == MineStatus.LONG_SHUTDOWN:
            tabs.append(
                Tab(
                    "watch",
                    gettext_lazy("Watch duty"),
                    "registry/tab_mine_watch.html",
                    duties.count(),
                    {
                        "rows": duties.select_related("assigned_by"),
                        "can_assign": self.request.user.has_perm("registry.add_watchduty")
                        and mine.status == MineStatus.LONG_SHUTDOWN,
                    },
                )
            )
        return tabs


class MineFormView(ObjectFormView):
    template_name = "registry/mine_form.html"
    model = Mine
    slug_url_kwarg = slug_field = "code"
    form_class = MineForm
    permission_required = "registry.add_mine"
    edit_permission = "registry.change_mine"
    title_create = gettext_lazy("New mine")
    list_url = "registry:mine_list"
    help_text = gettext_lazy(
        "Attributes that do not apply to the mine kind (a tailings grade on a coal mine, a "
        "gas class on a metal mine) are refused. Leave a measure empty when it is unknown."
    )

    def get_title(self):
        if self.object is None:
            return super().get_title()
        return _("Edit mine %(code)s") % {"code": self.object.code}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["kind_fields"] = {
            **{f: sorted(kinds) for f, kinds in KIND_FIELDS.items()},
            "tailings_into_open_pit": ["metal_open_pit"],
            "conversion": sorted(OPEN_PIT_KINDS | UNDERGROUND_KINDS),
        }
        return ctx

    def save(self, form):
        data = dict(form.cleaned_data)
        effective_on = data.pop("effective_on", None)
        if self.object is None:
            return services.mine_create(by=self.request.user, **data)
        at = None
        if effective_on and effective_on != timezone.localdate():
            at = timezone.make_aware(dt.datetime.combine(effective_on, dt.time(12)))
        return services.mine_update(
            by=self.request.user,
            mine=self.fresh_object(),
            version=self.posted_version(),
            effective_at=at,
            **data,
        )


class MineMapView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Mines on the province map (offline ECharts, prefecture-level outline: a sketch)."""

    permission_required = "registry.view_mine"
    template_name = "registry/mine_map.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        filterset = MineFilterSet(
            self.request.GET or None, queryset=Mine.objects.none(), request=self.request
        )
        style_form(filterset.form)
        query = self.request.GET.urlencode()
        ctx.update(
            title=_("Map of mines"),
            filterset=filterset,
            data_url=reverse("registry:mine_map_data") + (f"?{query}" if query else ""),
        )
        return ctx


def _mine_points(request: HttpRequest) -> tuple[list[dict[str, Any]], int, dict[str, str]]:
    qs = Mine.objects.visible_to(request.user).with_related()
    filterset = MineFilterSet(request.GET or None, queryset=qs, request=request)
    if filterset.is_bound and filterset.is_valid():
        qs = filterset.qs
    layers = [provider(request, filterset) for provider in hooks.mine_map_layers]
    points = []
    missing = 0
    for mine in qs.order_by("code"):
        if mine.longitude is None or mine.latitude is None:
            missing += 1
            continue
        point: dict[str, Any] = {
            "code": mine.code,
            "name": mine.name,
            "value": [float(mine.longitude), float(mine.latitude)],
            "kind": str(mine.get_kind_display()),
            "status": str(mine.get_status_display())
            + (" · " + str(_("suspended by order")) if mine.is_suspended else ""),
            "suspended": mine.is_suspended,
            "county": mine.region.name,
            "url": mine.get_absolute_url(),
        }
        for layer in layers:
            point.update(layer.point(mine))
        points.append(point)
    groups = {code: label for layer in layers for code, label in layer.groups.items()}
    return points, missing, groups


def mine_map_data(request):
    if not request.user.is_authenticated:
        return JsonResponse(
            {
                "error": {
                    "code": "not_authenticated",
                    "message": _("Log in first."),
                    "fields": {},
                }
            },
            status=401,
        )
    if not request.user.has_perm("registry.view_mine"):
        return JsonResponse(
            {
                "error": {
                    "code": "permission_denied",
                    "message": _("You do not have permission to do this."),
                    "fields": {},
                }
            },
            status=403,
        )
    points, missing, groups = _mine_points(request)
    return JsonResponse({"points": points, "without_coordinates": missing, "groups": groups})
