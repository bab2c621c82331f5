"""Models of the hazard ledger, one module per topic: ``hazard`` (hazards, deadline
extensions, evidence), ``orders`` (enforcement orders), ``monthly`` (monthly major-hazard
checks) and ``risks`` (the risk list); ``base`` holds what they share. Their queryset of the
rows of one mine is the registry's ``MineScopedQuerySet``, re-exported here. Django finds the
models here, and callers import them from here."""

from kuangan.registry.models import MineScopedQuerySet

from .base import today
from .hazard import (
    FINDING_FIELDS,
    FIVE_FIELDS,
    GENERAL_REQUIRED,
    PLAN_FIELDS,
    ROOT_FIELDS,
    TRANSITIONS,
    Hazard,
    HazardEvidence,
    HazardExtension,
    HazardQuerySet,
    ScopedByHazard,
    criterion_problem,
    overdue_q,
    penalty_q,
)
from .monthly import MonthlyCheckQuerySet, MonthlyMajorHazardCheck
from .orders import ORDER_TRANSITIONS, Order, OrderQuerySet, Reinspection, ScopedByOrder
from .risks import RiskItem, RiskItemQuerySet

__all__ = [
    "FINDING_FIELDS",
    "FIVE_FIELDS",
    "GENERAL_REQUIRED",
    "PLAN_FIELDS",
    "ROOT_FIELDS",
    "Reinspection",
    "ScopedByOrder",
    "ORDER_TRANSITIONS",
    "TRANSITIONS",
    "Hazard",
    "HazardEvidence",
    "HazardExtension",
    "HazardQuerySet",
    "MineScopedQuerySet",
    "MonthlyCheckQuerySet",
    "MonthlyMajorHazardCheck",
    "Order",
    "OrderQuerySet",
    "RiskItem",
    "RiskItemQuerySet",
    "ScopedByHazard",
    "criterion_problem",
    "overdue_q",
    "penalty_q",
    "today",
]
