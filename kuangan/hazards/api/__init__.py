"""API of the hazard ledger, one module per topic: ``hazards`` (``/api/v1/hazards/``),
``orders`` (``orders/``), ``monthly`` (``monthly-checks/``) and ``risks`` (``risk-items/``,
with the mine's two lists). ``register`` adds them to the project router
(``settings.KUANGAN_API_MODULES``)."""

from __future__ import annotations

from rest_framework.routers import BaseRouter

from .hazards import HazardViewSet
from .monthly import MonthlyCheckViewSet
from .orders import OrderViewSet
from .risks import RiskItemViewSet

__all__ = ["HazardViewSet", "MonthlyCheckViewSet", "OrderViewSet", "RiskItemViewSet", "register"]


def register(router: BaseRouter) -> None:
    """Add this app's API routes to the project router."""
    router.register("hazards", HazardViewSet, basename="hazard")
    router.register("orders", OrderViewSet, basename="order")
    router.register("monthly-checks", MonthlyCheckViewSet, basename="monthlycheck")
    router.register("risk-items", RiskItemViewSet, basename="riskitem")
