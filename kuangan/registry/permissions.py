"""Verbs of the registry per role (rows are decided by ``visible_to``)."""

from kuangan.core.choices import Role

_VIEW = [
    "registry.view_mine",
    "registry.view_enterprise",
    "registry.view_minehistory",
    "registry.view_watchduty",
    "registry.view_changerequest",
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
        "registry.decide_changerequest",
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
        "registry.decide_changerequest",
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
        "registry.decide_changerequest",
    ],
    # Enterprises keep their contacts; the facts that decide jurisdiction, scope and rules are
    # the regulator's (``Mine.ownership``): the enterprise asks for their change.
    Role.ENTERPRISE_PRINCIPAL: [
        *_VIEW,
        "registry.change_mine",
        "registry.change_enterprise",
        "registry.add_changerequest",
    ],
    Role.ENTERPRISE_SAFETY_OFFICER: [*_VIEW, "registry.change_mine", "registry.add_changerequest"],
    Role.GROUP_INSPECTOR: list(_VIEW),
    Role.GOVERNMENT_USER: list(_VIEW),
}
