"""Which failed logins count toward an account's lockout (django-axes'
``AXES_LOCKOUT_PARAMETERS``).

Failures count for the account, from whatever address they come: 5 failures from five
addresses lock it as surely as 5 from one. The lock holds against every address the account
has never logged in from; from an address it has logged in from (a successful login in the
audit log), only the failures from that address count, so an attacker elsewhere cannot lock
the owner out of their usual place. An address alone never locks anything: one person behind
a shared address (a county bureau's NAT) cannot lock everybody else out.
"""

from __future__ import annotations

from axes.helpers import get_client_username

from .choices import AuditAction
from .models import AuditEvent, User

ACCOUNT = [["username"]]
ACCOUNT_AT_ADDRESS = [["username", "ip_address"]]


def known_address(username: str | None, ip: str | None) -> bool:
    """Whether the account ``username`` has logged in from ``ip`` before."""
    if not username or not ip:
        return False
    user_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
    if user_id is None:
        return False
    return AuditEvent.objects.filter(
        action=AuditAction.LOGIN, success=True, actor_id=user_id, ip=ip
    ).exists()


def lockout_parameters(request, credentials=None) -> list[list[str]]:
    """The parameters of the failures that count for this login attempt: the account's
    everywhere, or the account's at this address when the account knows it."""
    if request is None or not hasattr(request, "META"):  # an AccessAttempt: the stored pair
        return ACCOUNT_AT_ADDRESS
    username = get_client_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None)
    cache = request.__dict__.setdefault("_kuangan_known_addresses", {})
    if (username, ip) not in cache:
        cache[(username, ip)] = known_address(username, ip)
    return ACCOUNT_AT_ADDRESS if cache[(username, ip)] else ACCOUNT
