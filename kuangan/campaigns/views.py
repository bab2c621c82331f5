"""Campaign pages: the list, a campaign with its phases, thresholds and scope figures, and the
form of the province administrator."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from kuangan.core.ledger import Column, LedgerView, Tab
from kuangan.core.services import ConflictError
from kuangan.core.views import ObjectPageView
from kuangan.registry.models import Mine

from . import services, verdicts
from .choices import CampaignReason, InspectionReason
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
            lambda c: c.current_phase(timezone.localdate()),
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


class CampaignFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    template_name = "core/form.html"
    form_class = CampaignForm
    permission_required = "campaigns.add_campaign"
    campaign = None

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:
            if request.user.is_authenticated:
                self.campaign = get_object_or_404(
                    Campaign.objects.visible_to(request.user), pk=kwargs["pk"]
                )
            self.permission_required = "campaigns.change_campaign"
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.campaign is not None:
            kwargs["instance"] = self.campaign
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = _("Edit campaign") if self.campaign else _("New campaign")
        ctx["version"] = self.campaign.version if self.campaign else None
        ctx["cancel_url"] = (
            self.campaign.get_absolute_url()
            if self.campaign
            else reverse("campaigns:campaign_list")
        )
        ctx["help"] = _(
            "The thresholds and the flood-season start are used by the scope rules for every "
            "mine. Leave the flood-season start empty for June 1 of the starting year."
        )
        return ctx

    def form_valid(self, form):
        data = form.campaign_data()
        try:
            if self.campaign is None:
                campaign = services.campaign_create(
                    by=self.request.user, phases=form.phases(), **data
                )
            else:
                campaign = services.campaign_update(
                    by=self.request.user,
                    campaign=Campaign.objects.get(pk=self.campaign.pk),
                    version=int(self.request.POST.get("version") or 0),
                    phases=form.phases(),
                    **data,
                )
        except ConflictError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(campaign.get_absolute_url())
