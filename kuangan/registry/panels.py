"""Home page panels of the registry: the mines under watch duty without a holder, for
inspectors; the registry change requests waiting for a decision. (The panels of the campaign verdict are the campaigns app's.)"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuangan.core import home
from kuangan.core.choices import Role
from kuangan.core.ownership import Side, side_of

from .choices import ChangeRequestStatus
from .models import ChangeRequest, UnmannedShutdownMine, WatchDuty

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


@home.register
def change_requests_pending(user):
    """登记事项变更申请 waiting: to decide (a regulator of the region) or awaiting the decision
    (the enterprise that asked). Computed from the requests, never a stored flag."""
    if not user.has_perm("registry.view_changerequest"):
        return None
    side = side_of(user)
    if side == Side.REGULATOR and user.has_perm("registry.decide_changerequest"):
        title = _("Registry change requests to decide")
    elif side == Side.ENTERPRISE and user.has_perm("registry.add_changerequest"):
        title = _("Registry change requests awaiting the regulator")
    else:
        return None
    qs = (
        ChangeRequest.objects.visible_to(user)
        .filter(status=ChangeRequestStatus.PENDING)
        .select_related("mine", "enterprise", "region", "requested_by")
        .order_by("created_at")
    )
    total = qs.count()
    if not total:
        return None
    return home.Panel(
        title,
        "registry/panels/change_requests_pending.html",
        {"rows": list(qs[:PANEL_ROWS]), "total": total},
        order=24,
        width=6,
    )
