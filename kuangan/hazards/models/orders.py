"""Enforcement orders and decisions (执法处置: 指令书 / 决定书) resting on hazards of one mine,
with their allowed transitions (``ORDER_TRANSITIONS``), and the re-inspections (复查) of a
suspension that decide whether it is lifted or followed by a close request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Self

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kuangan.core.models import (
    Organization,
    TimeStampedModel,
    VersionedModel,
    reference,
    user_reference,
)
from kuangan.core.scope import ScopedQuerySet
from kuangan.inspections.models import Inspection
from kuangan.registry.models import Mine, MineRow, MineScopedQuerySet

from ..choices import OrderKind, OrderStatus, ReinspectionOutcome, TransferCategory
from .base import today
from .hazard import Hazard

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.ISSUED: frozenset({OrderStatus.COMPLIED, OrderStatus.ESCALATED}),
    # a suspension complied with is escalated when its re-inspection finds the conditions unmet
    OrderStatus.COMPLIED: frozenset({OrderStatus.LIFTED, OrderStatus.ESCALATED}),
    OrderStatus.LIFTED: frozenset(),
    OrderStatus.ESCALATED: frozenset(),
}


class OrderQuerySet(MineScopedQuerySet):
    def in_force(self) -> Self:
        """Orders not yet lifted or escalated."""
        return self.filter(status__in=[OrderStatus.ISSUED, OrderStatus.COMPLIED])


class Order(MineRow, VersionedModel, TimeStampedModel):
    """An enforcement order or decision (指令书 / 决定书) resting on hazards of one mine."""

    number = models.CharField(_("document number"), max_length=64, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=OrderKind.choices)
    mine = reference(Mine, _("mine"), related_name="orders")
    hazards = models.ManyToManyField(
        Hazard, verbose_name=_("hazards"), blank=True, related_name="orders"
    )
    inspection = reference(Inspection, _("inspection"), optional=True, related_name="orders")
    facts = models.TextField(_("facts"))
    legal_basis = models.TextField(_("legal basis"))
    requirements = models.TextField(_("requirements"))
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    issuing_body = reference(Organization, _("issuing body"), related_name="issued_orders")
    officer = user_reference(_("officer"))
    issued_on = models.DateField(_("issued on"))
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED
    )
    refused_on = models.DateField(
        _("refused on"),
        null=True,
        blank=True,
        help_text=_("The day the enterprise was found refusing to carry out the order."),
    )
    complied_on = models.DateField(_("complied on"), null=True, blank=True)
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    escalated_to = reference(
        "self", _("escalated to"), optional=True, related_name="escalated_from"
    )
    note = models.TextField(_("note"), blank=True)
    transfer_category = models.CharField(
        _("matter transferred"),
        max_length=20,
        choices=TransferCategory.choices,
        blank=True,
        help_text=_("For a transfer: the matter the competent department handles."),
    )
    reinspection = reference(
        "Reinspection",
        _("re-inspection"),
        optional=True,
        related_name="close_requests",
        help_text=_("For a close request: the re-inspection that found the conditions unmet."),
    )
    proposal = models.JSONField(
        _("proposal at issue"),
        default=dict,
        blank=True,
        help_text=_("What the facts of the day of issue called for, with the notice's words."),
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = pgettext_lazy("enforcement", "order")
        verbose_name_plural = pgettext_lazy("enforcement", "orders")
        ordering = ["-issued_on", "-pk"]
        permissions = [("issue_order", _("Can issue enforcement orders"))]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="fine") | Q(amount__isnull=False),
                name="order_fine_has_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("hazards:order_detail", args=[self.pk])

    def can_transition(self, to: str) -> bool:
        return to in ORDER_TRANSITIONS.get(self.status, frozenset())

    @property
    def is_decision(self) -> bool:
        """Fines, suspensions, close requests and transfers are decisions (决定书); the
        others are orders (指令书)."""
        return self.kind in (
            OrderKind.FINE,
            OrderKind.SUSPEND,
            OrderKind.CLOSE_REQUEST,
            OrderKind.TRANSFER,
            OrderKind.JUDICIAL_TRANSFER,
            OrderKind.ACCOUNTABILITY,
        )

    def clean(self) -> None:
        errors = {}
        if self.kind == OrderKind.FINE and self.amount is None:
            errors["amount"] = [gettext("A fine needs its amount.")]
        if self.kind != OrderKind.FINE and self.amount is not None:
            errors["amount"] = [gettext("Only a fine has an amount.")]
        if self.kind in (OrderKind.RECTIFY_BY, OrderKind.SUSPEND) and self.deadline is None:
            errors["deadline"] = [gettext("Give the deadline of the order.")]
        if self.deadline and self.issued_on and self.deadline < self.issued_on:
            errors["deadline"] = [gettext("The deadline cannot be before the day of issue.")]
        if self.kind == OrderKind.TRANSFER and not self.transfer_category:
            errors["transfer_category"] = [
                gettext("Choose the matter the competent department is to handle.")
            ]
        if self.kind != OrderKind.TRANSFER and self.transfer_category:
            errors["transfer_category"] = [gettext("Only a transfer names a matter transferred.")]
        if errors:
            raise ValidationError(errors)

    def latest_reinspection(self, on: dt.date | None = None) -> Reinspection | None:
        """The last re-inspection of this order done on or before ``on`` (any day if None)."""
        rows = self.reinspections.all()
        if on is not None:
            rows = rows.filter(inspected_on__lte=on)
        return rows.order_by("-inspected_on", "-pk").first()


class ScopedByOrder(ScopedQuerySet):
    scope_region = "order__mine__region"
    scope_enterprise = "order__mine__enterprise"


class Reinspection(TimeStampedModel):
    """七(四): the re-inspection (复查) of a mine after a suspension (停产整顿), with its outcome.
    “经停产整顿仍不具备安全生产条件的，要依法提请地方政府予以关闭”: an ``unmet`` outcome is the
    fact a close request rests on; a ``met`` one lets the suspension be lifted."""

    order = reference(Order, _("suspension"), related_name="reinspections")
    inspected_on = models.DateField(_("re-inspected on"))
    outcome = models.CharField(
        _("re-inspection outcome"), max_length=8, choices=ReinspectionOutcome.choices
    )
    findings = models.TextField(_("findings"))
    inspector = user_reference(_("re-inspected by"))

    objects = ScopedByOrder.as_manager()

    class Meta:
        verbose_name = _("re-inspection")
        verbose_name_plural = _("re-inspections")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return gettext("Re-inspection of %(number)s on %(date)s") % {
            "number": self.order.number,
            "date": self.inspected_on.isoformat(),
        }

    def get_absolute_url(self) -> str:
        return self.order.get_absolute_url()

    def audit_region(self):
        return self.order.mine.region

    def clean(self) -> None:
        errors = {}
        if self.order_id is not None and self.order.kind != OrderKind.SUSPEND:
            errors["order"] = [gettext("Only a suspension is re-inspected.")]
        if self.inspected_on and self.order_id is not None:
            if self.inspected_on < self.order.issued_on:
                errors["inspected_on"] = [
                    gettext("The re-inspection cannot be before the suspension was issued.")
                ]
        if self.inspected_on and self.inspected_on > today():
            errors["inspected_on"] = [gettext("The re-inspection date cannot be in the future.")]
        if errors:
            raise ValidationError(errors)
