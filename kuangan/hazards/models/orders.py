"""Enforcement orders and decisions (执法处置: 指令书 / 决定书) resting on hazards of one mine,
with their allowed transitions (``ORDER_TRANSITIONS``)."""

from __future__ import annotations

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
from kuangan.inspections.models import Inspection
from kuangan.registry.models import Mine, MineRow, MineScopedQuerySet

from ..choices import OrderKind, OrderStatus
from .hazard import Hazard

ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.ISSUED: frozenset({OrderStatus.COMPLIED, OrderStatus.ESCALATED}),
    OrderStatus.COMPLIED: frozenset({OrderStatus.LIFTED}),
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
        if errors:
            raise ValidationError(errors)
