"""Verbs of the campaigns app per role."""

from kuangan.core.choices import Role

_VIEW = ["campaigns.view_campaign", "campaigns.view_phase"]

ROLE_PERMISSIONS = {
    Role.PROVINCE_ADMIN: [
        *_VIEW,
        "campaigns.add_campaign",
        "campaigns.change_campaign",
        "campaigns.add_phase",
        "campaigns.change_phase",
    ],
    Role.REGULATOR_LEADER: list(_VIEW),
    Role.REGULATOR_INSPECTOR: list(_VIEW),
    Role.ENTERPRISE_PRINCIPAL: list(_VIEW),
    Role.ENTERPRISE_SAFETY_OFFICER: list(_VIEW),
    Role.GROUP_INSPECTOR: list(_VIEW),
    Role.GOVERNMENT_USER: list(_VIEW),
}
