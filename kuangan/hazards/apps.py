from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "kuangan.hazards"
    label = "hazards"
    verbose_name = _("Hazards")

    def ready(self) -> None:
        from kuangan.core import navigation
        from kuangan.inspections.signals import findings_to_hand_over
        from kuangan.registry.hooks import register_suspension_source

        from . import panels  # noqa: F401  (home page panels)
        from .choices import OrderKind
        from .models import Order
        from .services import hand_over_findings

        # The inspections app (lower) hands its non-compliant findings over to the ledger.
        findings_to_hand_over.connect(hand_over_findings, dispatch_uid="hazards.hand_over_findings")
        # The registry (lower) shows a mine as suspended while a suspension order is in force.
        register_suspension_source(lambda: Order.objects.in_force().filter(kind=OrderKind.SUSPEND))

        navigation.register(
            navigation.MenuItem(
                "work",
                _("Hazard ledger"),
                "hazards:hazard_list",
                perm="hazards.view_hazard",
                icon="alert-triangle",
                order=30,
            ),
            navigation.MenuItem(
                "work",
                _("Listed supervision"),
                "hazards:listed_list",
                perm="hazards.view_hazard",
                icon="flag",
                order=31,
            ),
            navigation.MenuItem(
                "work",
                _("Enforcement orders"),
                "hazards:order_list",
                perm="hazards.view_order",
                icon="gavel",
                order=32,
            ),
            navigation.MenuItem(
                "work",
                _("Monthly major-hazard checks"),
                "hazards:monthly_list",
                perm="hazards.view_monthlymajorhazardcheck",
                icon="calendar-check",
                order=33,
            ),
            navigation.MenuItem(
                "work",
                _("Risk list"),
                "hazards:risk_list",
                perm="hazards.view_riskitem",
                icon="shield-half",
                order=34,
            ),
        )
