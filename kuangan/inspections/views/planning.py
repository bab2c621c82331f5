"""The key-inspection plan of a campaign with its coverage board, its teams, and the group
company's full-coverage board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from kuangan.campaigns.models import Campaign, CampaignQuerySet
from kuangan.core.models import Region
from kuangan.core.views import ObjectStepView

from .. import plan, services
from ..forms import AssignForm, TeamForm, governed_regions
from ..models import InspectionTeam
from .base import message_errors


def _campaign_and_region(
    request: HttpRequest,
) -> tuple[CampaignQuerySet, Campaign | None, QuerySet[Region], Region | None]:
    """The campaigns and regions the user may choose from, and the ones chosen (by default
    the latest campaign and no region)."""
    campaigns = Campaign.objects.visible_to(request.user).latest_first()
    campaign = None
    if request.GET.get("campaign"):
        campaign = campaigns.filter(pk=request.GET["campaign"]).first()
    campaign = campaign or campaigns.first()
    region = None
    if request.GET.get("region"):
        region = governed_regions(request.user).filter(pk=request.GET["region"]).first()
    return campaigns, campaign, governed_regions(request.user).order_by("path"), region


class PlanView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The key-inspection plan of a campaign and region, with the coverage board."""

    permission_required = "inspections.plan_inspection"
    template_name = "inspections/plan.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campaigns, campaign, regions, region = _campaign_and_region(self.request)
        rows = (
            plan.plan_rows(user=self.request.user, campaign=campaign, region=region)
            if campaign
            else []
        )
        state = self.request.GET.get("state")
        shown = plan.shown(rows, state)
        teams = (
            InspectionTeam.objects.visible_to(self.request.user).filter(campaign=campaign)
            if campaign
            else []
        )
        ctx.update(
            title=_("Key-inspection plan"),
            campaigns=campaigns,
            campaign=campaign,
            regions=regions,
            region=region,
            rows=shown,
            coverage=plan.coverage(rows),
            states=plan.STATE_LABELS,
            state=state,
            teams=teams,
            today=timezone.localdate(),
        )
        return ctx


@login_required
@permission_required("inspections.plan_inspection", raise_exception=True)
@require_POST
def plan_assign(request, campaign_pk: int):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=campaign_pk)
    form = AssignForm(request.POST, user=request.user, campaign=campaign)
    back = reverse("inspections:plan") + f"?campaign={campaign.pk}"
    if not form.is_valid():
        messages.error(request, _("Choose a team and at least one mine."))
        return redirect(back)
    try:
        done = services.plan_assign(
            by=request.user,
            campaign=campaign,
            team=form.cleaned_data["team"],
            mines=form.cleaned_data["mines"],
        )
    except ValidationError as exc:
        message_errors(request, exc)
        return redirect(back)
    messages.success(request, _("%(count)d mines given to the team.") % {"count": len(done)})
    return redirect(back)


class TeamCreateView(ObjectStepView):
    """Form an enforcement team for a campaign of the user's scope."""

    permission_required = "inspections.plan_inspection"
    template_name = "core/form.html"
    form_class = TeamForm
    pk_url_kwarg = "campaign_pk"
    object_arg = "campaign"
    service = services.team_create
    versioned = False
    success_message = gettext_lazy("Team formed.")

    def get_queryset(self):
        return Campaign.objects.visible_to(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_title(self):
        return _("Form an enforcement team for %(campaign)s") % {"campaign": self.object}

    def get_cancel_url(self):
        return reverse("inspections:plan") + f"?campaign={self.object.pk}"

    def get_success_url(self):
        return self.get_cancel_url()


class GroupCoverageView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """全覆盖: every mine the group company covers (``plan.group_mines``) and whether it has
    checked it."""

    permission_required = "inspections.view_inspection"
    template_name = "inspections/group_coverage.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = plan.group_coverage(user=self.request.user)
        unchecked = [r for r in rows if not r.checked]
        ctx.update(
            title=_("Group company full coverage"),
            rows=rows,
            checked=len(rows) - len(unchecked),
            unchecked=len(unchecked),
            may_plan=self.request.user.has_perm("inspections.add_inspection")
            and "group_inspector" in self.request.user.roles,
        )
        return ctx
