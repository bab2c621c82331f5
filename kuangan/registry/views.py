"""Registry pages: the mine ledger and map, the mine page with its scope, enterprise and group
pages, watch duty. Every queryset starts from ``visible_to(user)``; writes go through
``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView

from kuangan.campaigns import rules, verdicts
from kuangan.campaigns.choices import (
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
)
from kuangan.campaigns.models import Campaign
from kuangan.core.forms import apply_errors
from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.services import ConflictError
from kuangan.core.views import ObjectPageView

from . import services
from .choices import OPEN_PIT_KINDS, UNDERGROUND_KINDS, MineStatus
from .filters import (
    EnterpriseFilterSet,
    MineFilterSet,
    WatchDutyFilterSet,
    WatchMineFilterSet,
)
from .forms import EnterpriseForm, MineForm, WatchDutyForm
from .models import (
    KIND_FIELDS,
    Enterprise,
    Mine,
    MineHistory,
    UnmannedShutdownMine,
    WatchDuty,
)
from .presenters import STATUS_BADGES, describe, licence_state


def chosen_campaign(request) -> Campaign | None:
    """The campaign of ``?campaign=`` when the user may see it, else the latest one."""
    raw = request.GET.get("campaign", "")
    if raw.isdigit():
        campaign = Campaign.objects.visible_to(request.user).filter(pk=int(raw)).first()
        if campaign is not None:
            return campaign
    return verdicts.latest_campaign(request.user)


class VerdictMixin:
    """Per-request campaign and a cache of mine verdicts for ledger columns."""

    def campaign(self) -> Campaign | None:
        if not hasattr(self, "_campaign"):
            self._campaign = chosen_campaign(self.request)
        return self._campaign

    def verdict(self, mine: Mine) -> rules.Verdict:
        cache = self.__dict__.setdefault("_verdicts", {})
        if mine.pk not in cache:
            cache[mine.pk] = rules.verdict(mine.rule_state(), verdicts.thresholds(self.campaign()))
        return cache[mine.pk]


def _labels(choices, codes) -> str:
    return "；".join(str(choices(c).label) for c in codes)


def _status_badge(mine) -> str:
    return STATUS_BADGES.get(mine.status, "bg-secondary-lt")


# --- Mines ----------------------------------------------------------------------------------


class MineLedger(VerdictMixin, LedgerView):
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
        v = self.verdict
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
                badge=_status_badge,
            ),
            Column(
                "suspended",
                gettext_lazy("Suspended by order"),
                "is_suspended",
                sort="suspended",
                badge=lambda m: "bg-red text-red-fg" if m.is_suspended else "bg-secondary-lt",
            ),
            Column(
                "campaign_scope",
                gettext_lazy("Campaign scope"),
                lambda m: (
                    _labels(CampaignReason, v(m).campaign.reasons)
                    or (_("Out (watch duty)") if v(m).watch else _("Out"))
                ),
            ),
            Column(
                "inspection_scope",
                gettext_lazy("Key-inspection reasons"),
                lambda m: _labels(InspectionReason, v(m).inspection.reasons) or _("Out"),
            ),
            Column(
                "checklist",
                gettext_lazy("Checklist"),
                lambda m: ChecklistFamily(v(m).checklist).label,
                default=False,
            ),
            Column(
                "priority",
                gettext_lazy("Priority"),
                lambda m: PriorityLevel(v(m).priority.level).label,
                badge=lambda m: (
                    "bg-red-lt" if v(m).priority.level == rules.HIGH else "bg-secondary-lt"
                ),
            ),
            Column(
                "priority_reasons",
                gettext_lazy("Priority reasons"),
                lambda m: _labels(PriorityReason, v(m).priority.reasons),
                default=False,
            ),
            Column(
                "inspect_before",
                gettext_lazy("Inspect before"),
                lambda m: v(m).priority.inspect_before,
                default=False,
            ),
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


class MinePage(VerdictMixin, ObjectPageView):
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
            Tab(
                "scope",
                gettext_lazy("Campaign scope"),
                "registry/tab_mine_scope.html",
                extra=self.scope_extra(),
            ),
        ]
        history = MineHistory.objects.filter(mine=mine).select_related("recorded_by")
        tabs.append(
            Tab(
                "status_history",
                gettext_lazy("Status history"),
                "registry/tab_mine_status_history.html",
                history.count(),
                {"rows": history[:200]},
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

    def scope_extra(self) -> dict:
        from .presenters import explain

        mine = self.object
        campaign = self.campaign()
        on_raw = self.request.GET.get("on", "")
        on = None
        error = ""
        if on_raw:
            try:
                on = dt.date.fromisoformat(on_raw)
            except ValueError:
                error = _("Give the date as YYYY-MM-DD.")
        if on is not None:
            state = mine.state_on(on)
            if state is None:
                error = _("The mine was not yet registered on %(date)s.") % {"date": on.isoformat()}
                state = None
        else:
            state = mine.rule_state()
        explanation = explain(state, campaign) if state is not None else None
        return {
            "campaign": campaign,
            "campaigns": Campaign.objects.visible_to(self.request.user).latest_first(),
            "on": on,
            "error": error,
            "explanation": explanation,
        }


class MineFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "registry/mine_form.html"
    form_class = MineForm
    permission_required = "registry.add_mine"
    mine = None

    def dispatch(self, request, *args, **kwargs):
        if "code" in kwargs:
            if request.user.is_authenticated:
                self.mine = get_object_or_404(
                    Mine.objects.visible_to(request.user), code=kwargs["code"]
                )
            self.permission_required = "registry.change_mine"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.mine is not None:
            kwargs["instance"] = self.mine
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = (
            _("Edit mine %(code)s") % {"code": self.mine.code} if self.mine else _("New mine")
        )
        ctx["version"] = self.mine.version if self.mine else None
        ctx["cancel_url"] = (
            self.mine.get_absolute_url() if self.mine else reverse("registry:mine_list")
        )
        ctx["kind_fields"] = {
            **{f: sorted(kinds) for f, kinds in KIND_FIELDS.items()},
            "tailings_into_open_pit": ["metal_open_pit"],
            "conversion": sorted(OPEN_PIT_KINDS | UNDERGROUND_KINDS),
        }
        ctx["help"] = _(
            "Attributes that do not apply to the mine kind (a tailings grade on a coal mine, a "
            "gas class on a metal mine) are refused. Leave a measure empty when it is unknown."
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        effective_on = data.pop("effective_on", None)
        try:
            if self.mine is None:
                mine = services.mine_create(by=self.request.user, **data)
            else:
                mine = Mine.objects.get(pk=self.mine.pk)
                at = None
                if effective_on and effective_on != timezone.localdate():
                    at = timezone.make_aware(dt.datetime.combine(effective_on, dt.time(12)))
                mine = services.mine_update(
                    by=self.request.user,
                    mine=mine,
                    version=int(self.request.POST.get("version") or 0),
                    effective_at=at,
                    **data,
                )
        except ConflictError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(mine.get_absolute_url())


class MineMapView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Mines on the province map (offline ECharts, prefecture-level outline: a sketch)."""

    permission_required = "registry.view_mine"
    template_name = "registry/mine_map.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        filterset = MineFilterSet(
            self.request.GET or None, queryset=Mine.objects.none(), request=self.request
        )
        from kuangan.core.forms import style_form

        style_form(filterset.form)
        query = self.request.GET.urlencode()
        ctx.update(
            title=_("Map of mines"),
            filterset=filterset,
            data_url=reverse("registry:mine_map_data") + (f"?{query}" if query else ""),
        )
        return ctx


def _mine_points(request):
    qs = Mine.objects.visible_to(request.user).with_related()
    filterset = MineFilterSet(request.GET or None, queryset=qs, request=request)
    if filterset.is_bound and filterset.is_valid():
        qs = filterset.qs
    campaign = filterset.chosen_campaign()
    t = verdicts.thresholds(campaign)
    points = []
    missing = 0
    for mine in qs.order_by("code"):
        if mine.longitude is None or mine.latitude is None:
            missing += 1
            continue
        v = rules.verdict(mine.rule_state(), t)
        if v.inspection.in_scope:
            group = "inspection"
        elif v.campaign.in_scope:
            group = "campaign"
        elif v.watch:
            group = "watch"
        else:
            group = "out"
        points.append(
            {
                "code": mine.code,
                "name": mine.name,
                "value": [float(mine.longitude), float(mine.latitude)],
                "group": group,
                "kind": str(mine.get_kind_display()),
                "status": str(mine.get_status_display())
                + (" · " + str(_("suspended by order")) if mine.is_suspended else ""),
                "suspended": mine.is_suspended,
                "county": mine.region.name,
                "priority": v.priority.level,
                "url": mine.get_absolute_url(),
            }
        )
    return points, missing


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
    points, missing = _mine_points(request)
    return JsonResponse(
        {
            "points": points,
            "without_coordinates": missing,
            "groups": {
                "inspection": _("In key-inspection scope"),
                "campaign": _("In campaign scope only"),
                "watch": _("Out, watch duty required"),
                "out": _("Out of scope"),
            },
        }
    )


# --- Enterprises ----------------------------------------------------------------------------


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


class EnterprisePage(VerdictMixin, ObjectPageView):
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

    def _mine_rows(self, mines):
        rows = []
        for m in mines:
            v = self.verdict(m)
            rows.append({"mine": m, "verdict": v, "reasons": _mine_reasons(v)})
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
            figures = {}
            for m in group_mines:
                v = self.verdict(m)
                f = figures.setdefault(
                    m.enterprise_id,
                    {"mines": 0, "campaign": 0, "inspection": 0, "high": 0, "watch": 0},
                )
                f["mines"] += 1
                f["campaign"] += v.campaign.in_scope
                f["inspection"] += v.inspection.in_scope
                f["high"] += v.priority.level == rules.HIGH
                f["watch"] += v.watch
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


def _mine_reasons(v: rules.Verdict) -> list[str]:
    reasons = [str(CampaignReason(r).label) for r in v.campaign.reasons]
    reasons += [str(InspectionReason(r).label) for r in v.inspection.reasons]
    return reasons


class EnterpriseFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = EnterpriseForm
    permission_required = "registry.add_enterprise"
    enterprise = None

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:
            if request.user.is_authenticated:
                self.enterprise = get_object_or_404(
                    Enterprise.objects.visible_to(request.user), pk=kwargs["pk"]
                )
            self.permission_required = "registry.change_enterprise"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.enterprise is not None:
            kwargs["instance"] = self.enterprise
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Edit enterprise") if self.enterprise else _("New enterprise")
        ctx["version"] = self.enterprise.version if self.enterprise else None
        ctx["cancel_url"] = (
            self.enterprise.get_absolute_url()
            if self.enterprise
            else reverse("registry:enterprise_list")
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            if self.enterprise is None:
                enterprise = services.enterprise_create(by=self.request.user, **data)
            else:
                enterprise = services.enterprise_update(
                    by=self.request.user,
                    enterprise=Enterprise.objects.get(pk=self.enterprise.pk),
                    version=int(self.request.POST.get("version") or 0),
                    **data,
                )
        except ConflictError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(enterprise.get_absolute_url())


# --- Watch duty -----------------------------------------------------------------------------


def _current_duty(mine):
    duties = getattr(mine, "current_duties", None)
    return duties[0] if duties else None


class WatchLedger(LedgerView):
    """Unmanned long-shutdown mines, which need a watch duty, and who holds it today."""

    model = UnmannedShutdownMine
    permission_required = "registry.view_watchduty"
    filterset_class = WatchMineFilterSet
    search_fields = ("code", "name", "enterprise__name")
    title = gettext_lazy("Watch duty over unmanned long-shutdown mines")
    default_sort = "region__path"
    template_name = "registry/watch_ledger.html"
    table_template = "registry/watch_ledger_table.html"
    empty_hint = gettext_lazy("No mine in your area is in unmanned long-term shutdown.")
    columns = [
        Column("code", gettext_lazy("Mine code"), sort="code", link=True),
        Column("name", gettext_lazy("Mine name"), sort="name", link=True),
        Column("region", gettext_lazy("County"), "region.name", sort="region__path"),
        Column(
            "enterprise", gettext_lazy("Enterprise"), "enterprise.name", sort="enterprise__name"
        ),
        Column("kind", gettext_lazy("Mine kind"), "kind", sort="kind"),
        Column(
            "holder",
            gettext_lazy("Duty holder"),
            lambda m: _current_duty(m).holder_name if _current_duty(m) else _("None — assign one"),
            badge=lambda m: "bg-green-lt" if _current_duty(m) else "bg-red-lt",
        ),
        Column(
            "mode",
            gettext_lazy("Watch mode"),
            lambda m: _current_duty(m).get_mode_display() if _current_duty(m) else None,
        ),
        Column(
            "holder_phone",
            gettext_lazy("Duty holder's phone"),
            lambda m: _current_duty(m).holder_phone if _current_duty(m) else None,
        ),
        Column(
            "valid_from",
            gettext_lazy("From"),
            lambda m: _current_duty(m).valid_from if _current_duty(m) else None,
            default=False,
        ),
    ]

    def base_queryset(self):
        today = timezone.localdate()
        return (
            super()
            .base_queryset()
            .with_related()
            .prefetch_related(
                Prefetch(
                    "watch_duties",
                    queryset=WatchDuty.objects.current(today).order_by("-valid_from"),
                    to_attr="current_duties",
                )
            )
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        base = self.base_queryset()
        current = WatchDuty.objects.current(today).filter(mine=OuterRef("pk"))
        ctx["without_holder"] = base.exclude(Exists(current)).count()
        ctx["can_assign"] = self.request.user.has_perm("registry.add_watchduty")
        return ctx


class WatchDutyLedger(LedgerView):
    model = WatchDuty
    permission_required = "registry.view_watchduty"
    filterset_class = WatchDutyFilterSet
    search_fields = ("holder_name", "mine__name", "mine__code")
    title = gettext_lazy("Watch duties")
    default_sort = "-valid_from"
    empty_hint = gettext_lazy("No watch duty has been assigned yet.")
    columns = [
        Column("mine", gettext_lazy("Mine"), "mine.name", sort="mine__name", link=True),
        Column("county", gettext_lazy("County"), "mine.region.name", sort="mine__region__path"),
        Column("mode", gettext_lazy("Watch mode"), "mode", sort="mode"),
        Column("holder_name", gettext_lazy("Duty holder"), sort="holder_name"),
        Column("holder_phone", gettext_lazy("Duty holder's phone")),
        Column("valid_from", gettext_lazy("From"), sort="valid_from"),
        Column("valid_until", gettext_lazy("Until"), sort="valid_until"),
        Column("assigned_by", gettext_lazy("Assigned by"), "assigned_by", default=False),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("mine", "mine__region", "assigned_by")


class WatchDutyPage(ObjectPageView):
    model = WatchDuty
    permission_required = "registry.view_watchduty"
    list_url_name = "registry:watchduty_list"
    template_name = "registry/watchduty_page.html"

    def get_queryset(self):
        return super().get_queryset().select_related("mine", "mine__region", "assigned_by")

    def can_change(self) -> bool:
        return self.request.user.has_perm("registry.change_watchduty")

    def data_rows(self):
        d = self.object
        return [
            (_("Mine"), d.mine),
            (_("Watch mode"), d.get_mode_display()),
            (_("Duty holder"), d.holder_name),
            (_("Duty holder's phone"), d.holder_phone),
            (_("From"), d.valid_from),
            (_("Until"), d.valid_until),
            (_("Assigned by"), d.assigned_by),
            (_("Note"), d.note),
        ]


class WatchDutyFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """Assign a watch duty for a mine (``code``), or change one (``pk``)."""

    template_name = "core/form.html"
    form_class = WatchDutyForm
    permission_required = "registry.add_watchduty"
    mine = None
    duty = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if "pk" in kwargs:
                self.duty = get_object_or_404(
                    WatchDuty.objects.visible_to(request.user).select_related("mine"),
                    pk=kwargs["pk"],
                )
                self.mine = self.duty.mine
            else:
                self.mine = get_object_or_404(
                    Mine.objects.visible_to(request.user), code=kwargs["code"]
                )
        if "pk" in kwargs:
            self.permission_required = "registry.change_watchduty"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.duty is not None:
            kwargs["instance"] = self.duty
        else:
            kwargs["initial"] = {"valid_from": timezone.localdate()}
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = (
            _("Change watch duty of %(mine)s") if self.duty else _("Assign watch duty for %(mine)s")
        ) % {"mine": self.mine}
        ctx["version"] = self.duty.version if self.duty else None
        ctx["cancel_url"] = reverse("registry:watch_list")
        ctx["help"] = _(
            "For an unmanned long-shutdown mine the county emergency bureau names a person for "
            "on-site watch or contact watch. A duty running today ends the day before the new "
            "one starts."
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            if self.duty is None:
                duty = services.watch_duty_assign(by=self.request.user, mine=self.mine, **data)
            else:
                duty = services.watch_duty_update(
                    by=self.request.user,
                    duty=WatchDuty.objects.get(pk=self.duty.pk),
                    version=int(self.request.POST.get("version") or 0),
                    **data,
                )
        except ConflictError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(duty.get_absolute_url())
