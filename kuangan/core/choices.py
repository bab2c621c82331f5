"""Choices of the core app, and ``ChoiceSet``: choices that carry their presentation.

A status's label, badge colour and icon are declared once, on the choice (as NetBox's
``ChoiceSet``), and every ledger, object page, template, export and history reads them from
there::

    class HazardStatus(ChoiceSet):
        REPORTED = "reported", _("Reported"), "secondary", "alert-triangle"
        CLOSED = "closed", _("Closed"), "green", "circle-check"

    HazardStatus.colour("closed")   # "green" (a Tabler colour)
    HazardStatus.css("closed")      # "bg-green-lt" (the badge's css class)
    HazardStatus.badge("closed")    # <span class="badge bg-green-lt">…已销号</span>

Templates: ``{% load choices %}{{ object.status|badge:"hazards.HazardStatus" }}``;
ledger columns: ``Column("status", …, badge=HazardStatus)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models.enums import ChoicesType
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

# The colour meanings of the system (DESIGN.md, UI conventions): red = major / overdue /
# refused, orange = due soon / pending review, green = closed / compliant / accepted,
# secondary (grey) = draft / not started; the others tell kinds apart. Tabler's palette, with
# the hex value used where a colour leaves the browser (Excel exports): (fill, text on it).
COLOURS: dict[str, tuple[str, str]] = {
    "red": ("#D63939", "#FFFFFF"),
    "orange": ("#F76707", "#FFFFFF"),
    "yellow": ("#F59F00", "#1D273B"),
    "green": ("#2FB344", "#FFFFFF"),
    "blue": ("#206BC4", "#FFFFFF"),
    "azure": ("#4299E1", "#FFFFFF"),
    "indigo": ("#4263EB", "#FFFFFF"),
    "purple": ("#AE3EC9", "#FFFFFF"),
    "pink": ("#D6336C", "#FFFFFF"),
    "lime": ("#74B816", "#FFFFFF"),
    "teal": ("#0CA678", "#FFFFFF"),
    "cyan": ("#17A2B8", "#FFFFFF"),
    "secondary": ("#667382", "#FFFFFF"),
    "dark": ("#1D273B", "#FFFFFF"),
}
DEFAULT_COLOUR = "secondary"

# Every ChoiceSet by "<app>.<ClassName>" (``hazards.HazardStatus``), for the template filters.
CHOICE_SETS: dict[str, type[ChoiceSet]] = {}


class ChoiceSetType(ChoicesType):
    """Members are declared ``NAME = value, label, colour[, icon]``: the colour is one of
    ``COLOURS`` (a Tabler colour), the icon a Tabler icon name without ``ti-``."""

    def __new__(metacls, classname, bases, classdict, **kwds):
        presentation = {}
        for key in list(classdict._member_names):
            declared = classdict[key]
            if not isinstance(declared, tuple) or len(declared) not in (3, 4):
                raise TypeError(
                    f"{classname}.{key}: declare a choice as (value, label, colour[, icon])."
                )
            value, label, colour, *icon = declared
            if colour not in COLOURS:
                raise TypeError(f"{classname}.{key}: unknown colour {colour!r}.")
            presentation[key] = (colour, icon[0] if icon else "")
            dict.__setitem__(classdict, key, (value, label))
        cls = super().__new__(metacls, classname, bases, classdict, **kwds)
        for key, (colour, icon) in presentation.items():
            member = cls[key]
            member._colour_ = colour
            member._icon_ = icon
        if presentation:
            module = cls.__module__.split(".")
            app = module[1] if module[0] == "kuangan" and len(module) > 1 else module[0]
            CHOICE_SETS[f"{app}.{classname}"] = cls
        return cls


if TYPE_CHECKING:  # django-stubs knows the members of ChoicesType's classes, not of ours
    _ChoiceSetMeta = ChoicesType
else:
    _ChoiceSetMeta = ChoiceSetType


class ChoiceSet(models.TextChoices, metaclass=_ChoiceSetMeta):
    """``TextChoices`` whose members carry their badge colour and icon. The accessors take a
    member or a stored value; an unknown or empty value gets the neutral grey and its own text
    as label, so an old value in the audit log still renders."""

    @classmethod
    def member(cls, value) -> ChoiceSet | None:
        try:
            return cls(value)
        except ValueError:
            return None

    @classmethod
    def label_of(cls, value) -> str:
        member = cls.member(value)
        return str(member.label) if member is not None else str(value or "")

    @classmethod
    def colour(cls, value) -> str:
        member = cls.member(value)
        return str(getattr(member, "_colour_", DEFAULT_COLOUR))

    @classmethod
    def icon(cls, value) -> str:
        member = cls.member(value)
        return str(getattr(member, "_icon_", ""))

    @classmethod
    def css(cls, value) -> str:
        """The css class of the value's badge (Tabler's light badge of its colour)."""
        return f"bg-{cls.colour(value)}-lt"

    @classmethod
    def hex(cls, value) -> tuple[str, str]:
        """(fill, text) hex colours of the value, for exports."""
        return COLOURS[cls.colour(value)]

    @classmethod
    def badge(cls, value, extra: str = "", label=None) -> SafeString:
        """The value's badge: ``<span class="badge …"><i class="ti ti-…"></i> label</span>``.
        ``label`` replaces the choice's label (a count, a date)."""
        text = cls.label_of(value) if label is None else label
        css = f"badge {cls.css(value)} {extra}".strip()
        icon = cls.icon(value)
        if icon:
            return format_html(
                '<span class="{}"><i class="ti ti-{}"></i> {}</span>', css, icon, text
            )
        return format_html('<span class="{}">{}</span>', css, text)


def choice_set(ref) -> type[ChoiceSet]:
    """A ChoiceSet given itself or its name (``"hazards.HazardStatus"``)."""
    if isinstance(ref, type) and issubclass(ref, ChoiceSet):
        return ref
    try:
        return CHOICE_SETS[str(ref)]
    except KeyError:
        raise LookupError(f"No ChoiceSet named {ref!r}.") from None


def badge(choices, value, extra: str = "", label=None) -> SafeString:
    """The badge of ``value`` of the ChoiceSet ``choices`` (a class or its name)."""
    return choice_set(choices).badge(value, extra, label)


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class OrganizationKind(ChoiceSet):
    REGULATOR = "regulator", _("Regulator"), "blue"
    ENTERPRISE = "enterprise", _("Mining enterprise"), "azure"
    AGENCY = "agency", _("Service agency"), "purple"
    GOVERNMENT = "government", _("Local government"), "teal"


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
    PASSWORD_RESET_REQUESTED = "auth.password_reset_requested", _("Password reset requested")
    PASSWORD_RESET_APPROVED = "auth.password_reset_approved", _("Password reset approved")
    PASSWORD_RESET_REFUSED = "auth.password_reset_refused", _("Password reset refused")
    TOKEN_CREATED = "auth.token_created", _("API token created")
    TOKEN_REVOKED = "auth.token_revoked", _("API token revoked")
    PERMISSION_DENIED = "auth.permission_denied", _("Permission denied")
    SCOPE_DENIED = "auth.scope_denied", _("Access outside jurisdiction refused")
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
