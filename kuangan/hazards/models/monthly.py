"""Monthly major-hazard checks (notice task 2): one check per mine and month, led by the
mine's principal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuangan.core.models import TimeStampedModel, reference, user_reference
from kuangan.registry.models import Mine, MineRow, MineScopedQuerySet

from .base import today
from .hazard import Hazard


class MonthlyCheckQuerySet(MineScopedQuerySet):
    """Monthly checks, visible where their mine is."""


class MonthlyMajorHazardCheck(MineRow, TimeStampedModel):
    """Notice task 2: “各矿山企业主要负责人要带头……每月组织开展 1次重大事故隐患排查整治”. One
    check per mine and month, led by the mine's principal."""

    mine = reference(Mine, _("mine"), related_name="monthly_checks")
    month = models.DateField(_("month"), help_text=_("The first day of the month checked."))
    checked_on = models.DateField(_("date of the check"))
    led_by = models.CharField(_("led by"), max_length=64)
    participants = models.TextField(_("participants"))
    areas = models.TextField(_("areas covered"))
    hazards = models.ManyToManyField(
        Hazard, verbose_name=_("hazards found"), blank=True, related_name="monthly_checks"
    )
    report = models.TextField(_("report"), blank=True)
    recorded_by = user_reference(_("recorded by"))

    objects = MonthlyCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly major-hazard check")
        verbose_name_plural = _("monthly major-hazard checks")
        ordering = ["-month", "mine__name"]
        constraints = [
            models.UniqueConstraint(fields=["mine", "month"], name="monthlycheck_one_per_month"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="monthlycheck_month_is_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mine.name} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("hazards:monthly_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.month and self.month.day != 1:
            self.month = self.month.replace(day=1)
        if (
            self.checked_on
            and self.month
            and (
                self.checked_on.year,
                self.checked_on.month,
            )
            != (self.month.year, self.month.month)
        ):
            errors["checked_on"] = [gettext("The check must take place in the month it is for.")]
        if self.checked_on and self.checked_on > today():
            errors["checked_on"] = [gettext("The date of the check cannot be in the future.")]
        if self.mine_id and self.led_by:
            principal = (self.mine.principal or "").strip()
            if not principal:
                errors["led_by"] = [
                    gettext(
                        "Record the mine's principal in the registry first: the check is led by the principal."
                    )
                ]
            elif self.led_by.strip() != principal:
                errors["led_by"] = [
                    gettext("The monthly check must be led by the mine's principal (%(name)s).")
                    % {"name": principal}
                ]
        if errors:
            raise ValidationError(errors)
