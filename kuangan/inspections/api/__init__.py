"""Inspections API: inspections (create, answers in bulk, files, transitions, reports, the
report documents), teams, the key-inspection plan with its coverage, the group coverage, the
self-inspection quality and the look-back draws. Same services, permissions and scope as the
pages.

By topic: ``serializers``, ``inspections`` (the inspections and the boards read from them),
``teams`` (teams and the plan) and ``lookback``."""

from rest_framework.routers import BaseRouter

from .inspections import InspectionViewSet
from .lookback import LookbackDrawViewSet
from .teams import InspectionTeamViewSet, PlanViewSet

__all__ = [
    "InspectionTeamViewSet",
    "InspectionViewSet",
    "LookbackDrawViewSet",
    "PlanViewSet",
    "register",
]


def register(router: BaseRouter) -> None:
    """Add this app's API routes to the project router."""
    router.register("inspections", InspectionViewSet, basename="inspection")
    router.register("inspection-teams", InspectionTeamViewSet, basename="inspectionteam")
    router.register("inspection-plan", PlanViewSet, basename="inspectionplan")
    router.register("lookback-draws", LookbackDrawViewSet, basename="lookbackdraw")
