"""Campaign pages: the list, a campaign with its phases, thresholds and scope figures, and the
form of the province administrator; and the campaign verdict on the registry's mine pages
(ledger columns, the scope tab of a mine, the enterprise pages' reasons and figures, the map
groups), added through the registry's hooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.views import ObjectFormView, ObjectPageView
from kuangan.registry import hooks as registry_hooks
from kuangan.registry.filters import MineFilterSet
from kuangan.registry.models import Mine

from . import presenters, rules, services, verdicts
from .choices import (
    CampaignReason,
    ChecklistFamily,
    InspectionReason,
    PriorityLevel,
    PriorityReason,
)
from .filters import chosen_campaign as filter_campaign
from .forms import CampaignForm
from .models import Campaign


class CampaignLedger(LedgerView):
    model = Campaign
    permission_required = "campaigns.view_campaign"
    search_fields = ("name", "document_number", "issuing_bodies")
    title = gettext_lazy("Campaigns")
    default_sort = "-starts_on"
    create_url = "campaigns:campaign_create"
    create_perm = "campaigns.add_campaign"
    empty_hint = gettext_lazy(
        "No campaign yet. The province creates one from its notice, with the five phases and "
        "their deadlines."
    )
    columns = [
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("document_number", gettext_lazy("Document number"), sort="document_number"),
        Column("region", gettext_lazy("Region"), "region.name", sort="region__path"),
        Column("starts_on", gettext_lazy("Starts on"), sort="starts_on"),
        Column("ends_on", gettext_lazy("Ends on"), sort="ends_on"),
        Column(
            "phase",
            gettext_lazy("Current phase"),
            lambda c: presenters.campaign_stage(c, timezone.localdate()),
        ),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("region").prefetch_related("phases")


class CampaignPage(ObjectPageView):
    model = Campaign
    permission_required = "campaigns.view_campaign"
    list_url_name = "campaigns:campaign_list"
    template_name = "campaigns/campaign_page.html"

    def get_queryset(self):
        return super().get_queryset().select_related("region").prefetch_related("phases")

    def can_change(self) -> bool:
        return self.request.user.has_perm("campaigns.change_campaign")

    def data_rows(self):
        c = self.object
        return [
            (_("Name"), c.name),
            (_("Document number"), c.document_number),
            (_("Issuing bodies"), c.issuing_bodies),
            (_("Issued on"), c.issued_on),
            (_("Region"), c.region.name),
            (_("Starts on"), c.starts_on),
            (_("Ends on"), c.ends_on),
            (_("Current phase"), presenters.campaign_stage(c)),
            (_("Description"), c.description),
        ]

    def tabs(self):
        c = self.object
        today = timezone.localdate()
        current = c.current_phase(today)
        phases = [
            {
                "phase": p,
                "current": current is not None and p.pk == current.pk,
                "overdue": p.deadline < today,
            }
            for p in c.phases.all()
        ]
        figures = verdicts.counts(Mine.objects.visible_to(self.request.user), c)
        return [
            Tab(
                "phases",
                gettext_lazy("Phases"),
                "campaigns/tab_phases.html",
                len(phases),
                {"rows": phases},
            ),
            Tab("thresholds", gettext_lazy("Thresholds"), "campaigns/tab_thresholds.html"),
            Tab(
                "scope",
                gettext_lazy("Scope figures"),
                "campaigns/tab_scope.html",
                extra={
                    "f": figures,
                    "campaign_reasons": [
                        (CampaignReason(k).label, n, k)
                        for k, n in figures["campaign_reasons"].items()
                    ],
                    "inspection_reasons": [
                        (InspectionReason(k).label, n, k)
                        for k, n in figures["inspection_reasons"].items()
                    ],
                },
            ),
        ]


class CampaignFormView(ObjectFormView):
    """The province administrator's form of a campaign with its phases."""

    model = Campaign
    form_class = CampaignForm
    permission_required = "campaigns.add_campaign"
    edit_permission = "campaigns.change_campaign"
    form_takes_user = False
    title_create = gettext_lazy("New campaign")
    title_edit = gettext_lazy("Edit campaign")
    list_url = "campaigns:campaign_list"
    help_text = gettext_lazy(
        "The thresholds and the flood-season start are used by the scope rules for every "
        "mine. Leave the flood-season start empty for June 1 of the starting year."
    )

    def save(self, form):
        data = form.campaign_data()
        if self.object is None:
            return services.campaign_create(by=self.request.user, phases=form.phases(), **data)
        return services.campaign_update(
            by=self.request.user,
            campaign=self.fresh_object(),
            version=self.posted_version(),
            phases=form.phases(),
            **data,
        )


# --- The verdict on the registry's mine pages -----------------------------------------------


def chosen_campaign(request: HttpRequest) -> Campaign | None:
    """The campaign of ``?campaign=`` when the user may see it, else the latest one."""
    raw = request.GET.get("campaign", "")
    if raw.isdigit():
        campaign = Campaign.objects.visible_to(request.user).filter(pk=int(raw)).first()
        if campaign is not None:
            return campaign
    return verdicts.latest_campaign(request.user)


class MineVerdicts:
    """The verdicts of mines under the request's campaign (chosen on first use), each
    computed once per request."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self._verdicts: dict[int, rules.Verdict] = {}

    def campaign(self) -> Campaign | None:
        if not hasattr(self, "_campaign"):
            self._campaign = chosen_campaign(self.request)
        return self._campaign

    def __call__(self, mine: Mine) -> rules.Verdict:
        if mine.pk not in self._verdicts:
            thresholds = verdicts.thresholds(self.campaign())
            self._verdicts[mine.pk] = rules.verdict(mine.rule_state(), thresholds)
        return self._verdicts[mine.pk]


def mine_ledger_columns(request: HttpRequest) -> list[Column]:
    """The verdict columns of the registry's mine ledger."""
    v = MineVerdicts(request)
    labels = presenters.labels
    return [
        Column(
            "campaign_scope",
            gettext_lazy("Campaign scope"),
            lambda m: (
                labels(CampaignReason, v(m).campaign.reasons)
                or (_("Out (watch duty)") if v(m).watch else _("Out"))
            ),
        ),
        Column(
            "inspection_scope",
            gettext_lazy("Key-inspection reasons"),
            lambda m: labels(InspectionReason, v(m).inspection.reasons) or _("Out"),
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
            badge=lambda m: PriorityLevel.css(v(m).priority.level),
        ),
        Column(
            "priority_reasons",
            gettext_lazy("Priority reasons"),
            lambda m: labels(PriorityReason, v(m).priority.reasons),
            default=False,
        ),
        Column(
            "inspect_before",
            gettext_lazy("Inspect before"),
            lambda m: v(m).priority.inspect_before,
            default=False,
        ),
    ]


def mine_scope_tab(request: HttpRequest, mine: Mine) -> list[Tab]:
    """The "campaign scope" tab of a mine's page: the verdict under a chosen campaign, now or
    as the mine stood on a past date (``?on=``)."""
    campaign = chosen_campaign(request)
    on_raw = request.GET.get("on", "")
    on = None
    error = ""
    if on_raw:
        try:
            on = dt.date.fromisoformat(on_raw)
        except ValueError:
            error = _("Give the date as YYYY-MM-DD.")
    state: dict[str, Any] | None
    if on is not None:
        state = mine.state_on(on)
        if state is None:
            error = _("The mine was not yet registered on %(date)s.") % {"date": on.isoformat()}
    else:
        state = mine.rule_state()
    explanation = presenters.explain(state, campaign) if state is not None else None
    extra = {
        "campaign": campaign,
        "campaigns": Campaign.objects.visible_to(request.user).latest_first(),
        "on": on,
        "error": error,
        "explanation": explanation,
    }
    return [
        Tab("scope", gettext_lazy("Campaign scope"), "campaigns/tab_mine_scope.html", extra=extra)
    ]


def mine_extras(request: HttpRequest) -> Callable[[Mine], registry_hooks.MineExtras]:
    """On the enterprise pages: each mine's verdict and reasons, and the counts of a group's
    subsidiaries (in campaign scope, in key-inspection scope, high priority, under watch)."""
    v = MineVerdicts(request)

    def extras(mine: Mine) -> registry_hooks.MineExtras:
        verdict = v(mine)
        return registry_hooks.MineExtras(
            row={"verdict": verdict, "reasons": presenters.reasons(verdict)},
            counts={
                "campaign": verdict.campaign.in_scope,
                "inspection": verdict.inspection.in_scope,
                "high": verdict.priority.level == rules.HIGH,
                "watch": verdict.watch,
            },
        )

    return extras


def mine_map_layer(request: HttpRequest, filterset: MineFilterSet) -> registry_hooks.MapLayer:
    """The map's groups: in key-inspection scope, in campaign scope only, out with watch duty,
    out; and each point's priority."""
    t = verdicts.thresholds(filter_campaign(filterset))

    def point(mine: Mine) -> dict[str, Any]:
        v = rules.verdict(mine.rule_state(), t)
        if v.inspection.in_scope:
            group = "inspection"
        elif v.campaign.in_scope:
            group = "campaign"
        elif v.watch:
            group = "watch"
        else:
            group = "out"
        return {"group": group, "priority": v.priority.level}

    groups = {
        "inspection": _("In key-inspection scope"),
        "campaign": _("In campaign scope only"),
        "watch": _("Out, watch duty required"),
        "out": _("Out of scope"),
    }
    return registry_hooks.MapLayer(groups=groups, point=point)


def connect() -> None:
    """Show the verdict on the registry's pages (from ``ready()``)."""
    registry_hooks.register_mine_ledger_columns(mine_ledger_columns)
    registry_hooks.register_mine_page_tabs(mine_scope_tab)
    registry_hooks.register_mine_extras(mine_extras)
    registry_hooks.register_mine_map_layer(mine_map_layer)
