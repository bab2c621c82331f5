"""Home page panels of the registry: the mines under watch duty without a holder, for
inspectors. (The panels of the campaign verdict are the campaigns app's.)"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.core import home
from kuangan.core.choices import Role

from .models import UnmannedShutdownMine, WatchDuty

PANEL_ROWS = 10


@home.register
def watch_without_holder(user):
    if not user.roles & {Role.REGULATOR_INSPECTOR, Role.REGULATOR_LEADER, Role.PROVINCE_ADMIN}:
        return None
    if not user.has_perm("registry.view_watchduty"):
        return None
    today = timezone.localdate()
    current = WatchDuty.objects.current(today).filter(mine=OuterRef("pk"))
    qs = (
        UnmannedShutdownMine.objects.visible_to(user)
        .exclude(Exists(current))
        .with_related()
        .order_by("region__path", "code")
    )
    return home.Panel(
        _("Shutdown mines without a watch duty holder"),
        "registry/panels/watch_without_holder.html",
        {
            "rows": list(qs[:PANEL_ROWS]),
            "total": qs.count(),
            "can_assign": user.has_perm("registry.add_watchduty"),
        },
        order=25,
        width=6,
    )
