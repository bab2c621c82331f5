"""A campaign (综合整治): its dates, five phases with deadlines, and the thresholds the scope
rules read. Nothing here is tied to one year: next year's campaign is a new row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.core.choices import OrganizationKind
from kuangan.core.models import Organization, Region, TimeStampedModel, VersionedModel, reference
from kuangan.core.scope import ScopedQuerySet, region_q, scope_of
from kuangan.registry.models import Mine

from .choices import PHASE_ORDER, PhaseKind
from .rules import Thresholds

DEFAULT_FLOOD_SEASON = (6, 1)  # month, day


class CampaignQuerySet(ScopedQuerySet):
    """A campaign concerns everyone in its region: a regulator or government user sees the
    campaigns of its own region, of the regions above it and of those below it; an enterprise
    user the campaigns whose region contains one of its mines' or its own region."""

    scope_region = "region"

    def visible_to(self, user):
        scope = scope_of(user)
        if not scope.roles or scope.admin_roles:
            return self.none()
        if scope.kind in (OrganizationKind.REGULATOR, OrganizationKind.GOVERNMENT):
            paths = scope.region_paths
        elif scope.kind == OrganizationKind.ENTERPRISE:
            paths = set(
                Mine.objects.filter(enterprise_id__in=scope.organization_ids).values_list(
                    "region__path", flat=True
                )
            ) | set(
                Organization.objects.filter(pk__in=scope.organization_ids).values_list(
                    "region__path", flat=True
                )
            )
        else:
            return self.none()
        return self.filter(region_q("region", paths, above=True))

    def current(self, today: dt.date | None = None):
        today = today or timezone.localdate()
        return self.filter(starts_on__lte=today, ends_on__gte=today)

    def latest_first(self):
        return self.order_by("-starts_on", "-pk")


class Campaign(VersionedModel, TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=64, blank=True)
    issuing_bodies = models.CharField(_("issuing bodies"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    region = reference(Region, _("region"), related_name="campaigns")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    slope_threshold_m = models.DecimalField(
        _("open-pit slope threshold (m)"),
        max_digits=6,
        decimal_places=1,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal(0))],
    )
    dump_threshold_m = models.DecimalField(
        _("dump height threshold (m)"),
        max_digits=6,
        decimal_places=1,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal(0))],
    )
    reserve_years_threshold = models.DecimalField(
        _("recoverable reserves threshold (years)"),
        max_digits=5,
        decimal_places=1,
        default=Decimal(3),
        validators=[MinValueValidator(Decimal(0))],
    )
    tailings_grade_threshold = models.PositiveSmallIntegerField(
        _("tailings pond grade threshold"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Ponds of this grade or above (a smaller number) are in scope."),
    )
    flood_season_start = models.DateField(
        _("flood season starts"),
        blank=True,
        help_text=_("Mines threatened by water or geological hazards are inspected before it."),
    )
    description = models.TextField(_("description"), blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(tailings_grade_threshold__gte=1, tailings_grade_threshold__lte=5),
                name="campaign_tailings_grade_threshold_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign_detail", args=[self.pk])

    def audit_region(self) -> Region:
        return self.region

    def clean(self) -> None:
        if self.flood_season_start is None and self.starts_on:
            self.flood_season_start = dt.date(self.starts_on.year, *DEFAULT_FLOOD_SEASON)
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date must not be before the start.")})

    def save(self, *args, **kwargs):
        if self.flood_season_start is None and self.starts_on:
            self.flood_season_start = dt.date(self.starts_on.year, *DEFAULT_FLOOD_SEASON)
        super().save(*args, **kwargs)

    def thresholds(self) -> Thresholds:
        """The thresholds as the rules take them."""
        return Thresholds(
            slope_m=self.slope_threshold_m,
            dump_m=self.dump_threshold_m,
            reserve_years=self.reserve_years_threshold,
            tailings_grade=self.tailings_grade_threshold,
            flood_season_start=self.flood_season_start,
        )

    def current_phase(self, today: dt.date | None = None) -> Phase | None:
        today = today or timezone.localdate()
        for phase in self.phases.all():
            if phase.deadline >= today:
                return phase
        return None


class PhaseQuerySet(ScopedQuerySet):
    scope_parent = "campaign"


class Phase(models.Model):
    """One of the campaign's five phases, with its deadline."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="phases"
    )
    kind = models.CharField(_("phase"), max_length=20, choices=PhaseKind.choices)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    deadline = models.DateField(_("deadline"))
    description = models.TextField(_("description"), blank=True)

    objects = PhaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["campaign", "deadline", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="phase_once_per_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.deadline:%Y-%m-%d}）"

    @property
    def order(self) -> int:
        return PHASE_ORDER.index(self.kind) + 1

    def audit_region(self) -> Region:
        return self.campaign.region

    def clean(self) -> None:
        if self.starts_on and self.deadline and self.deadline < self.starts_on:
            raise ValidationError({"deadline": _("The deadline must not be before the start.")})
