"""Django admin is for the system administrator only (users, organisations, reference data);
it shows no business data and never the audit log."""

from types import MethodType

from .choices import Role


def _has_permission(self, request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_authenticated and Role.SYSTEM_ADMIN in user.roles)


def restrict_admin_to_system_admin(site) -> None:
    site.has_permission = MethodType(_has_permission, site)
    site.site_header = "矿安 Kuang'an"
    site.site_title = "矿安 Kuang'an"
