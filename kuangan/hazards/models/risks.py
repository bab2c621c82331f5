"""The risk list (风险管控清单): a mine's risk points with their level (红橙黄蓝), control and
review date."""

from __future__ import annotations

import datetime as dt
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuangan.core.models import TimeStampedModel, VersionedModel, reference, user_reference
from kuangan.registry.models import Mine, MineRow, MineScopedQuerySet

from .. import rules
from ..choices import ControlLevel, RiskHazardType, RiskLevel
from .base import today


class RiskItemQuerySet(MineScopedQuerySet):
    def with_related(self) -> Self:
        return self.select_related("mine", "mine__region", "mine__enterprise")

    def review_overdue(self, on: dt.date | None = None) -> Self:
        """Risks whose review date has passed (``rules.review_overdue``)."""
        return self.filter(review_on__lt=on or today())


class RiskItem(MineRow, VersionedModel, TimeStampedModel):
    """One line of a mine's risk list (风险管控清单): a risk point, the disaster it can lead to,
    its level (红橙黄蓝), how it is controlled and by whom, and when it is reviewed."""

    mine = reference(Mine, _("mine"), related_name="risks")
    code = models.CharField(_("risk number"), max_length=40, unique=True, editable=False)
    location = models.CharField(_("risk point or location"), max_length=200)
    hazard_type = models.CharField(_("hazard type"), max_length=20, choices=RiskHazardType.choices)
    description = models.TextField(_("risk description"))
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    control_measures = models.TextField(_("control measures"))
    responsible_person = models.CharField(_("person responsible for control"), max_length=64)
    responsible_level = models.CharField(
        _("control level"), max_length=12, choices=ControlLevel.choices
    )
    review_on = models.DateField(
        _("review date"), help_text=_("When the risk is to be identified and assessed again.")
    )
    created_by = user_reference(_("recorded by"), optional=True)

    objects = RiskItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk item")
        verbose_name_plural = _("risk list")
        ordering = ["mine__name", "code"]
        indexes = [models.Index(fields=["mine", "level"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["red", "orange", "yellow", "blue"]),
                name="riskitem_level_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.location}"

    def get_absolute_url(self) -> str:
        return reverse("hazards:risk_detail", args=[self.pk])

    @property
    def colour_class(self) -> str:
        """The css class of the level's colour (risk-red, risk-orange, ...)."""
        return RiskLevel.css(self.level)

    def review_overdue_on(self, on: dt.date) -> bool:
        return rules.review_overdue(review_on=self.review_on, on=on)

    @property
    def is_review_overdue(self) -> bool:
        return self.review_overdue_on(today())

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in ("location", "description", "control_measures", "responsible_person"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, value.strip())
                if value and not value.strip():
                    errors[name] = [gettext("This field cannot be blank.")]
        if (
            self.level in RiskLevel.values
            and self.responsible_level in ControlLevel.values
            and not rules.control_level_sufficient(
                risk_level=self.level, control_level=self.responsible_level
            )
        ):
            errors["responsible_level"] = [
                gettext(
                    "A risk of the level “%(level)s” is controlled at least at the level "
                    "“%(lowest)s”, not “%(given)s”."
                )
                % {
                    "level": RiskLevel(self.level).label,
                    "lowest": ControlLevel(rules.LOWEST_CONTROL_LEVEL[self.level]).label,
                    "given": ControlLevel(self.responsible_level).label,
                }
            ]
        if errors:
            raise ValidationError(errors)
