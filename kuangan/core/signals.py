"""Authentication events (login, logout, failed login, lockout) go into the audit log. These
come from Django's and django-axes' signals: they are the only path for such events."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from . import audit
from .audit import current_request_meta
from .choices import AuditAction
from .models import User


def _find_user(username: str | None) -> User | None:
    if not username:
        return None
    return User.objects.filter(username__iexact=username).select_related("organization").first()


@receiver(user_logged_in, dispatch_uid="kuangan_audit_login")
def _logged_in(sender, request, user, **kwargs):
    ip = current_request_meta()["ip"]
    # The "last login at/from" notice shows the login before this one.
    User.objects.filter(pk=user.pk).update(
        previous_login_at=user.current_login_at,
        previous_login_ip=user.last_login_ip,
        current_login_at=timezone.now(),
        last_login_ip=ip,
    )
    audit.record(actor=user, action=AuditAction.LOGIN, obj=user)


@receiver(user_logged_out, dispatch_uid="kuangan_audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action=AuditAction.LOGOUT, obj=user)


@receiver(user_login_failed, dispatch_uid="kuangan_audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = _find_user(username)
    audit.record(
        actor=None,
        actor_repr=str(username)[:150],
        action=AuditAction.LOGIN_FAILED,
        obj=user,
        success=False,
    )


@receiver(user_locked_out, dispatch_uid="kuangan_audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    # django-axes signals the lockout itself (it has just counted the failure that reached the
    # limit) and again for each attempt refused while locked; those are failed logins already.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    user = _find_user(username)
    audit.record(
        actor=None,
        actor_repr=str(username or "")[:150],
        action=AuditAction.LOCKED_OUT,
        obj=user,
        success=False,
        changes={"ip_address": ip_address},
    )
