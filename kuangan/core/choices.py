from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class OrganizationKind(models.TextChoices):
    REGULATOR = "regulator", _("Regulator")
    ENTERPRISE = "enterprise", _("Mining enterprise")
    AGENCY = "agency", _("Service agency")
    GOVERNMENT = "government", _("Local government")


class RegulatorAgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency management bureau")
    MINE_SAFETY_ADMIN = "mine_safety_admin", _("National mine safety administration office")


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Provincial administrator")
    REGULATOR_LEADER = "regulator_leader", _("Regulator leader")
    REGULATOR_INSPECTOR = "regulator_inspector", _("Regulator inspector")
    ENTERPRISE_PRINCIPAL = "enterprise_principal", _("Enterprise principal")
    ENTERPRISE_SAFETY_OFFICER = "enterprise_safety_officer", _("Enterprise safety officer")
    GROUP_INSPECTOR = "group_inspector", _("Group company inspector")
    AGENCY_USER = "agency_user", _("Service agency user")
    GOVERNMENT_USER = "government_user", _("Local government user")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
REGULATOR_ROLES = frozenset({Role.PROVINCE_ADMIN, Role.REGULATOR_LEADER, Role.REGULATOR_INSPECTOR})
ENTERPRISE_ROLES = frozenset(
    {Role.ENTERPRISE_PRINCIPAL, Role.ENTERPRISE_SAFETY_OFFICER, Role.GROUP_INSPECTOR}
)

# Which organisation kind each role belongs to; a user's roles must match its organisation.
ROLE_ORGANIZATION_KIND = {
    Role.PROVINCE_ADMIN: OrganizationKind.REGULATOR,
    Role.REGULATOR_LEADER: OrganizationKind.REGULATOR,
    Role.REGULATOR_INSPECTOR: OrganizationKind.REGULATOR,
    Role.ENTERPRISE_PRINCIPAL: OrganizationKind.ENTERPRISE,
    Role.ENTERPRISE_SAFETY_OFFICER: OrganizationKind.ENTERPRISE,
    Role.GROUP_INSPECTOR: OrganizationKind.ENTERPRISE,
    Role.AGENCY_USER: OrganizationKind.AGENCY,
    Role.GOVERNMENT_USER: OrganizationKind.GOVERNMENT,
    # Administrators sit in a regulator (the organisation that runs the system).
    Role.SYSTEM_ADMIN: OrganizationKind.REGULATOR,
    Role.SECURITY_ADMIN: OrganizationKind.REGULATOR,
    Role.AUDIT_ADMIN: OrganizationKind.REGULATOR,
}


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", _("Logged in")
    LOGOUT = "auth.logout", _("Logged out")
    LOGIN_FAILED = "auth.login_failed", _("Login failed")
    LOCKED_OUT = "auth.locked_out", _("Locked out")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    OTP_ENROLLED = "auth.otp_enrolled", _("Second factor enrolled")
    OTP_FAILED = "auth.otp_failed", _("Second factor failed")
    TOKEN_CREATED = "auth.token_created", _("API token created")
    TOKEN_REVOKED = "auth.token_revoked", _("API token revoked")
    PERMISSION_DENIED = "auth.permission_denied", _("Permission denied")
    EXPORTED = "data.exported", _("Data exported")
    FILE_UPLOADED = "file.uploaded", _("File uploaded")
    FILE_DOWNLOADED = "file.downloaded", _("File downloaded")
    CREATED = "object.created", _("Created")
    UPDATED = "object.updated", _("Updated")
    DELETED = "object.deleted", _("Deleted")
    STATUS_CHANGED = "object.status_changed", _("Status changed")
    IMPORTED = "data.imported", _("Data imported")
    USER_ROLES_CHANGED = "user.roles_changed", _("Roles changed")
    USER_DEACTIVATED = "user.deactivated", _("User deactivated")
    USER_ACTIVATED = "user.activated", _("User activated")
    USER_UNLOCKED = "user.unlocked", _("User unlocked")
