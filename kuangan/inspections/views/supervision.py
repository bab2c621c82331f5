"""Supervision: the self-inspection quality board and the look-back draws."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from kuangan.campaigns.verdicts import latest_campaign
from kuangan.core.views import ObjectFormView

from .. import quality, services
from ..choices import LookbackReason
from ..forms import LookbackForm
from ..models import LookbackDraw


class QualityView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Self-inspection quality per mine, worst first, for supervisors."""

    permission_required = "inspections.review_inspection"
    template_name = "inspections/quality.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = quality.quality_rows(
            user=self.request.user, mine_code=self.request.GET.get("mine") or None
        )
        ctx.update(
            title=_("Self-inspection quality"),
            rows=rows,
            fast_limit=quality.FAST_ANSWERS_PER_MINUTE,
        )
        return ctx


class LookbackCreateView(ObjectFormView):
    """Draw the look-back sample of a region (by default for the latest campaign)."""

    model = LookbackDraw
    permission_required = "inspections.add_lookbackdraw"
    form_class = LookbackForm
    title_create = gettext_lazy("Draw the look-back sample")
    list_url = "inspections:quality"
    help_text = gettext_lazy(
        "Every key mine is checked; each chosen city and each key county is visited (at "
        "least one of its mines is drawn, not all of them); of the other mines in the "
        "campaign scope a random sample is drawn at the ratio. The seed and the reason each "
        "mine was drawn are recorded, so the draw can be repeated and checked."
    )
    success_message = gettext_lazy("Sample drawn and recorded.")
    refusals = ()  # a refusal of the service is the 403 page

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            confirm=_("Draw the sample now? The draw is recorded and cannot be changed."),
            **kwargs,
        )

    def save(self, form):
        data = form.cleaned_data
        campaign = data["campaign"] or latest_campaign(self.request.user)
        if campaign is None:
            raise ValidationError({"campaign": _("Choose a campaign.")})
        return services.lookback_draw(
            by=self.request.user,
            campaign=campaign,
            region=data["region"],
            ratio=data["ratio"],
            cities=data["cities"],
            counties=data["counties"],
            key_mines=data["key_mines"],
            seed=data["seed"],
        )


class LookbackPage(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    permission_required = "inspections.view_lookbackdraw"
    template_name = "inspections/lookback.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = get_object_or_404(
            LookbackDraw.objects.visible_to(self.request.user), pk=kwargs["pk"]
        )
        rows = services.lookback_rows(record)
        reason = self.request.GET.get("reason", "")
        query = self.request.GET.get("q", "").strip()
        shown = [
            row
            for row in rows
            if (not reason or any(r["reason"] == reason for r in row["reasons"]))
            and (
                not query
                or query in row["code"]
                or query in row["name"]
                or query in row["county_name"]
                or any(query in r["text"] for r in row["reasons"])
            )
        ]
        ctx.update(
            title=str(record),
            record=record,
            rows=shown,
            total=len(rows),
            full_count=len(record.full),
            sampled_count=len(record.sampled),
            reasons=LookbackReason.choices,
            reason=reason,
            query=query,
            unvisited=services.lookback_unvisited(record),
            reproducible=services.lookback_verify(record),
        )
        return ctx
