"""Verbs of the registry per role (rows are decided by ``visible_to``)."""

from kuangan.core.choices import Role

_VIEW = [
    "registry.view_mine",
    "registry.view_enterprise",
    "registry.view_minehistory",
    "registry.view_watchduty",
]

ROLE_PERMISSIONS = {
    Role.PROVINCE_ADMIN: [
        *_VIEW,
        "registry.add_mine",
        "registry.change_mine",
        "registry.set_regulator_concern",
        "registry.export_mine",
        "registry.import_mines",
        "registry.add_enterprise",
        "registry.change_enterprise",
        "registry.add_watchduty",
        "registry.change_watchduty",
        "registry.view_licencereminder",
    ],
    Role.REGULATOR_LEADER: [
        *_VIEW,
        "registry.add_mine",
        "registry.import_mines",
        "registry.add_enterprise",
        "registry.change_enterprise",
        "registry.change_mine",
        "registry.set_regulator_concern",
        "registry.export_mine",
        "registry.add_watchduty",
        "registry.change_watchduty",
        "registry.view_licencereminder",
    ],
    Role.REGULATOR_INSPECTOR: [
        *_VIEW,
        "registry.add_mine",
        "registry.import_mines",
        "registry.add_enterprise",
        "registry.change_enterprise",
        "registry.change_mine",
        "registry.set_regulator_concern",
        "registry.export_mine",
        "registry.add_watchduty",
        "registry.change_watchduty",
        "registry.view_licencereminder",
    ],
    # Enterprises keep their own mines' registry data, but not the regulator's judgement.
    Role.ENTERPRISE_PRINCIPAL: [*_VIEW, "registry.change_mine", "registry.change_enterprise"],
    Role.ENTERPRISE_SAFETY_OFFICER: [*_VIEW, "registry.change_mine"],
    Role.GROUP_INSPECTOR: list(_VIEW),
    Role.GOVERNMENT_USER: list(_VIEW),
}
