"""Monthly major-hazard checks (notice task 2): one check per mine and month, led by the
mine's principal (主要负责人): a person, a user of the mine's enterprise who holds the
principal role."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuangan.core.choices import Role
from kuangan.core.models import TimeStampedModel, User, reference, user_reference
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
    # 四(一)2 “各矿山企业主要负责人要带头……每月组织开展 1次重大事故隐患排查整治”: the person who
    # led the check, a user of the mine's enterprise holding the principal role when it was
    # recorded. Checks recorded before this was a person keep only their free-text name.
    principal = user_reference(_("principal who led the check"), optional=True)
    # The leader's name as it stood when the check was recorded (free text on older checks).
    led_by = models.CharField(_("led by"), max_length=64, blank=True)
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
        if self._state.adding or self.principal_id:
            problem = principal_problem(self.mine if self.mine_id else None, self.principal)
            if problem:
                errors["principal"] = [problem]
        if errors:
            raise ValidationError(errors)


def principal_problem(mine: Mine | None, person: User | None) -> str | None:
    """Why ``person`` may not lead the monthly check of ``mine`` (None if they may).

    四(一)2: “各矿山企业主要负责人要带头学习重大事故隐患判定标准，每月组织开展 1次重大事故隐患
    排查整治”: the check is led by the principal (主要负责人) of the mine's enterprise, a person:
    an active user of that enterprise holding the enterprise principal role, on the day the
    check is recorded."""
    if person is None:
        return gettext(
            "Choose the principal (主要负责人) who led the check: the notice has the mine's "
            "principal lead the monthly check."
        )
    if mine is None:
        return None
    if not person.is_active or person.has_expired:
        return gettext("%(name)s's account is no longer active: choose the mine's principal.") % {
            "name": person
        }
    if person.organization_id != mine.enterprise_id:
        return gettext(
            "%(name)s is not of %(enterprise)s: the check is led by the principal of the "
            "mine's enterprise."
        ) % {"name": person, "enterprise": mine.enterprise}
    if not person.has_role(Role.ENTERPRISE_PRINCIPAL):
        return gettext(
            "%(name)s does not hold the post of principal (主要负责人) of %(enterprise)s: the "
            "monthly check is led by the enterprise's principal."
        ) % {"name": person, "enterprise": mine.enterprise}
    return None


def principal_candidates(mines) -> models.QuerySet[User]:
    """The people who may lead the monthly check of one of ``mines``: active users of the
    mines' enterprises holding the enterprise principal role."""
    return (
        User.objects.filter(
            is_active=True,
            organization__in=mines.values("enterprise"),
            groups__name=Role.ENTERPRISE_PRINCIPAL,
        )
        .select_related("organization")
        .distinct()
        .order_by("organization__name", "real_name", "username")
    )
