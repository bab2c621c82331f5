"""Home page panels of the core app, one per kind of user."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import history, home
from .choices import AuditAction, OrganizationKind, Role
from .models import AuditEvent, Notification, Organization, User
from .scope import scope_of


@home.register
def my_work(user):
    scope = scope_of(user)
    org = user.organization
    regions = []
    if org is not None and scope.kind in (OrganizationKind.REGULATOR, OrganizationKind.GOVERNMENT):
        regions = list(org.jurisdiction.all()) or [org.region]
    return home.Panel(
        _("My account"),
        "core/panels/account.html",
        {
            "org": org,
            "regions": regions,
            "roles": user.role_labels(),
            "notifications": Notification.objects.for_user(user).unread()[:5],
        },
        order=1,
        width=4,
    )


@home.register
def organisations_overview(user):
    if user.is_admin_role or not user.has_perm("core.view_organization"):
        return None
    counts = dict(
        Organization.objects.visible_to(user)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    rows = [(OrganizationKind(k).label, counts.get(k, 0), k) for k in OrganizationKind.values]
    return home.Panel(
        _("Organisations I can see"),
        "core/panels/org_counts.html",
        {"rows": rows},
        order=50,
        width=4,
    )


@home.register
def system_admin_panel(user):
    if Role.SYSTEM_ADMIN not in user.roles:
        return None
    users = User.objects.visible_to(user)
    return home.Panel(
        _("Accounts"),
        "core/panels/system_admin.html",
        {
            "active": users.filter(is_active=True).count(),
            "inactive": users.filter(is_active=False).count(),
            "must_change": users.filter(is_active=True, must_change_password=True).count(),
            "recent": users.order_by("-date_joined")[:8],
        },
        order=10,
        width=8,
    )


def visible_access_attempts(user):
    """Failed-login records (django-axes) of the accounts this administrator can see; those of
    unknown usernames only for administrators of the whole province."""
    attempts = AccessAttempt.objects.order_by("-attempt_time")
    if scope_of(user).covers_province:
        return attempts
    return attempts.filter(username__in=User.objects.visible_to(user).values("username"))


@home.register
def security_admin_panel(user):
    if Role.SECURITY_ADMIN not in user.roles:
        return None
    users = User.objects.visible_to(user).filter(is_active=True)
    with_otp = (
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values("user").distinct().count()
    )
    return home.Panel(
        _("Security"),
        "core/panels/security_admin.html",
        {
            "locked": visible_access_attempts(user)[:10],
            "users": users.count(),
            "with_otp": with_otp,
        },
        order=10,
        width=8,
    )


@home.register
def audit_admin_panel(user):
    if Role.AUDIT_ADMIN not in user.roles:
        return None
    events = AuditEvent.objects.visible_to(user)
    since = timezone.now() - timedelta(days=1)
    return home.Panel(
        _("Audit"),
        "core/panels/audit_admin.html",
        {
            "recent": history.render(events.order_by("-id")[:10]),
            "failed_logins": events.filter(
                action=AuditAction.LOGIN_FAILED, timestamp__gte=since
            ).count(),
            "lockouts": events.filter(action=AuditAction.LOCKED_OUT, timestamp__gte=since).count(),
            "denials": events.filter(
                action=AuditAction.PERMISSION_DENIED, timestamp__gte=since
            ).count(),
        },
        order=10,
        width=8,
    )
