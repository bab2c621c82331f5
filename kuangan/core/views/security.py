from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.utils.translation import gettext as _

from ..choices import Role
from ..models import User
from ..panels import visible_access_attempts

# --- Security administrator ----------------------------------------------------------------


@login_required
def role_overview(request):
    """Security administrator: how many active users hold each role, the failed-login
    records, and the security policy in force."""
    if not request.user.has_perm("core.assign_roles"):
        raise PermissionDenied
    counts = dict(
        User.objects.visible_to(request.user)
        .filter(is_active=True)
        .values_list("groups__name")
        .annotate(n=Count("pk"))
        .values_list("groups__name", "n")
    )
    rows = [(Role(r).label, counts.get(r, 0), r) for r in Role.values]
    return render(
        request,
        "core/roles.html",
        {
            "rows": rows,
            "locked": visible_access_attempts(request.user)[:50],
            "policy": security_policy(),
        },
    )


def security_policy() -> list[tuple[str, object]]:
    """The security policy in force (settings, see settings.py), as label/value rows."""
    return [
        (_("Minimum password length"), settings.PASSWORD_MIN_LENGTH),
        (_("Character classes required (of 4)"), settings.PASSWORD_MIN_CLASSES),
        (_("Previous passwords that cannot be reused"), settings.PASSWORD_HISTORY),
        (_("Password rotation (days, 0 = never)"), settings.PASSWORD_MAX_AGE_DAYS),
        (_("Failed logins before lockout"), settings.AXES_FAILURE_LIMIT),
        (
            _("Lockout (minutes)"),
            int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        ),
        (_("Idle session timeout (minutes)"), settings.SESSION_IDLE_MINUTES),
        (_("Absolute session lifetime (hours)"), settings.SESSION_ABSOLUTE_HOURS),
        (_("Second factor required"), settings.MFA_REQUIRED),
        (_("API token lifetime (days)"), settings.API_TOKEN_DAYS),
        (_("Audit hash algorithm"), settings.AUDIT_HASH_ALGORITHM.upper()),
    ]
